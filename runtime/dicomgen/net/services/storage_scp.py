"""Service-facing glue of a Storage and Query/Retrieve SCP (PS3.4 Annex B and C).

:class:`StorageSCP` owns a :class:`~dicomgen.net.store.files.FileStore` and an
:class:`~dicomgen.net.store.index.Index` and offers what DIMSE handlers need:

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
``asyncio.to_thread``. A SOP Instance stored again replaces the earlier copy.

A file is published before its index row is committed, and the index runs SQLite's WAL with
``synchronous=NORMAL`` (a power loss may take the last commits). A marker file beside the
index (``<index>.open``) exists while a StorageSCP has the store open; if one is found at
start-up the previous run did not close (a crash, a kill, a power loss), and
:meth:`StorageSCP.reconcile` brings the index back in line with the files: files without a
row are indexed, rows without a file are dropped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...core.dataset import Dataset
from ...core.errors import DicomError
from ..store.files import FileStore, part10_header
from ..store.index import Index
from ..store.query import QueryOptions, Selection, find, select_instances
from ..store.levels import Model

# C-STORE statuses (PS3.4 Table B.2-1).
STORE_SUCCESS = 0x0000
STORE_OUT_OF_RESOURCES = 0xA700
STORE_DOES_NOT_MATCH_SOP_CLASS = 0xA900
STORE_CANNOT_UNDERSTAND = 0xC000

INDEX_NAME = "index.sqlite"
#: Suffix of the marker that says the store is open (see the module docstring).
OPEN_MARKER_SUFFIX = ".open"

log = logging.getLogger("dicomgen.net")


@dataclass(frozen=True)
class StoreResult:
    """Outcome of a C-STORE: the response ``status``, where the file is, and why not."""

    status: int
    path: Path | None = None
    sop_instance_uid: str | None = None
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
        self.files = FileStore(root, fsync=fsync)
        self.index = Index(index_path if index_path is not None else self.files.root / INDEX_NAME)
        self._marker = Path(str(self.index.path) + OPEN_MARKER_SUFFIX)
        self._closed = False
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
        if reconcile and self._marker.exists():
            added, dropped = self.reconcile()
            log.warning(
                "%s was not closed: index reconciled with the files (%d indexed, %d dropped)",
                self.files.root,
                added,
                dropped,
            )
        self._marker.touch()

    @property
    def root(self) -> Path:
        return self.files.root

    def close(self) -> None:
        """Close the index and remove the open-marker."""
        if self._closed:
            return
        self._closed = True
        self.index.close()
        try:
            self._marker.unlink()
        except FileNotFoundError:
            pass

    def reconcile(self) -> tuple[int, int]:
        """Index the stored files the index lacks and drop rows whose file is gone;
        returns ``(indexed, dropped)``. Files that cannot be read are logged and left."""
        from ...media.part10 import read

        rows = self.index.instance_paths()
        root = self.files.root
        added = 0
        seen: set[str] = set()
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith(".") or not name.endswith(".dcm"):
                    continue
                path = Path(folder) / name
                rel = self.files.relative(path)
                seen.add(rel)
                if rel in rows:
                    continue
                try:
                    ds = read(path, stop_before_pixels=True)
                    ts = str(ds.read_transfer_syntax or "")
                    self.index.add(ds, path=rel, size=path.stat().st_size, transfer_syntax=ts)
                except (DicomError, OSError) as exc:
                    log.error("cannot index %s while reconciling: %s", path, exc)
                    continue
                added += 1
        dropped = 0
        for rel, sop in rows.items():
            if rel not in seen and self.index.remove(sop) is not None:
                dropped += 1
        return added, dropped

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
    ) -> StoreResult | None:
        """The failure to return for a data set that cannot be stored, else ``None``."""
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
        return None

    def _index(self, ds: Dataset, final: Path, size: int, transfer_syntax: str) -> StoreResult:
        inst = ds.first_text(0x00080018)
        rel = self.files.relative(final)
        try:
            old = self.index.add(ds, path=rel, size=size, transfer_syntax=transfer_syntax)
        except DicomError as exc:
            self.files.remove(final)
            return StoreResult(
                STORE_OUT_OF_RESOURCES, sop_instance_uid=inst, error_comment=str(exc)
            )
        if old is not None and old != rel:
            self.files.remove(self.files.root / old)
        return StoreResult(STORE_SUCCESS, final, inst, replaced=old is not None)

    def store_encoded(
        self,
        data: bytes | bytearray | memoryview,
        transfer_syntax: str,
        *,
        sop_class_uid: str | None = None,
        sop_instance_uid: str | None = None,
        source_ae_title: str | None = None,
    ) -> StoreResult:
        """Store a received data set (its encoded bytes, in ``transfer_syntax``).

        ``sop_class_uid``/``sop_instance_uid`` are the Affected SOP Class/Instance UIDs of
        the C-STORE request; they must equal the data set's (else status A900). The file
        holds ``data`` unchanged after a File Meta Information naming ``transfer_syntax``.
        """
        from ...encoding.reader import decode_dataset

        ts = str(transfer_syntax).strip("\x00 ")
        try:
            ds = decode_dataset(data, ts, stop_before_pixels=True)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot decode: {exc}")
        bad = self._check(ds, sop_class_uid, sop_instance_uid)
        if bad is not None:
            return bad
        cls, inst = ds.first_text(0x00080016), ds.first_text(0x00080018)
        final = self.files.path_for(ds.first_text(0x0020000D), ds.first_text(0x0020000E), inst)
        try:
            head = part10_header(cls, inst, ts, source_ae_title=source_ae_title)
            size = self.files.write_atomic(final, (head, data))
        except (OSError, DicomError) as exc:
            return StoreResult(
                STORE_OUT_OF_RESOURCES, sop_instance_uid=inst, error_comment=str(exc)
            )
        return self._index(ds, final, size, ts)

    def store_stream(
        self,
        chunks: Iterable[Any],
        transfer_syntax: str,
        *,
        sop_class_uid: str,
        sop_instance_uid: str,
        source_ae_title: str | None = None,
    ) -> StoreResult:
        """Store a data set arriving as ``chunks`` (bytes-like) without holding it in memory.

        The SOP Class/Instance UIDs come from the C-STORE request (they are needed for the
        File Meta Information written first). The chunks go to a temporary file; if the
        iterable raises (the association was aborted) the exception propagates and nothing
        is published. Afterwards the file is read (without Pixel Data; a large file
        memory-mapped, not loaded, see :func:`dicomgen.media.part10.read`) to find the Study
        and Series, checked, and moved into place atomically.
        """
        from ...media.part10 import read

        ts = str(transfer_syntax).strip("\x00 ")
        head = part10_header(sop_class_uid, sop_instance_uid, ts, source_ae_title=source_ae_title)

        def all_chunks() -> Iterator[Any]:
            yield head
            yield from chunks

        staged = self.files.stage(all_chunks(), sop_instance_uid)
        try:
            try:
                ds = read(staged, stop_before_pixels=True)
            except DicomError as exc:
                return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot decode: {exc}")
            bad = self._check(ds, sop_class_uid, sop_instance_uid)
            if bad is not None:
                return bad
            final = self.files.path_for(
                ds.first_text(0x0020000D), ds.first_text(0x0020000E), ds.first_text(0x00080018)
            )
            size = staged.stat().st_size
            self.files.publish(staged, final)
        finally:
            self.files.discard(staged)
        return self._index(ds, final, size, ts)

    def store_dataset(
        self,
        ds: Dataset,
        transfer_syntax: str | None = None,
        *,
        source_ae_title: str | None = None,
    ) -> StoreResult:
        """Store a decoded data set, encoded in ``transfer_syntax`` (default: the one it was
        read with, else Explicit VR Little Endian)."""
        from ...encoding.transfer_syntax import EXPLICIT_VR_LITTLE_ENDIAN
        from ...encoding.writer import encode_dataset

        ts = transfer_syntax or ds.read_transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
        bad = self._check(ds, None, None)
        if bad is not None:
            return bad
        try:
            data = encode_dataset(ds, ts)
        except DicomError as exc:
            return StoreResult(STORE_CANNOT_UNDERSTAND, error_comment=f"cannot encode: {exc}")
        return self.store_encoded(data, str(ts), source_ae_title=source_ae_title)

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


__all__ = [
    "STORE_CANNOT_UNDERSTAND",
    "STORE_DOES_NOT_MATCH_SOP_CLASS",
    "STORE_OUT_OF_RESOURCES",
    "STORE_SUCCESS",
    "StorageSCP",
    "StoreResult",
]
