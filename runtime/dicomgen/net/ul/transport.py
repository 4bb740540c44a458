"""TCP (optionally TLS) transport of the Upper Layer over asyncio streams (PS3.8 9.1.1, 9.1.4).

Reads whole PDUs: the 6-byte header is validated (type, length against our maximum)
before the body is read, so a peer cannot make us allocate or wait for a huge body. The
body is read once and P-DATA-TF PDVs are memoryviews into it (no further copy).

Writes are coalesced: PDUs smaller than :data:`COALESCE_LIMIT` queued in one turn of the
event loop (e.g. a C-STORE-RQ command PDU and the small data set PDU after it) go to the
socket in one ``send`` at the next :meth:`Transport.flush` (done by :meth:`drain`,
:meth:`close` and, at the latest, by a callback scheduled on the next loop iteration).
Larger PDUs are written at once after what is pending, so the order never changes.

Timeouts use ``asyncio.timeout`` (Python 3.11+; one timer handle) rather than
``asyncio.wait_for``, which wraps each read in a new task.
"""

from __future__ import annotations

import asyncio
import ssl as _ssl

from dicomgen.core.errors import NetworkError, NetworkTimeout

from ..pdu.codec import HEADER_LENGTH, PDU, check_header, decode_pdu_parts

#: PDUs at least this long are written at once (no join copy); smaller ones are coalesced.
COALESCE_LIMIT = 1 << 16

_timeout = getattr(asyncio, "timeout", None)  # Python 3.11+


class Transport:
    """One open transport connection (an asyncio stream pair)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._closed = False
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._flush_scheduled = False

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        timeout: float | None,
        ssl_context: _ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> "Transport":
        """Open a connection within ``timeout`` seconds (:class:`NetworkTimeout` otherwise)."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    host,
                    port,
                    ssl=ssl_context,
                    server_hostname=(server_hostname or host) if ssl_context else None,
                ),
                timeout,
            )
        except asyncio.TimeoutError:
            raise NetworkTimeout(
                f"TCP connection to {host}:{port} not established within {timeout} s",
                host=host,
                port=port,
            ) from None
        except (OSError, _ssl.SSLError) as exc:
            raise NetworkError(
                f"cannot connect to {host}:{port}: {exc}", host=host, port=port
            ) from exc
        return cls(reader, writer)

    @property
    def peer(self) -> tuple[str, int] | None:
        info = self.writer.get_extra_info("peername")
        return (info[0], info[1]) if info else None

    @property
    def closed(self) -> bool:
        return self._closed

    async def read_pdu(self, *, max_pdata_length: int, timeout: float | None) -> PDU:
        """Read and decode one PDU.

        Raises :class:`asyncio.IncompleteReadError` / ``ConnectionError`` when the peer
        closes, :class:`NetworkTimeout` after ``timeout`` seconds without a whole PDU, and
        :class:`~dicomgen.core.errors.PDUError` for a malformed one.
        """
        reader = self.reader
        try:
            if timeout is None:
                header = await reader.readexactly(HEADER_LENGTH)
                pdu_type, length = check_header(header, max_pdata_length=max_pdata_length)
                body = await reader.readexactly(length) if length else b""
            elif _timeout is not None:
                async with _timeout(timeout) as cm:
                    header = await reader.readexactly(HEADER_LENGTH)
                    pdu_type, length = check_header(header, max_pdata_length=max_pdata_length)
                    if length:
                        cm.reschedule(asyncio.get_running_loop().time() + timeout)
                        body = await reader.readexactly(length)
                    else:
                        body = b""
            else:  # pragma: no cover - Python 3.10
                header = await asyncio.wait_for(reader.readexactly(HEADER_LENGTH), timeout)
                pdu_type, length = check_header(header, max_pdata_length=max_pdata_length)
                body = await asyncio.wait_for(reader.readexactly(length), timeout)
        except asyncio.TimeoutError:
            raise NetworkTimeout(f"no complete PDU received within {timeout} s") from None
        return decode_pdu_parts(pdu_type, header, body, max_pdata_length=max_pdata_length)

    async def discard_until_closed(self, timeout: float | None) -> None:
        """Read and drop bytes until the peer closes or ``timeout`` passes (after a bad PDU)."""

        async def drop() -> None:
            while not self._closed and await self.reader.read(65536):
                pass

        try:
            await asyncio.wait_for(drop(), timeout)  # asyncio.timeout() needs Python 3.11
        except (asyncio.TimeoutError, OSError):
            pass

    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending (no wait); see the module docstring and :meth:`drain`."""
        if self._closed:
            return
        n = len(data)
        if n >= COALESCE_LIMIT:
            if self._pending:
                self.flush()
            self.writer.write(data)
            return
        self._pending.append(data)
        self._pending_size += n
        if self._pending_size >= COALESCE_LIMIT:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_flush)

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
        try:
            self.writer.write(pending[0] if len(pending) == 1 else b"".join(pending))
        except (OSError, RuntimeError):  # transport already closed; drain() reports it
            pass

    @property
    def buffered(self) -> int:
        """Bytes written but not yet accepted by the kernel (after a :meth:`flush`)."""
        wt = self.writer.transport
        if wt is None or wt.is_closing():
            return -1
        return wt.get_write_buffer_size()

    async def drain(self, timeout: float | None) -> None:
        """Flush, then wait until the transport's buffer is below its high-water mark.
        Returns without suspending when the kernel took everything (the usual case)."""
        if self._closed:
            return
        self.flush()
        if self.buffered == 0:
            return
        try:
            if timeout is not None and _timeout is not None:
                async with _timeout(timeout):
                    await self.writer.drain()
            else:
                await asyncio.wait_for(self.writer.drain(), timeout)
        except asyncio.TimeoutError:
            raise NetworkTimeout(f"peer did not accept sent data within {timeout} s") from None
        except (ConnectionError, OSError) as exc:
            raise NetworkError(f"connection lost while sending: {exc}") from exc

    def close(self) -> None:
        if not self._closed:
            self.flush()
            self._closed = True
            try:
                self.writer.close()
            except (OSError, RuntimeError):  # already closed by the peer / loop shutting down
                pass

    async def wait_closed(self, timeout: float = 2.0) -> None:
        try:
            await asyncio.wait_for(self.writer.wait_closed(), timeout)
        except (asyncio.TimeoutError, OSError, _ssl.SSLError):
            pass
