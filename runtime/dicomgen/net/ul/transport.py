"""TCP (optionally TLS) transport of the Upper Layer over asyncio (PS3.8 9.1.1, 9.1.4).

Reading is done by :class:`PDUProtocol`, an ``asyncio.BufferedProtocol``: the event loop
receives straight into its buffers and it cuts the byte stream into PDUs as data arrives.
Each 6-byte header is validated (type, length against our maximum) before any room for the
body is made, so a peer cannot make us allocate or wait for a huge body. Small PDUs are
received into a scratch buffer together (one ``recv`` often holds several) and copied out;
the body of a large one (a P-DATA-TF of a data set) gets a buffer of its own that the
kernel fills directly (``recv_into``), so its bytes are copied once, from the socket to the
PDU, and P-DATA-TF PDVs are memoryviews into it. When more than :data:`MAX_QUEUED_BYTES`
of received PDUs wait for the reader, reading from the socket pauses (TCP flow control
then slows the peer).

Before association an accepted connection is not trusted (:meth:`PDUProtocol.trust` ends
that once the association is accepted): its scratch buffer starts at
:data:`UNTRUSTED_SCRATCH` bytes and grows only as bytes arrive, and no body gets a buffer of
its declared length, so a peer declaring a large A-ASSOCIATE-RQ and sending little of it
costs what it sent, not what it declared.

A :attr:`PDUProtocol.listener` may take each complete PDU as it is cut, in the event loop's
read callback, instead of a reader task waking up for it (the Upper Layer provider does, see
:mod:`.provider`): it is offered a PDU only while none waits for the reader, so the order is
kept, and a PDU it declines (returns False) waits for the reader like any other.

Writes are coalesced: PDUs smaller than :data:`COALESCE_LIMIT` queued in one turn of the
event loop (e.g. a C-STORE-RQ command PDU and the small data set PDU after it) go to the
socket in one ``send`` at the next :meth:`Transport.flush` (done by :meth:`drain`,
:meth:`close` and, at the latest, by a callback scheduled on the next loop iteration;
none is scheduled between :meth:`Transport.hold_flush` and :meth:`Transport.release_flush`).
Larger PDUs are written at once after what is pending, so the order never changes.

Timeouts use ``asyncio.timeout`` (Python 3.11+; one timer handle) rather than
``asyncio.wait_for``, which wraps each wait in a new task; a PDU that is already received
is returned without arming a timer.
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
from collections import deque
from collections.abc import Callable, Coroutine
from time import monotonic as _monotonic
from typing import Any

from dicomgen.core.errors import NetworkError, NetworkTimeout, PDUError

from ..pdu.codec import (
    HEADER_LENGTH,
    MAX_ASSOCIATE_LENGTH,
    PDU,
    check_header,
    decode_pdu_parts,
)

#: PDUs at least this long are written at once (no join copy); smaller ones are coalesced.
COALESCE_LIMIT = 1 << 16
#: Scratch buffer for headers and small PDUs (one ``recv`` fills up to this much).
SCRATCH_SIZE = 1 << 18
#: A PDU body at least this long is received into a buffer of its own (no scratch copy).
DIRECT_BODY = 1 << 14
#: Scratch buffer of a connection not associated yet (grows as its bytes arrive).
UNTRUSTED_SCRATCH = 1 << 12
#: Received PDUs (bytes) waiting for the reader before reading from the socket pauses.
MAX_QUEUED_BYTES = 4 << 20


class PDUProtocol(asyncio.BufferedProtocol):
    """Cuts the received byte stream into PDUs (see the module docstring) and keeps the
    write-side flow control of the connection."""

    def __init__(
        self,
        max_pdata_length: int = 0,
        *,
        trusted: bool = True,
        max_associate_length: int = MAX_ASSOCIATE_LENGTH,
        max_queued_bytes: int = MAX_QUEUED_BYTES,
    ) -> None:
        #: Maximum Length we announced: larger P-DATA-TF PDUs are refused (0 = no limit).
        self.max_pdata_length = max_pdata_length
        #: Longest PDU other than P-DATA-TF accepted (A-ASSOCIATE-RQ/AC/RJ, release, abort).
        self.max_associate_length = max_associate_length
        #: Received PDU bytes held unread before reading from the socket pauses.
        self.max_queued_bytes = max_queued_bytes
        self.transport: asyncio.Transport | None = None
        self._trusted = trusted
        self._scratch = bytearray(SCRATCH_SIZE if trusted else UNTRUSTED_SCRATCH)
        self._view = memoryview(self._scratch)
        self._start = 0  # unread bytes of the scratch buffer are [_start, _end)
        self._end = 0
        self._body: bytearray | None = None  # a large body being received directly
        self._body_header = b""
        self._body_type = 0
        self._body_filled = 0
        self._ready: deque[tuple[int, bytes, Any] | PDUError] = deque()
        self._queued = 0
        self._reading_paused = False
        self._discarding = False
        self._waiter: asyncio.Future[None] | None = None
        self._eof = False
        self._lost: BaseException | None = None
        self._closed: asyncio.Future[None] | None = None
        self._write_paused = False
        self._drain_waiters: deque[asyncio.Future[None]] = deque()
        #: ``listener(pdu_type, header, body) -> bool``: offered each PDU while none waits
        #: for the reader; True = taken (see the module docstring).
        self.listener: Callable[[int, bytes, Any], bool] | None = None
        #: ``time.monotonic()`` when the last complete PDU was received (taken or queued).
        self.last_received = 0.0
        #: Called when the peer closes or the connection is lost (after :attr:`at_eof`).
        self.on_end: Callable[[], None] | None = None

    # --- asyncio callbacks ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._closed = asyncio.get_running_loop().create_future()

    def trust(self) -> None:
        """The peer is associated: a full scratch buffer and bodies received directly."""
        if not self._trusted:
            self._trusted = True
            self._resize(SCRATCH_SIZE)

    def _resize(self, size: int) -> None:
        """A scratch buffer of ``size`` bytes (at least the unread ones), unread bytes first."""
        n = self._end - self._start
        scratch = bytearray(max(size, n))
        scratch[:n] = self._view[self._start : self._end]
        self._scratch, self._view = scratch, memoryview(scratch)
        self._start, self._end = 0, n

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._body is not None:
            return memoryview(self._body)[self._body_filled :]
        if self._discarding:
            return self._view
        if self._end == len(self._scratch):  # make room
            if self._start:
                self._compact()
            else:  # untrusted: one PDU fills the buffer, which grows with what arrived
                self._resize(2 * len(self._scratch))
        return self._view[self._end :]

    def buffer_updated(self, nbytes: int) -> None:
        if self._discarding:
            return
        body = self._body
        if body is not None:
            self._body_filled += nbytes
            if self._body_filled == len(body):
                self._body = None
                self._push((self._body_type, self._body_header, body), len(body))
            return
        self._end += nbytes
        self._cut()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        if self.on_end is not None:
            self.on_end()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._lost = exc
        self._wake()
        if self.on_end is not None:
            self.on_end()
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)
        self._release_writers(exc or ConnectionResetError("connection lost"))

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._release_writers(None)

    def _release_writers(self, error: BaseException | None) -> None:
        """Wake the coroutines waiting in :meth:`wait_writable` (with ``error`` if given)."""
        while self._drain_waiters:
            w = self._drain_waiters.popleft()
            if w.done():
                continue
            if error is None:
                w.set_result(None)
            else:
                w.set_exception(error)

    @property
    def connection_ended(self) -> bool:
        """``connection_lost()`` was called."""
        return self._closed is not None and self._closed.done()

    # --- cutting PDUs ---------------------------------------------------------------------

    def _cut(self) -> None:
        view = self._view
        start, end = self._start, self._end
        while end - start >= HEADER_LENGTH:
            header = bytes(view[start : start + HEADER_LENGTH])
            try:
                pdu_type, length = check_header(
                    header,
                    max_pdata_length=self.max_pdata_length,
                    max_associate_length=self.max_associate_length,
                )
            except PDUError as exc:
                self._discarding = True  # the stream is no longer framed
                self._start = self._end = 0
                self._push(exc, 0)
                return
            have = end - start - HEADER_LENGTH
            if have >= length:
                body_start = start + HEADER_LENGTH
                body = bytes(view[body_start : body_start + length])
                start = body_start + length
                self._push((pdu_type, header, body), length)
                continue
            if length >= DIRECT_BODY and self._trusted:  # the rest straight into the body
                body_buf = bytearray(length)
                body_buf[:have] = view[start + HEADER_LENGTH : end]
                self._body, self._body_header, self._body_type = body_buf, header, pdu_type
                self._body_filled = have
                start = end
            break
        self._start, self._end = (0, 0) if start == end else (start, end)
        if self._start > len(self._scratch) // 2:  # keep room for the rest of this PDU
            self._compact()

    def _compact(self) -> None:
        """Move the unread bytes of the scratch buffer to its front."""
        n = self._end - self._start
        self._scratch[:n] = self._view[self._start : self._end]
        self._start, self._end = 0, n

    def _push(self, item: tuple[int, bytes, Any] | PDUError, size: int) -> None:
        self.last_received: float = _monotonic()
        listener = self.listener
        if listener is not None and not self._ready and type(item) is tuple:
            if listener(*item):
                return
        self._ready.append(item)
        self._queued += size
        if self._queued > self.max_queued_bytes and not self._reading_paused and self.transport:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None:
            self._waiter = None
            if not w.done():
                w.set_result(None)

    # --- for Transport --------------------------------------------------------------------

    def next_ready(self) -> tuple[int, bytes, Any] | PDUError | None:
        """The oldest received PDU (or framing error), or None if none is complete."""
        if not self._ready:
            return None
        item = self._ready.popleft()
        if not isinstance(item, PDUError):
            self._queued -= len(item[2])
            if self._reading_paused and self._queued <= self.max_queued_bytes // 2:
                self._reading_paused = False
                if self.transport is not None and not self.transport.is_closing():
                    self.transport.resume_reading()
        return item

    @property
    def at_eof(self) -> bool:
        return self._eof

    def partial(self) -> int:
        """Bytes of an incomplete PDU received so far (for the end-of-stream error)."""
        return (self._end - self._start) + (self._body_filled if self._body is not None else 0)

    async def next_item(self) -> tuple[int, bytes, Any] | PDUError:
        """:meth:`next_ready`, waiting for it; :class:`asyncio.IncompleteReadError` if the
        connection ends first."""
        while True:
            item = self.next_ready()
            if item is not None:
                return item
            if self._eof:
                raise asyncio.IncompleteReadError(b"", self.partial() or None)
            await self.wait_data()

    async def wait_data(self) -> None:
        """Until something more is received or the connection ends."""
        if self._ready or self._eof:
            return
        w = self._waiter = asyncio.get_running_loop().create_future()
        await w

    def discard(self) -> None:
        """Drop whatever the peer sends from now on (after a framing error)."""
        self._discarding = True
        self._body = None
        self._ready.clear()
        self._queued = 0
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()

    async def wait_writable(self) -> None:
        if not self._write_paused:
            return
        if self.connection_ended:
            raise self._lost or ConnectionResetError("connection lost")
        w = asyncio.get_running_loop().create_future()
        self._drain_waiters.append(w)
        await w

    async def wait_closed(self) -> None:
        if self._closed is not None:
            await asyncio.shield(self._closed)


async def start_server(
    on_transport: Callable[[Transport], Coroutine[Any, Any, None]],
    host: str | None,
    port: int,
    *,
    ssl_context: _ssl.SSLContext | None = None,
    max_pdata_length: int = 0,
    max_associate_length: int = MAX_ASSOCIATE_LENGTH,
    max_queued_bytes: int = MAX_QUEUED_BYTES,
) -> asyncio.Server:
    """Listen on ``host:port``; each connection runs ``on_transport(Transport)`` in a task."""
    loop = asyncio.get_running_loop()

    def factory() -> PDUProtocol:
        protocol = _ServerProtocol(
            max_pdata_length,
            trusted=False,
            max_associate_length=max_associate_length,
            max_queued_bytes=max_queued_bytes,
        )
        protocol.on_transport = on_transport
        return protocol

    return await loop.create_server(factory, host, port, ssl=ssl_context)


class _ServerProtocol(PDUProtocol):
    on_transport: Callable[[Transport], Coroutine[Any, Any, None]]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        asyncio.get_running_loop().create_task(self.on_transport(Transport(self)))


class Transport:
    """One open transport connection (a :class:`PDUProtocol` and its asyncio transport)."""

    def __init__(self, protocol: PDUProtocol) -> None:
        self.protocol = protocol
        assert protocol.transport is not None, "the protocol is not connected"
        self.transport: asyncio.Transport = protocol.transport
        self._closed = False
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._flush_scheduled = False
        self._flush_held = False  # the writer flushes itself (hold_flush): schedule none

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        timeout: float | None,
        ssl_context: _ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        max_pdata_length: int = 0,
    ) -> Transport:
        """Open a connection within ``timeout`` seconds (:class:`NetworkTimeout` otherwise)."""
        loop = asyncio.get_running_loop()
        try:
            _t, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: PDUProtocol(max_pdata_length),
                    host,
                    port,
                    ssl=ssl_context,
                    server_hostname=(server_hostname or host) if ssl_context else None,
                ),
                timeout,
            )
        except TimeoutError:
            raise NetworkTimeout(
                f"TCP connection to {host}:{port} not established within {timeout} s",
                host=host,
                port=port,
            ) from None
        except (OSError, _ssl.SSLError) as exc:
            raise NetworkError(
                f"cannot connect to {host}:{port}: {exc}", host=host, port=port
            ) from exc
        return cls(protocol)

    @property
    def peer(self) -> tuple[str, int] | None:
        info = self.transport.get_extra_info("peername")
        return (info[0], info[1]) if info else None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """The asyncio transport's extra information (``peername``, ``ssl_object``, ...)."""
        return self.transport.get_extra_info(name, default)

    @property
    def closed(self) -> bool:
        return self._closed

    async def read_pdu(self, *, max_pdata_length: int, timeout: float | None) -> PDU:
        """Read and decode one PDU.

        Raises :class:`asyncio.IncompleteReadError` when the peer closes (mid-PDU or between
        PDUs), :class:`NetworkTimeout` after ``timeout`` seconds without a whole PDU, and
        :class:`~dicomgen.core.errors.PDUError` for a malformed one.
        """
        protocol = self.protocol
        protocol.max_pdata_length = max_pdata_length
        item = protocol.next_ready()
        if item is None:
            try:
                async with asyncio.timeout(timeout):
                    item = await protocol.next_item()
            except TimeoutError:
                raise NetworkTimeout(f"no complete PDU received within {timeout} s") from None
        if isinstance(item, PDUError):
            raise item
        pdu_type, header, body = item
        return decode_pdu_parts(pdu_type, header, body, max_pdata_length=max_pdata_length)

    async def discard_until_closed(self, timeout: float | None) -> None:
        """Drop received bytes until the peer closes or ``timeout`` passes (after a bad PDU)."""
        self.protocol.discard()

        async def until_eof() -> None:
            while not self._closed and not self.protocol.at_eof:
                await self.protocol.wait_data()

        try:
            async with asyncio.timeout(timeout):
                await until_eof()
        except (TimeoutError, OSError):
            pass

    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending (no wait); see the module docstring and :meth:`drain`."""
        if self._closed:
            return
        n = len(data)
        if n >= COALESCE_LIMIT:
            if self._pending:
                self.flush()
            self._write(data)
            return
        self._pending.append(data)
        self._pending_size += n
        if self._pending_size >= COALESCE_LIMIT:
            self.flush()
        elif not self._flush_scheduled and not self._flush_held:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_flush)

    def hold_flush(self) -> None:
        """Schedule no flush for what is written until :meth:`release_flush`, which
        flushes: for a writer that sends a few PDUs and flushes at once (a response sent
        from the read callback), so that the event loop is spared a turn for it."""
        self._flush_held = True

    def release_flush(self) -> None:
        """End :meth:`hold_flush` and hand what was written to the socket."""
        self._flush_held = False
        self.flush()

    def _write(self, data: bytes) -> None:
        try:
            self.transport.write(data)
        except (OSError, RuntimeError):  # transport already closed; drain() reports it
            pass

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Hand the coalesced PDUs to the socket transport (one ``write``)."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        self._pending_size = 0
        if self._closed:
            return
        self._write(pending[0] if len(pending) == 1 else b"".join(pending))

    @property
    def buffered(self) -> int:
        """Bytes written but not yet accepted by the kernel (after a :meth:`flush`)."""
        wt = self.transport
        if wt.is_closing():
            return -1
        return wt.get_write_buffer_size()

    async def drain(self, timeout: float | None) -> None:
        """Flush, then wait until the transport's buffer is below its low-water mark if it
        went over the high-water mark. Returns without suspending when the kernel took
        everything (the usual case)."""
        if self._closed:
            return
        self.flush()
        buffered = self.buffered
        if buffered == 0:
            return
        if buffered < 0:  # closing: lost, or closed by the peer
            if self.protocol.connection_ended:
                raise NetworkError("connection lost while sending")
            return
        try:
            async with asyncio.timeout(timeout):
                await self.protocol.wait_writable()
        except TimeoutError:
            raise NetworkTimeout(f"peer did not accept sent data within {timeout} s") from None
        except (ConnectionError, OSError) as exc:
            raise NetworkError(f"connection lost while sending: {exc}") from exc

    def close(self) -> None:
        if not self._closed:
            self.flush()
            self._closed = True
            try:
                self.transport.close()
            except (OSError, RuntimeError):  # already closed by the peer / loop shutting down
                pass
            self.protocol._wake()

    async def wait_closed(self, timeout: float = 2.0) -> None:
        try:
            await asyncio.wait_for(self.protocol.wait_closed(), timeout)
        except (TimeoutError, OSError, _ssl.SSLError):
            pass
