"""PS3.8 Table 9-10, cell by cell, against the published DocBook (part08.xml, xml:id
table_9-10): the data in :mod:`dicomgen.net.ul.fsm` and the behaviour of the provider.

The expected action and next state of every cell are read from the XML in the test; the
expected side effects of each action are read from the action definitions (Tables 9-6..9-9).
"""

from __future__ import annotations

import asyncio
import re

import pytest

from dicomgen.core.errors import NetworkError, PDUError
from dicomgen.net.pdu import (
    PDV,
    Abort,
    AbortReason,
    AbortSource,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
    PresentationContextRQItem,
    ReleaseRP,
    ReleaseRQ,
    decode_pdu,
)
from dicomgen.net.ul import provider as prov
from dicomgen.net.ul.fsm import TRANSITIONS, Action, Event, State, transition

EDITION = "2020c"


@pytest.fixture(scope="module")
def part08(docbook):
    return docbook(8, EDITION)


@pytest.fixture(scope="module")
def xml_table(part08):
    from dicomgen_codegen.docbook.tables import get_table

    return get_table(part08, "table_9-10")


@pytest.fixture(scope="module")
def xml_actions(part08) -> dict[str, str]:
    from dicomgen_codegen.docbook.tables import get_table

    out = {}
    for xml_id in ("table_9-6", "table_9-7", "table_9-8", "table_9-9"):
        for row in get_table(part08, xml_id).rows:
            label, definition = row.texts()[:2]
            out[label.strip()] = definition
    return out


def _parse_cell(text: str) -> tuple[str, tuple[int, ...]] | None:
    """'AE-6 Sta3 or 13' -> ('AE-6', (3, 13)); '' -> None."""
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"(A[EAR]-\d+|DT-\d+)\s+Sta\s*(\d+)(?:\s+or\s+(\d+))?", text, re.I)
    assert m, f"unparsed Table 9-10 cell {text!r}"
    nexts = tuple(int(g) for g in m.groups()[1:] if g)
    return m.group(1).upper(), nexts


def _xml_cell(xml_table, state: State, event: Event):
    row = xml_table.rows[event.number - 1]
    return _parse_cell(row.texts()[state.number])


def test_table_shape(xml_table) -> None:
    assert xml_table.header[1:] == tuple(f"Sta{s.number}" for s in State)
    assert [r.texts()[0] for r in xml_table.rows] == [e.value for e in Event]


def test_action_definitions_match(xml_actions) -> None:
    assert set(xml_actions) == {a.label for a in Action}


ALL_CELLS = [(s, e) for e in Event for s in State]


@pytest.mark.parametrize("state,event", ALL_CELLS, ids=lambda x: x.name)
def test_cell_data(xml_table, state: State, event: Event) -> None:
    expected = _xml_cell(xml_table, state, event)
    if expected is None:
        assert (state, event) not in TRANSITIONS
        with pytest.raises(NetworkError):
            transition(state, event)
        return
    cell = transition(state, event)
    assert cell.action.label == expected[0]
    assert tuple(s.number for s in cell.next_states) == expected[1]


# --- behaviour: the provider executes each cell -------------------------------------------


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False
        self.peer = None

    def write(self, data: bytes) -> None:
        assert not self.closed, "write after close"
        self.sent.append(data)

    async def drain(self, timeout: float | None) -> None:
        return None

    def close(self) -> None:
        self.closed = True


RQ = AssociateRQ(
    called_ae_title="B",
    calling_ae_title="A",
    presentation_contexts=[
        PresentationContextRQItem(1, "1.2.840.10008.1.1", ["1.2.840.10008.1.2"])
    ],
)
AC = AssociateAC(called_ae_title="B", calling_ae_title="A")
RJ = AssociateRJ(1, 1, 1)
PDATA = PDataTF([PDV(1, True, True, b"\0\0")])

PAYLOADS = {
    Event.EVT3: {"pdu": AC},
    Event.EVT4: {"pdu": RJ},
    Event.EVT6: {"pdu": RQ},
    Event.EVT7: {"pdu": AC},
    Event.EVT8: {"pdu": RJ},
    Event.EVT9: {"pdu": PDATA},
    Event.EVT10: {"pdu": PDATA},
    Event.EVT12: {"pdu": ReleaseRQ()},
    Event.EVT13: {"pdu": ReleaseRP()},
    Event.EVT16: {"pdu": Abort(AbortSource.SERVICE_USER, 0)},
    Event.EVT19: {"error": PDUError("bad", reason=AbortReason.INVALID_PDU_PARAMETER_VALUE)},
}

# the PDU each "Send ... PDU" / "Issue ... PDU" phrase of an action definition names
SENT_PHRASES = {
    "A-ASSOCIATE-RQ": AssociateRQ,
    "A-ASSOCIATE-AC": AssociateAC,
    "A-ASSOCIATE-RJ": AssociateRJ,
    "P-DATA-TF": PDataTF,
    "A-RELEASE-RQ": ReleaseRQ,
    "A-RELEASE-RP": ReleaseRP,
    "A-ABORT PDU": Abort,
}


def _expected_effects(definition: str) -> tuple[set[type], bool | None, bool, bool]:
    """(PDU types sent, ARTIM running after (None = not said), indication issued, closed)."""
    d = definition
    sent = {
        kind
        for phrase, kind in SENT_PHRASES.items()
        if re.search(rf"(Send|Issue)\s+{re.escape(phrase)}", d, re.I)
    }
    artim: bool | None = None
    if re.search(r"start (\(or restart if already started\) )?ARTIM", d, re.I):
        artim = True
    elif re.search(r"stop ARTIM", d, re.I):
        artim = False
    indication = bool(
        re.search(r"(indication|confirmation)( \(\w+\))? primitive|indication", d, re.I)
    ) and not re.search(r"Issue Transport connection response", d, re.I)
    closed = bool(re.search(r"close transport connection", d, re.I))
    return sent, artim, indication, closed


def _run_cell(state: State, event: Event, *, requestor: bool, rq: AssociateRQ = RQ):
    async def go():
        ul = prov.UpperLayer(prov.ULConfig(artim_timeout=60), requestor=requestor)
        ul.transport = FakeTransport()  # type: ignore[assignment]
        ul.state = state
        ul._pending_rq = rq
        payload = dict(PAYLOADS.get(event, {}))
        if event is Event.EVT6:
            payload["pdu"] = rq
        ul._dispatch(event, **payload)
        artim = ul.artim.running
        ul.artim.stop()
        indications = []
        while not ul.indications.empty():
            indications.append(ul.indications.get_nowait())
        return ul, artim, indications

    return asyncio.run(go())


CONDITIONAL = {"AE-6", "AR-8"}


@pytest.mark.parametrize("state,event", ALL_CELLS, ids=lambda x: x.name)
def test_cell_behaviour(xml_table, xml_actions, state: State, event: Event) -> None:
    expected = _xml_cell(xml_table, state, event)
    if expected is None:

        async def go() -> None:
            ul = prov.UpperLayer(requestor=True)
            ul.state = state
            with pytest.raises(NetworkError):
                ul._dispatch(event, **PAYLOADS.get(event, {}))
            assert ul.state is state

        asyncio.run(go())
        return
    label, nexts = expected
    if label in CONDITIONAL:  # the outcome picks one of the next states
        for requestor in (True, False):
            ul, _, _ = _run_cell(state, event, requestor=requestor)
            assert ul.history[-1][2].label == label and ul.state.number in nexts
        return
    ul, artim, indications = _run_cell(state, event, requestor=True)
    assert ul.history[-1][2].label == label
    assert ul.state.number == nexts[0]
    sent_types, artim_expected, indication_expected, closed_expected = _expected_effects(
        xml_actions[label]
    )
    sent = [type(decode_pdu(b)) for b in ul.transport.sent]
    assert set(sent) == sent_types, (label, sent)
    if artim_expected is not None:
        assert artim is artim_expected
    ind = [i for i in indications if not isinstance(i, prov.Closed)]
    assert bool(ind) == indication_expected, (label, indications)
    if closed_expected or ul.state is State.STA1:
        assert ul.transport.closed
    else:
        assert not ul.transport.closed


def test_conditional_actions(xml_table) -> None:
    # AE-6, Sta2 + Evt6: acceptable -> Sta3 with an indication; otherwise RJ and Sta13
    assert _xml_cell(xml_table, State.STA2, Event.EVT6) == ("AE-6", (3, 13))
    ul, artim, inds = _run_cell(State.STA2, Event.EVT6, requestor=False)
    assert ul.state is State.STA3 and not artim and isinstance(inds[0], prov.AssociateIndication)
    bad = AssociateRQ(
        called_ae_title="B",
        calling_ae_title="A",
        protocol_version=2,
        presentation_contexts=RQ.presentation_contexts,
    )
    ul, artim, inds = _run_cell(State.STA2, Event.EVT6, requestor=False, rq=bad)
    assert ul.state is State.STA13 and artim
    (rj,) = [decode_pdu(b) for b in ul.transport.sent]
    assert rj == AssociateRJ(1, 2, 2)  # permanent, ACSE, protocol version not supported
    # AR-8, Sta7 + Evt12: release collision -> Sta9 (requestor) or Sta10 (acceptor)
    assert _xml_cell(xml_table, State.STA7, Event.EVT12) == ("AR-8", (9, 10))
    ul, _, inds = _run_cell(State.STA7, Event.EVT12, requestor=True)
    assert ul.state is State.STA9 and inds == [prov.ReleaseIndication(collision=True)]
    ul, _, inds = _run_cell(State.STA7, Event.EVT12, requestor=False)
    assert ul.state is State.STA10


def test_abort_sources() -> None:
    # AA-1 on a local A-ABORT request: service-user source (PS3.8 9.3.8)
    ul, _, _ = _run_cell(State.STA6, Event.EVT15, requestor=True)
    assert decode_pdu(ul.transport.sent[0]) == Abort(AbortSource.SERVICE_USER, 0)
    # AA-8 on an invalid PDU: service-provider source with the error's reason
    ul, _, _ = _run_cell(State.STA6, Event.EVT19, requestor=True)
    assert decode_pdu(ul.transport.sent[0]) == Abort(AbortSource.SERVICE_PROVIDER, 6)
    # AA-8 on an unexpected PDU: reason unexpected-PDU
    ul, _, _ = _run_cell(State.STA6, Event.EVT3, requestor=True)
    assert decode_pdu(ul.transport.sent[0]) == Abort(AbortSource.SERVICE_PROVIDER, 2)


def test_artim_expiry_closes() -> None:
    async def go() -> None:
        ul = prov.UpperLayer(prov.ULConfig(artim_timeout=0.05), requestor=False)
        ul.transport = FakeTransport()  # type: ignore[assignment]
        ul._dispatch(Event.EVT5)  # AE-5: ARTIM started, Sta2
        assert ul.state is State.STA2 and ul.artim.running
        await asyncio.wait_for(ul.indications.get(), 2)  # Closed after Evt18 -> AA-2
        assert ul.state is State.STA1 and ul.transport.closed
        assert ul.history[-1][1:3] == (Event.EVT18, Action.AA_2)

    asyncio.run(go())
