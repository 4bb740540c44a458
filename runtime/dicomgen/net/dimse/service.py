"""How DIMSE services plug into an association (PS3.7 7 and 9/10).

A :class:`ServiceProvider` (SCP side) serves one request command field; the AE holds the
table of them (``AE(services=...)``, by default :func:`.providers.standard_services`), and
the association hands each received request to the provider of its command field with the
user's handler for that command (``handlers={CommandField.C_ECHO_RQ: fn}`` or
``{"C-ECHO": fn}``).
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from dicomgen.core.errors import DimseError

from .command_set import command_set_class
from .fields import NO_DATASET, CommandField, Status
from .message import DatasetSink, DimseMessage

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset
    from dicomgen_std.commands import CommandSet

    from ..association import Association
    from ..contexts import PresentationContext


@attrs.define
class DimseEvent:
    """What a user handler receives: the association, the request and its context."""

    association: Association
    message: DimseMessage
    context: PresentationContext

    @property
    def command(self) -> CommandSet:
        return self.message.command

    @property
    def calling_ae_title(self) -> str:
        return self.association.peer_ae_title

    @property
    def dataset(self) -> Dataset | None:
        """The request's data set decoded in the context's transfer syntax (None if absent)."""
        return self.message.decode_dataset(self.context.transfer_syntax)


Handler = Callable[[DimseEvent], Any | Awaitable[Any]]


class ServiceProvider(abc.ABC):
    """The SCP side of one DIMSE service: :meth:`handle` answers a request (sending the
    response(s)) in a task of its own. A provider may also receive a request's data set as a
    stream (:meth:`open_stream`) or answer at once from the transport's read callback
    (:meth:`handle_now`); the defaults do neither."""

    def open_stream(
        self,
        association: Association,
        context: PresentationContext,
        command: CommandSet,
        handler: Handler | None,
    ) -> DatasetSink | None:
        """The sink the data set of the request ``command`` goes into as it arrives, or None
        (the default) to have it collected in memory."""
        return None

    def handle_now(self, event: DimseEvent, handler: Handler | None) -> bool:
        """Answer the request at once, without waiting, and return True; False (the default)
        when :meth:`handle` must run (nothing was done)."""
        return False

    @abc.abstractmethod
    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        """Answer the request of ``event`` with ``handler`` (the user's, None if none)."""


async def call_handler(handler: Handler, event: DimseEvent) -> Any:
    """Call a user handler that may be a plain function or a coroutine function."""
    result = handler(event)
    if inspect.isawaitable(result):
        result = await result
    return result


def normalize_handlers(handlers: Mapping[Any, Handler] | None) -> dict[int, Handler]:
    """Keys may be request command fields (``CommandField.C_ECHO_RQ``, ``0x0030``) or service
    names (``"C-ECHO"``, ``"C_ECHO"``); values are handlers."""
    out: dict[int, Handler] = {}
    for key, fn in (handlers or {}).items():
        if isinstance(key, str):
            name = key.upper().replace("-", "_")
            name = name if name.endswith("_RQ") else f"{name}_RQ"
            try:
                code = int(CommandField[name])
            except KeyError:
                raise DimseError(f"unknown DIMSE service {key!r} in handlers") from None
        else:
            code = int(key)
        if code & 0x8000:
            raise DimseError(f"handler key 0x{code:04X} is a response, not a request")
        out[code] = fn
    return out


def status_response(request: DimseMessage, status: int) -> DimseMessage:
    """A response carrying only ``status`` to ``request``, built from its command set: the
    same SOP class, Command Field with bit 15 set, Message ID Being Responded To, no data set
    (for the general statuses of PS3.7 C.5: 0122H, 0210H, 0211H, 0212H)."""
    cmd = request.command
    return DimseMessage(
        request.context_id,
        command_set_class().of(
            AffectedSOPClassUID=cmd.AffectedSOPClassUID or cmd.RequestedSOPClassUID,
            CommandField=request.command_field | 0x8000,
            MessageIDBeingRespondedTo=cmd.MessageID,
            CommandDataSetType=NO_DATASET,
            Status=status,
        ),
    )


def unrecognized_response(request: DimseMessage) -> DimseMessage:
    """Status 0211H "Unrecognized operation" (PS3.7 C.5) to a known request command for which
    no service is configured here."""
    return status_response(request, Status.UNRECOGNIZED_OPERATION)
