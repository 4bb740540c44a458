"""The Association Request/Reject/Release timer, ARTIM (PS3.8 9.1.5).

An asyncio ``call_later`` handle: starting it again restarts it; when it fires it calls
``on_expired`` once (the provider turns that into Evt18). No thread, no polling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ArtimTimer:
    """ARTIM: ``start()`` (or restart), ``stop()``, ``running``; fires ``on_expired()``."""

    def __init__(self, timeout: float, on_expired: Callable[[], None]) -> None:
        self.timeout = timeout
        self._on_expired = on_expired
        self._handle: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        return self._handle is not None

    def start(self) -> None:
        """Start the timer, or restart it if it is running (PS3.8 Table 9-9, AA-1)."""
        self.stop()
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(self.timeout, self._fire)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        self._on_expired()
