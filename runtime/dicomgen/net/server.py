"""The acceptor's listening side: :class:`Server` takes connections, negotiates each
association with its :class:`~dicomgen.net.ae.AE` (PS3.8 7.1) and serves it until it ends.

Before association, at most ``max_pending_connections`` connections wait for their
A-ASSOCIATE-RQ (each for at most ARTIM); a new connection beyond that closes the one that
has waited longest, so a flood of silent sockets cannot keep a real peer out. An association
that was aborted (by either side, e.g. after the idle timeout) frees its slot at once, not
when its connection finally closes.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from dicomgen.core.errors import NetworkError

from .association import Association
from .dimse.service import Handler
from .heap import TRIM_DELAY, release_free_memory
from .pdu import AssociateRJ
from .ul.fsm import State
from .ul.indications import AssociateIndication
from .ul.provider import UpperLayer
from .ul.transport import Transport, start_server

if TYPE_CHECKING:
    from .ae import AE

log: logging.Logger = logging.getLogger("dicomgen.net")


async def wait_bounded(awaitable: Awaitable[Any], timeout: float | None) -> None:
    """Await ``awaitable`` for at most ``timeout`` seconds; a timeout or a network error
    ends the wait quietly (closing a connection that is going anyway)."""
    try:
        await asyncio.wait_for(awaitable, timeout)
    except (TimeoutError, NetworkError):
        pass


class Server:
    """An acceptor listening for associations; ``port``, ``associations``, ``close()``."""

    def __init__(self, ae: AE, handlers: dict[int, Handler]) -> None:
        self.ae = ae
        self.handlers = handlers
        self.associations: set[Association] = set()
        self.served: int = 0  # connections handled (for tests and monitoring)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        #: connections waiting for their A-ASSOCIATE-RQ, oldest first
        self._pending: dict[Transport, None] = {}
        self._trim: asyncio.TimerHandle | None = None

    async def _start(self, address: tuple[str, int], ssl_context: _ssl.SSLContext | None) -> None:
        host, port = address
        self._server = await start_server(
            self._on_connection,
            host,
            port,
            ssl_context=ssl_context,
            max_pdata_length=self.ae._ul_config().max_pdata_length,
            max_associate_length=self.ae.max_associate_length,
            max_queued_bytes=self.ae.max_queued_bytes,
        )

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None
        sock = self._server.sockets[0].getsockname()
        return sock[0], sock[1]

    @property
    def port(self) -> int:
        return self.address[1]

    async def _on_connection(self, transport: Transport) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve_connection(transport)
        except Exception:
            log.exception("connection from %s failed", transport.peer)
        finally:
            self.served += 1
            if task is not None:
                self._tasks.discard(task)
            if not self._pending and self._trim is None:  # a burst of connections ended
                self._trim = asyncio.get_running_loop().call_later(TRIM_DELAY, self._trim_heap)

    def _trim_heap(self) -> None:
        self._trim = None
        if not self._pending:
            release_free_memory()

    @property
    def busy_slots(self) -> int:
        """Associations holding a slot (aborted ones do not, while their connection closes)."""
        return sum(1 for a in self.associations if not a.is_aborted)

    def _admit(self, transport: Transport) -> None:
        """Count ``transport`` as waiting for its A-ASSOCIATE-RQ, closing the connection that
        has waited longest when ``max_pending_connections`` already wait."""
        pending = self._pending
        while pending and len(pending) >= self.ae.max_pending_connections:
            oldest = next(iter(pending))
            del pending[oldest]
            log.info("closing %s: too many connections waiting to associate", oldest.peer)
            oldest.transport.abort()
        pending[transport] = None

    async def _serve_connection(self, transport: Transport) -> None:
        provider = UpperLayer(self.ae._ul_config(), requestor=False)
        self._admit(transport)
        try:
            await self._negotiate_and_serve(provider, transport)
        finally:
            self._pending.pop(transport, None)
            provider.artim.stop()
            transport.close()

    async def _negotiate_and_serve(self, provider: UpperLayer, transport: Transport) -> None:
        ae = self.ae
        artim = ae.timeouts.artim
        provider.connection_indication(transport)
        try:
            ind = await asyncio.wait_for(provider.next_indication(), artim + 5)
        except TimeoutError:  # pragma: no cover - ARTIM fires first
            await provider.abort()
            return
        self._pending.pop(transport, None)
        if not isinstance(ind, AssociateIndication):  # abort, invalid PDU, closed, ARTIM
            await wait_bounded(provider.wait_closed(artim + 1), artim + 1)
            return
        if provider.state is not State.STA3:  # pragma: no cover - aborted meanwhile
            return
        busy = self.busy_slots >= ae.max_associations
        answer, contexts = ae.negotiate(ind.request, busy=busy)
        await provider.associate_response(answer)
        if isinstance(answer, AssociateRJ):
            log.info("rejected %s: %s", ind.request.calling_ae_title, answer.describe())
            await wait_bounded(provider.wait_closed(artim + 1), artim + 1)
            return
        transport.protocol.trust()
        assoc = Association(
            ae,
            provider,
            is_requestor=False,
            request=ind.request,
            accept=answer,
            contexts=contexts,
            timeouts=ae.timeouts,
            handlers=self.handlers,
        )
        self.associations.add(assoc)
        try:
            await assoc.wait_closed(None)  # bounded by the idle timeout and ARTIM in the provider
        finally:
            self.associations.discard(assoc)

    async def close(self, timeout: float = 5.0) -> None:
        """Stop listening, abort the open associations and wait for their tasks."""
        if self._trim is not None:
            self._trim.cancel()
            self._trim = None
        if self._server is not None:
            self._server.close()
        for assoc in list(self.associations):
            await assoc.abort()
        tasks = list(self._tasks)
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=timeout)
            for t in pending:
                t.cancel()
        if self._server is not None:
            try:
                await asyncio.wait_for(self._server.wait_closed(), timeout)
            except TimeoutError:
                pass

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


__all__ = ["Server", "wait_bounded"]
