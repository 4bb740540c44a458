"""Embedded SQLite index of stored instances for Query/Retrieve (PS3.4 C.3, C.6).

Four tables follow the Patient Root hierarchy (PS3.4 C.6.1): ``patients`` (Patient ID, the
Unique Key of Table C.6-1), ``studies`` (Study Instance UID, C.6-2), ``series`` (Series
Instance UID, C.6-3) and ``instances`` (SOP Instance UID, C.6-4). The Unique and Required
Keys are columns (indexed where they select); every other attribute of the level (see
:mod:`.levels`) is kept in the ``attrs`` column as a DICOM JSON Model object (PS3.18 F.2)
so any key can be matched and returned. Bulk data (Pixel Data, binary values over
:data:`~.level_json.MAX_INLINE_BINARY` bytes) and File Meta Information are not indexed.

Entity attributes are those of the most recently stored instance of the entity; a study
keeps the patient it was first stored under (one patient per study, PS3.3 A.1.2.2).

Concurrency: one writer connection guarded by a lock (SQLite allows one writer), readers take
a connection from a small pool for each query (any thread); the database is in WAL mode so
reads run alongside the writer and see only committed transactions. Async code calls these
methods in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.dataset import Dataset
from ..core.errors import DicomError, MediaError
from .level_json import level_json_parts
from .levels import Level

SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    patient_id   TEXT PRIMARY KEY,
    patient_name TEXT,
    attrs        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS studies (
    study_uid   TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patients(patient_id),
    study_date  TEXT,
    study_time  TEXT,
    accession   TEXT,
    study_id    TEXT,
    attrs       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS studies_patient ON studies(patient_id);
CREATE INDEX IF NOT EXISTS studies_date ON studies(study_date);
CREATE TABLE IF NOT EXISTS series (
    series_uid    TEXT PRIMARY KEY,
    study_uid     TEXT NOT NULL REFERENCES studies(study_uid),
    modality      TEXT,
    series_number TEXT,
    attrs         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_study ON series(study_uid);
CREATE TABLE IF NOT EXISTS instances (
    sop_uid         TEXT PRIMARY KEY,
    series_uid      TEXT NOT NULL REFERENCES series(series_uid),
    sop_class_uid   TEXT NOT NULL,
    transfer_syntax TEXT NOT NULL,
    instance_number TEXT,
    path            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    stored_at       REAL NOT NULL,
    attrs           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_series ON instances(series_uid);
"""


@dataclass(frozen=True)
class InstanceRecord:
    """One stored instance: what a C-MOVE/C-GET sub-operation needs (PS3.4 C.4.2, C.4.3)."""

    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax: str
    path: Path
    size: int
    series_instance_uid: str
    study_instance_uid: str
    patient_id: str


@dataclass
class Entity:
    """One row of a level: its unique key, its parent's key and its attributes."""

    level: Level
    key: str
    parent: str | None
    attrs_json: str
    extra: dict[str, Any]
    _ds: Dataset | None = None

    @property
    def attrs(self) -> Dataset:
        """The stored attributes as a data set (parsed on first use)."""
        if self._ds is None:
            from ..encoding.json import from_json

            self._ds = from_json(json.loads(self.attrs_json))
        return self._ds


_UPSERT_PATIENT = (
    "INSERT INTO patients(patient_id, patient_name, attrs) VALUES(?,?,?) "
    "ON CONFLICT(patient_id) DO UPDATE SET patient_name=excluded.patient_name,"
    " attrs=excluded.attrs"
)
_UPSERT_STUDY = (
    "INSERT INTO studies(study_uid, patient_id, study_date, study_time, accession,"
    " study_id, attrs) VALUES(?,?,?,?,?,?,?) ON CONFLICT(study_uid) DO UPDATE SET"
    " study_date=excluded.study_date, study_time=excluded.study_time,"
    " accession=excluded.accession, study_id=excluded.study_id,"
    " attrs=excluded.attrs"
)
_UPSERT_SERIES = (
    "INSERT INTO series(series_uid, study_uid, modality, series_number, attrs)"
    " VALUES(?,?,?,?,?) ON CONFLICT(series_uid) DO UPDATE SET"
    " modality=excluded.modality, series_number=excluded.series_number,"
    " attrs=excluded.attrs"
)
_INSERT_INSTANCE = (
    "INSERT OR REPLACE INTO instances(sop_uid, series_uid, sop_class_uid,"
    " transfer_syntax, instance_number, path, size, stored_at, attrs)"
    " VALUES(?,?,?,?,?,?,?,?,?)"
)
#: Patient/study/series rows remembered as written (see ``Index._write``); cleared when full.
_MAX_WRITTEN = 4096


@dataclass(frozen=True)
class _Row:
    """The parameters of the statements indexing one instance."""

    sop_uid: str
    series_uid: str
    path: str
    patient: tuple[Any, ...]
    study: tuple[Any, ...]
    series: tuple[Any, ...]
    instance: tuple[Any, ...]


class Index:
    """The SQLite index at ``path`` (``":memory:"`` is not supported: readers need a file)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path: Path = Path(path)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []  # reader connections not in use
        self._closed = False
        self._written: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = self._connect()
            self._writer.execute("PRAGMA journal_mode=WAL")
            self._writer.execute("PRAGMA synchronous=NORMAL")
            self._writer.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise MediaError(f"cannot open the index: {exc}", path=str(self.path)) from exc

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(
            self.path, timeout=self.timeout, check_same_thread=False, isolation_level=None
        )
        con.execute("PRAGMA foreign_keys=ON")
        with self._all_lock:
            self._all.append(con)
        return con

    def _acquire(self) -> sqlite3.Connection:
        if self._closed:
            raise MediaError("the index is closed", path=str(self.path))
        try:
            return self._idle.pop()
        except IndexError:
            return self._connect()

    def _release(self, con: sqlite3.Connection) -> None:
        if self._closed:
            con.close()
        else:
            self._idle.append(con)

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            for con in self._all:
                try:
                    con.close()
                except sqlite3.Error:  # pragma: no cover
                    pass
            self._all.clear()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------

    def _row(self, ds: Dataset, path: str, size: int, transfer_syntax: str) -> _Row:
        """The statements' parameters for one instance (raises MediaError without UIDs)."""
        texts: dict[int, str] = {}
        js = level_json_parts(ds, texts)

        def text(tag: int) -> str:
            return texts.get(tag, "")  # every column element present is in texts

        sop_uid = text(0x00080018)
        sop_class = text(0x00080016)
        study_uid = text(0x0020000D)
        series_uid = text(0x0020000E)
        patient_id = text(0x00100020)
        if not (sop_uid and sop_class and study_uid and series_uid):
            raise MediaError(
                "cannot index an instance without SOP Class, SOP Instance, Study Instance and "
                "Series Instance UIDs (PS3.4 C.2.2.1.1: unique keys are never empty)",
                path=path,
            )
        return _Row(
            sop_uid=sop_uid,
            series_uid=series_uid,
            path=path,
            patient=(patient_id, text(0x00100010), js[Level.PATIENT]),
            study=(
                study_uid,
                patient_id,
                text(0x00080020),
                text(0x00080030),
                text(0x00080050),
                text(0x00200010),
                js[Level.STUDY],
            ),
            series=(
                series_uid,
                study_uid,
                text(0x00080060),
                text(0x00200011),
                js[Level.SERIES],
            ),
            instance=(
                sop_uid,
                series_uid,
                sop_class,
                str(transfer_syntax),
                text(0x00200013),
                path,
                int(size),
                time.time(),
                js[Level.IMAGE],
            ),
        )

    def _write(self, con: sqlite3.Connection, row: _Row) -> str | None:
        """Store ``row`` inside the open transaction; returns the replaced path or None.

        Patient, study and series rows are upserted only when their parameters differ from
        what this connection last wrote for that key (the instances of one series repeat
        them): :attr:`_written` remembers those, and is cleared on any rollback or delete.
        """
        old = con.execute(
            "SELECT path, series_uid FROM instances WHERE sop_uid=?", (row.sop_uid,)
        ).fetchone()
        written = self._written
        if len(written) > _MAX_WRITTEN:
            written.clear()
        for table, params, sql in (
            ("patients", row.patient, _UPSERT_PATIENT),
            ("studies", row.study, _UPSERT_STUDY),
            ("series", row.series, _UPSERT_SERIES),
        ):
            key = (table, params[0])
            if written.get(key) != params:
                con.execute(sql, params)
                written[key] = params
        con.execute(_INSERT_INSTANCE, row.instance)
        if old is not None and old[1] != row.series_uid:
            self._drop_orphans(con, old[1])
            written.clear()
        return old[0] if old is not None else None

    def add(
        self,
        ds: Dataset,
        *,
        path: str,
        size: int,
        transfer_syntax: str,
    ) -> str | None:
        """Index the instance ``ds`` stored at ``path`` (relative to the store root).

        Returns the previous path of the same SOP Instance UID if it was replaced (so the
        caller can delete that file when it differs), else ``None``.
        """
        if self._closed:
            raise MediaError("the index is closed", path=str(self.path))
        row = self._row(ds, path, size, transfer_syntax)
        return self._commit([row])[0]

    def add_many(
        self, entries: list[tuple[Dataset, str, int, str]]
    ) -> list[str | None | MediaError]:
        """Index several instances ``(ds, path, size, transfer_syntax)`` in one transaction.

        Returns, per entry and in order, what :meth:`add` would: the replaced path or
        ``None``, or the :class:`MediaError` that kept that entry out of the index. One bad
        entry does not keep the others out: if the shared transaction fails, each entry is
        retried in a transaction of its own.
        """
        return self.add_prepared([self.prepare(*entry) for entry in entries])

    def prepare(self, ds: Dataset, path: str, size: int, transfer_syntax: str) -> _Row | MediaError:
        """What indexing ``ds`` (stored at ``path``) will write, built now, without the
        database: for :meth:`add_prepared`, later. The :class:`MediaError` that keeps it
        out of the index (no UIDs) is returned, not raised. The instance's ``stored_at``
        time is now."""
        try:
            return self._row(ds, path, size, transfer_syntax)
        except MediaError as exc:
            return exc
        except DicomError as exc:  # a value that cannot be decoded, say
            return MediaError(f"cannot index {path}: {exc}", path=path)

    def add_prepared(self, prepared: list[_Row | MediaError]) -> list[str | None | MediaError]:
        """:meth:`add_many` of what :meth:`prepare` returned (its errors are passed through)."""
        if self._closed:
            raise MediaError("the index is closed", path=str(self.path))
        out: list[str | None | MediaError] = []
        rows: list[_Row] = []
        where: list[int] = []
        for row in prepared:
            if isinstance(row, _Row):
                rows.append(row)
                where.append(len(out))
                out.append(None)
            else:
                out.append(row)
        if not rows:
            return out
        try:
            olds: list[str | None | MediaError] = list(self._commit(rows))
        except MediaError:
            olds = []
            for row in rows:
                try:
                    olds.append(self._commit([row])[0])
                except MediaError as exc:
                    olds.append(exc)
        for i, old in zip(where, olds):
            out[i] = old
        return out

    def _commit(self, rows: list[_Row]) -> list[str | None]:
        """Write ``rows`` in one transaction; the replaced path of each (or ``None``)."""
        with self._lock:
            con = self._writer
            try:
                con.execute("BEGIN IMMEDIATE")
                olds = [self._write(con, row) for row in rows]
                con.execute("COMMIT")
            except BaseException as exc:
                self._written.clear()
                try:
                    con.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    what = rows[0].sop_uid if len(rows) == 1 else f"{len(rows)} instances"
                    raise MediaError(f"cannot index {what}: {exc}", path=rows[0].path) from exc
                raise
        return olds

    @staticmethod
    def _drop_orphans(con: sqlite3.Connection, series_uid: str) -> None:
        row = con.execute(
            "SELECT study_uid FROM series WHERE series_uid=?", (series_uid,)
        ).fetchone()
        if row is None:
            return
        con.execute(
            "DELETE FROM series WHERE series_uid=? AND NOT EXISTS"
            " (SELECT 1 FROM instances WHERE series_uid=?)",
            (series_uid, series_uid),
        )
        study_uid = row[0]
        prow = con.execute(
            "SELECT patient_id FROM studies WHERE study_uid=?", (study_uid,)
        ).fetchone()
        con.execute(
            "DELETE FROM studies WHERE study_uid=? AND NOT EXISTS"
            " (SELECT 1 FROM series WHERE study_uid=?)",
            (study_uid, study_uid),
        )
        if prow is not None:
            con.execute(
                "DELETE FROM patients WHERE patient_id=? AND NOT EXISTS"
                " (SELECT 1 FROM studies WHERE patient_id=?)",
                (prow[0], prow[0]),
            )

    def remove(self, sop_instance_uid: str, *, path: str | None = None) -> str | None:
        """Forget an instance (and entities left empty); returns its path or ``None``.
        With ``path``, only while the instance is indexed at that path."""
        with self._lock:
            self._written.clear()
            con = self._writer
            con.execute("BEGIN IMMEDIATE")
            try:
                row = con.execute(
                    "SELECT path, series_uid FROM instances WHERE sop_uid=?", (sop_instance_uid,)
                ).fetchone()
                if row is not None and path is not None and row[0] != path:
                    row = None
                if row is not None:
                    con.execute("DELETE FROM instances WHERE sop_uid=?", (sop_instance_uid,))
                    self._drop_orphans(con, row[1])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return row[0] if row is not None else None

    # --- reading ------------------------------------------------------------------

    def _query(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read query on a pooled connection (each sees committed data, WAL)."""
        con = self._acquire()
        try:
            return con.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise MediaError(f"index query failed: {exc}", path=str(self.path)) from exc
        finally:
            self._release(con)

    @staticmethod
    def _where(col: str, values: list[str] | None, clauses: list[str], args: list[Any]) -> None:
        if values is None:
            return
        if not values:
            clauses.append("0")
            return
        clauses.append(f"{col} IN ({','.join('?' * len(values))})")
        args.extend(values)

    def entities(
        self, level: Level, *, keys: list[str] | None = None, parents: list[str] | None = None
    ) -> Iterator[Entity]:
        """Rows of ``level`` whose unique key is in ``keys`` and parent key in ``parents``
        (``None``: any), in a stable order."""
        table, key, parent = _LEVEL_SQL[level]
        clauses: list[str] = []
        args: list[Any] = []
        self._where(key, keys, clauses, args)
        if parent is not None:
            self._where(parent, parents, clauses, args)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        extra_cols = _EXTRA_COLS[level]
        cols = ", ".join((key, parent or "NULL", "attrs") + extra_cols)
        for row in self._query(f"SELECT {cols} FROM {table}{where} ORDER BY rowid", args):
            yield Entity(level, row[0], row[1], row[2], dict(zip(extra_cols, row[3:])))

    def path_of(self, sop_instance_uid: str) -> str | None:
        """The path of the indexed instance ``sop_instance_uid``, or ``None``."""
        found = self._query("SELECT path FROM instances WHERE sop_uid=?", (sop_instance_uid,))
        return found[0][0] if found else None

    def instance_files(self) -> Generator[tuple[str, str, int, float], None, None]:
        """``(path, SOP Instance UID, size, indexed at)`` of every indexed instance in the
        order of the paths as text (``indexed at``: seconds since the epoch, when its row
        was written). Streamed from one read transaction: what the index held when the
        iteration began, whatever is written meanwhile, without holding it all in memory."""
        con = self._acquire()
        cursor = con.cursor()
        try:
            cursor.execute("SELECT path, sop_uid, size, stored_at FROM instances ORDER BY path")
            while True:
                batch = cursor.fetchmany(1024)
                if not batch:
                    return
                yield from batch
        except sqlite3.Error as exc:
            raise MediaError(f"index query failed: {exc}", path=str(self.path)) from exc
        finally:
            cursor.close()  # ends the read transaction, also when the caller stops early
            self._release(con)

    def instance_paths(self) -> dict[str, str]:
        """``{path: SOP Instance UID}`` of every indexed instance."""
        return {path: sop for sop, path in self._query("SELECT sop_uid, path FROM instances")}

    def count(self, level: Level) -> int:
        table = _LEVEL_SQL[level][0]
        return int(self._query(f"SELECT COUNT(*) FROM {table}")[0][0])

    def patient_stats(self, patient_ids: list[str]) -> dict[str, tuple[int, int, int]]:
        """``{patient_id: (studies, series, instances)}`` (PS3.4 Table C.3-1)."""
        out = {p: (0, 0, 0) for p in patient_ids}
        rows = self._query(
            "SELECT st.patient_id, COUNT(DISTINCT st.study_uid), COUNT(DISTINCT se.series_uid),"
            " COUNT(i.sop_uid) FROM studies st JOIN series se ON se.study_uid=st.study_uid"
            " JOIN instances i ON i.series_uid=se.series_uid GROUP BY st.patient_id"
        )
        for pid, a, b, c in rows:
            if pid in out:
                out[pid] = (a, b, c)
        return out

    def study_stats(self, study_uids: list[str]) -> dict[str, dict[str, Any]]:
        """``{study_uid: {series, instances, modalities, sop_classes}}`` (Table C.3-1)."""
        out: dict[str, dict[str, Any]] = {
            s: {"series": 0, "instances": 0, "modalities": [], "sop_classes": []}
            for s in study_uids
        }
        for suid, nse, ni in self._query(
            "SELECT se.study_uid, COUNT(DISTINCT se.series_uid), COUNT(i.sop_uid) FROM series se"
            " JOIN instances i ON i.series_uid=se.series_uid GROUP BY se.study_uid"
        ):
            if suid in out:
                out[suid]["series"] = nse
                out[suid]["instances"] = ni
        for suid, mod in self._query(
            "SELECT DISTINCT study_uid, modality FROM series WHERE modality != ''"
            " ORDER BY study_uid, modality"
        ):
            if suid in out:
                out[suid]["modalities"].append(mod)
        for suid, cls in self._query(
            "SELECT DISTINCT se.study_uid, i.sop_class_uid FROM series se JOIN instances i"
            " ON i.series_uid=se.series_uid ORDER BY se.study_uid, i.sop_class_uid"
        ):
            if suid in out:
                out[suid]["sop_classes"].append(cls)
        return out

    def series_stats(self, series_uids: list[str]) -> dict[str, int]:
        out = {s: 0 for s in series_uids}
        for suid, n in self._query(
            "SELECT series_uid, COUNT(*) FROM instances GROUP BY series_uid"
        ):
            if suid in out:
                out[suid] = n
        return out

    def instance_records(
        self,
        *,
        patient_ids: list[str] | None = None,
        study_uids: list[str] | None = None,
        series_uids: list[str] | None = None,
        sop_uids: list[str] | None = None,
        root: Path | None = None,
    ) -> list[InstanceRecord]:
        """The stored instances under the given entities (``None``: no constraint)."""
        clauses: list[str] = []
        args: list[Any] = []
        self._where("st.patient_id", patient_ids, clauses, args)
        self._where("st.study_uid", study_uids, clauses, args)
        self._where("se.series_uid", series_uids, clauses, args)
        self._where("i.sop_uid", sop_uids, clauses, args)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(
            "SELECT i.sop_uid, i.sop_class_uid, i.transfer_syntax, i.path, i.size,"
            " se.series_uid, st.study_uid, st.patient_id FROM instances i"
            " JOIN series se ON se.series_uid=i.series_uid"
            " JOIN studies st ON st.study_uid=se.study_uid" + where + " ORDER BY i.rowid",
            args,
        )
        base = root if root is not None else Path(".")
        return [InstanceRecord(r[0], r[1], r[2], base / r[3], r[4], r[5], r[6], r[7]) for r in rows]


_LEVEL_SQL: dict[Level, tuple[str, str, str | None]] = {
    Level.PATIENT: ("patients", "patient_id", None),
    Level.STUDY: ("studies", "study_uid", "patient_id"),
    Level.SERIES: ("series", "series_uid", "study_uid"),
    Level.IMAGE: ("instances", "sop_uid", "series_uid"),
}
_EXTRA_COLS: dict[Level, tuple[str, ...]] = {
    Level.PATIENT: (),
    Level.STUDY: (),
    Level.SERIES: (),
    Level.IMAGE: ("sop_class_uid", "transfer_syntax", "path"),
}

__all__ = [
    "Entity",
    "Index",
    "InstanceRecord",
]
