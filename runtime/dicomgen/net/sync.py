"""Synchronous facade over the asyncio network layer, for scripts and tests.

Each :class:`SyncAssociation` / :class:`ThreadedServer` runs its own event loop in a daemon
thread; calls wait on it with a bound derived from the AE's timeouts, so nothing blocks
forever. ::

    with ae.associate_sync("127.0.0.1", 11112, ae_title="ANY-SCP") as assoc:
        assert assoc.send_c_echo() == 0

    with ae.serve_sync(("127.0.0.1", 0)) as server:
        port = server.port
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from dicomgen.core.errors import NetworkTimeout

if TYPE_CHECKING:
    from .ae import AE
    from .association import Association
    from .dimse.store import StoreResponse
    from .server import Server

T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread; :meth:`run` a coroutine on it and wait."""

    def __init__(self, name: str) -> None:
        self.loop: asyncio.AbstractEventLoop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise NetworkTimeout(f"operation did not finish within {timeout} s") from None

    def stop(self, timeout: float = 5.0) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)


def _bound(ae: AE, *parts: str, margin: float = 5.0) -> float:
    """A wall-clock bound for a sync call: the sum of the relevant AE timeouts plus a margin."""
    t = ae.timeouts
    total = margin
    for name in parts:
        value = getattr(t, name)
        total += value if value is not None else 3600.0
    return total


class SyncAssociation:
    """A blocking wrapper of :class:`dicomgen.net.association.Association`.

    Methods mirror the async ones (``send_c_echo``, ``release``, ``abort``); other attributes
    (``accepted_contexts``, ``peer_max_pdu``, ...) are read from the association.
    """

    def __init__(self, runner: LoopThread, assoc: Association) -> None:
        self._runner = runner
        self._assoc = assoc

    @classmethod
    def open(cls, ae: AE, host: str, port: int, ae_title: str, **kwargs: Any) -> SyncAssociation:
        runner = LoopThread(f"dicomgen-assoc-{host}:{port}")
        try:

            async def go() -> Association:
                return await ae.associate(host, port, ae_title, **kwargs)

            assoc = runner.run(go(), _bound(ae, "connect", "acse", "artim"))
        except BaseException:
            runner.stop()
            raise
        return cls(runner, assoc)

    @property
    def association(self) -> Association:
        """The asyncio association this object drives."""
        return self._assoc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._assoc, name)

    def send_c_echo(self, *, timeout: float | None = None) -> int:
        bound = (timeout if timeout is not None else _bound(self._assoc.ae, "dimse")) + 5
        return self._runner.run(self._assoc.send_c_echo(timeout=timeout), bound)

    def send_c_store(
        self, source: Any, *, timeout: float | None = None, **kwargs: Any
    ) -> StoreResponse:
        """Blocking :meth:`Association.send_c_store` (a ``StoreResponse``)."""
        bound = (timeout if timeout is not None else _bound(self._assoc.ae, "dimse")) + 3600
        return self._runner.run(self._assoc.send_c_store(source, timeout=timeout, **kwargs), bound)

    def release(self) -> None:
        try:
            self._runner.run(self._assoc.release(), _bound(self._assoc.ae, "acse", "artim"))
        finally:
            self._runner.stop()

    def abort(self) -> None:
        try:
            self._runner.run(self._assoc.abort(), _bound(self._assoc.ae, "artim"))
        finally:
            self._runner.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run any coroutine of the association (e.g. a service added later) and wait."""
        return self._runner.run(
            coro, timeout if timeout is not None else _bound(self._assoc.ae, "dimse")
        )

    def __enter__(self) -> SyncAssociation:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.release()
        else:
            self.abort()


class ThreadedServer:
    """A :class:`dicomgen.net.server.Server` running in a background thread."""

    def __init__(self, runner: LoopThread, server: Server) -> None:
        self._runner = runner
        self.server = server

    @classmethod
    def start(
        cls, ae: AE, address: tuple[str, int], handlers: Mapping[Any, Any] | None, **kwargs: Any
    ) -> ThreadedServer:
        runner = LoopThread(f"dicomgen-server-{address[0]}:{address[1]}")
        try:
            server = runner.run(ae.start_server(address, handlers, **kwargs), 10.0)
        except BaseException:
            runner.stop()
            raise
        return cls(runner, server)

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def served(self) -> int:
        return self.server.served

    def shutdown(self, timeout: float = 10.0) -> None:
        try:
            self._runner.run(self.server.close(), timeout)
        finally:
            self._runner.stop()

    def __enter__(self) -> ThreadedServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
