"""C-ECHO, the Verification service (PS3.7 9.1.5 and 9.3.5; PS3.4 Annex A).

SCU: :func:`c_echo` sends a C-ECHO-RQ and returns the Status of the C-ECHO-RSP.
SCP: :class:`EchoSCP` answers with the status the user's handler returns (Success 0000H
when there is no handler or it returns None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dicomgen.core.errors import DimseError

from ..contexts import VERIFICATION_SOP_CLASS
from .command_set import command_set_class
from .fields import NO_DATASET, CommandField, Status
from .message import DimseMessage
from .service import DimseEvent, Handler, ServiceProvider, call_handler

if TYPE_CHECKING:
    from ..association import Association


def echo_request(
    context_id: int, message_id: int, sop_class: str = VERIFICATION_SOP_CLASS
) -> DimseMessage:
    """C-ECHO-RQ (PS3.7 Table 9.3-12)."""
    return DimseMessage(
        context_id,
        command_set_class().of(
            AffectedSOPClassUID=sop_class,
            CommandField=CommandField.C_ECHO_RQ,
            MessageID=message_id,
            CommandDataSetType=NO_DATASET,
        ),
    )


def echo_response(request: DimseMessage, status: int) -> DimseMessage:
    """C-ECHO-RSP (PS3.7 Table 9.3-13) answering ``request``."""
    return DimseMessage(
        request.context_id,
        command_set_class().of(
            AffectedSOPClassUID=request.command.AffectedSOPClassUID,
            CommandField=CommandField.C_ECHO_RSP,
            MessageIDBeingRespondedTo=request.command.MessageID,
            CommandDataSetType=NO_DATASET,
            Status=status,
        ),
    )


async def c_echo(assoc: Association, *, timeout: float | None = None) -> int:
    """Send a C-ECHO-RQ on ``assoc``; return the response Status (0000H = success).

    Raises :class:`DimseError` when no Verification context is accepted with us as SCU or
    the response is not a C-ECHO-RSP, :class:`NetworkTimeout` when none comes in time.
    """
    context = assoc.context_for(VERIFICATION_SOP_CLASS, role="scu")
    message_id = assoc.next_message_id()
    response = await assoc.request(echo_request(context.context_id, message_id), timeout=timeout)
    if response.command_field != CommandField.C_ECHO_RSP:
        raise DimseError(f"expected a C-ECHO-RSP, received {response.label}")
    status = response.command.Status
    if status is None:
        raise DimseError("C-ECHO-RSP without Status (0000,0900)")
    return int(status)


class EchoSCP(ServiceProvider):
    """Verification SCP: the handler may return a status code (int) or None for success."""

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        status: int = Status.SUCCESS
        if event.command.AffectedSOPClassUID != event.context.abstract_syntax:
            # PS3.7 9.1.5.1.4: a SOP Class other than the context's Verification SOP Class
            status = Status.REFUSED_SOP_CLASS_NOT_SUPPORTED
        elif handler is not None:
            result = await call_handler(handler, event)
            status = Status.SUCCESS if result is None else int(result)
        await event.association.send_message(echo_response(event.message, status))
