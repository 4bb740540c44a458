"""C-FIND (PS3.7 9.1.2 and 9.3.2; PS3.4 C.4.1) and what C-FIND, C-MOVE and C-GET share.

SCU::

    async with ae.associate(host, port, "QRSCP") as assoc:
        op = c_find(assoc, {"QueryRetrieveLevel": "STUDY", "PatientID": "X*",
                            "StudyInstanceUID": ""}, model="STUDY")
        async for status, identifier in op:      # Pending (FF00/FF01) with an Identifier,
            ...                                  # then the final status with None
        # op.cancel() sends a C-CANCEL-RQ; the last status is then Cancel (FE00H)
        # c_find(..., into=StudyQuery) gives typed objects instead of Datasets

Synchronous: ``sync_assoc.run(c_find(sync_assoc.association, identifier).collect())`` with
an :meth:`~dicomgen.net.ae.AE.associate_sync` association.

SCP: :class:`FindSCP` (the provider for C-FIND-RQ in the AE's table) calls the user's handler with a
:class:`QueryEvent` (``event.identifier`` decoded, ``event.cancelled`` set by C-CANCEL-RQ).
The handler returns a list of items, or yields them (a sync generator is advanced in a worker
thread, an async one on the loop); an item is an identifier (a Dataset or a typed object: a
Pending FF00H response), ``(status, identifier)`` or ``(status, identifier, error_comment)``.
It may also return a single int status or a single such tuple. Each Pending item is sent as
it comes; the first non-pending item ends the operation; Success (0000H) is sent when the
items run out; a handler exception is answered with C000H (Unable to process).
A C-CANCEL-RQ makes the SCP stop and answer Cancel (FE00H) (PS3.7 9.1.2.1.6).

Identifiers may be a :class:`~dicomgen.core.dataset.Dataset`, a typed object (anything with
``to_dataset()``) or a mapping ``{keyword | tag | "gggg,eeee": value}`` (see
:func:`as_identifier`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from dicomgen.core.errors import AssociationAborted, DicomError, DimseError, NetworkTimeout

from .cancel import cancellation, send_c_cancel
from .command_set import command_set_class
from .fields import DATASET_PRESENT, NO_DATASET, CommandField, Priority, Status
from .message import DimseMessage, encode_message_dataset
from .service import DimseEvent, Handler, ServiceProvider

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset

    from ..association import Association

log: logging.Logger = logging.getLogger("dicomgen.net")

# Query/Retrieve SOP Classes (PS3.4 Table C.6.1.3-1 Patient Root, Table C.6.2.3-1 Study Root).
PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"
PATIENT_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.1.2"
PATIENT_ROOT_GET = "1.2.840.10008.5.1.4.1.2.1.3"
STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
STUDY_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3"
QR_SOP_CLASSES: dict[tuple[str, str], str] = {
    ("PATIENT", "FIND"): PATIENT_ROOT_FIND,
    ("PATIENT", "MOVE"): PATIENT_ROOT_MOVE,
    ("PATIENT", "GET"): PATIENT_ROOT_GET,
    ("STUDY", "FIND"): STUDY_ROOT_FIND,
    ("STUDY", "MOVE"): STUDY_ROOT_MOVE,
    ("STUDY", "GET"): STUDY_ROOT_GET,
}

#: Pending statuses of C-FIND (PS3.4 Table C.4-1): matches continuing; FF01H when Optional
#: Keys were not supported for existence or matching.
PENDING_STATUSES = frozenset({0xFF00, 0xFF01})
#: Unable to process (PS3.4 Table C.4-1 Cxxx)
UNABLE_TO_PROCESS = 0xC000


def sop_class_for(model: Any, service: str) -> str:
    """The SOP Class UID of ``service`` ("FIND"/"MOVE"/"GET") in ``model``: "PATIENT",
    "STUDY", a :class:`dicomgen.archive.levels.Model` or a SOP Class UID (returned as is,
    e.g. Modality Worklist FIND)."""
    value = getattr(model, "value", model)
    key = str(value).strip().upper()
    if key in ("P", "PATIENT", "PATIENT_ROOT"):
        key = "PATIENT"
    elif key in ("S", "STUDY", "STUDY_ROOT"):
        key = "STUDY"
    uid = QR_SOP_CLASSES.get((key, service.upper()))
    if uid is not None:
        return uid
    if key and all(c.isdigit() or c == "." for c in key):
        return key
    raise DimseError(f"unknown Query/Retrieve information model {model!r}")


def tag_of_key(key: Any) -> int:
    """A tag from an int, "gggg,eeee", "(gggg,eeee)", "ggggeeee" or a dictionary keyword."""
    from dicomgen.core.dictionary import tag_for_keyword

    if isinstance(key, int):
        return int(key)
    text = str(key).strip().strip("()")
    if "," in text:
        group, _, element = text.partition(",")
        try:
            return (int(group, 16) << 16) | int(element, 16)
        except ValueError:
            raise DimseError(f"{key!r} is not a tag (gggg,eeee)") from None
    if len(text) == 8 and all(c in "0123456789abcdefABCDEF" for c in text):
        return int(text, 16)
    tag = tag_for_keyword(text)
    if tag is None:
        raise DimseError(f"{key!r} is not a data dictionary keyword")
    return int(tag)


def as_identifier(obj: Any) -> Dataset:
    """A Dataset from a Dataset, a typed object (``to_dataset()``) or a mapping of keys
    (keyword, tag int or "gggg,eeee") to values; nested sequences as lists of mappings."""
    from dicomgen.core.dataset import Dataset, dictionary_vr
    from dicomgen.core.element import DataElement

    if isinstance(obj, Dataset):
        return obj
    to_dataset = getattr(obj, "to_dataset", None)
    if callable(to_dataset):
        ds = to_dataset()
        if not isinstance(ds, Dataset):
            raise DimseError(f"{type(obj).__name__}.to_dataset() did not return a Dataset")
        return ds
    if isinstance(obj, Mapping):
        ds = Dataset()
        for key, value in obj.items():
            tag = tag_of_key(key)
            vr = dictionary_vr(tag, [ds])
            if vr == "SQ":
                items = [] if value in (None, "") else value
                if isinstance(items, (Mapping, Dataset)) or hasattr(items, "to_dataset"):
                    items = [items]
                value = [as_identifier(i) for i in items]
            elif value == "":
                value = None
            ds.add(DataElement(tag, vr, value))
        return ds
    raise DimseError(f"cannot use a {type(obj).__name__} as an Identifier")


def encode_identifier(identifier: Any, transfer_syntax: str) -> bytes:
    try:
        return encode_message_dataset(as_identifier(identifier), transfer_syntax)
    except DimseError:
        raise
    except DicomError as exc:
        raise DimseError(f"cannot encode the Identifier: {exc}") from exc


def identifier_request(
    field: int,
    context_id: int,
    message_id: int,
    sop_class: str,
    identifier: bytes,
    priority: int = Priority.MEDIUM,
    **fields: Any,
) -> DimseMessage:
    """A C-FIND/C-GET/C-MOVE request: the command ``field`` with the encoded Identifier and
    any further command elements (``MoveDestination``), PS3.7 Tables 9.3-3, 9.3-6, 9.3-9."""
    return DimseMessage(
        context_id,
        command_set_class().of(
            AffectedSOPClassUID=sop_class,
            CommandField=field,
            MessageID=message_id,
            Priority=int(priority),
            CommandDataSetType=DATASET_PRESENT,
            **fields,
        ),
        identifier,
    )


def find_request(
    context_id: int,
    message_id: int,
    sop_class: str,
    identifier: bytes,
    priority: int = Priority.MEDIUM,
) -> DimseMessage:
    """C-FIND-RQ (PS3.7 Table 9.3-3) with the encoded Identifier."""
    return identifier_request(
        CommandField.C_FIND_RQ, context_id, message_id, sop_class, identifier, priority
    )


def response_to(
    request: DimseMessage,
    field: int,
    status: int,
    dataset: bytes | None = None,
    **fields: Any,
) -> DimseMessage:
    """A response (``field``) to ``request`` with ``status``, optional encoded data set and
    further command elements by keyword (None values left out)."""
    cmd = request.command
    return DimseMessage(
        request.context_id,
        command_set_class().of(
            AffectedSOPClassUID=cmd.AffectedSOPClassUID or cmd.RequestedSOPClassUID,
            CommandField=field,
            MessageIDBeingRespondedTo=cmd.MessageID,
            CommandDataSetType=NO_DATASET if dataset is None else DATASET_PRESENT,
            Status=int(status),
            **fields,
        ),
        dataset,
    )


def find_response(
    request: DimseMessage,
    status: int,
    identifier: bytes | None = None,
    *,
    error_comment: str | None = None,
) -> DimseMessage:
    """C-FIND-RSP (PS3.7 Table 9.3-4): a Pending one carries a matching Identifier."""
    return response_to(
        request,
        CommandField.C_FIND_RSP,
        status,
        identifier,
        ErrorComment=error_comment[:64] if error_comment else None,
    )


class ResponseStream:
    """The responses to one C-FIND/C-GET/C-MOVE request: an async iterator that ends after
    the first non-Pending response; :meth:`cancel` sends a C-CANCEL-RQ (once).

    ``timeout`` bounds the wait for each response (default: the DIMSE timeout); on timeout
    the association is aborted and :class:`~dicomgen.core.errors.NetworkTimeout` raised.
    """

    def __init__(
        self,
        assoc: Association,
        request: DimseMessage,
        expected_field: int,
        timeout: float | None,
    ) -> None:
        self.association = assoc
        self.request = request
        self.message_id: int = request.command.required("MessageID")
        self.expected_field = expected_field
        self.timeout = timeout
        self.done = False
        self.cancelled = False
        self.last: DimseMessage | None = None
        self._started = False

    async def _start(self) -> None:
        if not self._started:
            self._started = True
            await self.association.request_stream(self.request)

    async def next_message(self) -> DimseMessage:
        """The next raw response message (StopAsyncIteration after the final one)."""
        if self.done:
            raise StopAsyncIteration
        await self._start()
        message = await self.association.next_response(self.message_id, timeout=self.timeout)
        if message.command_field != self.expected_field:
            self.association.drop_responses(self.message_id)
            self.done = True
            raise DimseError(
                f"expected a {CommandField(self.expected_field).label}, received {message.label}"
            )
        status = message.command.Status
        if status is None:
            self.association.drop_responses(self.message_id)
            self.done = True
            raise DimseError(f"{message.label} without Status (0000,0900)")
        if int(status) not in PENDING_STATUSES:
            self.done: bool = True
            self.association.drop_responses(self.message_id)
        self.last = message
        return message

    async def cancel(self) -> None:
        """Send a C-CANCEL-RQ for this request (no-op once finished or already cancelled)."""
        if self.done or self.cancelled or not self._started:
            return
        self.cancelled: bool = True
        await send_c_cancel(self.association, self.request.context_id, self.message_id)

    async def close(self) -> None:
        """Cancel if still running and drain the responses (bounded by the timeout)."""
        if self.done or not self._started:
            return
        await self.cancel()
        while not self.done:
            await self.next_message()


class FindStream(ResponseStream):
    """``async for status, identifier in c_find(...)``: Pending responses with their decoded
    Identifier, then the final status with ``None``."""

    def __init__(
        self,
        assoc: Association,
        request: DimseMessage,
        context: Any,
        timeout: Any,
        into: Any = None,
    ) -> None:
        super().__init__(assoc, request, CommandField.C_FIND_RSP, timeout)
        self.context = context
        self.into = into
        self.error_comment: str | None = None

    def __aiter__(self) -> FindStream:
        return self

    async def __anext__(self) -> tuple[int, Dataset | None]:
        message = await self.next_message()
        status = message.command.required("Status")
        self.error_comment = message.command.ErrorComment
        identifier = None
        if message.dataset is not None:
            try:
                identifier = message.decode_dataset(self.context.transfer_syntax)
            except DicomError as exc:
                raise DimseError(f"cannot decode the C-FIND-RSP Identifier: {exc}") from exc
            if self.into is not None:
                identifier = self.into.from_dataset(identifier)
        return status, identifier

    async def collect(self) -> list[tuple[int, Dataset | None]]:
        """All responses (Pending ones and the final one)."""
        return [item async for item in self]


def c_find(
    assoc: Association,
    identifier: Any,
    model: Any = "STUDY",
    *,
    priority: int = Priority.MEDIUM,
    timeout: float | None = None,
    into: Any = None,
) -> FindStream:
    """Start a C-FIND on ``assoc`` (sent on the first iteration): see the module docstring.

    ``model``: "PATIENT", "STUDY" (Patient/Study Root FIND) or any FIND SOP Class UID.
    ``into``: a typed class; the matching Identifiers are returned as
    ``into.from_dataset(identifier)`` (elements it does not know stay in ``extra_elements``).
    Raises :class:`DimseError` when no context for it is accepted with us as SCU.
    """
    sop_class = sop_class_for(model, "FIND")
    context = assoc.context_for(sop_class, role="scu")
    data = encode_identifier(identifier, context.transfer_syntax)
    request = find_request(context.context_id, assoc.next_message_id(), sop_class, data, priority)
    return FindStream(assoc, request, context, timeout, into)


# --- SCP -----------------------------------------------------------------------------------


@attrs.define
class QueryEvent(DimseEvent):
    """A C-FIND/C-MOVE/C-GET request given to the user's handler: ``identifier`` (decoded),
    ``sop_class``, ``cancelled`` (an :class:`asyncio.Event` set by a C-CANCEL-RQ)."""

    identifier: Any = None
    cancelled: asyncio.Event = attrs.field(factory=asyncio.Event)

    @property
    def sop_class(self) -> str:
        return str(self.command.AffectedSOPClassUID or "")

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled.is_set()

    @property
    def message_id(self) -> int:
        return self.command.required("MessageID")


async def iterate(result: Any) -> AsyncGenerator[Any, None]:
    """Items of a handler result: an async iterable, or a plain iterable whose ``next()`` runs
    in a worker thread (handlers that query a database must not block the event loop)."""
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return
    if hasattr(result, "__aiter__"):
        async for item in result:
            yield item
        return
    if isinstance(result, (int, tuple)) or not isinstance(result, Iterable):
        yield result  # one item: a status or (status, identifier[, comment])
        return
    if isinstance(result, list):  # computed already: no worker thread needed
        for item in result:
            yield item
        return
    iterator = iter(result)
    sentinel = object()
    try:
        while True:
            item = await asyncio.to_thread(next, iterator, sentinel)
            if item is sentinel:
                return
            yield item
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def split_item(item: Any) -> tuple[int, Any, str | None]:
    """``(status, identifier, error_comment)`` of one handler item."""
    if isinstance(item, int):
        return int(item), None, None
    if isinstance(item, tuple):
        if len(item) == 2:
            return int(item[0]), item[1], None
        if len(item) == 3:
            return int(item[0]), item[1], item[2]
        raise DimseError(f"a handler item must be (status, identifier[, comment]), got {item!r}")
    return 0xFF00, item, None


class FindSCP(ServiceProvider):
    """C-FIND SCP (PS3.4 C.4.1.3): see the module docstring for the handler contract."""

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        assoc, request = event.association, event.message
        ts = event.context.transfer_syntax

        async def send(status: int, identifier: Any = None, comment: str | None = None) -> None:
            data = None if identifier is None else encode_identifier(identifier, ts)
            await assoc.send_message(find_response(request, status, data, error_comment=comment))

        if event.command.AffectedSOPClassUID != event.context.abstract_syntax:
            await send(Status.REFUSED_SOP_CLASS_NOT_SUPPORTED)
            return
        if handler is None:
            await send(UNABLE_TO_PROCESS, comment="no C-FIND handler")
            return
        try:
            identifier = event.dataset
        except DicomError as exc:
            await send(UNABLE_TO_PROCESS, comment=f"cannot decode the Identifier: {exc}")
            return
        if identifier is None:
            await send(UNABLE_TO_PROCESS, comment="C-FIND-RQ without Identifier")
            return
        with cancellation(assoc, request.command.required("MessageID")) as flag:
            qevent = QueryEvent(assoc, request, event.context, identifier, flag)
            final: tuple[int, Any, str | None] = (Status.SUCCESS, None, None)
            gen = None
            try:
                gen = iterate(handler(qevent))
                async for item in gen:
                    if flag.is_set():
                        break
                    status, ident, comment = split_item(item)
                    if status in PENDING_STATUSES:
                        if ident is None:
                            raise DimseError("a Pending C-FIND response needs an Identifier")
                        await send(status, ident, comment)
                        continue
                    final = (status, None, comment)
                    break
            except (AssociationAborted, NetworkTimeout):
                raise
            except Exception as exc:
                log.warning("C-FIND handler failed: %s", exc, exc_info=True)
                final = (UNABLE_TO_PROCESS, None, f"{type(exc).__name__}: {exc}")
            finally:
                if gen is not None:
                    await gen.aclose()
            if flag.is_set():
                final = (Status.CANCEL, None, None)
            await send(*final)


__all__ = [
    "FindSCP",
    "FindStream",
    "PATIENT_ROOT_FIND",
    "PATIENT_ROOT_GET",
    "PATIENT_ROOT_MOVE",
    "QR_SOP_CLASSES",
    "QueryEvent",
    "ResponseStream",
    "STUDY_ROOT_FIND",
    "STUDY_ROOT_GET",
    "STUDY_ROOT_MOVE",
    "as_identifier",
    "c_find",
    "find_request",
    "find_response",
    "sop_class_for",
    "tag_of_key",
]
