"""C-STORE (PS3.7 9.1.1 and 9.3.1; Storage Service Class, PS3.4 Annex B): SCU and SCP.

SCU: :func:`c_store` (``await assoc.send_c_store(source)``) sends a Part 10 file (a path,
memory-mapped: the data set bytes go from the mapping into P-DATA fragments without being
copied as a whole), a :class:`~dicomgen.core.dataset.Dataset`, or a typed object (anything
with ``to_dataset()``). A file whose transfer syntax was accepted is sent byte for byte;
otherwise it is decoded and re-encoded in an accepted native transfer syntax (compressed
data is never transcoded).

SCP: :class:`StoreSCP` is registered for C-STORE-RQ. The user's handler is either

- a plain function (or coroutine function) ``handler(event) -> status`` receiving a
  :class:`~dicomgen.net.dimse.service.DimseEvent` (``event.dataset`` decodes the data set,
  ``event.message.dataset`` holds its encoded bytes), or
- a *streaming handler*: an object with ``open_stream(request) -> DatasetSink`` and
  ``async complete(request, sink) -> status`` (see :class:`StreamingStoreHandler`); the data
  set then goes fragment by fragment into the sink (e.g. a temporary file) instead of memory.
  It may also offer ``complete_now(request, sink) -> status``, which completes the store
  without waiting when it can (a small data set on a store that does not fsync) and returns
  ``NotImplemented`` when it cannot: the response is then sent from the transport's read
  callback, with no task created (see :mod:`dicomgen.net.association`); and
  ``responded_now(request)``, called right after that response was sent (the moment to do
  work the response need not wait for, while the peer reads it).

A status result may be an int, ``(status, error_comment)``, None (Success), or any object
with ``status`` and ``error_comment`` attributes.
"""

from __future__ import annotations

import logging
import mmap
import os
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from dicomgen.core.errors import DicomError, DimseError

from .command_set import command_set_class
from .fields import DATASET_PRESENT, NO_DATASET, CommandField, Priority, Status, status_class
from .message import DatasetSink, DimseMessage
from .service import DimseEvent, Handler, call_handler, register_service

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset
    from dicomgen_std.commands import CommandSet

    from ..association import Association
    from ..contexts import PresentationContext

log: logging.Logger = logging.getLogger("dicomgen.net")


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


DEFLATED = "1.2.840.10008.1.2.1.99"
_UNCOMPRESSED = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
}


def is_native(transfer_syntax: str) -> bool:
    """True for the transfer syntaxes whose Pixel Data is native (not encapsulated, PS3.5 A.4)."""
    from dicomgen.encoding.transfer_syntax import resolve

    try:
        return not resolve(transfer_syntax).encapsulated
    except DicomError:
        return transfer_syntax in _UNCOMPRESSED


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


# --- SCU: sources --------------------------------------------------------------------------


class _ChunkList:
    """A file-like sink for :func:`~dicomgen.encoding.writer.write_dataset` keeping the chunks
    (large values are the data set's own buffers, so nothing big is copied)."""

    def __init__(self) -> None:
        self.chunks: list[Any] = []

    def write(self, b: Any) -> int:
        self.chunks.append(b)
        return len(b)


def _encode_chunks(ds: Dataset, transfer_syntax: str) -> list[Any]:
    from dicomgen.encoding.writer import write_dataset

    sink = _ChunkList()
    write_dataset(sink, ds, transfer_syntax)  # type: ignore[arg-type]
    return sink.chunks


def _even(chunks: Any, path: str | None = None, transfer_syntax: str = "") -> Any:
    """``chunks`` unless their total length is odd: every value has an even length (PS3.5
    7.1.1), so an odd data set is malformed and peers refuse its odd last fragment (dcmtk:
    "Odd Fragment Length"). Refused before anything is sent, so the association goes on.
    A deflated octet-stream of odd length gets its single trailing 00H (PS3.5 A.5)."""
    total = sum(len(c) if not isinstance(c, memoryview) else c.nbytes for c in chunks)
    if total % 2 and transfer_syntax == DEFLATED:
        return list(chunks) + [b"\x00"]
    if total % 2:
        raise DimseError(
            f"the data set has an odd length ({total} bytes): a value of odd length"
            " (PS3.5 7.1.1); not sent",
            path=path,
        )
    return chunks


class StoreSource:
    """A SOP Instance to send: its UIDs, the transfer syntax its bytes are in (``None`` for a
    data set in memory: any native one), and :meth:`chunks` in a chosen transfer syntax."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str | None
    encapsulated: bool

    def can_send_as(self, transfer_syntax: str) -> bool:
        if transfer_syntax == self.transfer_syntax:
            return True
        return not self.encapsulated and is_native(transfer_syntax)

    def chunks(self, transfer_syntax: str) -> Iterable[Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class DatasetSource(StoreSource):
    """A data set in memory (or a typed object's)."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.sop_class_uid: str = ds.first_text(0x00080016)
        self.sop_instance_uid: str = ds.first_text(0x00080018)
        px = ds.get(0x7FE00010)
        self.encapsulated: bool = bool(px is not None and px.vr != "SQ" and px.undefined_length)
        read_ts = getattr(ds, "read_transfer_syntax", None)
        self.transfer_syntax: str | None = str(read_ts) if self.encapsulated and read_ts else None
        if not self.sop_class_uid or not self.sop_instance_uid:
            raise DimseError("the data set has no SOP Class UID or SOP Instance UID (0008,0016/18)")

    def chunks(self, transfer_syntax: str) -> Iterable[Any]:
        return _even(_encode_chunks(self.ds, transfer_syntax), None, transfer_syntax)


#: Files larger than this are memory-mapped (sent from the mapping); smaller ones are read.
MMAP_THRESHOLD = 1 << 20


class FileSource(StoreSource):
    """A Part 10 file (or its bytes), memory-mapped; the data set is sent from the mapping.

    ``uids``: the (SOP Class UID, SOP Instance UID) of the data set when already known, as
    for a file of a store whose index read them from it when it was stored: the header is
    then not decoded again (only the File Meta Information is read, for the transfer
    syntax and where the data set starts)."""

    def __init__(self, source: Any, *, uids: tuple[str, str] | None = None) -> None:
        from dicomgen.media import part10

        self.path: str | None = None
        self._file: Any = None
        self._map: mmap.mmap | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            data: Any = source
        else:
            path = self.path = str(os.fspath(source))
            try:
                self._file = open(path, "rb")
                size = os.fstat(self._file.fileno()).st_size
                if size > MMAP_THRESHOLD:
                    self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
                    data = self._map
                else:  # small files: one read is cheaper than mapping
                    data = self._file.read()
                    self._file.close()
                    self._file = None
            except OSError as exc:
                self.close()
                raise DimseError(
                    f"cannot read {self.path}: {exc.strerror}", path=self.path
                ) from None
        try:
            self._init(memoryview(data), part10, uids)
        except DicomError as exc:
            self.close()
            if self.path is not None and exc.path is None:
                exc.path = self.path
                exc.args = (exc._render(),)
            raise
        except BaseException:
            self.close()
            raise

    def _init(self, buf: memoryview, part10: Any, uids: tuple[str, str] | None) -> None:
        from dicomgen.core.errors import DecodeError
        from dicomgen.encoding.complete import check_complete
        from dicomgen.encoding.reader import decode_dataset

        n = len(buf)
        if n >= 132 and buf[128:132] == b"DICM":
            pos = 132
        elif buf[:4] == b"DICM":
            pos = 4
        else:
            pos = 0
        sop_class = sop_instance = ts = ""
        if n - pos >= 8 and buf[pos : pos + 2] == b"\x02\x00":
            # File Meta Information (PS3.10 7.1): only three of its values are needed
            meta, pos = part10.scan_meta(buf, pos)
            ts = part10.meta_text(meta, 0x00020010)
            sop_class = part10.meta_text(meta, 0x00020002)
            sop_instance = part10.meta_text(meta, 0x00020003)
        if not ts:
            if n == pos:
                raise DecodeError("the file holds no data set", offset=pos)
            ts = part10._guess_transfer_syntax(buf, pos, strict=True)
        self.buf: memoryview | None = buf
        self.offset = pos
        self.transfer_syntax = ts
        if uids is not None and all(uids):
            sop_class, sop_instance = uids
        else:
            # The data set's own UIDs rule (the File Meta copy may disagree, PS3.10 7.1).
            # The whole data set is decoded (values stay undecoded views), not only the
            # UIDs: a file whose declared lengths do not fit it, or whose Pixel Data is
            # shorter than described, is refused here, naming the file, rather than sent
            # for the peer to fail on (and abort the association).
            head = decode_dataset(buf, ts, offset=pos)
            check_complete(head)
            sop_class = head.first_text(0x00080016) or sop_class
            sop_instance = head.first_text(0x00080018) or sop_instance
        if not sop_class or not sop_instance:
            raise DimseError("no SOP Class UID or SOP Instance UID in the file", path=self.path)
        self.sop_class_uid = sop_class
        self.sop_instance_uid = sop_instance
        self.encapsulated: bool = not is_native(ts)

    def chunks(self, transfer_syntax: str) -> Iterable[Any]:
        buf = self.buf
        if buf is None:
            raise DimseError("the file source was closed", path=self.path)
        if transfer_syntax == self.transfer_syntax:
            return _even((buf[self.offset :],), self.path, transfer_syntax)
        from dicomgen.encoding.reader import decode_dataset

        ds = decode_dataset(buf, self.transfer_syntax or "", offset=self.offset)
        return _even(_encode_chunks(ds, transfer_syntax), self.path, transfer_syntax)

    def close(self) -> None:
        buf = getattr(self, "buf", None)
        self.buf = None  # type: ignore[assignment]
        if buf is not None:
            try:
                buf.release()
            except BufferError:  # slices still alive: the mapping closes when they go
                pass
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:
                pass
            self._map = None
        if self._file is not None:
            self._file.close()
            self._file = None


def open_source(source: Any) -> StoreSource:
    """A :class:`StoreSource` for a path, Part 10 bytes, a Dataset, a typed object, or a
    record of a store (anything with ``path``, such as
    :class:`~dicomgen.archive.index.InstanceRecord`: its file, opened with the record's
    SOP Class and Instance UIDs when it has them, see :class:`FileSource`)."""
    from dicomgen.core.dataset import Dataset

    if isinstance(source, StoreSource):
        return source
    if isinstance(source, Dataset):
        return DatasetSource(source)
    if isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
        return FileSource(source)
    path = getattr(source, "path", None)
    if isinstance(path, (str, os.PathLike)):
        cls = getattr(source, "sop_class_uid", None)
        inst = getattr(source, "sop_instance_uid", None)
        return FileSource(path, uids=(cls, inst) if cls and inst else None)
    to_dataset = getattr(source, "to_dataset", None)
    if callable(to_dataset):
        ds = to_dataset()
        if not isinstance(ds, Dataset):
            raise DimseError(f"{type(source).__name__}.to_dataset() gave no Dataset")
        return DatasetSource(ds)
    raise DimseError(f"cannot send a {type(source).__name__} with C-STORE")


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


# --- SCP -----------------------------------------------------------------------------------


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


class StreamingStoreHandler(Protocol):
    """A C-STORE handler that receives the data set as a stream (see the module docstring)."""

    def open_stream(self, request: StoreRequest) -> DatasetSink: ...

    async def complete(self, request: StoreRequest, sink: DatasetSink) -> Any: ...

    # Optional: ``complete_now(request, sink) -> status | NotImplemented`` and
    # ``responded_now(request)`` (module docstring).


class DiscardSink:
    """A :class:`~dicomgen.net.dimse.message.DatasetSink` that drops the data set (one that
    will be refused anyway, or a handler that keeps nothing)."""

    def write(self, data: bytes | memoryview) -> None:
        pass

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


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


class StoreSCP:
    """The C-STORE service provider (PS3.7 9.1.1.1; PS3.4 B.2.2)."""

    def open_stream(
        self,
        assoc: Association,
        context: PresentationContext,
        command: CommandSet,
        handler: Handler | None,
    ) -> DatasetSink | None:
        if command.AffectedSOPClassUID != context.abstract_syntax:
            return DiscardSink()
        opener = getattr(handler, "open_stream", None)
        if opener is None:
            return None
        return opener(StoreRequest(assoc, context, command))

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
        request = None
        if refusal is None:
            complete_now = getattr(handler, "complete_now", None)
            if stream is None or complete_now is None:
                return False
            request = StoreRequest(event.association, event.context, event.command)
            try:
                result = complete_now(request, stream)
                if result is NotImplemented:
                    return False
                status, comment = _as_status(result)
            except Exception as exc:
                status, comment = self._failed(exc, stream)
        else:
            status, comment = refusal
        event.association.send_message_now(store_response(event.message, status, comment))
        responded_now = getattr(handler, "responded_now", None) if request is not None else None
        if responded_now is not None:
            try:
                responded_now(request)
            except Exception:
                log.exception("C-STORE handler's responded_now failed")
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
                if stream is not None and hasattr(handler, "complete"):
                    result = await handler.complete(  # type: ignore[union-attr]
                        StoreRequest(event.association, event.context, event.command), stream
                    )
                else:
                    result = await call_handler(handler, event)
                status, comment = _as_status(result)
            except Exception as exc:
                status, comment = self._failed(exc, stream)
        await event.association.send_message(store_response(message, status, comment))


register_service(CommandField.C_STORE_RQ, StoreSCP())


def iter_files(paths: Iterable[str | os.PathLike[str]], *, recurse: bool = False) -> Iterator[str]:
    """The files named by ``paths`` (folders: their files, all levels with ``recurse``), sorted;
    hidden files (a leading ``.``) and ``DICOMDIR`` are skipped inside folders."""
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recurse else []
                for name in sorted(files):
                    if not name.startswith(".") and name.upper() != "DICOMDIR":
                        yield os.path.join(root, name)
        else:
            yield p


__all__ = [
    "DatasetSource",
    "DiscardSink",
    "FileSource",
    "StoreRequest",
    "StoreResponse",
    "StoreSCP",
    "StoreSource",
    "StoreStatus",
    "StreamingStoreHandler",
    "c_store",
    "c_store_many",
    "choose_context",
    "is_native",
    "iter_files",
    "open_source",
    "store_request",
    "store_response",
]
