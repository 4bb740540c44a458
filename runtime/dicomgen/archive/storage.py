"""Storage SCP with a real store (PS3.4 Annex B): C-STORE into files and the SQLite index.

:class:`StorageService` is a streaming C-STORE handler (see :mod:`dicomgen.net.dimse.store_scp`)
over :class:`~dicomgen.archive.storage_scp.StorageSCP` (atomic files + index):

- a data set up to ``spill_threshold`` bytes is collected in memory and stored with
  ``StorageSCP.store_encoded`` in a worker thread (or, when the store does not fsync and
  the data set is at most ``inline_threshold`` bytes, directly in the event loop: that is
  page-cache work of well under a millisecond, cheaper than the hand-over to a thread;
  such a store is completed by ``complete_now``, so its response is sent from the read
  callback that received the last fragment, see :mod:`dicomgen.net.dimse.store_scp`).
  In the event loop the index row is deferred (``defer_index``): the response goes out
  once the file is published; right after it the row is built (``StorageSCP.prepare_pending``:
  the Python work of indexing, done while the peer reads the response and sends its next
  request; from ``responded_now`` when the response was sent from the read callback, else
  from a callback scheduled with ``call_soon``), and the queued rows are written by a callback
  at most ``index_delay`` (:data:`DEFAULT_INDEX_DELAY`, 50 ms) later, all rows queued by
  then in one transaction (``StorageSCP.index_pending``, in a worker thread, while the
  stores go on): with dcmtk's storescu sending 1,000 small instances, one transaction per
  row right after each response took ~20 % more of the SCP's CPU (measured before the
  read-callback path). Any query (C-FIND, C-MOVE, C-GET) writes the queue first, so it
  sees every store that was answered; another process reading the index file sees a row
  shortly after ``index_delay`` (the time to write the batch) after its store was answered;
- a larger one is handed, fragment by fragment as P-DATA arrives, to a dedicated thread
  running ``StorageSCP.store_stream``, which writes it to a temporary file in the store
  folder (``<root>/.incoming``), fsyncs and renames it into place. If the association dies
  before the last fragment, the stream raises inside that thread and the temporary file is
  removed: no partial file is left in the store. If the thread falls behind (a slow disk),
  the association stops taking P-DATA until it caught up, so memory stays bounded whatever
  the data set's size (and a store that takes nothing for the DIMSE timeout ends the
  association).

Stores of one SOP Instance are answered in the order their copies were published (a store in
a thread hands its result to the event loop while the instance is still held, and while one
is unanswered that instance's next stores run in a thread too): of concurrent re-stores, the
copy kept, file and index row, is the one answered last.

:func:`add_storage_contexts` makes an AE accept every Storage SOP Class of the generated
registry (``dicomgen_std.sop_classes.STORAGE_SOP_CLASSES``) with :data:`storage_transfer_syntaxes`.

A ``transform`` given to :class:`StorageService` (de-identification on receipt, say) changes
each data set before it is stored: the data set is then held in memory (never spilled, never
stored from the event loop), decoded, checked against the request's SOP Class and Instance
UIDs, transformed in a worker thread and the result stored (answered in publishing order,
as any store in a thread); a transform that raises a :class:`~dicomgen.core.errors.DicomError`
refuses the data set (C000, the error as comment).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, InvalidStateError
from typing import TYPE_CHECKING, Any

from dicomgen.net.dimse.store_scp import StoreRequest, StreamingStoreHandler

from ..core.errors import DicomError
from .store_status import STORE_CANNOT_UNDERSTAND, STORE_DOES_NOT_MATCH_SOP_CLASS

if TYPE_CHECKING:
    from dicomgen.net.ae import AE
    from dicomgen.net.dimse.service import DimseEvent

    from ..core.dataset import Dataset
    from .storage_scp import StorageSCP, StoreResult

log: logging.Logger = logging.getLogger("dicomgen.net")

#: Data sets larger than this are streamed to a temporary file instead of memory.
DEFAULT_SPILL_THRESHOLD = 8 << 20
#: Without fsync, data sets up to this many bytes are stored in the event loop itself.
DEFAULT_INLINE_THRESHOLD = 64 << 10
#: The longest an index row of a store made in the event loop waits to be written (seconds).
DEFAULT_INDEX_DELAY = 0.05

#: ``published(result)``: a store's result, handed over as soon as its copy is published.
Published = Callable[["StoreResult"], None]

_NATIVE_FIRST = (
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2",  # Implicit VR Little Endian (PS3.5 10.1: always supported)
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian (retired, still sent by old peers)
)


def storage_transfer_syntaxes(*, compressed: bool = True) -> tuple[str, ...]:
    """Transfer syntaxes a store accepts, in preference order (the acceptor picks the first
    one the requestor proposed in a context, PS3.8 7.1.1.13).

    With ``compressed``, every encapsulated transfer syntax of the generated registry comes
    first: a requestor proposing one next to the native ones (dcmtk ``storescu -xv`` etc.)
    holds the data compressed, and the store keeps data sets as received, so accepting it
    avoids a conversion the requestor may not be able to make. The native ones follow.
    """
    from dicomgen_std.transfer_syntaxes import TRANSFER_SYNTAXES

    out: list[str] = []
    if compressed:
        out += [uid for uid, ts in TRANSFER_SYNTAXES.items() if ts.encapsulated]
    return tuple(out) + _NATIVE_FIRST


def storage_sop_classes() -> tuple[str, ...]:
    """The Storage SOP Class UIDs of the generated registry (PS3.4 B.5)."""
    from dicomgen_std.sop_classes import STORAGE_SOP_CLASSES

    return tuple(str(uid) for uid in STORAGE_SOP_CLASSES)


def add_storage_contexts(
    ae: AE,
    transfer_syntaxes: Sequence[str] | None = None,
    *,
    sop_classes: Sequence[str] | None = None,
    scp_role: bool | None = None,
) -> int:
    """Accept (acceptor) every Storage SOP Class with ``transfer_syntaxes``; returns how many."""
    ts = tuple(transfer_syntaxes) if transfer_syntaxes else storage_transfer_syntaxes()
    classes = tuple(sop_classes) if sop_classes is not None else storage_sop_classes()
    for uid in classes:
        ae.add_supported_context(uid, ts, scp_role=scp_role)
    return len(classes)


_END = object()
#: A spilled data set's fragments waiting for the store thread: above BACKLOG_HIGH bytes the
#: association takes no more P-DATA until the thread brought them under BACKLOG_LOW.
BACKLOG_HIGH = 8 << 20
BACKLOG_LOW = 2 << 20


def _wake(waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]) -> None:
    loop, fut = waiter

    def done() -> None:
        if not fut.done():
            fut.set_result(None)

    try:
        loop.call_soon_threadsafe(done)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass


def _settle(fut: Future[StoreResult], outcome: StoreResult | BaseException) -> None:
    """Hand a store thread's result (or exception) to ``fut`` unless it has one already or
    was cancelled (the association ended while the store ran)."""
    try:
        if fut.done():
            return
        if isinstance(outcome, BaseException):
            fut.set_exception(outcome)
        else:
            fut.set_result(outcome)
    except InvalidStateError:  # cancelled meanwhile
        pass


class _Aborted(Exception):
    """Raised inside the store thread when the association ended mid data set."""


class _StoreSink:
    """A :class:`~dicomgen.net.dimse.message.DatasetSink` feeding the store (see the module).

    Once spilled, fragments wait in a queue for the store thread; ``room()`` asks the
    association to take no more P-DATA while over :data:`BACKLOG_HIGH` bytes wait, until the
    thread brought them under :data:`BACKLOG_LOW` (a slow disk holds the peer back instead of
    the data set piling up in memory).
    """

    def __init__(self, service: StorageService, request: StoreRequest) -> None:
        self.service = service
        self.request = request
        self.parts: list[bytes | memoryview] = []
        self.size: int = 0
        self.queue: queue.SimpleQueue[Any] | None = None
        self.future: Future[StoreResult] | None = None
        #: ``future`` in the event loop, chained before the store thread starts, so that the
        #: results of one instance's stores reach the loop in publishing order.
        self.answer: asyncio.Future[StoreResult] | None = None
        self._unanswered = False  # counted in the service's stores in a thread not answered
        self.aborted: bool = False
        self.backlog: int = 0  # bytes queued for the store thread, not yet written
        self._lock = threading.Lock()
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

    def write(self, data: bytes | memoryview) -> None:
        if self.queue is not None:
            if self.future is not None and self.future.done():
                return  # the store ended early (it failed): nobody reads the queue any more
            with self._lock:
                self.backlog += len(data)
            self.queue.put(data)
            return
        self.parts.append(data)
        self.size += len(data)
        if self.size > self.service.spill_threshold and self.service.transform is None:
            self._spill()

    def room(self) -> asyncio.Future[None] | None:
        if self.queue is None or self.aborted:
            return None
        with self._lock:
            # under the lock: the store thread sets its result before it wakes a waiter
            if self.backlog <= BACKLOG_HIGH or (self.future is not None and self.future.done()):
                return None
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiter = (loop, waiter)
        return waiter

    def _taken(self, n: int) -> None:
        """The store thread wrote ``n`` queued bytes (called in that thread)."""
        with self._lock:
            self.backlog -= n
            if self._waiter is None or self.backlog > BACKLOG_LOW:
                return
            waiter, self._waiter = self._waiter, None
        _wake(waiter)

    def _wake_waiter(self) -> None:
        with self._lock:
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            _wake(waiter)

    def _spill(self) -> None:
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for p in self.parts:
            q.put(p)
        self.backlog = self.size
        self.parts = []
        self.queue = q
        self.future = Future()
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # fed outside an event loop: result() chains it
            pass
        else:
            self.answer = asyncio.wrap_future(self.future)
            # an aborted store's exception is nobody's to retrieve
            self.answer.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._unanswered = True
            self.service._thread_started(self.request.sop_instance_uid)
        req = self.request
        storage = self.service.storage

        def chunks() -> Iterator[bytes]:
            while True:
                item = q.get()
                if item is _END:
                    return
                if item is _Aborted:
                    raise _Aborted(f"association ended while receiving {req.sop_instance_uid}")
                yield item
                self._taken(len(item))

        def run(fut: Future[StoreResult] = self.future) -> None:
            try:
                result = storage.store_stream(
                    chunks(),
                    req.transfer_syntax,
                    sop_class_uid=req.sop_class_uid,
                    sop_instance_uid=req.sop_instance_uid,
                    source_ae_title=req.calling_ae_title,
                    published=lambda r: _settle(fut, r),  # in publishing order: see _in_thread
                )
                _settle(fut, result)  # refused before publishing
            except BaseException as exc:
                _settle(fut, exc)
            finally:
                self._wake_waiter()  # the association must not wait for a thread that ended

        threading.Thread(target=run, name="dicomgen-store-stream", daemon=True).start()

    def close(self) -> None:
        if self.queue is not None:
            self.queue.put(_END)

    def abort(self) -> None:
        if self.aborted:
            return
        self.aborted = True
        self.parts = []
        if self.queue is not None:
            self.queue.put(_Aborted)
        self._wake_waiter()
        self._answered()

    def _answered(self) -> None:
        if self._unanswered:
            self._unanswered = False
            self.service._thread_answered(self.request.sop_instance_uid)

    async def result(self) -> StoreResult:
        if self.answer is not None:
            try:
                return await self.answer
            finally:  # the response is sent before the event loop runs anything else
                self._answered()
        if self.future is not None:
            return await asyncio.wrap_future(self.future)
        data = b"".join(self.parts)
        self.parts = []
        return await self.service.store_bytes(self.request, data)


class StorageService(StreamingStoreHandler["_StoreSink"]):
    """A streaming C-STORE handler storing into ``storage`` (a :class:`StorageSCP`).

    Use as ``handlers={"C-STORE": StorageService(StorageSCP(root))}``. ``on_stored(request,
    result)`` is called (in the event loop) after each C-STORE with its ``StoreResult``.
    ``inline_threshold``: largest data set stored in the event loop when the store does not
    fsync (0: always in a worker thread); with fsync every store runs in a worker thread.
    ``index_delay``: the longest a row queued by such a store waits before it is written
    (seconds; 0: right after the response). Rows queued meanwhile go in together, one
    transaction for all (at most ``StorageSCP.MAX_PENDING_ROWS``, then written at once).
    ``transform(dataset) -> dataset``: applied to each data set before it is stored (see the
    module docstring).
    """

    def __init__(
        self,
        storage: StorageSCP,
        *,
        spill_threshold: int = DEFAULT_SPILL_THRESHOLD,
        on_stored: Callable[[StoreRequest, Any], None] | None = None,
        inline_threshold: int = DEFAULT_INLINE_THRESHOLD,
        index_delay: float = DEFAULT_INDEX_DELAY,
        transform: Callable[[Dataset], Dataset] | None = None,
    ) -> None:
        if index_delay < 0:
            raise ValueError(f"index_delay must be >= 0, not {index_delay}")
        self.storage = storage
        self.spill_threshold = spill_threshold
        self.inline_threshold = inline_threshold
        self.on_stored = on_stored
        self.stored: int = 0
        self.failed: int = 0
        self._index_scheduled = False
        self._prepare_scheduled = False
        self.index_delay = index_delay
        self.transform = transform
        # Stores in a worker thread not answered yet, per SOP Instance UID (event loop only):
        # while one is, that instance's next stores run in a thread too, their results
        # reaching the loop after it (a store in the loop would be answered first).
        self._unanswered: Counter[str] = Counter()

    def open_stream(self, request: StoreRequest) -> _StoreSink:
        return _StoreSink(self, request)

    def _inline(self, size: int, sop_instance_uid: str) -> bool:
        """Whether a data set of ``size`` bytes is stored in the event loop (no fsync to
        wait for: a small store costs less than a thread hand-over), unless a store of the
        same instance in a thread is not answered yet or the data set is to be transformed."""
        if self.transform is not None:
            return False
        return (
            size <= self.inline_threshold
            and not self.storage.files.fsync
            and not self._unanswered.get(sop_instance_uid)
        )

    def _thread_started(self, sop_instance_uid: str) -> None:
        self._unanswered[sop_instance_uid] += 1

    def _thread_answered(self, sop_instance_uid: str) -> None:
        n = self._unanswered[sop_instance_uid] - 1
        if n > 0:
            self._unanswered[sop_instance_uid] = n
        else:
            del self._unanswered[sop_instance_uid]

    def _store_encoded(
        self,
        request: StoreRequest,
        data: bytes,
        *,
        defer_index: bool = False,
        published: Published | None = None,
    ) -> StoreResult:
        """``StorageSCP.store_encoded`` of the data set ``data`` received for ``request``."""
        return self.storage.store_encoded(
            data,
            request.transfer_syntax,
            sop_class_uid=request.sop_class_uid,
            sop_instance_uid=request.sop_instance_uid,
            source_ae_title=request.calling_ae_title,
            defer_index=defer_index,
            published=published,
        )

    def _store_inline(
        self, request: StoreRequest, data: bytes, prepare_soon: bool = True
    ) -> StoreResult:
        result = self._store_encoded(request, data, defer_index=True)
        if result.ok:
            loop = asyncio.get_running_loop()
            if prepare_soon and not self._prepare_scheduled:
                # right after the response is sent, while the peer reads it
                self._prepare_scheduled = True
                loop.call_soon(self._prepare_pending)
            if not self._index_scheduled:
                # runs after the response was sent, at most ``index_delay`` later
                self._index_scheduled = True
                if self.index_delay > 0:
                    loop.call_later(self.index_delay, self._index_pending)
                else:
                    loop.call_soon(self._index_pending)
        return result

    def _prepare_pending(self) -> None:
        self._prepare_scheduled = False
        try:
            self.storage.prepare_pending()
        except Exception:
            log.exception("preparing the queued index rows failed")

    def complete_now(self, request: StoreRequest, sink: _StoreSink) -> StoreResult | Any:
        """Store a data set held in memory at once when it is stored in the event loop
        (see the module docstring); ``NotImplemented`` otherwise (:meth:`complete` then)."""
        if (
            sink.queue is not None
            or sink.aborted
            or not self._inline(sink.size, request.sop_instance_uid)
        ):
            return NotImplemented
        data = b"".join(sink.parts)
        sink.parts = []
        result = self._store_inline(request, data, prepare_soon=False)
        self._count(request, result)
        return result

    def responded_now(self, request: StoreRequest) -> None:
        """The response of a store completed by :meth:`complete_now` was sent: build its
        index row now, while the peer reads it (in the same callback: no event-loop turn
        per store). A row left unbuilt is built when the batch is written."""
        self._prepare_pending()

    async def store_bytes(self, request: StoreRequest, data: bytes) -> StoreResult:
        transform = self.transform
        if transform is not None:
            return await self._in_thread(
                request,
                lambda published: self._store_transformed(transform, request, data, published),
            )
        if self._inline(len(data), request.sop_instance_uid):
            return self._store_inline(request, data)
        return await self._in_thread(
            request, lambda published: self._store_encoded(request, data, published=published)
        )

    async def _in_thread(
        self, request: StoreRequest, store: Callable[[Published], StoreResult]
    ) -> StoreResult:
        """``store(published)`` in a worker thread, its result handed to the event loop by
        ``published`` while the instance is still held: results reach the loop, and their
        responses go out, in the order the copies of one instance were published, so the copy
        kept is the one answered last."""
        fut: Future[StoreResult] = Future()
        answer = asyncio.wrap_future(fut)  # before the thread starts: no result bypasses it

        def run() -> None:
            try:
                result = store(lambda r: _settle(fut, r))
                _settle(fut, result)  # refused before publishing
            except BaseException as exc:
                _settle(fut, exc)

        asyncio.get_running_loop().run_in_executor(None, run)
        self._thread_started(request.sop_instance_uid)
        try:
            return await answer
        finally:  # the response is sent before the event loop runs anything else
            self._thread_answered(request.sop_instance_uid)

    def _store_transformed(
        self,
        transform: Callable[[Dataset], Dataset],
        request: StoreRequest,
        data: bytes,
        published: Published,
    ) -> StoreResult:
        """Decode ``data``, check it is the request's instance, ``transform`` it and store
        the result (in a worker thread; ``published`` as for ``StorageSCP.store_encoded``)."""
        from ..encoding.complete import check_complete
        from ..encoding.reader import decode_dataset
        from .storage_scp import StoreResult

        ts = str(request.transfer_syntax).strip("\x00 ")
        try:
            ds = decode_dataset(data, ts)
            check_complete(ds)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot decode: {exc}")
        for what, tag, wanted in (
            ("SOP Class UID", 0x00080016, request.sop_class_uid),
            ("SOP Instance UID", 0x00080018, request.sop_instance_uid),
        ):
            got, wanted = ds.first_text(tag), str(wanted or "").strip("\x00 ")
            if wanted and got != wanted:
                comment = f"{what} {got} differs from the request's {wanted}"
                return StoreResult(STORE_DOES_NOT_MATCH_SOP_CLASS, error_comment=comment)
        try:
            out = transform(ds)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=str(exc))
        return self.storage.store_dataset(
            out, ts, source_ae_title=request.calling_ae_title, published=published
        )

    def _index_pending(self) -> None:
        """Write the queued rows in a worker thread: the event loop never waits for SQLite
        (a WAL checkpoint syncs the disk, which can take many milliseconds), and SQLite runs
        without the interpreter lock, mostly while the loop waits for the next request."""
        self._index_scheduled = False
        try:
            asyncio.get_running_loop().run_in_executor(None, self._write_pending)
        except RuntimeError:  # the loop is shutting down its executor: write them here
            self._write_pending()

    def _write_pending(self) -> None:
        try:
            self.storage.index_pending()
        except Exception:
            log.exception("writing the queued index rows failed")

    async def complete(self, request: StoreRequest, sink: _StoreSink) -> StoreResult:
        result = await sink.result()
        self._count(request, result)
        return result

    async def __call__(self, event: DimseEvent) -> StoreResult:
        """Plain-handler form (data set already in ``event.message.dataset``)."""
        request = StoreRequest(event.association, event.context, event.command)
        result = await self.store_bytes(request, event.message.dataset or b"")
        self._count(request, result)
        return result

    def _count(self, request: StoreRequest, result: Any) -> None:
        if result.status == 0:
            self.stored += 1
        else:
            self.failed += 1
            log.warning(
                "C-STORE of %s from %s failed: 0x%04X %s",
                request.sop_instance_uid,
                request.calling_ae_title,
                result.status,
                result.error_comment,
            )
        if self.on_stored is not None:
            self.on_stored(request, result)


__all__ = [
    "DEFAULT_INDEX_DELAY",
    "DEFAULT_INLINE_THRESHOLD",
    "DEFAULT_SPILL_THRESHOLD",
    "StorageService",
    "add_storage_contexts",
    "storage_sop_classes",
    "storage_transfer_syntaxes",
]
