"""Query/Retrieve and N-ACTION interoperability with pynetdicom (oracle, in-process threads).

Our SCU (c_find, c_move, c_get, n_action) against a pynetdicom SCP, and pynetdicom's SCU
(send_c_find, send_c_move, send_c_get with SCP role selection, send_n_action) against our SCP
(the file store as back end). Retrieved instances are compared with what was stored
through the DICOM JSON model.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from qr_archive import CT, MR, filled_storage, move_destination, slow_patient_matches
from qr_archive import INSTANCES as ARCHIVE
from qr_archive import make as make_instance

from dicomgen.archive import query_retrieve as qr
from dicomgen.archive.files import part10_header
from dicomgen.core.dataset import Dataset
from dicomgen.encoding.json import to_json
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse.find import (
    PATIENT_ROOT_FIND,
    PATIENT_ROOT_GET,
    PATIENT_ROOT_MOVE,
    STUDY_ROOT_FIND,
    STUDY_ROOT_GET,
    STUDY_ROOT_MOVE,
    c_find,
)
from dicomgen.net.dimse.get import ReceivedInstances, add_get_contexts, c_get
from dicomgen.net.dimse.move import c_move
from dicomgen.net.dimse.normalized import NEvent, n_action

pynetdicom = pytest.importorskip("pynetdicom")
pydicom = pytest.importorskip("pydicom")
from pynetdicom import AE as PAE  # noqa: E402
from pynetdicom import build_role, evt  # noqa: E402

pytestmark = [pytest.mark.interop, pytest.mark.timeout(90)]

FAST = Timeouts(connect=5, acse=5, dimse=10, idle=20, artim=2)
EXPLICIT_LE = "1.2.840.10008.1.2.1"
COMMITMENT = "1.2.840.10008.1.20.1"
COMMITMENT_INSTANCE = "1.2.840.10008.1.20.1.1"

#: four of the shared Q/R archive's instances (two patients, three studies, one per series)
INSTANCES = [ARCHIVE[i] for i in (0, 2, 3, 4)]


def make(row: tuple) -> Dataset:
    """The data set of an archive row, without Instance Number."""
    return make_instance(row, instance_number=False)


def as_pydicom(ds: Dataset) -> Any:
    """The same instance as a pydicom Dataset (through Part 10 bytes)."""
    data = part10_header(str(ds.SOPClassUID), str(ds.SOPInstanceUID), EXPLICIT_LE)
    data += encode_dataset(ds, EXPLICIT_LE)
    return pydicom.dcmread(io.BytesIO(data))


def expected_json(uids: set[str]) -> dict[str, Any]:
    return {r[7]: to_json(make(r)) for r in INSTANCES if r[7] in uids}


def run(coro: Any, timeout: float = 40.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


# --- our SCU -> pynetdicom SCP ------------------------------------------------------------------


@pytest.fixture(scope="module")
def our_destination():
    with move_destination("DGDEST", FAST) as (server, received):
        yield server.port, received


def _matches(identifier: Any, *, per_entity: bool = False) -> list[tuple]:
    """Instances under the identifier's unique keys (one per study with ``per_entity``)."""
    level = identifier.QueryRetrieveLevel
    rows = INSTANCES
    for attr, col in (("PatientID", 0), ("StudyInstanceUID", 2), ("SeriesInstanceUID", 4)):
        value = getattr(identifier, attr, None)
        if value:
            rows = [r for r in rows if r[col] == str(value)]
    if per_entity and level == "STUDY":
        seen = {}
        for r in rows:
            seen.setdefault(r[2], r)
        rows = list(seen.values())
    return rows


@pytest.fixture(scope="module")
def their_scp(our_destination):
    dest_port, _ = our_destination
    seen: dict[str, Any] = {}

    def on_find(event: Any) -> Any:
        for r in _matches(event.identifier, per_entity=True):
            if event.is_cancelled:
                yield 0xFE00, None
                return
            out = pydicom.Dataset()
            out.QueryRetrieveLevel = event.identifier.QueryRetrieveLevel
            out.PatientID = r[0]
            out.StudyInstanceUID = r[2]
            out.StudyDate = r[3]
            yield 0xFF00, out

    def on_move(event: Any) -> Any:
        seen["move_destination"] = event.move_destination
        yield "127.0.0.1", dest_port
        rows = _matches(event.identifier)
        yield len(rows)
        for r in rows:
            yield 0xFF00, as_pydicom(make(r))

    def on_get(event: Any) -> Any:
        rows = _matches(event.identifier)
        yield len(rows)
        for r in rows:
            yield 0xFF00, as_pydicom(make(r))

    def on_action(event: Any) -> Any:
        info = event.action_information
        seen["action"] = (event.action_type, str(info.TransactionUID))
        reply = pydicom.Dataset()
        reply.TransactionUID = info.TransactionUID
        return 0x0000, reply

    ae = PAE(ae_title="PYQR")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    for uid in (
        PATIENT_ROOT_FIND,
        PATIENT_ROOT_MOVE,
        PATIENT_ROOT_GET,
        STUDY_ROOT_FIND,
        STUDY_ROOT_MOVE,
        STUDY_ROOT_GET,
        COMMITMENT,
    ):
        ae.add_supported_context(uid)
    for cls in (CT, MR):
        ae.add_supported_context(cls, scu_role=True, scp_role=True)
        ae.add_requested_context(cls)  # for the C-MOVE sub-association
    handlers = [
        (evt.EVT_C_FIND, on_find),
        (evt.EVT_C_MOVE, on_move),
        (evt.EVT_C_GET, on_get),
        (evt.EVT_N_ACTION, on_action),
    ]
    server = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers)
    try:
        yield server.socket.getsockname()[1], seen
    finally:
        server.shutdown()


def test_our_find_against_pynetdicom(their_scp) -> None:
    port, _ = their_scp

    async def go() -> list:
        ae = AE("DGSCU", timeouts=FAST)
        ae.add_requested_context(PATIENT_ROOT_FIND)
        async with ae.associate("127.0.0.1", port, "PYQR") as assoc:
            ident = {"QueryRetrieveLevel": "STUDY", "PatientID": "PAT1", "StudyInstanceUID": ""}
            return await c_find(assoc, ident, "PATIENT").collect()

    rs = run(go())
    assert rs[-1] == (0, None)
    assert {(str(d.StudyInstanceUID), str(d.StudyDate)) for _, d in rs[:-1]} == {
        (r[2], r[3]) for r in INSTANCES if r[0] == "PAT1"
    }


def test_our_move_against_pynetdicom(their_scp, our_destination) -> None:
    port, seen = their_scp
    _, received = our_destination
    received.instances.clear()

    async def go() -> list:
        ae = AE("DGSCU", timeouts=FAST)
        ae.add_requested_context(STUDY_ROOT_MOVE)
        async with ae.associate("127.0.0.1", port, "PYQR") as assoc:
            ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.1.1"}
            return await c_move(assoc, ident, "DGDEST", "STUDY").collect()

    rs = run(go())
    want = {r[7] for r in INSTANCES if r[2] == "1.2.826.0.1.1"}
    assert rs[-1].status == 0 and rs[-1].completed == len(want) and rs[-1].failed == 0
    assert seen["move_destination"].strip() == "DGDEST"
    got = {
        i.sop_instance_uid: to_json(decode_dataset(i.data, i.transfer_syntax))
        for i in received.instances
    }
    assert got == expected_json(want)


def test_our_get_against_pynetdicom(their_scp) -> None:
    port, _ = their_scp

    async def go() -> tuple:
        ae = AE("DGSCU", timeouts=FAST)
        add_get_contexts(ae, "PATIENT", [CT, MR])
        received = ReceivedInstances()
        async with ae.associate("127.0.0.1", port, "PYQR", handlers={"C-STORE": received}) as assoc:
            ident = {"QueryRetrieveLevel": "PATIENT", "PatientID": "PAT1"}
            return await c_get(assoc, ident, "PATIENT").collect(), received

    rs, received = run(go())
    want = {r[7] for r in INSTANCES if r[0] == "PAT1"}
    assert rs[-1].status == 0 and rs[-1].completed == len(want)
    got = {
        i.sop_instance_uid: to_json(ds) for i, ds in zip(received.instances, received.datasets())
    }
    assert got == expected_json(want)


def test_our_n_action_against_pynetdicom(their_scp) -> None:
    port, seen = their_scp

    async def go() -> Any:
        ae = AE("DGSCU", timeouts=FAST)
        ae.add_requested_context(COMMITMENT)
        async with ae.associate("127.0.0.1", port, "PYQR") as assoc:
            info = {"TransactionUID": "1.2.3.99"}
            return await n_action(assoc, COMMITMENT, COMMITMENT_INSTANCE, 1, info)

    rsp = run(go())
    assert rsp.status == 0 and str(rsp.dataset.TransactionUID) == "1.2.3.99"
    assert seen["action"] == (1, "1.2.3.99")


# --- pynetdicom SCU -> our SCP ------------------------------------------------------------------


@pytest.fixture(scope="module")
def our_scp(tmp_path_factory, our_destination):
    storage = filled_storage(
        tmp_path_factory.mktemp("qr") / "store", INSTANCES, instance_number=False
    )
    actions: list[tuple] = []

    def on_action(event: NEvent) -> Any:
        actions.append((event.action_type_id, str(event.request_dataset.TransactionUID)))
        reply = Dataset()
        reply.TransactionUID = event.request_dataset.TransactionUID
        return 0, reply

    ae = AE("DGQR", timeouts=FAST)
    qr.add_contexts(ae, storage_sop_classes=[CT, MR])
    ae.add_supported_context(COMMITMENT)
    handlers = qr.install(
        {"N-ACTION": on_action}, storage, {"DGDEST": ("127.0.0.1", our_destination[0])}
    )
    server = ae.serve_sync(("127.0.0.1", 0), handlers)
    try:
        yield server.port, actions
    finally:
        server.shutdown()
        storage.close()


def their_scu(*contexts: str) -> Any:
    ae = PAE(ae_title="PYSCU")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    for c in contexts:
        ae.add_requested_context(c)
    return ae


def test_pynetdicom_find_against_ours(our_scp) -> None:
    port, _ = our_scp
    assoc = their_scu(STUDY_ROOT_FIND).associate("127.0.0.1", port, ae_title="DGQR")
    assert assoc.is_established
    try:
        ident = pydicom.Dataset()
        ident.QueryRetrieveLevel = "SERIES"
        ident.StudyInstanceUID = "1.2.826.0.1.1"
        ident.SeriesInstanceUID = ""
        ident.Modality = ""
        results = list(assoc.send_c_find(ident, STUDY_ROOT_FIND))
    finally:
        assoc.release()
    statuses = [int(s.Status) for s, _ in results]
    assert statuses[-1] == 0 and set(statuses[:-1]) == {0xFF00}
    assert {(str(d.SeriesInstanceUID), d.Modality) for _, d in results[:-1]} == {
        (r[4], r[5]) for r in INSTANCES if r[2] == "1.2.826.0.1.1"
    }


def test_pynetdicom_move_against_ours(our_scp, our_destination) -> None:
    port, _ = our_scp
    _, received = our_destination
    received.instances.clear()
    assoc = their_scu(PATIENT_ROOT_MOVE).associate("127.0.0.1", port, ae_title="DGQR")
    assert assoc.is_established
    try:
        ident = pydicom.Dataset()
        ident.QueryRetrieveLevel = "PATIENT"
        ident.PatientID = "PAT2"
        results = list(assoc.send_c_move(ident, "DGDEST", PATIENT_ROOT_MOVE))
    finally:
        assoc.release()
    final = results[-1][0]
    assert int(final.Status) == 0 and int(final.NumberOfCompletedSuboperations) == 1
    got = {
        i.sop_instance_uid: to_json(decode_dataset(i.data, i.transfer_syntax))
        for i in received.instances
    }
    assert got == expected_json({r[7] for r in INSTANCES if r[0] == "PAT2"})


def test_pynetdicom_get_against_ours(our_scp) -> None:
    port, _ = our_scp
    received: list[Any] = []

    def on_store(event: Any) -> int:
        # the data set bytes as received, in the context's transfer syntax
        received.append(
            decode_dataset(event.request.DataSet.getvalue(), event.context.transfer_syntax)
        )
        return 0x0000

    ae = their_scu(STUDY_ROOT_GET, CT, MR)
    roles = [build_role(CT, scp_role=True), build_role(MR, scp_role=True)]
    assoc = ae.associate(
        "127.0.0.1",
        port,
        ae_title="DGQR",
        ext_neg=roles,
        evt_handlers=[(evt.EVT_C_STORE, on_store)],
    )
    assert assoc.is_established
    try:
        ident = pydicom.Dataset()
        ident.QueryRetrieveLevel = "STUDY"
        ident.StudyInstanceUID = "1.2.826.0.1.1"
        results = list(assoc.send_c_get(ident, STUDY_ROOT_GET))
    finally:
        assoc.release()
    final = results[-1][0]
    want = {r[7] for r in INSTANCES if r[2] == "1.2.826.0.1.1"}
    assert int(final.Status) == 0 and int(final.NumberOfCompletedSuboperations) == len(want)
    got = {str(d.SOPInstanceUID): to_json(d) for d in received}
    assert got == expected_json(want)


def test_pynetdicom_n_action_against_ours(our_scp) -> None:
    port, actions = our_scp
    assoc = their_scu(COMMITMENT).associate("127.0.0.1", port, ae_title="DGQR")
    assert assoc.is_established
    try:
        info = pydicom.Dataset()
        info.TransactionUID = "1.2.3.77"
        status, reply = assoc.send_n_action(info, 1, COMMITMENT, COMMITMENT_INSTANCE)
    finally:
        assoc.release()
    assert int(status.Status) == 0
    assert str(reply.TransactionUID) == "1.2.3.77"
    assert actions == [(1, "1.2.3.77")]


# --- C-CANCEL in both directions ---------------------------------------------------------------


def test_our_cancel_against_pynetdicom_scp() -> None:
    import time as _time

    def slow_find(event: Any) -> Any:
        for i in range(40):
            if event.is_cancelled:
                yield 0xFE00, None
                return
            out = pydicom.Dataset()
            out.QueryRetrieveLevel = "PATIENT"
            out.PatientID = f"P{i}"
            yield 0xFF00, out
            _time.sleep(0.05)

    ae = PAE(ae_title="PYQR")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    ae.add_supported_context(PATIENT_ROOT_FIND)
    server = ae.start_server(
        ("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_FIND, slow_find)]
    )
    try:
        port = server.socket.getsockname()[1]

        async def go() -> list[int]:
            ours = AE("DGSCU", timeouts=FAST)
            ours.add_requested_context(PATIENT_ROOT_FIND)
            async with ours.associate("127.0.0.1", port, "PYQR") as assoc:
                stream = c_find(assoc, {"QueryRetrieveLevel": "PATIENT", "PatientID": ""}, "P")
                statuses = []
                async for status, _ in stream:
                    statuses.append(status)
                    if len(statuses) == 1:
                        await stream.cancel()
                return statuses

        statuses = run(go())
    finally:
        server.shutdown()
    assert statuses[0] == 0xFF00 and statuses[-1] == 0xFE00 and len(statuses) < 40


def test_pynetdicom_cancel_against_our_scp() -> None:
    slow = slow_patient_matches(40)

    ours = AE("DGQR", timeouts=FAST)
    ours.add_supported_context(PATIENT_ROOT_FIND)
    with ours.serve_sync(("127.0.0.1", 0), {"C-FIND": slow}) as server:
        assoc = their_scu(PATIENT_ROOT_FIND).associate("127.0.0.1", server.port, ae_title="DGQR")
        assert assoc.is_established
        try:
            ident = pydicom.Dataset()
            ident.QueryRetrieveLevel = "PATIENT"
            ident.PatientID = ""
            statuses = []
            responses = assoc.send_c_find(ident, PATIENT_ROOT_FIND)
            for status, _ in responses:
                statuses.append(int(status.Status))
                if len(statuses) == 1:
                    # Message ID 1 is the first request of this association
                    assoc.send_c_cancel(1, query_model=PATIENT_ROOT_FIND)
        finally:
            assoc.release()
    assert statuses[0] == 0xFF00 and statuses[-1] == 0xFE00 and len(statuses) < 40
