"""Service-facing glue of a Storage and Query/Retrieve SCP (PS3.4 Annex B and C).

:class:`StorageSCP` owns a :class:`~dicomgen.archive.files.FileStore` and an
:class:`~dicomgen.archive.index.Index` and offers what DIMSE handlers need:

- C-STORE (PS3.4 B.2.2): :meth:`StorageSCP.store_encoded` (the data set bytes as received on
  the presentation context, plus its transfer syntax), :meth:`StorageSCP.store_stream`
  (the same as an iterable of chunks, e.g. P-DATA fragments; nothing is published unless
  the iterable ends normally) and :meth:`StorageSCP.store_dataset` (a decoded data set).
  Each returns a :class:`StoreResult` whose ``status`` is the C-STORE response status
  (Table B.2-1).
- C-FIND (C.4.1): :meth:`StorageSCP.find` yields ``(status, identifier)`` pairs.
- C-MOVE/C-GET (C.4.2, C.4.3): :meth:`StorageSCP.retrieve` returns the selected instances
  (paths, SOP Class/Instance UIDs, stored transfer syntax) for the sub-operations.

Everything is synchronous and thread safe; async handlers call it through
``asyncio.to_thread``. A SOP Instance stored again replaces the earlier copy; concurrent
stores of one instance publish and index one at a time, so the copy kept is the one
published last.

Indexing later: with ``defer_index=True`` a C-STORE returns once its file is published, and
its index row is queued; :meth:`StorageSCP.index_pending` writes the queued rows in one
transaction (the network service calls it shortly after sending the responses, off the
requests' path), and :meth:`StorageSCP.prepare_pending` may build the queued rows before
that (the network service does it right after each response, while the peer reads it).
Every read of the index (:attr:`StorageSCP.index`, :meth:`~StorageSCP.find`,
:meth:`~StorageSCP.retrieve`, :meth:`~StorageSCP.close`) writes the queue first, so a query
sees every store that returned. A queued row that cannot be written (the database fails)
leaves the file in place, since Success was already answered: the failure is logged,
counted in :attr:`StorageSCP.index_failures`, and the open-marker is kept at close so the
next start reconciles the index with the files. Without ``defer_index`` an index failure
answers A700 and the file is removed.

An index left behind by a crash is brought back in line with the files by
:mod:`.reconcile` when the store is opened.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.dataset import Dataset
from ..core.errors import DicomError
from .files import FileStore, part10_header
from .index import Index
from .levels import Model
from .matching import QueryOptions
from .query import Selection, find, select_instances
from .reconcile import boot_id, crash_checkpoint, reconcile
from .reservations import InstanceLocks, Reservations
from .store_status import (
    STORE_CANNOT_UNDERSTAND,
    STORE_DOES_NOT_MATCH_SOP_CLASS,
    STORE_OUT_OF_RESOURCES,
    STORE_PROCESSING_FAILURE,
    STORE_SUCCESS,
    uid_problem,
    write_failure_status,
)

INDEX_NAME = "index.sqlite"
#: Queued rows (``defer_index``) written at once when this many wait, bounding the memory
#: the queue holds (each row keeps its decoded data set) when nobody calls ``index_pending``.
MAX_PENDING_ROWS = 256
#: Suffix of the marker that says the store is open (see the module docstring).
OPEN_MARKER_SUFFIX = ".open"

log: logging.Logger = logging.getLogger("dicomgen.net")


@dataclass(frozen=True)
class StoreResult:
    """Outcome of a C-STORE: the response ``status``, where the file is, and why not."""

    status: int
    path: Path | None = None
    sop_instance_uid: str | None = None
    #: An earlier copy was replaced (known only when indexed at once, not ``defer_index``).
    replaced: bool = False
    error_comment: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == STORE_SUCCESS


class StorageSCP:
    """Storage (C-STORE) and Query/Retrieve (C-FIND, C-MOVE, C-GET) back end.

    ``root``: folder of the files; ``index_path``: the SQLite file (default
    ``<root>/index.sqlite``); ``fsync``: sync files and folders before publishing (turn off
    only for tests on throw-away folders); ``retrieve_ae_title``: returned as Retrieve AE
    Title (0008,0054) in C-FIND responses; ``query_options``: defaults for :meth:`find`.
    Temporary files left over by a crash are removed on start (``cleanup_on_start``), and
    the index is reconciled with the files if the store was not closed (``reconcile``).
    Call :meth:`close` when done (it removes the marker).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        index_path: str | os.PathLike[str] | None = None,
        fsync: bool = True,
        retrieve_ae_title: str | None = None,
        query_options: QueryOptions | None = None,
        cleanup_on_start: bool = True,
        reconcile: bool = True,
    ) -> None:
        self.files: FileStore = FileStore(root, fsync=fsync)
        self._index = Index(
            Path(index_path) if index_path is not None else self.files.root / INDEX_NAME
        )
        self._marker = Path(str(self._index.path) + OPEN_MARKER_SUFFIX)
        self._closed = False
        self._checkpoints = False  # see below: whether the open-marker's time may move
        #: Queued rows of ``defer_index`` stores: (data set, path, size, transfer syntax);
        #: those :meth:`prepare_pending` built are in ``_prepared`` (path, row), older ones.
        self._pending: deque[tuple[Dataset, str, int, str]] = deque()
        self._prepared: deque[tuple[str, Any]] = deque()
        self._pending_lock = threading.Lock()  # one writer of the queue at a time
        self._commit_lock = threading.Lock()  # one index_pending batch at a time, in order
        # Paths written or being written whose row is not committed yet, and the replaced
        # copies removed once no store to their path is under way.
        self._reserved = Reservations(self.files, self._index.path_of)
        self._instances = InstanceLocks()  # publish + index of one instance, one at a time
        #: Rows of ``defer_index`` stores that could not be written to the index.
        self.index_failures: int = 0
        opts = query_options or QueryOptions()
        if retrieve_ae_title is not None:
            opts = QueryOptions(
                relational=opts.relational,
                strict=opts.strict,
                pn_case_insensitive=opts.pn_case_insensitive,
                combined_datetime=opts.combined_datetime,
                retrieve_ae_title=retrieve_ae_title,
            )
        self.query_options = opts
        if cleanup_on_start:
            self.files.cleanup()
        unclean = self._marker.exists()
        # an unclean store left unreconciled keeps its checkpoint until one reconciles it
        self._checkpoints = reconcile or not unclean
        if reconcile and unclean:
            since = crash_checkpoint(self._marker)
            added, dropped = self.reconcile(since=since)
            log.warning(
                "%s was not closed: index reconciled with the files of %s (%d indexed,"
                " %d dropped)",
                self.files.root,
                "every folder" if since is None else f"the folders changed since {since:.0f}",
                added,
                dropped,
            )
        if self._checkpoints:
            self._marker.write_text(boot_id() or "")  # its time: the first checkpoint

    @property
    def root(self) -> Path:
        return self.files.root

    @property
    def index(self) -> Index:
        """The SQLite index, with the queued rows of ``defer_index`` stores written first."""
        if self._pending or self._prepared:
            self.index_pending()
        return self._index

    def close(self) -> None:
        """Write the queued index rows, close the index and remove the open-marker (kept if
        some rows could not be written, or if the store was opened after an unclean stop
        with ``reconcile=False``, so that the next start reconciles)."""
        if self._closed:
            return
        self._closed = True  # from now on a store indexes at once (and fails) or queues nothing
        self.index_pending()
        self._index.close()
        if self.index_failures:
            log.error(
                "%d stored instance(s) of %s are missing from the index: it will be "
                "reconciled with the files at the next start",
                self.index_failures,
                self.files.root,
            )
            return
        if not self._checkpoints:
            log.warning("%s is still to be reconciled with its files", self.files.root)
            return
        try:
            self._marker.unlink()
        except FileNotFoundError:
            pass

    def reconcile(self, since: float | None = None) -> tuple[int, int]:
        """Index the stored files the index lacks and drop rows whose file is gone;
        returns ``(indexed, dropped)`` (see :func:`.reconcile.reconcile`: ``since`` limits
        the pass to the folders modified since then)."""
        return reconcile(self.index, self.files.root, self._reserved, since)

    def __enter__(self) -> StorageSCP:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- C-STORE --------------------------------------------------------------------

    def _check(
        self,
        ds: Dataset,
        sop_class_uid: str | None,
        sop_instance_uid: str | None,
    ) -> tuple[str, str, str, str] | StoreResult:
        """The data set's SOP Class, SOP Instance, Study and Series Instance UIDs, or the
        failure to return for a data set that cannot be stored."""
        try:
            cls = ds.first_text(0x00080016)
            inst = ds.first_text(0x00080018)
            study = ds.first_text(0x0020000D)
            series = ds.first_text(0x0020000E)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot decode: {exc}")
        missing = [
            n
            for n, v in (
                ("SOP Class UID", cls),
                ("SOP Instance UID", inst),
                ("Study Instance UID", study),
                ("Series Instance UID", series),
            )
            if not v
        ]
        if missing:
            return StoreResult(
                STORE_CANNOT_UNDERSTAND, error_comment="missing " + ", ".join(missing)
            )
        for what, uid in (
            ("SOP Class UID", cls),
            ("SOP Instance UID", inst),
            ("Study Instance UID", study),
            ("Series Instance UID", series),
        ):
            problem = uid_problem(uid, what)
            if problem is not None:
                return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=problem)
        if sop_class_uid and cls != str(sop_class_uid).strip("\x00 "):
            return StoreResult(
                STORE_DOES_NOT_MATCH_SOP_CLASS,
                error_comment=f"SOP Class UID {cls} differs from the request's {sop_class_uid}",
            )
        if sop_instance_uid and inst != str(sop_instance_uid).strip("\x00 "):
            return StoreResult(
                STORE_DOES_NOT_MATCH_SOP_CLASS,
                error_comment=f"SOP Instance UID {inst} differs from the request's "
                f"{sop_instance_uid}",
            )
        return cls, inst, study, series

    def _release(self, rel: str) -> None:
        """Release ``rel`` (see :class:`Reservations`); when no path is reserved any more,
        every published file has its row: the open-marker's checkpoint moves."""
        if not self._reserved.release(rel):
            return
        checkpoint = time.time()
        if self._checkpoints and not self.index_failures and not self._closed:
            try:
                os.utime(self._marker, (checkpoint, checkpoint))
            except OSError:  # the marker is gone or read-only: a crash reconciles more
                pass

    def _index_now(
        self, ds: Dataset, final: Path, rel: str, inst: str, size: int, transfer_syntax: str
    ) -> StoreResult:
        try:
            if self._pending or self._prepared:  # rows go in in publishing order
                self.index_pending()
            try:
                old = self._index.add(ds, path=rel, size=size, transfer_syntax=transfer_syntax)
            except DicomError as exc:
                self._reserved.remove_unless_shared(rel)
                return StoreResult(
                    STORE_OUT_OF_RESOURCES, sop_instance_uid=inst, error_comment=str(exc)
                )
            self._reserved.drop_replaced(old, rel)
        finally:
            self._release(rel)
        return StoreResult(STORE_SUCCESS, final, inst, replaced=old is not None)

    def _index_or_queue(
        self,
        ds: Dataset,
        final: Path,
        rel: str,
        inst: str,
        size: int,
        transfer_syntax: str,
        defer: bool,
    ) -> StoreResult:
        """Index a published file now, or queue its row (``defer``); its path ``rel`` is
        reserved by the caller and released here (now) or by :meth:`index_pending`."""
        if not defer or self._closed:  # closed: fails now (A700), nothing left queued
            return self._index_now(ds, final, rel, inst, size, transfer_syntax)
        self._pending.append((ds, rel, size, transfer_syntax))
        if len(self._pending) + len(self._prepared) >= MAX_PENDING_ROWS:
            self.index_pending()
        return StoreResult(STORE_SUCCESS, final, inst)

    def prepare_pending(self) -> int:
        """Build the index rows of the queued stores now (the decoding and serialising part
        of indexing), so that :meth:`index_pending` only writes them; returns how many."""
        with self._pending_lock:
            pending, prepared = self._pending, self._prepared
            n = 0
            while pending:
                prepared.append(self._build_row(pending.popleft()))
                n += 1
            return n

    def _build_row(self, entry: tuple[Dataset, str, int, str]) -> tuple[str, Any]:
        """``(path, row or MediaError)`` of a queued store (:meth:`Index.prepare`)."""
        ds, rel, size, ts = entry
        return rel, self._index.prepare(ds, rel, size, ts)

    def index_pending(self) -> int:
        """Write the rows queued by ``defer_index`` stores, in one transaction; returns how
        many were written. Rows that fail are logged and counted in :attr:`index_failures`
        (their files stay: their stores were answered Success).

        Batches are written one at a time, in the order they were taken from the queue; the
        queue itself is locked only while a batch is taken, so stores (and
        :meth:`prepare_pending`) go on while one is written."""
        with self._commit_lock:
            with self._pending_lock:  # stores append to _pending without it: popleft
                prepared, pending = self._prepared, self._pending
                queued = [prepared.popleft() for _ in range(len(prepared))]  # queued first
                raw = [pending.popleft() for _ in range(len(pending))]
            if not queued and not raw:
                return 0
            batch = queued + [self._build_row(entry) for entry in raw]
            outcomes: list[str | None | Exception]
            try:
                outcomes = list(self._index.add_prepared([row for _, row in batch]))
            except Exception as exc:
                outcomes = [exc] * len(batch)
            written = 0
            for (rel, _), old in zip(batch, outcomes):
                try:
                    if isinstance(old, Exception):
                        self.index_failures += 1
                        log.error("stored %s but could not index it: %s", rel, old)
                    else:
                        written += 1
                        self._reserved.drop_replaced(old, rel)
                finally:
                    self._release(rel)
            return written

    def store_encoded(
        self,
        data: bytes | bytearray | memoryview,
        transfer_syntax: str,
        *,
        sop_class_uid: str | None = None,
        sop_instance_uid: str | None = None,
        source_ae_title: str | None = None,
        defer_index: bool = False,
        published: Callable[[StoreResult], None] | None = None,
    ) -> StoreResult:
        """Store a received data set (its encoded bytes, in ``transfer_syntax``).

        ``sop_class_uid``/``sop_instance_uid`` are the Affected SOP Class/Instance UIDs of
        the C-STORE request; they must equal the data set's (else status A900). A data set
        that does not decode whole or is incomplete (a truncated value, Pixel Data shorter
        than described) is refused with C000 and nothing is stored. The file
        holds ``data`` unchanged after a File Meta Information naming ``transfer_syntax``.
        ``defer_index``: queue the index row (see the module docstring).

        The stores of one SOP Instance publish their file and index (or queue) its row one at
        a time, so the copy published last is the one indexed. ``published`` is called with
        the result while that instance is still held: the stores of one instance call it in
        the order their copies were published, and answering in that order makes the copy
        kept the one answered last. It is not called for a store refused before publishing.
        """
        from ..encoding.complete import check_complete
        from ..encoding.reader import decode_dataset

        ts = str(transfer_syntax).strip("\x00 ")
        try:  # the whole data set: Success only for a complete one
            ds = decode_dataset(data, ts)
            check_complete(ds)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot decode: {exc}")
        uids = self._check(ds, sop_class_uid, sop_instance_uid)
        if isinstance(uids, StoreResult):
            return uids
        cls, inst, study, series = uids
        target, rel = self.files.locate(study, series, inst)
        with self._instances.hold(inst):
            self._reserved.reserve(rel, inst)
            try:
                head = part10_header(cls, inst, ts, source_ae_title=source_ae_title)
                size = self.files.write_atomic(target, (head, data))
            except (OSError, DicomError) as exc:
                self._release(rel)
                return _write_failed(exc, inst)
            result = self._index_or_queue(ds, Path(target), rel, inst, size, ts, defer_index)
            if published is not None:
                published(result)
        return result

    def store_stream(
        self,
        chunks: Iterable[Any],
        transfer_syntax: str,
        *,
        sop_class_uid: str,
        sop_instance_uid: str,
        source_ae_title: str | None = None,
        defer_index: bool = False,
        published: Callable[[StoreResult], None] | None = None,
    ) -> StoreResult:
        """Store a data set arriving as ``chunks`` (bytes-like) without holding it in memory.

        The SOP Class/Instance UIDs come from the C-STORE request (they are needed for the
        File Meta Information written first). The chunks go to a temporary file; if the
        iterable raises (the association was aborted) the exception propagates and nothing
        is published. Afterwards the file is read (a large file memory-mapped, not loaded,
        see :func:`dicomgen.media.part10.read`) to find the Study and Series, checked to be
        complete (:func:`~dicomgen.encoding.complete.check_complete`), and moved into place
        atomically. ``published``: as for :meth:`store_encoded`.
        """
        from ..encoding.complete import check_complete
        from ..media.part10 import read

        ts = str(transfer_syntax).strip("\x00 ")
        for what, uid in (("SOP Class UID", sop_class_uid), ("SOP Instance UID", sop_instance_uid)):
            problem = uid_problem(str(uid).strip("\x00 "), f"the request's Affected {what}")
            if problem is not None:
                for _ in chunks:  # take the rest of the data set, store none of it
                    pass
                return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=problem)
        head = part10_header(sop_class_uid, sop_instance_uid, ts, source_ae_title=source_ae_title)

        def all_chunks() -> Iterator[Any]:
            yield head
            yield from chunks

        try:
            staged = self.files.stage(all_chunks(), sop_instance_uid)
        except OSError as exc:  # the disk is full, say: the rest of the data set is dropped
            for _ in chunks:
                pass
            return _write_failed(exc, sop_instance_uid)
        try:
            try:  # the whole data set (memory-mapped): Success only for a complete one
                ds = read(staged)
                check_complete(ds)
            except DicomError as exc:
                return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot decode: {exc}")
            uids = self._check(ds, sop_class_uid, sop_instance_uid)
            if isinstance(uids, StoreResult):
                return uids
            _, inst, study, series = uids
            target, rel = self.files.locate(study, series, inst)
            final = Path(target)
            size = staged.stat().st_size
            with self._instances.hold(inst):
                self._reserved.reserve(rel, inst)
                try:
                    self.files.publish(staged, final)
                except OSError as exc:
                    self._release(rel)
                    return _write_failed(exc, inst)
                except BaseException:
                    self._release(rel)
                    raise
                result = self._index_or_queue(ds, final, rel, inst, size, ts, defer_index)
                if published is not None:
                    published(result)
        finally:
            self.files.discard(staged)
        return result

    def store_dataset(
        self,
        ds: Dataset,
        transfer_syntax: str | None = None,
        *,
        source_ae_title: str | None = None,
        defer_index: bool = False,
        published: Callable[[StoreResult], None] | None = None,
    ) -> StoreResult:
        """Store a decoded data set, encoded in ``transfer_syntax`` (default: the one it was
        read with, else Explicit VR Little Endian); ``defer_index`` and ``published`` as for
        :meth:`store_encoded`."""
        from ..encoding.transfer_syntax import EXPLICIT_VR_LITTLE_ENDIAN
        from ..encoding.writer import encode_dataset

        ts = transfer_syntax or ds.read_transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
        bad = self._check(ds, None, None)
        if isinstance(bad, StoreResult):
            return bad
        try:
            data = encode_dataset(ds, ts)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot encode: {exc}")
        return self.store_encoded(
            data,
            str(ts),
            source_ae_title=source_ae_title,
            defer_index=defer_index,
            published=published,
        )

    # --- C-FIND / C-MOVE / C-GET --------------------------------------------------------

    def find(
        self,
        identifier: Dataset,
        model: Model | str,
        *,
        options: QueryOptions | None = None,
        cancelled: Callable[[], bool] | None = None,
        errors: list[str] | None = None,
    ) -> Iterator[tuple[int, Dataset | None]]:
        """C-FIND: ``(0xFF00, identifier)`` per match then ``(0x0000, None)``, or a failure
        (whose reasons are appended to ``errors``).

        ``model`` is a Q/R FIND SOP Class UID, ``"PATIENT"``/``"STUDY"`` or a :class:`Model`.
        """
        return find(
            self.index,
            identifier,
            model,
            options or self.query_options,
            cancelled=cancelled,
            errors=errors,
        )

    def retrieve(
        self, identifier: Dataset, model: Model | str, *, relational: bool = False
    ) -> Selection:
        """C-MOVE/C-GET: the instances the Identifier selects (absolute paths)."""
        return select_instances(
            self.index, identifier, model, relational=relational, root=self.files.root
        )


def _write_failed(exc: OSError | DicomError, sop_instance_uid: str) -> StoreResult:
    """The answer to a store whose file could not be written (see :mod:`.store_status`)."""
    status = write_failure_status(exc) if isinstance(exc, OSError) else STORE_PROCESSING_FAILURE
    log.error("cannot store %s: %s", sop_instance_uid, exc)
    return StoreResult(status, sop_instance_uid=sop_instance_uid, error_comment=str(exc))


__all__ = [
    "STORE_CANNOT_UNDERSTAND",
    "STORE_DOES_NOT_MATCH_SOP_CLASS",
    "STORE_OUT_OF_RESOURCES",
    "STORE_PROCESSING_FAILURE",
    "STORE_SUCCESS",
    "StorageSCP",
    "StoreResult",
]
