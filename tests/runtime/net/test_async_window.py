"""The asynchronous operations window (PS3.7 D.3.3.3) on the requesting side: no more
requests outstanding than negotiated (one without the sub-item), on 127.0.0.1."""

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


async def _with_echo_scp(body: Any, window: tuple[int, int] | None) -> Any:
    """``body(assoc, arrivals)``: an SCP whose C-ECHO handler records when each request
    arrived (loop time) and answers HANDLER_TIME s later."""
    arrivals: list[float] = []

    async def slow_echo(event: Any) -> int:
        arrivals.append(asyncio.get_running_loop().time())
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
    assert second - first < HANDLER_TIME  # sent while the first was still performed
