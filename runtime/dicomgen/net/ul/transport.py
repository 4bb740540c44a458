"""TCP (optionally TLS) transport of the Upper Layer over asyncio streams (PS3.8 9.1.1, 9.1.4).

Reads whole PDUs: the 6-byte header is validated (type, length against our maximum)
before the body is read, so a peer cannot make us allocate or wait for a huge body.
"""

from __future__ import annotations

import asyncio
import ssl as _ssl

from dicomgen.core.errors import NetworkError, NetworkTimeout

from ..pdu.codec import HEADER_LENGTH, check_header, decode_pdu
from ..pdu.codec import PDU


class Transport:
    """One open transport connection (an asyncio stream pair)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._closed = False

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
        try:
            header = await asyncio.wait_for(self.reader.readexactly(HEADER_LENGTH), timeout)
            _type, length = check_header(header, max_pdata_length=max_pdata_length)
            body = await asyncio.wait_for(self.reader.readexactly(length), timeout)
        except asyncio.TimeoutError:
            raise NetworkTimeout(f"no complete PDU received within {timeout} s") from None
        return decode_pdu(header + body, max_pdata_length=max_pdata_length)

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
        """Queue ``data`` for sending (no wait); see :meth:`drain`."""
        if not self._closed:
            self.writer.write(data)

    async def drain(self, timeout: float | None) -> None:
        if self._closed:
            return
        try:
            await asyncio.wait_for(self.writer.drain(), timeout)
        except asyncio.TimeoutError:
            raise NetworkTimeout(f"peer did not accept sent data within {timeout} s") from None
        except (ConnectionError, OSError) as exc:
            raise NetworkError(f"connection lost while sending: {exc}") from exc

    def close(self) -> None:
        if not self._closed:
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
