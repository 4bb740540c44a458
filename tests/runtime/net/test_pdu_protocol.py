"""Cutting the received byte stream into PDUs (dicomgen.net.ul.transport.PDUProtocol).

The protocol is driven here the way the event loop drives an ``asyncio.BufferedProtocol``:
``get_buffer()`` gives the memory a ``recv_into`` would fill, ``buffer_updated(n)`` says how
many bytes arrived. Every way of splitting the stream must give the same PDUs.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from dicomgen.core.errors import PDUError
from dicomgen.net.pdu import PDV, PDataTF, ReleaseRQ
from dicomgen.net.pdu.codec import decode_pdu_parts
from dicomgen.net.ul import transport as tr
from dicomgen.net.ul.transport import PDUProtocol, Transport


class FakeTransport:
    """What the protocol calls on its asyncio transport."""

    def __init__(self) -> None:
        self.paused = False
        self.pauses = 0
        self.closing = False

    def pause_reading(self) -> None:
        assert not self.paused
        self.paused = True
        self.pauses += 1

    def resume_reading(self) -> None:
        assert self.paused
        self.paused = False

    def is_closing(self) -> bool:
        return self.closing


def connected(max_pdata_length: int = 0) -> PDUProtocol:
    p = PDUProtocol(max_pdata_length)
    p.transport = FakeTransport()  # type: ignore[assignment]
    return p


def feed(p: PDUProtocol, data: bytes, sizes: list[int] | None = None) -> None:
    """Deliver ``data`` in pieces of ``sizes`` (each also bounded by the offered buffer)."""
    pos = 0
    i = 0
    while pos < len(data):
        buf = p.get_buffer(-1)
        assert len(buf) > 0
        want = sizes[i % len(sizes)] if sizes else len(data)
        i += 1
        n = min(len(buf), want, len(data) - pos)
        buf[:n] = data[pos : pos + n]
        p.buffer_updated(n)
        pos += n


def drain(p: PDUProtocol) -> list:
    out = []
    while (item := p.next_ready()) is not None:
        if isinstance(item, PDUError):
            out.append(item)
        else:
            t, header, body = item
            out.append(decode_pdu_parts(t, header, bytes(body)))
    return out


def pdata(n: int, fill: int = 7) -> PDataTF:
    return PDataTF((PDV(1, False, True, bytes([fill]) * n),))


def stream(pdus) -> bytes:
    return b"".join(p.encode() for p in pdus)


def test_several_small_pdus_in_one_receive():
    pdus = [pdata(10, 1), pdata(0, 2), ReleaseRQ(), pdata(300, 3)]
    p = connected()
    feed(p, stream(pdus))
    assert drain(p) == pdus


@pytest.mark.parametrize("size", [1, 2, 5, 6, 7, 13, 4096])
def test_any_split_gives_the_same_pdus(size):
    pdus = [pdata(10, 1), ReleaseRQ(), pdata(tr.DIRECT_BODY + 5, 2), pdata(3, 3)]
    p = connected()
    feed(p, stream(pdus), [size])
    assert drain(p) == pdus


def test_random_splits_and_a_large_body_received_in_place():
    rnd = random.Random(5)
    pdus = [pdata(rnd.randrange(0, 3 * tr.DIRECT_BODY), i % 250) for i in range(40)]
    data = stream(pdus)
    for _ in range(20):
        p = connected()
        feed(p, data, [rnd.randrange(1, 100_000) for _ in range(50)])
        assert drain(p) == pdus


def test_large_body_is_filled_by_the_kernel_directly():
    big = pdata(tr.SCRATCH_SIZE * 2, 9)
    data = big.encode()
    p = connected()
    feed(p, data[:100])  # header and the start of the body land in the scratch buffer
    buf = p.get_buffer(-1)
    assert len(buf) == len(data) - 6 - 94  # then: exactly the rest of the body
    buf[:] = data[100:]
    p.buffer_updated(len(buf))
    assert drain(p) == [big]


def test_scratch_buffer_wraps_around():
    # PDUs that straddle the end of the scratch buffer again and again
    pdus = [
        pdata(tr.DIRECT_BODY - 100, i % 250) for i in range(3 * tr.SCRATCH_SIZE // tr.DIRECT_BODY)
    ]
    p = connected()
    feed(p, stream(pdus), [tr.SCRATCH_SIZE // 3 + 17])
    assert drain(p) == pdus


def test_oversized_pdu_is_refused_from_its_header_and_the_rest_dropped():
    p = connected(max_pdata_length=1000)
    ok = pdata(10)
    feed(p, stream([ok]) + pdata(5000).encode()[:100])
    out = drain(p)
    assert out[0] == ok and isinstance(out[1], PDUError)
    assert len(out) == 2
    feed(p, b"\x04" * 5000)  # whatever follows is dropped, nothing is allocated for it
    assert drain(p) == []


def test_unknown_pdu_type_is_an_error_in_order():
    p = connected()
    feed(p, ReleaseRQ().encode() + b"\x55\x00\x00\x00\x00\x04abcd")
    out = drain(p)
    assert out[0] == ReleaseRQ() and isinstance(out[1], PDUError)


def test_reading_pauses_when_too_much_waits_and_resumes_after():
    p = connected()
    t = p.transport
    n = tr.MAX_QUEUED_BYTES // tr.DIRECT_BODY + 4
    feed(p, stream([pdata(tr.DIRECT_BODY, 1)] * n))
    assert t.paused and t.pauses == 1
    got = 0
    while t.paused:
        assert p.next_ready() is not None
        got += 1
    assert got >= 2
    while p.next_ready() is not None:
        got += 1
    assert got == n and not t.paused


def test_transport_reads_pdus_and_reports_a_cut_connection():
    async def go() -> None:
        p = connected()
        transport = Transport(p)
        feed(p, stream([pdata(4), ReleaseRQ()]) + pdata(50).encode()[:20])
        assert await transport.read_pdu(max_pdata_length=0, timeout=1) == pdata(4)
        assert await transport.read_pdu(max_pdata_length=0, timeout=1) == ReleaseRQ()
        waiting = asyncio.ensure_future(transport.read_pdu(max_pdata_length=0, timeout=5))
        await asyncio.sleep(0)
        assert not waiting.done()
        p.eof_received()  # the peer closes mid-PDU
        with pytest.raises(asyncio.IncompleteReadError):
            await waiting

    asyncio.run(go())


def test_transport_read_times_out():
    from dicomgen.core.errors import NetworkTimeout

    async def go() -> None:
        p = connected()
        transport = Transport(p)
        with pytest.raises(NetworkTimeout):
            await transport.read_pdu(max_pdata_length=0, timeout=0.05)
        feed(p, ReleaseRQ().encode())  # a PDU arriving later is still read
        assert await transport.read_pdu(max_pdata_length=0, timeout=1) == ReleaseRQ()

    asyncio.run(go())


# --- the listener (PDUs taken in the read callback) -----------------------------------------


def test_listener_is_offered_pdus_only_while_none_waits_so_the_order_is_kept():
    p = connected()
    offered: list = []
    answers = iter([True, False])  # takes the first, declines the second

    def listener(pdu_type: int, header: bytes, body) -> bool:
        offered.append(decode_pdu_parts(pdu_type, header, bytes(body)))
        return next(answers, True)

    p.listener = listener
    feed(p, stream([pdata(4, 1), pdata(4, 2), pdata(4, 3)]))
    # the third is not offered: the declined second one waits for the reader before it
    assert offered == [pdata(4, 1), pdata(4, 2)]
    assert drain(p) == [pdata(4, 2), pdata(4, 3)]
    feed(p, stream([ReleaseRQ()]))  # nothing waits any more: offered again, and taken
    assert offered[-1] == ReleaseRQ() and drain(p) == []
    assert p.last_received > 0


def test_listener_is_never_offered_a_framing_error():
    p = connected()
    offered: list = []
    p.listener = lambda *item: offered.append(item) or True
    feed(p, b"\x55\x00\x00\x00\x00\x04abcd" + ReleaseRQ().encode())
    out = drain(p)
    assert offered == [] and len(out) == 1 and isinstance(out[0], PDUError)
