"""Performing the requests a peer invokes on an association (PS3.7 D.3.3.3): each goes to
the service provider of its command field (the AE's table) in a task of its own, or is
answered at once by the provider (``handle_now``) from the transport's read callback.

No more requests are performed at once than the asynchronous operations window lets the
peer invoke (one without the sub-item); a peer that sends more is served anyway, but no
more than that many at once: the others wait in order, and past ``Association.MAX_WAITING``
of them no more P-DATA is taken until they are under it again.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any

from dicomgen.core.errors import DimseError, NetworkError

from .dimse.fields import CommandField, Status
from .dimse.message import DatasetSink, DimseMessage
from .dimse.service import DimseEvent, status_response, unrecognized_response

if TYPE_CHECKING:
    from .association import Association
    from .contexts import PresentationContext
    from .pdu import AssociateAC, AssociateRQ

log: logging.Logger = logging.getLogger("dicomgen.net")


class Performer:
    """The requests received on ``association``, performed ``limit`` at a time (0: no
    limit): Message IDs received and not yet answered (performed or waiting)."""

    def __init__(self, association: Association, limit: int) -> None:
        self._assoc = association
        self.limit = limit
        self._serving: set[int] = set()
        self._waiting: collections.deque[tuple[DimseMessage, PresentationContext, int]] = (
            collections.deque()
        )
        self._waiting_held = False
        self._window_warned = False

    def is_serving(self, message_id: int) -> bool:
        """Whether the request ``message_id`` is being performed or waits to be."""
        return message_id in self._serving

    def open_stream(
        self, context: PresentationContext, field: int, command: Any
    ) -> DatasetSink | None:
        """The sink of the provider of request ``field`` for its data set, if it streams it."""
        service = self._assoc.services.get(field)
        if service is None:
            return None
        return service.open_stream(self._assoc, context, command, self._assoc.handlers.get(field))

    def received(self, message: DimseMessage, context: PresentationContext) -> None:
        """A request (not a response, not a C-CANCEL-RQ) arrived on ``context``."""
        field = message.command_field
        message_id = message.command.MessageID
        if message_id is None:
            raise DimseError(f"{message.label} without Message ID (0000,0110)")
        if message_id in self._serving:
            # PS3.7 C.5.2: the Message ID is allocated to an operation still being performed
            self._assoc.start_task(
                self._assoc.send_message(status_response(message, Status.DUPLICATE_INVOCATION))
            )
            return
        limit = self.limit
        if limit and (self._waiting or len(self._serving) >= limit):
            self._wait_for_slot(message, context, message_id)
            return
        service = self._assoc.services.get(field)
        if service is not None and self._assoc.can_send_now():
            # answered at once when the service can (no task, no task switch)
            if service.handle_now(
                DimseEvent(self._assoc, message, context), self._assoc.handlers.get(field)
            ):
                return
        self._perform(message, context, message_id)

    def _perform(
        self, message: DimseMessage, context: PresentationContext, message_id: int
    ) -> None:
        self._serving.add(message_id)
        task = self._assoc.start_task(self._serve(message, context))
        task.add_done_callback(lambda _t: self._performed(message_id))

    def _wait_for_slot(
        self, message: DimseMessage, context: PresentationContext, message_id: int
    ) -> None:
        """A request beyond the window (see ``__init__``): it waits for a slot, in order."""
        if not self._window_warned:
            self._window_warned = True
            log.warning(
                "%s invokes more than %d outstanding operation(s), the negotiated window"
                " (PS3.7 D.3.3.3): performing them %d at a time",
                self._assoc.peer_ae_title,
                self.limit,
                self.limit,
            )
        self._serving.add(message_id)
        self._waiting.append((message, context, message_id))
        if len(self._waiting) >= self._assoc.MAX_WAITING and not self._waiting_held:
            self._waiting_held = True
            self._assoc.provider.hold()

    def _performed(self, message_id: int) -> None:
        """A request was answered: start those waiting for its slot."""
        self._serving.discard(message_id)
        waiting = self._waiting
        if self._assoc.is_closed:
            waiting.clear()  # the association ended: nobody to answer
        while waiting and len(self._serving) - len(waiting) < self.limit:
            message, context, message_id = waiting.popleft()
            self._perform(message, context, message_id)  # still in _serving
        if self._waiting_held and len(waiting) < self._assoc.MAX_WAITING:
            self._waiting_held = False
            self._assoc.provider.unhold()

    async def _serve(self, message: DimseMessage, context: PresentationContext) -> None:
        service = self._assoc.services.get(message.command_field)
        try:
            if service is None:
                try:
                    CommandField(message.command_field)
                except ValueError:
                    self._assoc.abort_detail = (
                        f"unknown DIMSE command field 0x{message.command_field:04X}"
                    )
                    await self._assoc.provider.abort()
                    return
                await self._assoc.send_message(unrecognized_response(message))
                return
            event = DimseEvent(self._assoc, message, context)
            await service.handle(event, self._assoc.handlers.get(message.command_field))
        except (NetworkError, asyncio.CancelledError):
            raise
        except Exception:  # a failing user handler must not take the server down
            log.exception("handler for %s failed", message.label)
            await self._assoc.abort()


def negotiated_window(request: AssociateRQ, accept: AssociateAC) -> tuple[int, int]:
    """(invoked, performed): 1/1 unless both sides sent the sub-item (PS3.7 D.3.3.3)."""
    rq = request.user_information.async_operations_window
    ac = accept.user_information.async_operations_window
    if rq is None or ac is None:
        return (1, 1)
    return (ac.max_operations_invoked, ac.max_operations_performed)


__all__ = ["Performer", "negotiated_window"]
