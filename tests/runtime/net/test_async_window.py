"""The asynchronous operations window (PS3.7 D.3.3.3), on 127.0.0.1: the requesting side
keeps no more requests outstanding than negotiated (one without the sub-item); the
performing side, faced with a peer that sends more, performs no more than that at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dicomgen.core.errors import DimseError
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts
from dicomgen.net.dimse.echo import echo_request

pytestmark = pytest.mark.timeout(30)

FAST = Timeouts(connect=5, acse=5, dimse=5, idle=10, artim=2)
HANDLER_TIME = 0.5


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


async def _with_echo_scp(
    body: Any, window: tuple[int, int] | None, message_ids: list[int] | None = None
) -> Any:
    """``body(assoc, arrivals)``: an SCP whose C-ECHO handler records when each request
    arrived (loop time; its Message ID in ``message_ids``) and answers HANDLER_TIME s
    later."""
    arrivals: list[float] = []

    async def slow_echo(event: Any) -> int:
        arrivals.append(asyncio.get_running_loop().time())
        if message_ids is not None:
            message_ids.append(event.message.command.MessageID)
        await asyncio.sleep(HANDLER_TIME)
        return 0

    scp = AE("SCP", timeouts=FAST, async_operations=window)
    scp.add_supported_context(VERIFICATION_SOP_CLASS)
    server = await scp.start_server(("127.0.0.1", 0), {"C-ECHO": slow_echo})
    try:
        scu = AE("SCU", timeouts=FAST, async_operations=window)
        scu.add_requested_context(VERIFICATION_SOP_CLASS)
        async with scu.associate("127.0.0.1", server.port, "SCP") as a:
            return await body(a, arrivals)
    finally:
        await server.close()


def test_without_the_sub_item_one_request_is_outstanding_at_a_time() -> None:
    async def body(a: Any, arrivals: list[float]) -> list[float]:
        assert a.async_operations == (1, 1)
        assert await asyncio.gather(a.send_c_echo(), a.send_c_echo()) == [0, 0]
        return arrivals

    first, second = run(_with_echo_scp(body, None))
    assert second - first >= HANDLER_TIME * 0.9  # sent only once the first was answered


def test_a_negotiated_window_of_two() -> None:
    async def body(a: Any, arrivals: list[float]) -> list[float]:
        assert a.async_operations == (2, 2)
        statuses = await asyncio.gather(*(a.send_c_echo() for _ in range(3)))
        assert statuses == [0, 0, 0]
        return arrivals

    first, second, third = run(_with_echo_scp(body, (2, 2)))
    assert second - first < HANDLER_TIME * 0.5  # two at once
    assert third - first >= HANDLER_TIME * 0.9  # the third waits for a slot


def test_a_dropped_request_frees_its_slot_and_ids_must_differ() -> None:
    async def body(a: Any, arrivals: list[float]) -> list[float]:
        ctx = a.context_for(VERIFICATION_SOP_CLASS)
        first = await a.request_stream(echo_request(ctx.context_id, 1))
        with pytest.raises(DimseError, match="still outstanding"):
            await a.request_stream(echo_request(ctx.context_id, 1))
        a.drop_responses(first)  # no longer waited for: the slot is free
        second = await asyncio.wait_for(
            a.request_stream(echo_request(ctx.context_id, 2)), HANDLER_TIME / 2
        )
        assert (await a.next_response(second, final=True)).command.Status == 0
        return arrivals

    first, second = run(_with_echo_scp(body, None))
    # sent while the first was still performed (the wait_for above), so beyond the window
    # for the peer, which performs it once the first is answered
    assert second - first >= HANDLER_TIME * 0.9


def _unbounded(a: Any) -> None:
    """Make the requestor ``a`` ignore the window: a peer that breaks D.3.3.3."""
    a._window = None


@pytest.mark.parametrize("max_waiting", [16, 2])
def test_a_peer_beyond_the_window_is_served_one_at_a_time_in_order(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, max_waiting: int
) -> None:
    """Five C-ECHOs at once against the default window of one: all answered, performed one
    after the other in the order sent; with ``MAX_WAITING`` 2 the acceptor also stops
    taking P-DATA while that many wait, and takes it again once they were served."""
    from dicomgen.net.association import Association
    from dicomgen.net.ul.provider import UpperLayer

    monkeypatch.setattr(Association, "MAX_WAITING", max_waiting)
    holds: list[str] = []
    for name in ("hold", "unhold"):
        real = getattr(UpperLayer, name)

        def counting(self: Any, _real: Any = real, _name: str = name) -> None:
            holds.append(_name)
            _real(self)

        monkeypatch.setattr(UpperLayer, name, counting)
    message_ids: list[int] = []

    async def body(a: Any, arrivals: list[float]) -> list[float]:
        assert a.async_operations == (1, 1)
        _unbounded(a)
        assert await asyncio.gather(*(a.send_c_echo() for _ in range(5))) == [0] * 5
        return arrivals

    arrivals = run(_with_echo_scp(body, None, message_ids))
    assert len(arrivals) == 5
    assert all(b - a >= HANDLER_TIME * 0.9 for a, b in zip(arrivals, arrivals[1:]))
    assert message_ids == sorted(message_ids)
    assert caplog.text.count("more than 1 outstanding operation(s)") == 1
    if max_waiting == 2:
        assert holds.count("hold") >= 1 and holds.count("hold") == holds.count("unhold")
    else:
        assert holds == []


def test_a_window_of_two_is_performed_two_at_a_time() -> None:
    async def body(a: Any, arrivals: list[float]) -> list[float]:
        assert a.async_operations == (2, 2)
        _unbounded(a)
        assert await asyncio.gather(*(a.send_c_echo() for _ in range(4))) == [0] * 4
        return arrivals

    first, second, third, fourth = run(_with_echo_scp(body, (2, 2)))
    assert second - first < HANDLER_TIME * 0.5 and fourth - third < HANDLER_TIME * 0.5
    assert third - first >= HANDLER_TIME * 0.9


def test_requests_waiting_for_a_slot_are_dropped_when_the_peer_aborts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three C-ECHOs beyond the window, then an A-ABORT while the first is performed: the
    two waiting are never performed, and nothing fails on the acceptor's side."""

    async def body(a: Any, arrivals: list[float]) -> list[float]:
        _unbounded(a)
        sends = [asyncio.ensure_future(a.send_c_echo()) for _ in range(3)]
        while not arrivals:
            await asyncio.sleep(0.01)
        await a.abort()
        await asyncio.gather(*sends, return_exceptions=True)
        await asyncio.sleep(HANDLER_TIME * 1.5)  # the first is answered (into nothing)
        return list(arrivals)

    assert len(run(_with_echo_scp(body, None))) == 1
    assert "Traceback" not in caplog.text and "ERROR" not in caplog.text
