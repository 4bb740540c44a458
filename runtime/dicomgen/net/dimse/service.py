"""How DIMSE services plug into an association (PS3.7 7 and 9/10).

A service provider (SCP side) is registered for a request command field in
:data:`SCP_SERVICES`; the association hands it each received request with the user's
handler for that command (``handlers={CommandField.C_ECHO_RQ: fn}`` or ``{"C-ECHO": fn}``).
Services added later (C-STORE, C-FIND, ...) call :func:`register_service`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from dicomgen.core.errors import DimseError

from .command_set import command_set_class
from .fields import NO_DATASET, CommandField, Status
from .message import DimseMessage

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


class ServiceProvider(Protocol):
    """The SCP side of one DIMSE service: answer ``request`` (sending the response(s))."""

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None: ...


SCP_SERVICES: dict[int, ServiceProvider] = {}


def register_service(command_field: int, provider: ServiceProvider) -> None:
    """Register the SCP of the request ``command_field`` (replacing any earlier one)."""
    SCP_SERVICES[int(command_field)] = provider


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
    no service is registered here."""
    return status_response(request, Status.UNRECOGNIZED_OPERATION)
