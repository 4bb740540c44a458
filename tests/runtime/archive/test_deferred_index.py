"""Index rows written after the store answered (``defer_index``): reads see every store that
returned, failures keep the file and leave the store to be reconciled, replaced copies are
removed in the order the files were published."""

from __future__ import annotations

import sqlite3

import pytest

from dicomgen.archive import StorageSCP
from dicomgen.archive import index as index_mod
from dicomgen.archive.levels import Level
from dicomgen.archive.storage_scp import OPEN_MARKER_SUFFIX
from dicomgen.core.errors import MediaError
from dicomgen.encoding.writer import encode_dataset

from .conftest import EXPLICIT_LE, make_instance, query, results


def _dcm(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.dcm"))


def _count_rows(scp: StorageSCP) -> int:
    # the Index itself, not the flushing StorageSCP.index property
    return scp._index.count(Level.IMAGE)


def test_deferred_rows_wait_in_the_queue_and_every_read_writes_them_first(scp):
    for n in range(3):
        res = scp.store_dataset(make_instance(f"1.2.3.{n}"), EXPLICIT_LE, defer_index=True)
        assert res.ok and res.path.exists()
    assert _count_rows(scp) == 0  # not written yet: the store answered first
    found = results(
        scp,
        query(
            "IMAGE",
            StudyInstanceUID="1.2.826.0.1.1",
            SeriesInstanceUID="1.2.826.0.1.1.1",
            SOPInstanceUID=None,
        ),
        "STUDY",
    )
    assert sorted(r.first_text("SOPInstanceUID") for r in found) == [
        "1.2.3.0",
        "1.2.3.1",
        "1.2.3.2",
    ]
    assert _count_rows(scp) == 3

    scp.store_dataset(make_instance("1.2.3.9"), EXPLICIT_LE, defer_index=True)
    sel = scp.retrieve(
        query(
            "IMAGE",
            StudyInstanceUID="1.2.826.0.1.1",
            SeriesInstanceUID="1.2.826.0.1.1.1",
            SOPInstanceUID="1.2.3.9",
        ),
        "STUDY",
    )
    assert [r.sop_instance_uid for r in sel.records] == ["1.2.3.9"]

    scp.store_dataset(make_instance("1.2.3.10"), EXPLICIT_LE, defer_index=True)
    assert scp.index.count(Level.IMAGE) == 5  # the property writes the queue too


def test_queued_rows_are_written_in_one_transaction(scp, monkeypatch):
    commits: list[int] = []
    real = index_mod.Index._commit

    def counting(self, rows):
        commits.append(len(rows))
        return real(self, rows)

    monkeypatch.setattr(index_mod.Index, "_commit", counting)
    for n in range(5):
        scp.store_dataset(make_instance(f"1.2.3.{n}"), EXPLICIT_LE, defer_index=True)
    assert scp.index_pending() == 5
    assert commits == [5]
    assert scp.index_pending() == 0  # nothing left


def test_one_bad_row_does_not_keep_the_others_out(tmp_path):
    scp = StorageSCP(tmp_path / "s", fsync=False)
    ok = make_instance("1.2.3.1")
    no_uids = make_instance("1.2.3.2")
    no_uids.SeriesInstanceUID = ""
    outcomes = scp._index.add_many(
        [(ok, "a/b/1.dcm", 10, EXPLICIT_LE), (no_uids, "a/b/2.dcm", 10, EXPLICIT_LE)]
    )
    assert outcomes[0] is None and isinstance(outcomes[1], MediaError)
    assert scp._index.instance_paths() == {"a/b/1.dcm": "1.2.3.1"}
    scp.close()


def test_a_failing_batch_is_retried_row_by_row(scp, monkeypatch):
    """The shared transaction fails on one row: the others are still written."""
    real = index_mod.Index._write

    def fail_on_two(self, con, row):
        if row.sop_uid == "1.2.3.2":
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, con, row)

    monkeypatch.setattr(index_mod.Index, "_write", fail_on_two)
    for n in (1, 2, 3):
        scp.store_dataset(make_instance(f"1.2.3.{n}"), EXPLICIT_LE, defer_index=True)
    assert scp.index_pending() == 2
    assert sorted(scp._index.instance_paths().values()) == ["1.2.3.1", "1.2.3.3"]
    assert scp.index_failures == 1


def test_an_unindexed_store_keeps_its_file_and_is_reconciled_next_time(
    tmp_path, monkeypatch, caplog
):
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)

    def broken(self, rows):
        raise MediaError("cannot index: database or disk is full")

    monkeypatch.setattr(index_mod.Index, "_commit", broken)
    res = scp.store_dataset(make_instance("1.2.3.1"), EXPLICIT_LE, defer_index=True)
    assert res.ok  # answered before the index was written
    scp.close()
    assert scp.index_failures == 1
    assert "could not index" in caplog.text and "reconciled" in caplog.text
    assert res.path.exists()  # a store answered Success is never taken back
    assert (root / ("index.sqlite" + OPEN_MARKER_SUFFIX)).exists()

    monkeypatch.undo()
    again = StorageSCP(root, fsync=False)  # reconciles: the marker was kept
    assert again.index.instance_paths() == {"1.2.826.0.1.1/1.2.826.0.1.1.1/1.2.3.1.dcm": "1.2.3.1"}
    again.close()
    assert not (root / ("index.sqlite" + OPEN_MARKER_SUFFIX)).exists()


def test_without_defer_an_index_failure_answers_a700_and_removes_the_file(scp, monkeypatch):
    def broken(self, rows):
        raise MediaError("cannot index: database or disk is full")

    monkeypatch.setattr(index_mod.Index, "_commit", broken)
    res = scp.store_dataset(make_instance("1.2.3.1"), EXPLICIT_LE)
    assert res.status == 0xA700 and "disk is full" in res.error_comment
    assert _dcm(scp.root) == []


def test_replacements_follow_the_order_the_files_were_published(scp):
    """A is stored in series S1, then S2, then S1 again before any row is written: the last
    copy (S1) stays, the S2 copy is removed, and the index points at S1."""
    s1 = make_instance("1.2.3.7", series_uid="1.2.826.0.1.1.1", PatientName="First")
    assert scp.store_dataset(s1, EXPLICIT_LE).ok  # committed
    s2 = make_instance("1.2.3.7", series_uid="1.2.826.0.1.1.2", PatientName="Second")
    s1b = make_instance("1.2.3.7", series_uid="1.2.826.0.1.1.1", PatientName="Third")
    assert scp.store_dataset(s2, EXPLICIT_LE, defer_index=True).ok
    last = scp.store_dataset(s1b, EXPLICIT_LE, defer_index=True)
    assert last.ok
    scp.index_pending()
    assert _dcm(scp.root) == ["1.2.826.0.1.1/1.2.826.0.1.1.1/1.2.3.7.dcm"]
    assert scp.index.instance_paths() == {"1.2.826.0.1.1/1.2.826.0.1.1.1/1.2.3.7.dcm": "1.2.3.7"}
    assert b"Third" in last.path.read_bytes()
    assert scp.index.count(Level.SERIES) == 1  # the emptied series S2 is gone


def test_prepared_rows_are_written_before_the_rows_queued_after_them(scp):
    """Rows built ahead (prepare_pending) are older than those still queued: a copy stored
    later, in another series, and not yet prepared still wins."""
    a = make_instance("1.2.3.9", series_uid="1.2.826.0.1.1.1", PatientName="Older")
    b = make_instance("1.2.3.9", series_uid="1.2.826.0.1.1.2", PatientName="Newer")
    assert scp.store_dataset(a, EXPLICIT_LE, defer_index=True).ok
    assert scp.prepare_pending() == 1
    assert _count_rows(scp) == 0  # built, not written
    newer = scp.store_dataset(b, EXPLICIT_LE, defer_index=True)
    assert scp.index_pending() == 2
    assert _dcm(scp.root) == ["1.2.826.0.1.1/1.2.826.0.1.1.2/1.2.3.9.dcm"]
    assert list(scp.index.instance_paths()) == ["1.2.826.0.1.1/1.2.826.0.1.1.2/1.2.3.9.dcm"]
    assert b"Newer" in newer.path.read_bytes()
    assert not scp._reserved and not scp._prepared and not scp._pending


def test_a_row_that_cannot_be_built_is_counted_and_its_path_released(scp, monkeypatch):
    from dicomgen.core.errors import DecodeError

    real = index_mod.Index._row

    def fail_on_two(self, ds, path, size, ts):
        if ds.SOPInstanceUID == "1.2.3.2":
            raise DecodeError("a value that cannot be decoded")
        return real(self, ds, path, size, ts)

    monkeypatch.setattr(index_mod.Index, "_row", fail_on_two)
    for n in (1, 2, 3):
        scp.store_dataset(make_instance(f"1.2.3.{n}"), EXPLICIT_LE, defer_index=True)
        if n == 2:
            assert scp.prepare_pending() == 2  # the failure is kept with its row's place
    assert scp.index_pending() == 2
    assert sorted(scp._index.instance_paths().values()) == ["1.2.3.1", "1.2.3.3"]
    assert scp.index_failures == 1 and not scp._reserved


def test_stores_go_on_while_a_batch_is_written(scp, monkeypatch):
    """index_pending holds the queue only while it takes a batch: a store and its row's
    preparation do not wait for the transaction; a second index_pending waits for the
    first batch, so batches are written in the order they were taken."""
    import threading

    entered, release = threading.Event(), threading.Event()
    real = index_mod.Index._commit
    order: list[list[str]] = []

    def slow(self, rows):
        order.append([r.sop_uid for r in rows])
        if len(order) == 1:
            entered.set()
            assert release.wait(10)
        return real(self, rows)

    monkeypatch.setattr(index_mod.Index, "_commit", slow)
    scp.store_dataset(make_instance("1.2.3.1"), EXPLICIT_LE, defer_index=True)
    first = threading.Thread(target=scp.index_pending)
    first.start()
    try:
        assert entered.wait(10)
        # the first batch is being written: the queue is free
        assert scp.store_dataset(make_instance("1.2.3.2"), EXPLICIT_LE, defer_index=True).ok
        assert scp.prepare_pending() == 1
        second = threading.Thread(target=scp.index_pending)
        second.start()
        second.join(0.2)
        assert second.is_alive()  # waits for the first batch
    finally:
        release.set()
        first.join(10)
    second.join(10)
    assert order == [["1.2.3.1"], ["1.2.3.2"]]
    assert sorted(scp._index.instance_paths().values()) == ["1.2.3.1", "1.2.3.2"]


def test_an_immediate_store_writes_queued_rows_first(scp):
    """Deferred S1 then immediate S2 of one SOP Instance: S2 (the newer) wins."""
    a = make_instance("1.2.3.8", series_uid="1.2.826.0.1.1.1")
    b = make_instance("1.2.3.8", series_uid="1.2.826.0.1.1.2", PatientName="Newer")
    assert scp.store_dataset(a, EXPLICIT_LE, defer_index=True).ok
    newer = scp.store_dataset(b, EXPLICIT_LE)
    assert newer.ok and newer.replaced
    assert _dcm(scp.root) == ["1.2.826.0.1.1/1.2.826.0.1.1.2/1.2.3.8.dcm"]
    assert list(scp.index.instance_paths()) == ["1.2.826.0.1.1/1.2.826.0.1.1.2/1.2.3.8.dcm"]


def test_a_failed_write_releases_its_path(scp, monkeypatch):
    from dicomgen.archive import files as files_mod

    data = encode_dataset(make_instance("1.2.3.5"), EXPLICIT_LE)

    def no_write(self, fd, chunks):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(files_mod.FileStore, "_write_fd", no_write)
    # an I/O error is a processing failure, not a lack of resources (PS3.4 Annex B)
    assert scp.store_encoded(data, EXPLICIT_LE, defer_index=True).status == 0x0110
    monkeypatch.undo()
    assert not scp._reserved and not scp._pending


@pytest.mark.parametrize("defer", [False, True])
def test_paths_are_released_once_indexed(scp, defer):
    scp.store_dataset(make_instance("1.2.3.6"), EXPLICIT_LE, defer_index=defer)
    scp.index_pending()
    assert not scp._reserved


def test_the_queue_is_bounded(scp, monkeypatch):
    from dicomgen.archive import storage_scp as scp_mod

    monkeypatch.setattr(scp_mod, "MAX_PENDING_ROWS", 3)
    for n in range(7):
        scp.store_dataset(make_instance(f"1.2.3.{n}"), EXPLICIT_LE, defer_index=True)
    assert _count_rows(scp) == 6 and len(scp._pending) == 1


def test_a_store_after_close_is_refused_not_queued(tmp_path):
    scp = StorageSCP(tmp_path / "s", fsync=False)
    scp.close()
    res = scp.store_dataset(make_instance("1.2.3.1"), EXPLICIT_LE, defer_index=True)
    assert res.status == 0xA700 and "closed" in res.error_comment
    assert not scp._pending and _dcm(scp.root) == []
