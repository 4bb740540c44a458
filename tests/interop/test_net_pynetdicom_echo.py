"""C-ECHO interoperability with pynetdicom (oracle, in-process threads): pynetdicom SCU ->
our SCP and our SCU -> pynetdicom SCP, with rejection, user identity, small PDUs, abort."""

from __future__ import annotations

import time

import pytest

from dicomgen.core.errors import AssociationRejected
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts
from dicomgen.net.pdu import UserIdentityRQSubItem

pynetdicom = pytest.importorskip("pynetdicom")
from pynetdicom import AE as PAE  # noqa: E402
from pynetdicom import evt  # noqa: E402
from pynetdicom.pdu import A_ASSOCIATE_RJ  # noqa: E402
from pynetdicom.pdu_primitives import UserIdentityNegotiation  # noqa: E402

pytestmark = [pytest.mark.interop, pytest.mark.timeout(60)]

FAST = Timeouts(connect=5, acse=5, dimse=5, idle=10, artim=2)


def our_scp(**kw: object) -> AE:
    ae = AE("DGSCP", timeouts=FAST, **kw)  # type: ignore[arg-type]
    ae.add_supported_context(VERIFICATION_SOP_CLASS)
    return ae


def their_scu(title: str = "PYSCU", max_pdu: int = 16382) -> PAE:
    ae = PAE(ae_title=title)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    ae.maximum_pdu_size = max_pdu
    return ae


@pytest.fixture()
def their_scp():
    servers = []

    def start(**attrs: object) -> int:
        ae = PAE(ae_title="PYSCP")
        ae.add_supported_context(VERIFICATION_SOP_CLASS)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
        for k, v in attrs.items():
            setattr(ae, k, v)
        server = ae.start_server(("127.0.0.1", 0), block=False)
        servers.append(server)
        return server.socket.getsockname()[1]

    try:
        yield start
    finally:
        for s in servers:
            s.shutdown()


def test_pynetdicom_scu_to_our_scp() -> None:
    with our_scp().serve_sync(("127.0.0.1", 0)) as server:
        assoc = their_scu().associate("127.0.0.1", server.port, ae_title="DGSCP")
        try:
            assert assoc.is_established
            assert assoc.acceptor.implementation_class_uid == AE("X").implementation_class_uid
            for _ in range(3):
                assert assoc.send_c_echo().Status == 0x0000
        finally:
            assoc.release()
        assert assoc.is_released


def test_pynetdicom_scu_handler_status_and_small_pdu() -> None:
    with our_scp(max_pdu=64).serve_sync(
        ("127.0.0.1", 0), handlers={"C-ECHO": lambda e: 0x0122}
    ) as server:
        assoc = their_scu(max_pdu=64).associate("127.0.0.1", server.port, ae_title="DGSCP")
        try:
            assert assoc.send_c_echo().Status == 0x0122
        finally:
            assoc.release()


def associate_rejected(scu: PAE, port: int, **kw: object) -> list[tuple[int, int, int]]:
    """Associate ``scu`` with our SCP expecting a rejection; return (result, source, reason)
    of every A-ASSOCIATE-RJ it received.

    What pynetdicom received is read in its reactor thread (EVT_PDU_RECV): its
    ``is_rejected`` flag is set by the requesting thread, which races with the reactor
    (pynetdicom 3.0: when the A-ASSOCIATE-RJ arrives and the reactor closes the socket before
    the requesting thread checks ``socket._is_connected``, that thread takes the closed socket
    for a failed connect and aborts; seen about 1 in 50 associations under CPU load)."""
    received: list[tuple[int, int, int]] = []

    def on_pdu(event: object) -> None:
        pdu = event.pdu  # type: ignore[attr-defined]
        if isinstance(pdu, A_ASSOCIATE_RJ):
            received.append((pdu.result, pdu.source, pdu.reason_diagnostic))

    handlers = [(evt.EVT_PDU_RECV, on_pdu)]
    assoc = scu.associate("127.0.0.1", port, ae_title="DGSCP", evt_handlers=handlers, **kw)
    assert not assoc.is_established
    if assoc.is_rejected:  # the requesting thread saw it too (no race): it must agree
        rj = assoc.acceptor.primitive
        assert [(rj.result, rj.result_source, rj.diagnostic)] == received
    return received


def test_pynetdicom_scu_rejected() -> None:
    with our_scp(allowed_calling_aets=["FRIEND"]).serve_sync(("127.0.0.1", 0)) as server:
        assert associate_rejected(their_scu("STRANGER"), server.port) == [(1, 1, 3)]


def test_pynetdicom_user_identity_and_abort() -> None:
    def check(item: UserIdentityRQSubItem, calling: str) -> object:
        return (item.primary_field == b"alice", b"ok")

    with our_scp(user_identity_handler=check).serve_sync(("127.0.0.1", 0)) as server:
        ui = UserIdentityNegotiation()
        ui.user_identity_type = 1
        ui.primary_field = b"alice"
        ui.positive_response_requested = True
        assoc = their_scu().associate("127.0.0.1", server.port, ae_title="DGSCP", ext_neg=[ui])
        assert assoc.is_established
        assert assoc.send_c_echo().Status == 0
        assoc.abort()
        deadline = time.monotonic() + 5
        while server.server.associations and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not server.server.associations
        ui.primary_field = b"mallory"
        # an identity the handler refuses: rejected permanent, service user, no reason given
        assert associate_rejected(their_scu(), server.port, ext_neg=[ui]) == [(1, 1, 1)]


def test_our_scu_to_pynetdicom_scp(their_scp) -> None:
    port = their_scp()
    ae = AE("DGSCU", timeouts=FAST)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    with ae.associate_sync("127.0.0.1", port, "PYSCP") as assoc:
        assert assoc.send_c_echo() == 0
        assert assoc.peer_implementation_class_uid == pynetdicom.PYNETDICOM_IMPLEMENTATION_UID
    assert assoc.is_released


def test_our_scu_with_user_identity_to_pynetdicom(their_scp) -> None:
    port = their_scp()
    ae = AE("DGSCU", timeouts=FAST, max_pdu=128)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    ident = UserIdentityRQSubItem(1, b"bob", b"", False)
    with ae.associate_sync("127.0.0.1", port, "PYSCP", user_identity=ident) as assoc:
        assert assoc.send_c_echo() == 0


def test_our_scu_rejected_by_pynetdicom(their_scp) -> None:
    port = their_scp(require_calling_aet=["SOMEBODY"])
    ae = AE("DGSCU", timeouts=FAST)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    with pytest.raises(AssociationRejected) as e:
        ae.associate_sync("127.0.0.1", port, "PYSCP")
    assert (e.value.context["result"], e.value.context["source"], e.value.context["reason"]) == (
        1,
        1,
        3,
    )


def test_pynetdicom_role_selection_and_async_window() -> None:
    from pynetdicom.pdu_primitives import (
        AsynchronousOperationsWindowNegotiation,
        SCP_SCU_RoleSelectionNegotiation,
    )

    scp = AE("DGSCP", timeouts=FAST, async_operations=(3, 2))
    scp.add_supported_context(VERIFICATION_SOP_CLASS, scp_role=True)
    with scp.serve_sync(("127.0.0.1", 0)) as server:
        role = SCP_SCU_RoleSelectionNegotiation()
        role.sop_class_uid = VERIFICATION_SOP_CLASS
        role.scu_role = True
        role.scp_role = True
        window = AsynchronousOperationsWindowNegotiation()
        window.maximum_number_operations_invoked = 4
        window.maximum_number_operations_performed = 5
        ae = their_scu()
        assoc = ae.associate("127.0.0.1", server.port, ae_title="DGSCP", ext_neg=[role, window])
        try:
            assert assoc.is_established
            (cx,) = assoc.accepted_contexts
            assert cx.as_scu and cx.as_scp  # both roles granted by our acceptor
            # acceptor's answer: invoked min(3, their performed 5), performed min(2, their invoked 4)
            assert assoc.acceptor.asynchronous_operations == (3, 2)
            assert assoc.send_c_echo().Status == 0
        finally:
            assoc.release()
