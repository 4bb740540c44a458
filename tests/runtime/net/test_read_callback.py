"""PDUs taken in the transport's read callback (PS3.8 9.2 over asyncio), on 127.0.0.1.

The provider dispatches a received PDU from the read callback when nothing waits before it,
and the association reassembles P-DATA there; a C-STORE the handler completes without
waiting is answered from there too (no task). These tests check that this path is taken
when it may be and only then, and that what the reader task did before still holds: the
idle timeout, flow control (P-DATA held back), and the order of what was received.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from net_store_helpers import (
    EXPLICIT,
    SECONDARY_CAPTURE,
    make_dataset,
    model,
    stored_by_uid,
)

from dicomgen.archive.levels import Level
from dicomgen.archive.storage import StorageService, add_storage_contexts
from dicomgen.archive.storage_scp import StorageSCP
from dicomgen.core.errors import DimseError
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts
from dicomgen.net.association import Association
from dicomgen.net.dimse.echo import echo_request
from dicomgen.net.dimse.store import store_response
from dicomgen.net.dimse.store_scp import StoreSCP
from dicomgen.net.performer import Performer

pytestmark = pytest.mark.timeout(60)

FAST = Timeouts(connect=5, acse=5, dimse=10, idle=10, artim=2)


def run(coro: Any, timeout: float = 30) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@asynccontextmanager
async def verification_pair(
    scp_timeouts: Timeouts = FAST, window: tuple[int, int] | None = None
) -> AsyncIterator[tuple[Association, Association]]:
    """An association with a Verification SCP on 127.0.0.1: ``(requestor's, acceptor's)``
    (``window``: the asynchronous operations window both propose); released at the end if
    still established."""
    scp = AE("SCP", timeouts=scp_timeouts, async_operations=window)
    scp.add_supported_context(VERIFICATION_SOP_CLASS)
    server = await scp.start_server(("127.0.0.1", 0))
    try:
        scu = AE("SCU", timeouts=FAST, async_operations=window)
        scu.add_requested_context(VERIFICATION_SOP_CLASS)
        a = await scu.associate("127.0.0.1", server.port, "SCP")
        try:
            while not server.associations:
                await asyncio.sleep(0.01)
            (acceptor,) = server.associations
            yield a, acceptor
        finally:
            if a.is_established:
                await a.release()
    finally:
        await server.close()


def _count_calls(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[int]:
    """Count calls of the coroutine method ``cls.name``."""
    calls: list[int] = []
    real = getattr(cls, name)

    async def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counting)
    return calls


@pytest.mark.parametrize("fsync", [False, True])
def test_small_stores_are_answered_from_the_read_callback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fsync: bool
) -> None:
    """Without fsync a small data set is stored and answered without any task; a large one
    (above the inline threshold) and every one with fsync go through a task, as before."""
    serves = _count_calls(monkeypatch, Performer, "_serve")
    handles = _count_calls(monkeypatch, StoreSCP, "handle")
    small = [make_dataset(i) for i in range(5)]
    large = make_dataset(9, rows=200, cols=200)  # 80 kB > DEFAULT_INLINE_THRESHOLD
    storage = StorageSCP(tmp_path / "store", fsync=fsync)
    service = StorageService(storage)

    async def go() -> list[int]:
        scp = AE("SCP", timeouts=FAST)
        add_storage_contexts(scp)
        server = await scp.start_server(("127.0.0.1", 0), {"C-STORE": service})
        try:
            scu = AE("SCU", timeouts=FAST)
            scu.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
            async with scu.associate("127.0.0.1", server.port, "SCP") as a:
                return [(await a.send_c_store(ds)).status for ds in [*small, large]]
        finally:
            await server.close()

    try:
        assert run(go()) == [0] * 6
        stored = stored_by_uid(storage.root)
        for ds in [*small, large]:
            assert model(stored[str(ds[0x00080018].value)]) == model(ds)
        assert storage.index.count(Level.IMAGE) == 6  # the queued rows are written first
    finally:
        storage.close()
    expected = 6 if fsync else 1
    assert len(serves) == expected and len(handles) == expected
    assert service.stored == 6 and service.failed == 0


def test_refusals_are_answered_from_the_read_callback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A C-STORE that is refused before the handler (no handler registered) or by the store
    (the data set's SOP Instance UID differs from the request's) is answered at once."""
    serves = _count_calls(monkeypatch, Performer, "_serve")
    storage = StorageSCP(tmp_path / "store", fsync=False)

    async def go(handlers: Any) -> int:
        scp = AE("SCP", timeouts=FAST)
        add_storage_contexts(scp)
        server = await scp.start_server(("127.0.0.1", 0), handlers)
        try:
            scu = AE("SCU", timeouts=FAST)
            scu.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
            async with scu.associate("127.0.0.1", server.port, "SCP") as a:
                ds = make_dataset(1)
                ctx = a.context_for(SECONDARY_CAPTURE)
                from dicomgen.encoding.writer import encode_dataset
                from dicomgen.net.dimse import DimseMessage
                from dicomgen.net.dimse.store import store_request

                request = store_request(
                    ctx.context_id, a.next_message_id(), SECONDARY_CAPTURE, "1.2.3.999"
                )
                rsp = await a.request(
                    DimseMessage(ctx.context_id, request, encode_dataset(ds, EXPLICIT))
                )
                return int(rsp.command.Status)
        finally:
            await server.close()

    try:
        assert run(go({})) == 0xA700  # no storage handler: Out of Resources
        assert run(go({"C-STORE": StorageService(storage)})) == 0xA900  # does not match
    finally:
        storage.close()
    assert serves == []


def test_responded_now_is_called_once_the_response_is_sent(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler's ``responded_now`` runs after each response sent from the read callback
    (never before it, never for a refusal), and one that raises is logged: the association
    goes on serving."""
    from dicomgen.net.dimse.store_scp import DiscardSink, StreamingStoreHandler

    order: list[str] = []
    real_send = Association.send_message_now

    def sending(self: Association, message: Any) -> None:
        if not self.is_requestor:
            order.append(f"sent {int(message.command.Status):04X}")
        real_send(self, message)

    monkeypatch.setattr(Association, "send_message_now", sending)

    class Handler(StreamingStoreHandler[DiscardSink]):
        def open_stream(self, request: Any) -> DiscardSink:
            return DiscardSink()

        async def complete(self, request: Any, sink: Any) -> int:
            raise AssertionError("complete_now answers every store")

        def complete_now(self, request: Any, sink: Any) -> int:
            return 0

        def responded_now(self, request: Any) -> None:
            order.append(f"responded {request.sop_instance_uid}")
            if request.sop_instance_uid.endswith(".2"):
                raise RuntimeError("boom")

    async def go() -> list[int]:
        scp = AE("SCP", timeouts=FAST)
        add_storage_contexts(scp)
        server = await scp.start_server(("127.0.0.1", 0), {"C-STORE": Handler()})
        try:
            scu = AE("SCU", timeouts=FAST)
            scu.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
            async with scu.associate("127.0.0.1", server.port, "SCP") as a:
                statuses = []
                for i in (1, 2, 3):
                    ds = make_dataset(i)
                    ds[0x00080018].value = f"1.2.3.4.{i}"
                    statuses.append((await a.send_c_store(ds)).status)
                return statuses
        finally:
            await server.close()

    assert run(go()) == [0, 0, 0]
    assert order == [
        "sent 0000", "responded 1.2.3.4.1",
        "sent 0000", "responded 1.2.3.4.2",
        "sent 0000", "responded 1.2.3.4.3",
    ]  # fmt: skip
    assert "responded_now failed" in caplog.text and "boom" in caplog.text


def test_idle_timeout_counts_from_the_last_pdu_taken_in_the_read_callback() -> None:
    """PDUs taken by the read callback never wake the reader task; the idle timeout must
    still count from the last one, not from when the reader started waiting."""
    idle = 1.0
    timeouts = Timeouts(connect=5, acse=5, dimse=5, idle=idle, artim=2)

    async def go() -> tuple[bool, float]:
        async with verification_pair(timeouts) as (a, _acceptor):
            loop = asyncio.get_running_loop()
            start = loop.time()
            while loop.time() - start < 2.5 * idle:  # busy for longer than idle
                assert await a.send_c_echo() == 0
                await asyncio.sleep(idle / 10)
            busy_ok = a.is_established
            quiet = loop.time()
            await a.wait_closed(5 * idle)
            return busy_ok and a.is_aborted, loop.time() - quiet

    kept, closed_after = run(go())
    assert kept
    assert idle * 0.8 <= closed_after < idle + 2.0


def test_pdata_held_back_waits_and_is_taken_in_order_after() -> None:
    """While the acceptor's provider is held (flow control), received P-DATA waits (for
    the reader task, not the read callback); after ``unhold`` it is taken in order."""

    async def go() -> None:
        async with verification_pair(window=(3, 3)) as (a, acceptor):  # three outstanding
            acceptor.provider.hold()
            ctx = a.context_for(VERIFICATION_SOP_CLASS)
            ids = [await a.request_stream(echo_request(ctx.context_id, n)) for n in (5, 6, 7)]
            await asyncio.sleep(0.3)
            for message_id in ids:  # nothing was taken, so nothing was answered
                assert a._responses[message_id].empty()
            acceptor.provider.unhold()
            got = [await a.next_response(i, final=True, timeout=5) for i in ids]
            assert [r.command.MessageIDBeingRespondedTo for r in got] == [5, 6, 7]
            assert [r.command.Status for r in got] == [0, 0, 0]

    run(go())


def test_send_message_now_only_when_it_need_not_wait() -> None:
    async def go() -> None:
        async with verification_pair() as (a, _acceptor):
            ctx = a.context_for(VERIFICATION_SOP_CLASS)
            assert a.can_send_now()
            await a.release()
            assert not a.can_send_now()
            with pytest.raises(DimseError, match="can_send_now"):
                a.send_message_now(store_response(echo_request(ctx.context_id, 1), 0))

    run(go())


def test_send_message_now_writes_at_once_and_schedules_no_flush(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A message sent with send_message_now is handed to the socket before it returns, and
    leaves no flush callback for the event loop's next turn (a turn per response saved)."""

    async def go() -> None:
        async with verification_pair() as (a, _acceptor):
            ctx = a.context_for(VERIFICATION_SOP_CLASS)
            transport = a.provider.transport
            loop = asyncio.get_running_loop()
            ready_before = len(loop._ready)  # type: ignore[attr-defined]
            # a C-ECHO-RQ nobody waits for: its response is logged as unexpected
            a.send_message_now(echo_request(ctx.context_id, 7))
            assert transport._pending == [] and not transport._flush_scheduled
            assert len(loop._ready) == ready_before  # type: ignore[attr-defined]
            for _ in range(200):
                if "Message ID 7" in caplog.text:
                    break
                await asyncio.sleep(0.01)

    run(go())
    assert "unexpected C-ECHO-RSP for Message ID 7" in caplog.text  # it was sent


def test_a_peer_gone_while_pdata_is_held_back_ends_the_association_at_once() -> None:
    """While P-DATA is held back (a full sink), the reader task waits for room; when the
    connection is lost meanwhile, it must notice at once, not after the DIMSE timeout."""
    slow = Timeouts(connect=5, acse=5, dimse=20, idle=20, artim=2)

    async def go() -> float:
        async with verification_pair(slow) as (a, acceptor):
            acceptor.provider.hold()
            ctx = a.context_for(VERIFICATION_SOP_CLASS)
            await a.request_stream(echo_request(ctx.context_id, 1))
            await asyncio.sleep(0.2)  # the request waits, held back
            loop = asyncio.get_running_loop()
            start = loop.time()
            a.provider.transport.transport.abort()  # the peer vanishes (RST, no A-ABORT)
            await acceptor.wait_closed(5)
            assert acceptor.is_aborted
            return loop.time() - start

    assert run(go()) < 2.0  # well under the DIMSE timeout (20 s)
