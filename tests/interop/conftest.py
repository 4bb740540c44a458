"""Interop fixtures: a guard against a thread race inside the pynetdicom oracle.

pynetdicom 3.0's requestor runs a reactor thread that takes DIMSE messages off its queue
when no ``send_*`` call is in progress. A ``send_*`` call pauses it by clearing
``_reactor_checkpoint`` and waiting for ``_is_paused``; but the reactor sets ``_is_paused``
*before* it waits on the checkpoint, so a ``send_*`` call can see a stale ``True`` while the
reactor is already past the wait. When the peer answers within that window (our SCP answers a
C-ECHO in well under a millisecond on loopback), the reactor takes the response, logs
"Received unexpected C-ECHO service message" and drops it, and the ``send_*`` call waits for
its DIMSE timeout. Measured here: about 1 run in 60 of tests/interop/test_net_pynetdicom_echo.py
with the CPUs busy.

The guard gives such a response back to the queue the waiting ``send_*`` call reads, and only
while one is waiting (checkpoint cleared); a response that arrives when no request is
outstanding is still dropped by pynetdicom as before, so an unsolicited response from our SCP
is not hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _pynetdicom_reactor_keeps_awaited_responses(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        from pynetdicom.association import Association
    except ImportError:  # pynetdicom is optional: its tests skip themselves
        yield
        return
    original = Association._serve_request

    def serve_request(self: Any, msg: Any, context_id: int) -> None:
        awaited = not self._reactor_checkpoint.is_set()  # a send_* call is waiting
        if awaited and msg is not None and not msg.is_valid_request:
            self.dimse.msg_queue.put((context_id, msg))
            return
        original(self, msg, context_id)

    monkeypatch.setattr(Association, "_serve_request", serve_request)
    yield
