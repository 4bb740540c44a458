"""The SQLite index under concurrent stores and queries."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from dicomgen.archive import StorageSCP
from dicomgen.archive.levels import Level
from dicomgen.encoding.writer import encode_dataset

from .conftest import CT, EXPLICIT_LE, make_instance, query

THREADS = 50
PER_THREAD = 20


def test_wal_mode(scp):
    con = sqlite3.connect(scp.index.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        con.close()


def test_concurrent_stores_lose_nothing(tmp_path):
    """50 threads x 20 instances (10 studies, 50 series) -> 1,000 files and index rows,
    while another thread keeps querying (WAL readers beside the single writer)."""
    scp = StorageSCP(tmp_path / "s", fsync=True)
    payloads = []
    for t in range(THREADS):
        for i in range(PER_THREAD):
            ds = make_instance(
                f"1.2.9.{t}.{i}",
                study_uid=f"1.2.9.{t % 10}",
                series_uid=f"1.2.9.{t % 10}.{t}",
                patient_id=f"P{t % 5}",
                PatientName=f"Name^{t % 5}",
                Modality="CT",
                InstanceNumber=str(i),
            )
            payloads.append((t, encode_dataset(ds, EXPLICIT_LE), f"1.2.9.{t}.{i}"))
    stop = threading.Event()
    query_errors: list[BaseException] = []
    seen_counts: list[int] = []

    def reader() -> None:
        try:
            while not stop.is_set():
                out = list(scp.find(query("STUDY", StudyInstanceUID=None), "STUDY"))
                assert out[-1] == (0, None)
                seen_counts.append(len(out) - 1)
                time.sleep(0.005)
        except BaseException as exc:  # pragma: no cover - reported below
            query_errors.append(exc)

    def worker(t: int) -> list[int]:
        statuses = []
        for tt, data, uid in payloads:
            if tt == t:
                r = scp.store_encoded(data, EXPLICIT_LE, sop_class_uid=CT, sop_instance_uid=uid)
                statuses.append(r.status)
        return statuses

    rt = threading.Thread(target=reader)
    rt.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            statuses = [s for ss in pool.map(worker, range(THREADS)) for s in ss]
    finally:
        stop.set()
        rt.join(10)
    assert not query_errors
    assert statuses == [0] * (THREADS * PER_THREAD)
    assert scp.index.count(Level.IMAGE) == THREADS * PER_THREAD
    assert scp.index.count(Level.SERIES) == THREADS
    assert scp.index.count(Level.STUDY) == 10
    assert scp.index.count(Level.PATIENT) == 5
    files = [p for p in scp.root.rglob("*.dcm")]
    assert len(files) == THREADS * PER_THREAD
    assert scp.files.temp_files() == []
    assert seen_counts and all(0 <= n <= 10 for n in seen_counts)
    sel = scp.retrieve(query("PATIENT", PatientID="P3"), "PATIENT")
    assert sel.status == 0 and len(sel.records) == THREADS * PER_THREAD // 5
    scp.close()


def test_index_survives_reopen(tmp_path):
    scp = StorageSCP(tmp_path / "s", fsync=False)
    assert scp.store_dataset(make_instance("1.2.5.1")).ok
    scp.close()
    again = StorageSCP(tmp_path / "s", fsync=False)
    try:
        assert again.index.count(Level.IMAGE) == 1
        rs = list(
            again.find(
                query(
                    "IMAGE",
                    StudyInstanceUID="1.2.826.0.1.1",
                    SeriesInstanceUID="1.2.826.0.1.1.1",
                    SOPInstanceUID=None,
                ),
                "STUDY",
            )
        )
        assert [r.SOPInstanceUID for _, r in rs[:-1]] == ["1.2.5.1"]
    finally:
        again.close()
