"""Associations between our requestor and our acceptor on 127.0.0.1: negotiation, C-ECHO,
rejection, release, abort, malformed input, timeouts (PS3.8 7, 9; PS3.7 9.1.5, D.3)."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dicomgen.core.errors import (
    AssociationAborted,
    AssociationRejected,
    DimseError,
    NetworkError,
    NetworkTimeout,
)
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts
from dicomgen.net.contexts import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    ContextDefinition,
    negotiate_contexts,
)
from dicomgen.net.dimse import DimseMessage
from dicomgen.net.pdu import (
    Abort,
    AssociateAC,
    AssociateRJ,
    PresentationContextRQItem,
    RoleSelectionSubItem,
    SOPClassExtendedNegotiationSubItem,
    UserIdentityRQSubItem,
    decode_pdu,
)
from dicomgen_std.commands import CommandSet

pytestmark = pytest.mark.timeout(30)

CT = "1.2.840.10008.5.1.4.1.1.2"
FAST = Timeouts(connect=3, acse=3, dimse=3, idle=5, artim=2)


def run(coro: Awaitable[Any], timeout: float = 20) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def scp_ae(**kw: Any) -> AE:
    ae = AE("SCP", timeouts=kw.pop("timeouts", FAST), **kw)
    ae.add_supported_context(VERIFICATION_SOP_CLASS)
    return ae


def scu_ae(**kw: Any) -> AE:
    ae = AE(kw.pop("title", "SCU"), timeouts=kw.pop("timeouts", FAST), **kw)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    return ae


async def with_server(scp: AE, body: Callable[[Any], Awaitable[Any]], handlers: Any = None) -> Any:
    server = await scp.start_server(("127.0.0.1", 0), handlers)
    try:
        return await body(server)
    finally:
        await server.close()


# --- C-ECHO ---------------------------------------------------------------------------


def test_echo_async() -> None:
    async def body(server: Any) -> None:
        async with scu_ae().associate("127.0.0.1", server.port, "SCP") as assoc:
            assert assoc.is_established
            assert await assoc.send_c_echo() == 0
            assert await assoc.send_c_echo() == 0
            ctx = assoc.accepted_contexts[0]
            assert ctx.transfer_syntax == EXPLICIT_VR_LITTLE_ENDIAN and ctx.as_scu
            assert assoc.peer_max_pdu == 16384
            assert assoc.peer_implementation_class_uid == assoc.ae.implementation_class_uid
        assert assoc.is_released and not assoc.is_established

    run(with_server(scp_ae(), body))


def test_echo_sync_facade() -> None:
    with scp_ae().serve_sync(("127.0.0.1", 0)) as server:
        for _ in range(2):
            with scu_ae().associate_sync("127.0.0.1", server.port, "SCP") as assoc:
                assert assoc.send_c_echo() == 0
        assert assoc.is_released


def test_echo_handler_status_and_event() -> None:
    seen: list[str] = []

    async def on_echo(event: Any) -> int:
        seen.append(event.calling_ae_title)
        return 0x0122

    async def body(server: Any) -> None:
        async with scu_ae(title="CALLER").associate("127.0.0.1", server.port, "SCP") as a:
            assert await a.send_c_echo() == 0x0122

    run(with_server(scp_ae(), body, handlers={"C-ECHO": on_echo}))
    assert seen == ["CALLER"]


def test_small_peer_max_pdu_fragments_messages() -> None:
    async def body(server: Any) -> None:
        async with scu_ae(max_pdu=20).associate("127.0.0.1", server.port, "SCP") as a:
            assert a.peer_max_pdu == 24
            assert await a.send_c_echo() == 0

    run(with_server(scp_ae(max_pdu=24), body))


def test_no_accepted_verification_context() -> None:
    async def body(server: Any) -> None:
        ae = AE("SCU", timeouts=FAST)
        ae.add_requested_context(CT)
        async with ae.associate("127.0.0.1", server.port, "SCP") as a:
            assert a.rejected_contexts[0].result == 3  # abstract syntax not supported
            with pytest.raises(DimseError):
                await a.send_c_echo()

    run(with_server(scp_ae(), body))


def test_unregistered_service_answers_unrecognized_operation() -> None:
    scp = scp_ae()
    scp.add_supported_context("1.2.3.999")

    async def body(server: Any) -> None:
        ae = AE("SCU", timeouts=FAST)
        ae.add_requested_context("1.2.3.999")
        async with ae.associate("127.0.0.1", server.port, "SCP") as a:
            ctx = a.context_for("1.2.3.999")
            cmd = CommandSet.of(
                AffectedSOPClassUID="1.2.3.999",
                CommandField=0x0110,  # N-GET-RQ: no service registered in this layer yet
                MessageID=a.next_message_id(),
                CommandDataSetType=0x0101,
                RequestedSOPInstanceUID="1.2.3",
            )
            rsp = await a.request(DimseMessage(ctx.context_id, cmd))
            assert rsp.command.CommandField == 0x8110
            assert rsp.command.Status == 0x0211

    run(with_server(scp, body))


def test_dimse_timeout_aborts() -> None:
    async def slow(event: Any) -> int:
        await asyncio.sleep(3)
        return 0

    async def body(server: Any) -> None:
        a = await scu_ae().associate("127.0.0.1", server.port, "SCP")
        with pytest.raises(NetworkTimeout):
            await a.send_c_echo(timeout=0.3)
        assert a.is_aborted and not a.is_established

    run(with_server(scp_ae(), body, handlers={"C-ECHO": slow}))


# --- rejection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scp_kw,scu_title,called,expected",
    [
        ({"allowed_calling_aets": ["GOOD"]}, "BAD", "SCP", (1, 1, 3)),
        ({"require_called_aet": True}, "SCU", "OTHER", (1, 1, 7)),
        ({"max_associations": 0}, "SCU", "SCP", (2, 3, 2)),
    ],
)
def test_rejections(scp_kw: dict, scu_title: str, called: str, expected: tuple) -> None:
    async def body(server: Any) -> None:
        with pytest.raises(AssociationRejected) as e:
            await scu_ae(title=scu_title).associate("127.0.0.1", server.port, called)
        c = e.value.context
        assert (c["result"], c["source"], c["reason"]) == expected

    run(with_server(scp_ae(**scp_kw), body))


def test_user_identity() -> None:
    def check(item: UserIdentityRQSubItem, calling: str) -> Any:
        return (item.primary_field == b"bob" and item.secondary_field == b"pw", b"welcome")

    async def body(server: Any) -> None:
        good = UserIdentityRQSubItem(2, b"bob", b"pw", True)
        async with scu_ae().associate("127.0.0.1", server.port, "SCP", user_identity=good) as a:
            assert a.associate_ac.user_information.user_identity_ac.server_response == b"welcome"
        with pytest.raises(AssociationRejected) as e:
            bad = UserIdentityRQSubItem(2, b"bob", b"nope", True)
            await scu_ae().associate("127.0.0.1", server.port, "SCP", user_identity=bad)
        assert e.value.context["reason"] == 1

    run(with_server(scp_ae(user_identity_handler=check), body))


def test_extended_negotiation_and_async_window() -> None:
    def ext(item: SOPClassExtendedNegotiationSubItem) -> bytes | None:
        return b"\x01" if item.sop_class_uid == VERIFICATION_SOP_CLASS else None

    async def body(server: Any) -> None:
        ae = scu_ae(async_operations=(5, 0))
        ask = [SOPClassExtendedNegotiationSubItem(VERIFICATION_SOP_CLASS, b"\x01\x01")]
        async with ae.associate("127.0.0.1", server.port, "SCP", extended_negotiation=ask) as a:
            info = a.associate_ac.user_information
            assert info.extended_negotiations == [
                SOPClassExtendedNegotiationSubItem(VERIFICATION_SOP_CLASS, b"\x01")
            ]
            # acceptor (2 invoked, 3 performed) vs requestor (5 invoked, unlimited performed)
            assert a.async_operations == (2, 3)

    run(with_server(scp_ae(extended_negotiation_handler=ext, async_operations=(2, 3)), body))


def test_negotiate_contexts_rules() -> None:
    supported = {
        VERIFICATION_SOP_CLASS: ContextDefinition(
            VERIFICATION_SOP_CLASS, (IMPLICIT_VR_LITTLE_ENDIAN,)
        ),
        CT: ContextDefinition(
            CT, (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN), scp_role=True
        ),
    }
    items = [
        PresentationContextRQItem(1, VERIFICATION_SOP_CLASS, [EXPLICIT_VR_LITTLE_ENDIAN]),  # 4
        PresentationContextRQItem(3, "1.2.3", [IMPLICIT_VR_LITTLE_ENDIAN]),  # 3
        PresentationContextRQItem(4, CT, [IMPLICIT_VR_LITTLE_ENDIAN]),  # even ID: 2
        PresentationContextRQItem(5, CT, [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN]),
        PresentationContextRQItem(5, CT, [IMPLICIT_VR_LITTLE_ENDIAN]),  # repeated ID: 2
    ]
    roles = [RoleSelectionSubItem(CT, 1, 1)]
    ac, ac_roles, contexts = negotiate_contexts(items, supported, roles)
    assert [(a.context_id, a.result) for a in ac] == [(1, 4), (3, 3), (4, 2), (5, 0), (5, 2)]
    assert ac[3].transfer_syntax == EXPLICIT_VR_LITTLE_ENDIAN  # our preference order wins
    assert ac_roles == [RoleSelectionSubItem(CT, 1, 1)]
    ct = contexts[3]
    assert ct.as_scu and ct.as_scp  # the requestor may be SCU and SCP: so may we


def test_role_selection_end_to_end() -> None:
    scp = scp_ae()
    scp.add_supported_context(CT, scp_role=False)

    async def body(server: Any) -> None:
        ae = AE("SCU", timeouts=FAST)
        ae.add_requested_context(CT, scu_role=False, scp_role=True)
        async with ae.associate("127.0.0.1", server.port, "SCP") as a:
            (ctx,) = a.accepted_contexts
            # we asked to be SCP only; the acceptor refused SCP: no role left for us
            assert (ctx.as_scu, ctx.as_scp) == (False, False)
            assert a.associate_ac.user_information.role_selections == [
                RoleSelectionSubItem(CT, 0, 0)
            ]

    run(with_server(scp, body))


# --- malformed input, timeouts, abort --------------------------------------------------


def _raw_exchange(port: int, data: bytes, *, wait: float = 3.0, close_write: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(wait)
        out = b""
        try:
            while chunk := s.recv(4096):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return out


def _echo_works(port: int) -> bool:
    with scu_ae().associate_sync("127.0.0.1", port, "SCP") as a:
        return a.send_c_echo() == 0


def test_garbage_gets_abort_and_server_keeps_serving() -> None:
    with scp_ae().serve_sync(("127.0.0.1", 0)) as server:
        reply = _raw_exchange(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        # 'G' = 0x47 is no PDU type: A-ABORT, source service-provider (2), unrecognized PDU (1)
        assert decode_pdu(reply[:10]) == Abort(2, 1)
        assert _echo_works(server.port)


def test_unexpected_pdu_before_associate_rq() -> None:
    with scp_ae().serve_sync(("127.0.0.1", 0)) as server:
        reply = _raw_exchange(server.port, bytes.fromhex("05 00 00000004 00000000"))
        assert decode_pdu(reply[:10]) == Abort(2, 2)  # AA-1 in Sta2: unexpected PDU
        assert _echo_works(server.port)


def test_truncated_pdu_then_close() -> None:
    with scp_ae().serve_sync(("127.0.0.1", 0)) as server:
        reply = _raw_exchange(server.port, bytes.fromhex("01 00 00000100 0001"), close_write=True)
        assert reply == b""  # Evt17 in Sta2: AA-5, close
        assert _echo_works(server.port)


def test_oversized_pdata_aborted() -> None:
    async def body(server: Any) -> None:
        a = await scu_ae().associate("127.0.0.1", server.port, "SCP")
        # a P-DATA-TF header announcing more than the acceptor's maximum (16384)
        a.provider.transport.write(struct.pack(">BBI", 4, 0, 1 << 20))
        await a.wait_closed(5)
        assert a.is_aborted
        assert "invalid-pdu-parameter-value" in a.abort_detail

    run(with_server(scp_ae(), body))


def test_artim_closes_silent_connection() -> None:
    t = Timeouts(connect=3, acse=3, dimse=3, idle=5, artim=0.3)
    with scp_ae(timeouts=t).serve_sync(("127.0.0.1", 0)) as server:
        import time

        start = time.monotonic()
        assert _raw_exchange(server.port, b"", wait=5) == b""
        assert time.monotonic() - start < 3


def test_idle_timeout_aborts() -> None:
    t = Timeouts(connect=3, acse=3, dimse=3, idle=0.3, artim=1)

    async def body(server: Any) -> None:
        a = await scu_ae().associate("127.0.0.1", server.port, "SCP")
        await a.wait_closed(5)
        assert a.is_aborted

    run(with_server(scp_ae(timeouts=t), body))


def test_user_abort() -> None:
    async def body(server: Any) -> None:
        a = await scu_ae().associate("127.0.0.1", server.port, "SCP")
        await a.abort()
        assert a.is_aborted and not a.is_established
        with pytest.raises(AssociationAborted):
            await a.send_c_echo()
        await asyncio.sleep(0.1)
        assert not server.associations

    run(with_server(scp_ae(), body))


def test_connection_refused_is_network_error() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(NetworkError):
        scu_ae().associate_sync("127.0.0.1", port, "SCP")


def test_no_answer_to_associate_rq_times_out() -> None:
    async def go() -> None:
        writers = []

        async def silent(reader: Any, writer: Any) -> None:
            writers.append(writer)  # accept, read nothing, answer nothing

        srv = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        t = Timeouts(connect=2, acse=0.3, dimse=2, idle=2, artim=0.3)
        try:
            with pytest.raises(NetworkTimeout):
                await scu_ae(timeouts=t).associate("127.0.0.1", port, "SCP")
        finally:
            for w in writers:
                w.close()
            srv.close()
            await srv.wait_closed()

    run(go())


def test_ae_title_validation() -> None:
    with pytest.raises(NetworkError):
        AE("THIS-TITLE-IS-TOO-LONG")
    with pytest.raises(NetworkError):
        AE("   ")
    with pytest.raises(NetworkError):
        scu_ae().build_request("BAD\\TITLE")


def test_rj_and_ac_records_for_reference() -> None:
    rq = scu_ae().build_request("SCP")
    ac, contexts = scp_ae().negotiate(rq)
    assert isinstance(ac, AssociateAC) and contexts[0].accepted
    rj, _ = scp_ae(allowed_calling_aets=["X"]).negotiate(rq)
    assert rj == AssociateRJ(1, 1, 3)


def test_release_collision() -> None:
    """Both sides request release at once: PS3.8 Sta7 + Evt12 -> AR-8 (Sta9 / Sta10)."""

    async def body(server: Any) -> None:
        a = await scu_ae().associate("127.0.0.1", server.port, "SCP")
        for _ in range(100):
            if server.associations:
                break
            await asyncio.sleep(0.01)
        (b,) = server.associations
        await asyncio.gather(a.release(), b.release())
        assert a.is_released and b.is_released
        states_a = [h[0].name for h in a.provider.history]
        states_b = [h[0].name for h in b.provider.history]
        assert "STA9" in states_a and "STA11" in states_a  # requestor side of the collision
        assert "STA10" in states_b and "STA12" in states_b  # acceptor side

    run(with_server(scp_ae(), body))


def test_fuzzed_input_never_stops_the_server() -> None:
    import random

    from test_pdu_golden import RQ_GOLDEN

    rnd = random.Random(1234)
    payloads = [bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200))) for _ in range(15)]
    for _ in range(15):
        data = bytearray(RQ_GOLDEN)
        for _ in range(rnd.randint(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        payloads.append(bytes(data))
    with scp_ae().serve_sync(("127.0.0.1", 0)) as server:
        for data in payloads:
            reply = _raw_exchange(server.port, data, close_write=True)
            if reply:
                assert reply[0] in (0x02, 0x03, 0x07)  # AC, RJ or A-ABORT: never anything else
        assert _echo_works(server.port)
        assert server.served >= len(payloads)


def test_echo_with_other_sop_class_refused_and_duplicate_invocation() -> None:
    release = asyncio.Event()

    async def slow(event: Any) -> int:
        await release.wait()
        return 0

    async def body(server: Any) -> None:
        async with scu_ae().associate("127.0.0.1", server.port, "SCP") as a:
            from dicomgen.net.dimse.echo import echo_request

            ctx = a.context_for(VERIFICATION_SOP_CLASS)
            # C-ECHO-RQ naming a SOP class other than Verification: 0122H (PS3.7 9.1.5.1.4)
            rsp = await a.request(echo_request(ctx.context_id, 100, sop_class="1.2.3"))
            assert rsp.command.Status == 0x0122
            # the same Message ID while the first operation is still performed: 0210H
            first = await a.request_stream(echo_request(ctx.context_id, 7))
            await asyncio.sleep(0.1)
            await a.send_message(echo_request(ctx.context_id, 7))
            dup = await a.next_response(first)
            assert dup.command.Status == 0x0210
            release.set()
            done = await a.next_response(first, final=True)
            assert done.command.Status == 0x0000

    run(with_server(scp_ae(), body, handlers={"C-ECHO": slow}))


def test_request_without_message_id_aborts() -> None:
    """The acceptor aborts (PS3.7 E.1 requires a Message ID). It decides so on the P-DATA
    indication, after that indication's transition (DT-2, Sta6 -> Sta6) is complete: the
    A-ABORT moves it from Sta6 to Sta13 and is not undone by DT-2's next state."""
    from dicomgen.net.ul.fsm import Action, Event, State

    async def body(server: Any) -> list:
        a = await scu_ae().associate("127.0.0.1", server.port, "SCP")
        while not server.associations:
            await asyncio.sleep(0.01)
        (acceptor,) = server.associations
        ctx = a.context_for(VERIFICATION_SOP_CLASS)
        cmd = CommandSet.of(
            AffectedSOPClassUID=VERIFICATION_SOP_CLASS,
            CommandField=0x0030,
            CommandDataSetType=0x0101,
        )
        await a.send_message(DimseMessage(ctx.context_id, cmd))
        await a.wait_closed(5)
        await acceptor.wait_closed(5)
        assert a.is_aborted and acceptor.is_aborted
        return list(acceptor.provider.history)

    history = run(with_server(scp_ae(), body))
    at = history.index((State.STA6, Event.EVT10, Action.DT_2, State.STA6))
    assert history[at + 1] == (State.STA6, Event.EVT15, Action.AA_1, State.STA13)
    assert all(before is not State.STA6 for before, *_ in history[at + 1 :][1:])
