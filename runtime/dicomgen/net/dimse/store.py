"""C-STORE (PS3.7 9.1.1 and 9.3.1; Storage Service Class, PS3.4 Annex B): SCU and SCP.

SCU: :func:`c_store` (``await assoc.send_c_store(source)``) sends a Part 10 file (a path,
memory-mapped: the data set bytes go from the mapping into P-DATA fragments without being
copied as a whole), a :class:`~dicomgen.core.dataset.Dataset`, or a typed object (anything
with ``to_dataset()``). A file whose transfer syntax was accepted is sent byte for byte;
otherwise it is decoded and re-encoded in an accepted native transfer syntax (compressed
data is never transcoded).

What a C-STORE sends is in :mod:`.store_sources`; the SCP side is :mod:`.store_scp`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

import attrs

from dicomgen.core.errors import DicomError, DimseError

from .command_set import command_set_class
from .fields import DATASET_PRESENT, NO_DATASET, CommandField, Priority, status_class
from .message import DimseMessage
from .store_sources import StoreSource, open_source

if TYPE_CHECKING:
    from dicomgen_std.commands import CommandSet

    from ..association import Association
    from ..contexts import PresentationContext


class StoreStatus:
    """C-STORE statuses (PS3.4 Table B.2-1 and PS3.7 Table C-3/C.5)."""

    SUCCESS = 0x0000
    WARNING_COERCION = 0xB000
    WARNING_ELEMENTS_DISCARDED = 0xB006
    WARNING_DATASET_DOES_NOT_MATCH = 0xB007
    OUT_OF_RESOURCES = 0xA700
    DATASET_DOES_NOT_MATCH_SOP_CLASS = 0xA900
    CANNOT_UNDERSTAND = 0xC000
    REFUSED_SOP_CLASS_NOT_SUPPORTED = 0x0122
    NOT_AUTHORIZED = 0x0124
    PROCESSING_FAILURE = 0x0110


# --- messages ------------------------------------------------------------------------------


def store_request(
    context_id: int,
    message_id: int,
    sop_class_uid: str,
    sop_instance_uid: str,
    *,
    priority: int = Priority.MEDIUM,
    move_originator_aet: str | None = None,
    move_originator_message_id: int | None = None,
) -> CommandSet:
    """The C-STORE-RQ command set (PS3.7 Table 9.3-1)."""
    return command_set_class().of(
        AffectedSOPClassUID=sop_class_uid,
        CommandField=CommandField.C_STORE_RQ,
        MessageID=message_id,
        Priority=int(priority),
        CommandDataSetType=DATASET_PRESENT,
        AffectedSOPInstanceUID=sop_instance_uid,
        MoveOriginatorApplicationEntityTitle=move_originator_aet,
        MoveOriginatorMessageID=move_originator_message_id,
    )


def store_response(
    request: DimseMessage, status: int, error_comment: str | None = None
) -> DimseMessage:
    """The C-STORE-RSP (PS3.7 Table 9.3-2) answering ``request``. Error Comment (LO) is cut to
    64 characters and sent only with a non-success status."""
    cmd = request.command
    comment = None
    if error_comment and status != StoreStatus.SUCCESS:
        comment = error_comment.encode("ascii", "replace").decode("ascii")[:64]
    return DimseMessage(
        request.context_id,
        command_set_class().of(
            AffectedSOPClassUID=cmd.AffectedSOPClassUID,
            CommandField=CommandField.C_STORE_RSP,
            MessageIDBeingRespondedTo=cmd.MessageID,
            CommandDataSetType=NO_DATASET,
            Status=int(status),
            AffectedSOPInstanceUID=cmd.AffectedSOPInstanceUID,
            ErrorComment=comment,
        ),
    )


@attrs.frozen
class StoreResponse:
    """What the SCU learns from a C-STORE-RSP."""

    status: int
    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str
    error_comment: str | None = None
    offending_element: tuple[int, ...] | None = None

    @property
    def ok(self) -> bool:
        return self.status == StoreStatus.SUCCESS

    @property
    def status_class(self) -> str:
        return status_class(self.status).value


# --- SCU ------------------------------------------------------------------------------------


def choose_context(
    assoc: Association, source: StoreSource, transfer_syntax: str | None = None
) -> PresentationContext:
    """The accepted context to send ``source`` on: one in the source's own transfer syntax if
    accepted (sent unchanged), else one in a transfer syntax it can be re-encoded to."""
    candidates = [
        c for c in assoc.accepted_contexts if c.abstract_syntax == source.sop_class_uid and c.as_scu
    ]
    if transfer_syntax is not None:
        candidates = [c for c in candidates if c.transfer_syntax == transfer_syntax]
    for c in candidates:
        if c.transfer_syntax == source.transfer_syntax:
            return c
    for c in candidates:
        if source.can_send_as(c.transfer_syntax):
            return c
    accepted = sorted({c.transfer_syntax for c in candidates})
    raise DimseError(
        f"no accepted presentation context for {source.sop_class_uid} that can carry the"
        f" instance (in {source.transfer_syntax or 'any native transfer syntax'});"
        f" accepted: {', '.join(accepted) or 'none'}",
        abstract_syntax=source.sop_class_uid,
    )


def _prepare(
    assoc: Association,
    source: Any,
    transfer_syntax: str | None,
    priority: int,
    move_originator_aet: str | None,
    move_originator_message_id: int | None,
) -> tuple[StoreSource, PresentationContext, CommandSet, Iterable[Any]]:
    """Open ``source``, choose its context, build its C-STORE-RQ and its data set chunks (the
    source is closed again if any step fails)."""
    src = open_source(source)
    try:
        context = choose_context(assoc, src, transfer_syntax)
        command = store_request(
            context.context_id,
            assoc.next_message_id(),
            src.sop_class_uid,
            src.sop_instance_uid,
            priority=priority,
            move_originator_aet=move_originator_aet,
            move_originator_message_id=move_originator_message_id,
        )
        chunks = src.chunks(context.transfer_syntax)
    except BaseException:
        src.close()
        raise
    return src, context, command, chunks


def _store_response(
    response: DimseMessage, src: StoreSource, context: PresentationContext
) -> StoreResponse:
    if response.command_field != CommandField.C_STORE_RSP:
        raise DimseError(f"expected a C-STORE-RSP, received {response.label}")
    rsp = response.command
    if rsp.Status is None:
        raise DimseError("C-STORE-RSP without Status (0000,0900)")
    offending = rsp.OffendingElement
    return StoreResponse(
        int(rsp.Status),
        src.sop_class_uid,
        src.sop_instance_uid,
        context.transfer_syntax,
        rsp.ErrorComment,
        tuple(offending) if offending else None,
    )


async def c_store(
    assoc: Association,
    source: Any,
    *,
    transfer_syntax: str | None = None,
    priority: int = Priority.MEDIUM,
    move_originator_aet: str | None = None,
    move_originator_message_id: int | None = None,
    timeout: float | None = None,
) -> StoreResponse:
    """Send ``source`` with C-STORE (PS3.7 9.1.1) and return the response.

    ``source``: a path of a Part 10 file, its bytes, a Dataset, a typed object, or a
    :class:`StoreSource`. ``transfer_syntax`` restricts the presentation context used.
    ``move_originator_*`` are set by C-MOVE sub-operations. ``timeout``: seconds for the
    response once the data set is sent (default: the DIMSE timeout).
    Raises :class:`DimseError` when no accepted context fits, :class:`AssociationAborted`,
    :class:`NetworkTimeout`.
    """
    src, context, command, chunks = _prepare(
        assoc, source, transfer_syntax, priority, move_originator_aet, move_originator_message_id
    )
    try:
        response = await assoc.request(
            DimseMessage(context.context_id, command), timeout=timeout, chunks=chunks
        )
        del chunks
    finally:
        src.close()
    return _store_response(response, src, context)


async def c_store_many(
    assoc: Association,
    sources: Iterable[Any],
    *,
    transfer_syntax: str | None = None,
    priority: int = Priority.MEDIUM,
    move_originator_aet: str | None = None,
    move_originator_message_id: int | None = None,
    timeout: float | None = None,
) -> AsyncIterator[tuple[Any, StoreResponse | DicomError]]:
    """C-STORE each of ``sources`` in turn (PS3.7 9.1.1); yields ``(source, result)`` in order.

    One operation at a time is outstanding on the wire (no asynchronous operations window is
    needed, PS3.7 D.3.3.3), but while the peer handles one instance the next source is
    already prepared (file opened and mapped, header parsed, command built), so that work
    overlaps the peer's instead of adding to the round trip.

    ``result`` is the :class:`StoreResponse`, or the :class:`DicomError` that kept that
    source from being sent (unreadable file, no fitting context, odd length, ...) while the
    association stayed usable. Errors that end the association (:class:`AssociationAborted`,
    :class:`NetworkTimeout`) propagate. Other arguments: as for :func:`c_store`.
    """

    def prepare(source: Any) -> Any:
        try:
            return _prepare(
                assoc,
                source,
                transfer_syntax,
                priority,
                move_originator_aet,
                move_originator_message_id,
            )
        except DicomError as exc:
            return exc

    it = iter(sources)
    nothing = object()
    source = next(it, nothing)
    prepared = prepare(source) if source is not nothing else None
    try:
        while source is not nothing:
            current, work = source, prepared
            prepared = None
            if isinstance(work, DicomError):
                source = next(it, nothing)
                prepared = prepare(source) if source is not nothing else None
                yield current, work
                continue
            assert work is not None  # prepared for every source the loop runs on
            src, context, command, chunks = work
            advanced = False
            try:
                try:
                    message_id = await assoc.request_stream(
                        DimseMessage(context.context_id, command), chunks=chunks
                    )
                except DicomError as exc:
                    if not assoc.is_established:
                        raise
                    result: StoreResponse | DicomError = exc
                else:
                    del chunks
                    # Prepare the next source while the peer stores this one.
                    source = next(it, nothing)
                    prepared = prepare(source) if source is not nothing else None
                    advanced = True
                    response = await assoc.next_response(message_id, timeout=timeout, final=True)
                    try:
                        result = _store_response(response, src, context)
                    except DimseError as exc:
                        result = exc
            finally:
                src.close()
            if not advanced:
                source = next(it, nothing)
                prepared = prepare(source) if source is not nothing else None
            yield current, result
    finally:
        if prepared is not None and not isinstance(prepared, DicomError):
            prepared[0].close()


__all__ = [
    "StoreResponse",
    "StoreStatus",
    "c_store",
    "c_store_many",
    "choose_context",
    "store_request",
    "store_response",
]
