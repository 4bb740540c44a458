"""DIMSE-N services (PS3.7 10.1 and 10.3): N-EVENT-REPORT, N-GET, N-SET, N-ACTION, N-CREATE,
N-DELETE.

SCU (each sends one request and waits for its response; ``timeout`` default: DIMSE)::

    rsp = await n_action(assoc, sop_class, sop_instance, action_type_id=1,
                         action_information=ds)
    rsp.status, rsp.dataset (Action Reply), rsp.affected_sop_instance_uid

Data sets may be Datasets, typed objects (``to_dataset()``) or keyword mappings (see
:func:`dicomgen.net.dimse.find.as_identifier`).

SCP: one :class:`NormalizedSCP` per request type is in the AE's provider table. The user's
handler (keys "N-EVENT-REPORT", "N-GET", ...) receives an :class:`NEvent` (``sop_class``,
``sop_instance``, ``event_type_id``, ``action_type_id``, ``attribute_identifiers``, ``dataset``
decoded) and returns None (Success, no data set), an int status, a data set (Success with it) or
``(status, data set)``. Without a handler the answer is "No such action" style refusal 0211H
Unrecognized operation (PS3.7 C.5.4). A handler error gives 0110H Processing failure. For
N-CREATE without an Affected SOP Instance UID the SCP assigns one (PS3.7 10.1.5.1.3) before
calling the handler, which may replace ``event.sop_instance``.

Command fields per PS3.7 Tables 10.3-1 to 10.3-12.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from dicomgen.core.errors import AssociationAborted, DicomError, DimseError, NetworkTimeout

from .command_set import command_set_class
from .fields import DATASET_PRESENT, NO_DATASET, CommandField, Status
from .find import encode_identifier, response_to, tag_of_key
from .message import DimseMessage
from .service import DimseEvent, Handler, ServiceProvider, call_handler

if TYPE_CHECKING:
    from dicomgen_std.commands import CommandSet

    from ..association import Association
    from ..contexts import PresentationContext

log: logging.Logger = logging.getLogger("dicomgen.net")

PROCESSING_FAILURE = 0x0110
NO_SUCH_SOP_INSTANCE = 0x0112  # PS3.7 Annex C.5: No such SOP Instance


@attrs.define
class NResponse:
    """A DIMSE-N response: ``status``, the decoded data set (Event Reply, Attribute List,
    Action Reply) or None, and the command set (Affected SOP Instance UID, ...)."""

    status: int
    dataset: Any
    command: CommandSet

    @property
    def affected_sop_instance_uid(self) -> str | None:
        return self.command.AffectedSOPInstanceUID

    @property
    def affected_sop_class_uid(self) -> str | None:
        return self.command.AffectedSOPClassUID

    @property
    def error_comment(self) -> str | None:
        return self.command.ErrorComment


def _context(assoc: Association, sop_class: str) -> PresentationContext:
    """An accepted context for ``sop_class``: one where we are SCU, else any (N-EVENT-REPORT
    is sent by the SCP of the SOP Class; Meta SOP Classes carry other SOP Classes)."""
    try:
        return assoc.context_for(sop_class, role="scu")
    except DimseError:
        for c in assoc.accepted_contexts:
            if c.abstract_syntax == sop_class:
                return c
        raise


def n_request(
    context_id: int,
    field: CommandField,
    message_id: int,
    sop_class: str,
    sop_instance: str | None,
    dataset: bytes | None = None,
    **fields: Any,
) -> DimseMessage:
    """An N-xxx-RQ: Affected UIDs for N-EVENT-REPORT and N-CREATE, Requested UIDs for the
    others (PS3.7 Tables 10.3-1, -3, -5, -7, -9, -11)."""
    affected = field in (CommandField.N_EVENT_REPORT_RQ, CommandField.N_CREATE_RQ)
    return DimseMessage(
        context_id,
        command_set_class().of(
            AffectedSOPClassUID=sop_class if affected else None,
            RequestedSOPClassUID=None if affected else sop_class,
            CommandField=field,
            MessageID=message_id,
            CommandDataSetType=NO_DATASET if dataset is None else DATASET_PRESENT,
            AffectedSOPInstanceUID=sop_instance if affected else None,
            RequestedSOPInstanceUID=None if affected else sop_instance,
            **fields,
        ),
        dataset,
    )


async def _send(
    assoc: Association,
    field: CommandField,
    sop_class: str,
    sop_instance: str | None,
    dataset: Any,
    timeout: float | None,
    **fields: Any,
) -> NResponse:
    context = _context(assoc, str(sop_class))
    data = None if dataset is None else encode_identifier(dataset, context.transfer_syntax)
    request = n_request(
        context.context_id, field, assoc.next_message_id(), sop_class, sop_instance, data, **fields
    )
    response = await assoc.request(request, timeout=timeout)
    if response.command_field != field | 0x8000:
        raise DimseError(
            f"expected a {CommandField(field | 0x8000).label}, received {response.label}"
        )
    status = response.command.Status
    if status is None:
        raise DimseError(f"{response.label} without Status (0000,0900)")
    ds = None
    if response.dataset is not None:
        try:
            ds = response.decode_dataset(context.transfer_syntax)
        except DicomError as exc:
            raise DimseError(f"cannot decode the {response.label} data set: {exc}") from exc
    return NResponse(int(status), ds, response.command)


async def n_event_report(
    assoc: Association,
    sop_class: str,
    sop_instance: str,
    event_type_id: int,
    event_information: Any = None,
    *,
    timeout: float | None = None,
) -> NResponse:
    """N-EVENT-REPORT (PS3.7 10.1.1): the response has the Event Reply."""
    return await _send(
        assoc,
        CommandField.N_EVENT_REPORT_RQ,
        sop_class,
        sop_instance,
        event_information,
        timeout,
        EventTypeID=int(event_type_id),
    )


async def n_get(
    assoc: Association,
    sop_class: str,
    sop_instance: str,
    attributes: Sequence[Any] = (),
    *,
    timeout: float | None = None,
) -> NResponse:
    """N-GET (PS3.7 10.1.2): ``attributes`` (tags or keywords; empty = all) -> Attribute List."""
    tags = tuple(tag_of_key(a) for a in attributes) or None
    return await _send(
        assoc,
        CommandField.N_GET_RQ,
        sop_class,
        sop_instance,
        None,
        timeout,
        AttributeIdentifierList=tags,
    )


async def n_set(
    assoc: Association,
    sop_class: str,
    sop_instance: str,
    modification_list: Any,
    *,
    timeout: float | None = None,
) -> NResponse:
    """N-SET (PS3.7 10.1.3): the Modification List is required."""
    if modification_list is None:
        raise DimseError("N-SET needs a Modification List")
    return await _send(
        assoc, CommandField.N_SET_RQ, sop_class, sop_instance, modification_list, timeout
    )


async def n_action(
    assoc: Association,
    sop_class: str,
    sop_instance: str,
    action_type_id: int,
    action_information: Any = None,
    *,
    timeout: float | None = None,
) -> NResponse:
    """N-ACTION (PS3.7 10.1.4): the response has the Action Reply."""
    return await _send(
        assoc,
        CommandField.N_ACTION_RQ,
        sop_class,
        sop_instance,
        action_information,
        timeout,
        ActionTypeID=int(action_type_id),
    )


async def n_create(
    assoc: Association,
    sop_class: str,
    sop_instance: str | None = None,
    attribute_list: Any = None,
    *,
    timeout: float | None = None,
) -> NResponse:
    """N-CREATE (PS3.7 10.1.5): without ``sop_instance`` the SCP assigns one (in the
    response's Affected SOP Instance UID)."""
    return await _send(
        assoc, CommandField.N_CREATE_RQ, sop_class, sop_instance, attribute_list, timeout
    )


async def n_delete(
    assoc: Association,
    sop_class: str,
    sop_instance: str,
    *,
    timeout: float | None = None,
) -> NResponse:
    """N-DELETE (PS3.7 10.1.6)."""
    return await _send(assoc, CommandField.N_DELETE_RQ, sop_class, sop_instance, None, timeout)


# --- SCP -------------------------------------------------------------------------------------


@attrs.define
class NEvent(DimseEvent):
    """A DIMSE-N request given to the user's handler (see the module docstring)."""

    sop_class: str = ""
    sop_instance: str | None = None
    request_dataset: Any = None

    @property
    def event_type_id(self) -> int | None:
        return self.command.EventTypeID

    @property
    def action_type_id(self) -> int | None:
        return self.command.ActionTypeID

    @property
    def attribute_identifiers(self) -> tuple[int, ...]:
        value = self.command.AttributeIdentifierList
        return tuple(value) if value else ()


def new_uid() -> str:
    """A UUID-derived UID (PS3.5 B.2)."""
    return f"2.25.{uuid.uuid4().int}"


def _split(result: Any) -> tuple[int, Any]:
    if result is None:
        return Status.SUCCESS, None
    if isinstance(result, int):
        return int(result), None
    if isinstance(result, tuple) and len(result) == 2:
        return int(result[0]), result[1]
    return Status.SUCCESS, result


class NormalizedSCP(ServiceProvider):
    """SCP of one DIMSE-N request type (see the module docstring)."""

    def __init__(self, field: CommandField) -> None:
        self.field = field

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        cmd, field = event.command, self.field
        sop_class = str(cmd.AffectedSOPClassUID or cmd.RequestedSOPClassUID or "")
        sop_instance = cmd.AffectedSOPInstanceUID or cmd.RequestedSOPInstanceUID
        if field == CommandField.N_CREATE_RQ and not sop_instance:
            sop_instance = new_uid()
        ts = event.context.transfer_syntax
        status: int = Status.UNRECOGNIZED_OPERATION
        reply: Any = None
        comment = None
        if handler is not None:
            try:
                ds = event.dataset
            except DicomError as exc:
                ds, status, comment = None, Status.MISTYPED_ARGUMENT, f"cannot decode: {exc}"
            else:
                nevent = NEvent(
                    event.association, event.message, event.context, sop_class, sop_instance, ds
                )
                try:
                    status, reply = _split(await call_handler(handler, nevent))
                except (AssociationAborted, NetworkTimeout):
                    raise
                except Exception as exc:
                    log.warning("%s handler failed: %s", CommandField(field).label, exc)
                    status, reply, comment = PROCESSING_FAILURE, None, str(exc)
                sop_instance = nevent.sop_instance
        data = None
        if reply is not None:
            try:
                data = encode_identifier(reply, ts)
            except DimseError as exc:
                status, comment = PROCESSING_FAILURE, str(exc)
        extra: dict[str, Any] = {}
        if field == CommandField.N_EVENT_REPORT_RQ:
            extra["EventTypeID"] = cmd.EventTypeID
        elif field == CommandField.N_ACTION_RQ:
            extra["ActionTypeID"] = cmd.ActionTypeID
        response = response_to(
            event.message,
            field | 0x8000,
            status,
            data,
            AffectedSOPInstanceUID=sop_instance,
            ErrorComment=comment[:64] if comment else None,
            **extra,
        )
        await event.association.send_message(response)


__all__ = [
    "NEvent",
    "NResponse",
    "NormalizedSCP",
    "n_action",
    "n_create",
    "n_delete",
    "n_event_report",
    "n_get",
    "n_request",
    "n_set",
    "new_uid",
]
