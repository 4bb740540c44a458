"""C-MOVE (PS3.7 9.1.4 and 9.3.4; PS3.4 C.4.2) and the retrieve machinery C-GET shares.

SCU::

    op = c_move(assoc, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": uid}, "STORESCP")
    async for rsp in op:            # RetrieveResponse: status, remaining/completed/failed/
        ...                         # warning counts, identifier (Failed SOP Instance UID List)
    # op.cancel() sends a C-CANCEL-RQ

SCP: :class:`MoveSCP` calls the user's handler with a :class:`~.find.QueryEvent` whose
``move_destination`` names the destination AE. The handler returns a :class:`Retrieval`
(the instances to send and, for C-MOVE, the destination ``(host, port)``), a bare list of
instances (C-GET only), or an int status (an immediate failure, e.g. A801H Move Destination
unknown). Instances are, for example, the archive's
:class:`~dicomgen.archive.index.InstanceRecord` (anything with ``path``, ``sop_class_uid``,
``sop_instance_uid``, ``transfer_syntax``), a Part 10 file path, a Dataset or a typed object.

The SCP opens a new association to the destination (PS3.4 C.4.2.3.1) proposing each SOP
Class of the instances with the stored transfer syntax and with the uncompressed ones, and
performs one C-STORE sub-operation per instance (Move Originator AE Title and Message ID set,
PS3.7 9.3.1.1), one at a time on the wire, the next instance's file opened and its request
built while the destination stores the current one. After each sub-operation a Pending
response reports the counts (0000,1020)-(0000,1023); the final response has Success (all
completed), Warning B000H (some failed or had warnings), Failure A702H (all failed) or
Cancel FE00H, and lists the failed SOP Instance UIDs in the Identifier's Failed SOP
Instance UID List (0008,0058) (PS3.4 C.4.2.1.3 and Table C.4-2).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from dicomgen.core.errors import (
    AssociationAborted,
    DicomError,
    DimseError,
    NetworkError,
    NetworkTimeout,
)

from .cancel import cancellation
from .fields import CommandField, Priority, Status, StatusClass, status_class
from .find import (
    UNABLE_TO_PROCESS,
    QueryEvent,
    ResponseStream,
    encode_identifier,
    identifier_request,
    response_to,
    sop_class_for,
)
from .message import DimseMessage
from .service import DimseEvent, Handler, ServiceProvider, call_handler

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset

    from ..ae import AE
    from ..association import Association

log: logging.Logger = logging.getLogger("dicomgen.net")

# C-MOVE / C-GET statuses (PS3.4 Tables C.4-2 and C.4-3)
OUT_OF_RESOURCES_MATCHES = 0xA701
OUT_OF_RESOURCES_SUBOPERATIONS = 0xA702
MOVE_DESTINATION_UNKNOWN = 0xA801
IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
SUBOPERATIONS_WARNING = 0xB000
FAILED_SOP_INSTANCE_UID_LIST = 0x00080058

IMPLICIT_VR_LE = "1.2.840.10008.1.2"
EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
UNCOMPRESSED = (EXPLICIT_VR_LE, IMPLICIT_VR_LE)


# --- responses -----------------------------------------------------------------------------


@attrs.define
class RetrieveResponse:
    """One C-MOVE-RSP / C-GET-RSP: status, sub-operation counts (None when absent) and the
    decoded Identifier (Failed SOP Instance UID List) when present."""

    status: int
    remaining: int | None = None
    completed: int | None = None
    failed: int | None = None
    warning: int | None = None
    identifier: Any = None
    error_comment: str | None = None

    @property
    def is_pending(self) -> bool:
        return status_class(self.status) is StatusClass.PENDING

    @property
    def failed_sop_instance_uids(self) -> list[str]:
        if self.identifier is None:
            return []
        e = self.identifier.get(FAILED_SOP_INSTANCE_UID_LIST)
        if e is None or e.value is None:
            return []
        v = e.value
        return [str(x) for x in (v if isinstance(v, (list, tuple)) else [v])]


class RetrieveStream(ResponseStream):
    """``async for rsp in c_move(...)`` / ``c_get(...)``: :class:`RetrieveResponse` items."""

    def __init__(
        self, assoc: Association, request: DimseMessage, field: int, context: Any, timeout: Any
    ):
        super().__init__(assoc, request, field, timeout)
        self.context = context

    def __aiter__(self) -> RetrieveStream:
        return self

    async def __anext__(self) -> RetrieveResponse:
        message = await self.next_message()
        cmd = message.command
        identifier = None
        if message.dataset is not None:
            try:
                identifier = message.decode_dataset(self.context.transfer_syntax)
            except DicomError as exc:
                raise DimseError(f"cannot decode the {message.label} Identifier: {exc}") from exc
        return RetrieveResponse(
            cmd.required("Status"),
            cmd.NumberOfRemainingSuboperations,
            cmd.NumberOfCompletedSuboperations,
            cmd.NumberOfFailedSuboperations,
            cmd.NumberOfWarningSuboperations,
            identifier,
            cmd.ErrorComment,
        )

    async def collect(self) -> list[RetrieveResponse]:
        return [item async for item in self]

    async def final(self) -> RetrieveResponse:
        """Run to the end; the final response."""
        last = None
        async for item in self:
            last = item
        assert last is not None
        return last


def move_request(
    context_id: int,
    message_id: int,
    sop_class: str,
    destination: str,
    identifier: bytes,
    priority: int = Priority.MEDIUM,
) -> DimseMessage:
    """C-MOVE-RQ (PS3.7 Table 9.3-9)."""
    return identifier_request(
        CommandField.C_MOVE_RQ,
        context_id,
        message_id,
        sop_class,
        identifier,
        priority,
        MoveDestination=destination,
    )


def c_move(
    assoc: Association,
    identifier: Any,
    destination: str,
    model: Any = "STUDY",
    *,
    priority: int = Priority.MEDIUM,
    timeout: float | None = None,
) -> RetrieveStream:
    """Start a C-MOVE of what ``identifier`` selects to the AE titled ``destination``.

    ``timeout`` bounds the wait for each response (sub-operations can take long: choose it
    for one sub-operation, not the whole move).
    """
    if not destination or len(destination) > 16:
        raise DimseError(f"Move Destination {destination!r} is not an AE title")
    sop_class = sop_class_for(model, "MOVE")
    context = assoc.context_for(sop_class, role="scu")
    data = encode_identifier(identifier, context.transfer_syntax)
    request = move_request(
        context.context_id, assoc.next_message_id(), sop_class, destination, data, priority
    )
    return RetrieveStream(assoc, request, CommandField.C_MOVE_RSP, context, timeout)


def _us(count: int) -> int:
    """Counts are US (PS3.7 Table E.1-1): more than 65535 is reported as 65535."""
    return max(0, min(int(count), 0xFFFF))


def retrieve_response(
    request: DimseMessage,
    field: int,
    status: int,
    counts: Counts,
    *,
    identifier: bytes | None = None,
    error_comment: str | None = None,
    with_remaining: bool = True,
) -> DimseMessage:
    """C-MOVE-RSP (PS3.7 Table 9.3-10) / C-GET-RSP (Table 9.3-7)."""
    return response_to(
        request,
        field,
        status,
        identifier,
        NumberOfRemainingSuboperations=_us(counts.remaining) if with_remaining else None,
        NumberOfCompletedSuboperations=_us(counts.completed),
        NumberOfFailedSuboperations=_us(counts.failed),
        NumberOfWarningSuboperations=_us(counts.warning),
        ErrorComment=error_comment[:64] if error_comment else None,
    )


# --- instances to send -----------------------------------------------------------------------


@attrs.define
class Retrieval:
    """What a C-MOVE/C-GET handler returns: the ``instances`` to send, for C-MOVE the
    ``destination`` (host, port) of the Move Destination AE (None = unknown: A801H), or a
    failure ``status`` with ``error_comment`` (then nothing is sent)."""

    instances: Sequence[Any] = ()
    destination: tuple[str, int] | None = None
    status: int = Status.SUCCESS
    error_comment: str | None = None


def source_of(item: Any) -> Any:
    """What :func:`dicomgen.net.dimse.store.c_store` sends for an instance: the file of an
    index record (anything with ``path``), else the item (path, bytes, Dataset, typed object).
    (:func:`~dicomgen.net.dimse.store_sources.open_source` takes a record itself and opens its file
    with the record's SOP UIDs; the sub-operations hand it the records.)"""
    path = getattr(item, "path", None)
    if path is not None and not isinstance(item, (str, os.PathLike)):
        return path
    return item


def item_uids(item: Any) -> tuple[str | None, str | None]:
    """(SOP Class UID, SOP Instance UID) of an instance without loading it, when known."""
    return getattr(item, "sop_class_uid", None), getattr(item, "sop_instance_uid", None)


def describe_instance(item: Any) -> tuple[str, str, str | None]:
    """(SOP Class UID, SOP Instance UID, transfer syntax) of an instance (opens files and
    encodes nothing; for records the stored values)."""
    from .store_sources import open_source

    cls, inst = item_uids(item)
    ts = getattr(item, "transfer_syntax", None)
    if cls and inst:
        return cls, inst, ts
    src = open_source(item)
    try:
        return src.sop_class_uid, src.sop_instance_uid, src.transfer_syntax
    finally:
        src.close()


# --- C-STORE sub-operations --------------------------------------------------------------------


@attrs.define
class Counts:
    """Sub-operation counts (PS3.7 9.1.3.1.7 / 9.1.4.1.7)."""

    remaining: int = 0
    completed: int = 0
    failed: int = 0
    warning: int = 0
    failed_uids: list[str] = attrs.field(factory=list)

    def record(self, status: int | None, uid: str | None) -> None:
        self.remaining -= 1
        cls = None if status is None else status_class(status)
        if cls is StatusClass.SUCCESS:
            self.completed += 1
        elif cls is StatusClass.WARNING:
            self.warning += 1
        else:
            self.failed += 1
            if uid:
                self.failed_uids.append(uid)


def failed_identifier(uids: Sequence[str]) -> Dataset:
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement

    ds = Dataset()
    ds.add(DataElement(FAILED_SOP_INSTANCE_UID_LIST, "UI", list(uids)))
    return ds


async def run_suboperations(
    event: QueryEvent,
    field: int,
    instances: Sequence[Any],
    send: Callable[[Sequence[Any]], AsyncIterator[tuple[Any, Any]]],
) -> None:
    """Perform the C-STORE sub-operations of a C-MOVE/C-GET and send the Pending and final
    responses (PS3.4 C.4.2.3.1 / C.4.3.3.1). ``send(instances)`` performs them in order and
    yields ``(instance, StoreResponse or the DicomError that kept it from being sent)``, as
    :func:`~dicomgen.net.dimse.store.c_store_many` does (which prepares the next instance
    while the peer stores the current one). After a C-CANCEL no further one is started."""
    assoc, request = event.association, event.message
    ts = event.context.transfer_syntax
    counts = Counts(remaining=len(instances))
    cancelled = event.cancelled.is_set()
    if not cancelled:
        results = send(instances)
        try:
            async for item, result in results:
                uid = item_uids(item)[1]
                status: int | None = getattr(result, "status", None)
                if isinstance(result, BaseException):
                    log.warning("sub-operation for %s failed: %s", uid, result)
                counts.record(status, uid)
                if counts.remaining > 0:
                    await assoc.send_message(
                        retrieve_response(request, field, Status.PENDING, counts)
                    )
                    if event.cancelled.is_set():
                        cancelled = True
                        break
        finally:
            await results.aclose()  # type: ignore[attr-defined]
    if cancelled:
        final = Status.CANCEL
    elif counts.failed == 0 and counts.warning == 0:
        final = Status.SUCCESS
    elif counts.completed == 0 and counts.warning == 0:
        final = OUT_OF_RESOURCES_SUBOPERATIONS
    else:
        final = SUBOPERATIONS_WARNING
    identifier = None
    if counts.failed_uids or (cancelled and counts.remaining):
        uids = list(counts.failed_uids)
        if cancelled:  # the ones never attempted are listed too (PS3.4 C.4.2.1.3.1)
            done = len(instances) - counts.remaining
            uids += [u for u in (item_uids(i)[1] for i in instances[done:]) if u]
        if uids:
            identifier = encode_identifier(failed_identifier(uids), ts)
    await assoc.send_message(
        retrieve_response(
            request, field, final, counts, identifier=identifier, with_remaining=cancelled
        )
    )


async def prepare(
    event: DimseEvent,
    handler: Handler | None,
    field: int,
    name: str,
    cancelled: asyncio.Event,
) -> tuple[QueryEvent | None, Any]:
    """Common start of the C-MOVE/C-GET SCP: checks, decoding, the handler's answer. Sends
    the failure response itself and returns (None, None) when the operation ends early."""
    assoc, request = event.association, event.message
    empty = Counts()

    async def fail(status: int, comment: str | None) -> tuple[None, None]:
        await assoc.send_message(
            retrieve_response(
                request, field, status, empty, error_comment=comment, with_remaining=False
            )
        )
        return None, None

    if event.command.AffectedSOPClassUID != event.context.abstract_syntax:
        return await fail(Status.REFUSED_SOP_CLASS_NOT_SUPPORTED, None)
    if handler is None:
        return await fail(UNABLE_TO_PROCESS, f"no {name} handler")
    try:
        identifier = event.dataset
    except DicomError as exc:
        return await fail(UNABLE_TO_PROCESS, f"cannot decode the Identifier: {exc}")
    if identifier is None:
        return await fail(UNABLE_TO_PROCESS, f"{name}-RQ without Identifier")
    qevent = QueryEvent(assoc, request, event.context, identifier, cancelled)
    try:
        result = await call_handler(handler, qevent)
    except (AssociationAborted, NetworkTimeout):
        raise
    except Exception as exc:
        log.warning("%s handler failed: %s", name, exc, exc_info=True)
        return await fail(UNABLE_TO_PROCESS, f"{type(exc).__name__}: {exc}")
    if isinstance(result, int):
        return await fail(result, None)
    if result is None:
        return await fail(UNABLE_TO_PROCESS, f"the {name} handler gave no answer")
    if not isinstance(result, Retrieval):
        result = Retrieval(instances=list(result))
    if result.status != Status.SUCCESS:
        return await fail(result.status, result.error_comment)
    return qevent, result


def destination_ae(assoc: Association, described: Sequence[tuple[str, str, str | None]]) -> AE:
    """The AE that performs the sub-operations of a C-MOVE: our AE title, timeouts and PDU
    size; per SOP Class a context with each stored encapsulated transfer syntax and one with
    the uncompressed ones (at most 128 contexts, PS3.8 9.3.2.2)."""
    from ..ae import AE

    local = assoc.ae
    ae = AE(local.ae_title, max_pdu=local.max_pdu, timeouts=local.timeouts)
    by_class: dict[str, set[str]] = {}
    for cls, _inst, ts in described:
        syntaxes = by_class.setdefault(cls, set())
        if ts and ts not in UNCOMPRESSED:
            syntaxes.add(ts)
    for cls, syntaxes in by_class.items():
        for ts in sorted(syntaxes):
            if len(ae.requested_contexts) < 127:
                ae.add_requested_context(cls, (ts,))
        if len(ae.requested_contexts) < 128:
            ae.add_requested_context(cls, UNCOMPRESSED)
    if not ae.requested_contexts:  # nothing readable: still open it to report failures
        ae.add_requested_context("1.2.840.10008.1.1")
    return ae


class MoveSCP(ServiceProvider):
    """C-MOVE SCP (PS3.4 C.4.2.3): see the module docstring for the handler contract."""

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        field = CommandField.C_MOVE_RSP
        assoc, request = event.association, event.message
        message_id = request.command.required("MessageID")
        with cancellation(assoc, message_id) as flag:
            qevent, plan = await prepare(event, handler, field, "C-MOVE", flag)
            if qevent is None:
                return
            if plan.destination is None:
                await assoc.send_message(
                    retrieve_response(
                        request,
                        field,
                        MOVE_DESTINATION_UNKNOWN,
                        Counts(),
                        error_comment=f"unknown Move Destination {request.command.MoveDestination}",
                        with_remaining=False,
                    )
                )
                return
            instances = list(plan.instances)
            if not instances:
                await assoc.send_message(
                    retrieve_response(request, field, 0, Counts(), with_remaining=False)
                )
                return
            described = []
            for item in instances:
                try:
                    if all(item_uids(item)):  # a record: its stored values, no file opened
                        described.append(describe_instance(item))
                    else:  # the file is read: not in the event loop
                        described.append(await asyncio.to_thread(describe_instance, item))
                except DicomError as exc:  # counted as a failed sub-operation later
                    log.warning("cannot read an instance to move: %s", exc)
            host, port = plan.destination
            sub_ae = destination_ae(assoc, described)
            dest_title = str(request.command.MoveDestination or "ANY-SCP").strip()
            originator = (assoc.peer_ae_title, message_id)
            try:
                sub = await sub_ae.associate(host, port, dest_title)
            except NetworkError as exc:
                await assoc.send_message(
                    retrieve_response(
                        request,
                        field,
                        OUT_OF_RESOURCES_SUBOPERATIONS,
                        Counts(remaining=len(instances)),
                        error_comment=f"cannot associate with {dest_title}: {exc}"[:64],
                        with_remaining=False,
                    )
                )
                return
            try:

                from .store import c_store_many

                def send(items: Sequence[Any]) -> AsyncIterator[tuple[Any, Any]]:
                    return c_store_many(
                        sub,
                        items,
                        move_originator_aet=originator[0],
                        move_originator_message_id=originator[1],
                    )

                await run_suboperations(qevent, field, instances, send)
            finally:
                try:
                    await sub.release()
                except NetworkError:
                    await sub.abort()


__all__ = [
    "Counts",
    "MOVE_DESTINATION_UNKNOWN",
    "MoveSCP",
    "Retrieval",
    "RetrieveResponse",
    "RetrieveStream",
    "c_move",
    "move_request",
    "retrieve_response",
    "source_of",
]
