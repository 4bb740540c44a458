"""C-STORE SCP (PS3.7 9.1.1.1; PS3.4 B.2.2): :class:`StoreSCP` answers C-STORE-RQs with the
user's handler.

The user's handler is either

- a plain function (or coroutine function) ``handler(event) -> status`` receiving a
  :class:`~dicomgen.net.dimse.service.DimseEvent` (``event.dataset`` decodes the data set,
  ``event.message.dataset`` holds its encoded bytes), or
- a *streaming handler*: a :class:`StreamingStoreHandler`, with ``open_stream(request) ->
  sink`` and ``async complete(request, sink) -> status``; the data set then goes fragment by
  fragment into the sink (e.g. a temporary file) instead of memory. Two more methods have
  defaults that do nothing: ``complete_now(request, sink) -> status`` completes the store
  without waiting when it can (a small data set on a store that does not fsync) and returns
  ``NotImplemented`` when it cannot (the default): the response is then sent from the
  transport's read callback, with no task created (see :mod:`dicomgen.net.association`);
  ``responded_now(request)`` is called right after that response was sent (the moment to
  do work the response need not wait for, while the peer reads it).

A status result may be an int, ``(status, error_comment)``, None (Success), or any object
with ``status`` and ``error_comment`` attributes.
"""

from __future__ import annotations

import abc
import logging
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from dicomgen.core.errors import DimseError

from .fields import Status
from .message import DatasetSink
from .service import DimseEvent, Handler, ServiceProvider, call_handler
from .store import StoreStatus, store_response

if TYPE_CHECKING:
    from dicomgen_std.commands import CommandSet

    from ..association import Association
    from ..contexts import PresentationContext

log: logging.Logger = logging.getLogger("dicomgen.net")


@attrs.define
class StoreRequest:
    """A received C-STORE-RQ as a streaming handler sees it."""

    association: Association
    context: PresentationContext
    command: CommandSet

    @property
    def sop_class_uid(self) -> str:
        return str(self.command.AffectedSOPClassUID or "")

    @property
    def sop_instance_uid(self) -> str:
        return str(self.command.AffectedSOPInstanceUID or "")

    @property
    def transfer_syntax(self) -> str:
        return self.context.transfer_syntax

    @property
    def calling_ae_title(self) -> str:
        return self.association.peer_ae_title

    @property
    def move_originator_aet(self) -> str | None:
        return self.command.MoveOriginatorApplicationEntityTitle


SinkT = TypeVar("SinkT", bound=DatasetSink)
StatusResult = Any
"""What a C-STORE handler returns: an int, ``(status, error_comment)``, None (Success), or
an object with ``status`` and ``error_comment`` attributes."""


class StreamingStoreHandler(abc.ABC, Generic[SinkT]):
    """A C-STORE handler that receives the data set as a stream into its own sink (see the
    module docstring)."""

    @abc.abstractmethod
    def open_stream(self, request: StoreRequest) -> SinkT:
        """The sink the data set of ``request`` is written into, fragment by fragment."""

    @abc.abstractmethod
    async def complete(self, request: StoreRequest, sink: SinkT) -> StatusResult:
        """Store what ``sink`` received (closed) and return the status."""

    def complete_now(self, request: StoreRequest, sink: SinkT) -> StatusResult:
        """Complete the store without waiting, or return ``NotImplemented`` (the default)
        when :meth:`complete` must run."""
        return NotImplemented

    def responded_now(self, request: StoreRequest) -> None:
        """Called right after the response of a store that :meth:`complete_now` completed
        was sent (the default does nothing)."""

    async def __call__(self, event: DimseEvent) -> StatusResult:
        """The plain-handler form: the data set, already in memory, through a new sink."""
        request = StoreRequest(event.association, event.context, event.command)
        sink = self.open_stream(request)
        if event.message.dataset:
            sink.write(event.message.dataset)
        sink.close()
        return await self.complete(request, sink)


class DiscardSink:
    """A :class:`~dicomgen.net.dimse.message.DatasetSink` that drops the data set (one that
    will be refused anyway, or a handler that keeps nothing)."""

    def write(self, data: bytes | memoryview) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def room(self) -> None:
        return None  # it always has room


def _as_status(result: Any) -> tuple[int, str | None]:
    if result is None:
        return StoreStatus.SUCCESS, None
    if isinstance(result, tuple):
        return int(result[0]), (str(result[1]) if len(result) > 1 and result[1] else None)
    if isinstance(result, int):
        return int(result), None
    status = getattr(result, "status", None)
    if status is not None:
        return int(status), getattr(result, "error_comment", None)
    raise DimseError(f"a C-STORE handler returned {result!r}, not a status")


class StoreSCP(ServiceProvider):
    """The C-STORE service provider (PS3.7 9.1.1.1; PS3.4 B.2.2)."""

    def open_stream(
        self,
        association: Association,
        context: PresentationContext,
        command: CommandSet,
        handler: Handler | None,
    ) -> DatasetSink | None:
        if command.AffectedSOPClassUID != context.abstract_syntax:
            return DiscardSink()
        if not isinstance(handler, StreamingStoreHandler):
            return None
        return handler.open_stream(StoreRequest(association, context, command))

    @staticmethod
    def _refusal(event: DimseEvent, handler: Handler | None) -> tuple[int, str] | None:
        """The failure answering a request that is not passed to the handler, else None."""
        if event.command.AffectedSOPClassUID != event.context.abstract_syntax:
            # PS3.7 9.1.1.1.2: the SOP Class must be the context's abstract syntax
            return (
                StoreStatus.REFUSED_SOP_CLASS_NOT_SUPPORTED,
                "Affected SOP Class UID differs from the presentation context",
            )
        if not event.command.AffectedSOPInstanceUID:
            return Status.MISTYPED_ARGUMENT, "no Affected SOP Instance UID"
        if handler is None:
            log.warning("C-STORE-RQ received but no C-STORE handler is registered")
            return StoreStatus.OUT_OF_RESOURCES, "no storage handler"
        return None

    def handle_now(self, event: DimseEvent, handler: Handler | None) -> bool:
        """Answer the request at once if it is refused or the handler completes it without
        waiting (``complete_now``); False: :meth:`handle` must run (nothing was done)."""
        stream = event.message.stream
        refusal = self._refusal(event, handler)
        if refusal is None:
            if stream is None or not isinstance(handler, StreamingStoreHandler):
                return False
            request = StoreRequest(event.association, event.context, event.command)
            try:
                result = handler.complete_now(request, stream)
                if result is NotImplemented:
                    return False
                status, comment = _as_status(result)
            except Exception as exc:
                status, comment = self._failed(exc, stream)
            event.association.send_message_now(store_response(event.message, status, comment))
            try:
                handler.responded_now(request)
            except Exception:
                log.exception("C-STORE handler's responded_now failed")
            return True
        status, comment = refusal
        event.association.send_message_now(store_response(event.message, status, comment))
        return True

    @staticmethod
    def _failed(exc: Exception, stream: DatasetSink | None) -> tuple[int, str]:
        log.exception("C-STORE handler failed")
        if stream is not None:
            stream.abort()
        return StoreStatus.PROCESSING_FAILURE, f"{type(exc).__name__}: {exc}"

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        message = event.message
        stream = message.stream
        refusal = self._refusal(event, handler)
        if refusal is not None:
            status, comment = refusal
        else:
            assert handler is not None  # _refusal refuses a request that has no handler
            try:
                if stream is not None and isinstance(handler, StreamingStoreHandler):
                    result = await handler.complete(
                        StoreRequest(event.association, event.context, event.command), stream
                    )
                else:
                    result = await call_handler(handler, event)
                status, comment = _as_status(result)
            except Exception as exc:
                status, comment = self._failed(exc, stream)
        await event.association.send_message(store_response(message, status, comment))


__all__ = [
    "DiscardSink",
    "StoreRequest",
    "StatusResult",
    "StoreSCP",
    "StreamingStoreHandler",
]
