"""The index is brought back in line with the files after a store was not closed."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from dicomgen.archive import StorageSCP
from dicomgen.archive.levels import Level
from dicomgen.archive.reconcile import boot_id, files_in_path_order
from dicomgen.archive.storage_scp import OPEN_MARKER_SUFFIX

from .conftest import EXPLICIT_LE, make_instance, query, results


def _store(scp: StorageSCP, *uids: str, series: str = "1.2.826.0.1.1.1") -> dict[str, object]:
    out = {}
    for uid in uids:
        res = scp.store_dataset(make_instance(uid, series_uid=series), EXPLICIT_LE)
        assert res.ok, res
        out[uid] = res.path
    return out


def _indexed(scp: StorageSCP) -> set[str]:
    return set(scp.index.instance_paths().values())


def test_open_marker_exists_while_open_and_goes_on_close(tmp_path):
    scp = StorageSCP(tmp_path / "s", fsync=False)
    marker = tmp_path / "s" / ("index.sqlite" + OPEN_MARKER_SUFFIX)
    assert marker.exists()
    scp.close()
    assert not marker.exists()
    scp.close()  # closing twice is harmless


def test_clean_reopen_does_not_reconcile(tmp_path, monkeypatch):
    scp = StorageSCP(tmp_path / "s", fsync=False)
    _store(scp, "1.2.3.1")
    scp.close()

    def fail(self):
        raise AssertionError("reconciled after a clean close")

    monkeypatch.setattr(StorageSCP, "reconcile", fail)
    again = StorageSCP(tmp_path / "s", fsync=False)
    assert _indexed(again) == {"1.2.3.1"}
    again.close()


def test_unclosed_store_is_reconciled_on_the_next_start(tmp_path, caplog):
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    paths = _store(scp, "1.2.3.1", "1.2.3.2", "1.2.3.3")
    # a crash after publishing 1.2.3.4's file but before its index row was committed
    extra = make_instance("1.2.3.4", PatientName="Late^Row")
    other = StorageSCP(tmp_path / "other", fsync=False)
    late = other.store_dataset(extra, EXPLICIT_LE).path
    other.close()
    shutil.copy(late, paths["1.2.3.1"].parent / "1.2.3.4.dcm")
    # ... and a file lost with its row still there (e.g. removed by hand)
    paths["1.2.3.2"].unlink()
    # the process dies: no close(); the marker stays
    scp.index.close()
    assert (root / ("index.sqlite" + OPEN_MARKER_SUFFIX)).exists()

    with caplog.at_level("WARNING", logger="dicomgen.net"):
        again = StorageSCP(root, fsync=False)
    try:
        assert _indexed(again) == {"1.2.3.1", "1.2.3.3", "1.2.3.4"}
        assert "1 indexed, 1 dropped" in caplog.text
        found = results(again, query("IMAGE", PatientID="PAT1", SOPInstanceUID="1.2.3.4"))
        assert [str(ds.SOPInstanceUID) for ds in found] == ["1.2.3.4"]
        assert again.index.count(Level.IMAGE) == 3
    finally:
        again.close()


def test_reconcile_skips_unreadable_files_and_temporaries(tmp_path):
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    paths = _store(scp, "1.2.3.1")
    folder = paths["1.2.3.1"].parent
    (folder / "junk.dcm").write_bytes(b"not DICOM at all")
    (folder / ".1.2.3.9.dcm.abc.tmp").write_bytes(b"partial")
    assert scp.reconcile() == (0, 0)
    assert _indexed(scp) == {"1.2.3.1"}
    scp.close()


def test_series_rows_are_written_once_per_change(tmp_path):
    """Instances of one series repeat its attributes: the series row is not rewritten for
    each, but a change (or a new series) is written, and a rollback forgets the cache."""
    scp = StorageSCP(tmp_path / "s", fsync=False)
    con = sqlite3.connect(scp.index.path)
    con.execute("CREATE TABLE series_writes(n INTEGER)")
    con.execute("INSERT INTO series_writes VALUES(0)")
    for event in ("INSERT", "UPDATE"):
        con.execute(
            f"CREATE TRIGGER count_{event.lower()} AFTER {event} ON series "
            "BEGIN UPDATE series_writes SET n = n + 1; END"
        )
    con.commit()
    con.close()

    def writes() -> int:
        return scp.index._query("SELECT n FROM series_writes")[0][0]

    for i in range(5):
        assert scp.store_dataset(make_instance(f"1.2.3.{i}", Modality="CT"), EXPLICIT_LE).ok
    assert writes() == 1
    assert scp.store_dataset(make_instance("1.2.3.9", Modality="MR"), EXPLICIT_LE).ok
    assert writes() == 2
    found = results(scp, query("SERIES", PatientID="PAT1", Modality=None))
    assert [str(ds.Modality) for ds in found] == ["MR"]  # the most recent instance's value
    scp.index.remove("1.2.3.9")
    assert scp.store_dataset(make_instance("1.2.3.9", Modality="MR"), EXPLICIT_LE).ok
    assert writes() == 3  # the cache was cleared by the removal
    scp.close()


def _crash(scp: StorageSCP) -> None:
    """The process dies: queued rows are not written, the open-marker stays."""
    scp._index.close()


def test_a_replacement_cut_short_by_a_crash_keeps_the_newer_copy(tmp_path):
    """A new copy of an instance (in another series) was published, but the process died
    before its row was written and before the old copy was removed: after the restart the
    index names the newer copy and the older file is gone, however the folders sort."""
    for n, (old_series, new_series, same_time) in enumerate(
        (
            ("1.2.826.0.1.1.1", "1.2.826.0.1.1.2", False),  # the newer copy's folder last
            ("1.2.826.0.1.1.2", "1.2.826.0.1.1.1", False),  # ... or first
            ("1.2.826.0.1.1.2", "1.2.826.0.1.1.1", True),  # both written in one clock tick
        )
    ):
        root = tmp_path / f"s{n}"
        scp = StorageSCP(root, fsync=False)
        old = scp.store_dataset(make_instance("1.2.3.7", series_uid=old_series), EXPLICIT_LE)
        new = scp.store_dataset(
            make_instance("1.2.3.7", series_uid=new_series, PatientName="Newer^Copy"),
            EXPLICIT_LE,
            defer_index=True,
        )
        assert old.ok and new.ok and old.path != new.path
        assert old.path.exists() and new.path.exists()
        if same_time:
            stat = old.path.stat()
            os.utime(new.path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        _crash(scp)

        again = StorageSCP(root, fsync=False)
        try:
            assert set(again.index.instance_paths()) == {again.files.relative(new.path)}
            assert new.path.exists() and not old.path.exists()
            found = results(again, query("IMAGE", PatientID="PAT1", SOPInstanceUID="1.2.3.7"))
            assert len(found) == 1
            assert again.index.count(Level.SERIES) == 1
            assert again.reconcile() == (0, 0)  # and a second pass changes nothing
        finally:
            again.close()


def test_an_older_unindexed_copy_does_not_replace_the_indexed_one(tmp_path):
    """A leftover older copy (its row replaced, its file not yet removed) found by the
    reconcile is removed, not indexed over the newer one."""
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    first = scp.store_dataset(make_instance("1.2.3.8", series_uid="1.2.826.0.1.1.9"), EXPLICIT_LE)
    leftover = first.path.read_bytes()
    second = scp.store_dataset(make_instance("1.2.3.8"), EXPLICIT_LE)
    assert not first.path.exists()  # the live store removed the replaced copy
    first.path.parent.mkdir(parents=True, exist_ok=True)
    first.path.write_bytes(leftover)  # as if that removal had not happened
    stat = second.path.stat()
    os.utime(first.path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))  # one second older
    _crash(scp)

    again = StorageSCP(root, fsync=False)
    try:
        assert set(again.index.instance_paths()) == {again.files.relative(second.path)}
        assert second.path.exists() and not first.path.exists()
    finally:
        again.close()


def test_a_file_rewritten_after_its_row_is_indexed_again(tmp_path):
    """A new copy written over the old one (same study and series: same path) whose row
    was not written before the process died: the row still describes the old copy (its
    size, transfer syntax, attributes) and is written again from the file."""
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    old = scp.store_dataset(make_instance("1.2.3.5", PatientName="Old^Name"), EXPLICIT_LE)
    new = scp.store_dataset(
        make_instance("1.2.3.5", PatientName="New^Name^Longer", StudyDescription="again"),
        "1.2.840.10008.1.2",  # Implicit VR Little Endian this time
        defer_index=True,
    )
    assert old.ok and new.ok and old.path == new.path
    stat = new.path.stat()
    _crash(scp)

    again = StorageSCP(root, fsync=False)
    try:
        ((size, ts),) = again.index._query("SELECT size, transfer_syntax FROM instances")
        assert (size, ts) == (stat.st_size, "1.2.840.10008.1.2")
        found = results(again, query("PATIENT", PatientID="PAT1", PatientName=None))
        assert [str(ds.PatientName) for ds in found] == ["New^Name^Longer"]
        assert again.reconcile() == (0, 0)  # an up-to-date row is left alone
    finally:
        again.close()


def test_files_are_walked_in_the_order_the_index_sorts_paths(tmp_path):
    """The reconcile merges the files with the index rows in one pass: both must come in
    the same order, SQLite's ``ORDER BY path`` (a folder's name is followed by ``/``, which
    sorts after ``.`` and ``-``)."""
    scp = StorageSCP(tmp_path / "s", fsync=False)
    try:
        names = [
            "1.2/1.2.3/a.dcm",
            "1.2/1.2.3.4/a.dcm",
            "1.2/1.2.3-4/a.dcm",
            "1.2/1.2.30/a.dcm",
            "1.2/1.2.3/a.dcm.dcm",
            "1.2/x.dcm",
            "1.2.5/B.dcm",
            "1.2.5/a.dcm",
            "1.2-9/z.dcm",
            "Z/q.dcm",
        ]
        for name in names:
            (scp.files.root / name).parent.mkdir(parents=True, exist_ok=True)
            (scp.files.root / name).write_bytes(b"")
        (scp.files.root / "1.2" / ".hidden.dcm").write_bytes(b"")
        (scp.files.root / "1.2" / "notes.txt").write_bytes(b"")
        walked = [rel for rel, _path in files_in_path_order(scp.files.root)]
        con = sqlite3.connect(":memory:")
        con.execute("CREATE TABLE t(path TEXT)")
        con.executemany("INSERT INTO t VALUES(?)", [(n,) for n in names])
        assert walked == [p for (p,) in con.execute("SELECT path FROM t ORDER BY path")]
        at = walked.index
        assert at("1.2/1.2.3-4/a.dcm") < at("1.2/1.2.3.4/a.dcm") < at("1.2/1.2.3/a.dcm")
        assert at("1.2.5/a.dcm") < at("1.2/x.dcm") and len(walked) == len(names)
    finally:
        scp.close()


def test_rows_of_a_lost_series_folder_are_dropped_and_the_others_kept(tmp_path):
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    series = ["1.2.826.0.1.1.1", "1.2.826.0.1.1.1.5", "1.2.826.0.1.1.10"]
    stored = {s: _store(scp, f"{s}.9.1", f"{s}.9.2", series=s) for s in series}
    shutil.rmtree(next(iter(stored[series[0]].values())).parent)  # a whole folder gone
    _crash(scp)

    again = StorageSCP(root, fsync=False)
    try:
        assert _indexed(again) == {f"{s}.9.{n}" for s in series[1:] for n in (1, 2)}
        assert again.index.count(Level.SERIES) == 2
        assert again.reconcile() == (0, 0)
    finally:
        again.close()


# --- after a crash: only the folders changed since the checkpoint -------------------------


def _crash(scp: StorageSCP) -> None:
    """The process dies: no close(), the marker stays, queued rows are not written."""
    scp._index.close()


def _age(folder: os.PathLike[str] | str, seconds: float = 3600) -> None:
    """Make ``folder`` look last modified ``seconds`` ago (before any checkpoint)."""
    t = os.stat(folder).st_mtime - seconds
    os.utime(folder, (t, t))


def _marker(root: Path) -> Path:
    return root / ("index.sqlite" + OPEN_MARKER_SUFFIX)


def test_the_checkpoint_moves_when_every_published_file_is_indexed(tmp_path):
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    try:
        opened = _marker(root).stat().st_mtime
        os.utime(_marker(root), (opened - 100, opened - 100))
        _store(scp, "1.2.3.1")  # indexed at once, nothing reserved after it
        assert _marker(root).stat().st_mtime >= opened - 1
        os.utime(_marker(root), (opened - 100, opened - 100))
        assert scp.store_dataset(make_instance("1.2.3.2"), EXPLICIT_LE, defer_index=True).ok
        assert _marker(root).stat().st_mtime == opened - 100  # its row is only queued
        assert scp.index_pending() == 1
        assert _marker(root).stat().st_mtime >= opened - 1
    finally:
        scp.close()


def test_after_a_crash_only_folders_changed_since_the_checkpoint_are_compared(tmp_path, caplog):
    """Series A is older than the checkpoint: a file removed there by hand (its folder's
    time put back) keeps its row. Series B got a file whose row was never written: it is
    indexed. Series C's folder is gone: its rows are dropped. A full pass (reconcile()
    without ``since``, or a marker from another boot) compares everything."""
    if boot_id() is None:
        pytest.skip("no boot id on this system: a crash is always reconciled in full")
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    a = _store(scp, "1.2.3.1", "1.2.3.2", series="1.2.826.0.1.1.1")
    c = _store(scp, "1.2.3.5", series="1.2.826.0.1.1.3")
    assert scp.store_dataset(
        make_instance("1.2.3.3", series_uid="1.2.826.0.1.1.2"), EXPLICIT_LE, defer_index=True
    ).ok  # published, its row still queued when the process dies
    folder_a = a["1.2.3.1"].parent
    a["1.2.3.2"].unlink()
    _age(folder_a)
    shutil.rmtree(c["1.2.3.5"].parent)
    _crash(scp)

    with caplog.at_level("WARNING", logger="dicomgen.net"):
        again = StorageSCP(root, fsync=False)
    try:
        assert "the folders changed since" in caplog.text and "1 indexed, 1 dropped" in caplog.text
        assert _indexed(again) == {"1.2.3.1", "1.2.3.2", "1.2.3.3"}  # 1.2.3.2 left alone
        assert again.reconcile() == (0, 1)  # the full pass finds it
        assert _indexed(again) == {"1.2.3.1", "1.2.3.3"}
    finally:
        again.close()

    # a marker written in another boot of the machine: every folder is compared
    scp = StorageSCP(root, fsync=False)
    b = _store(scp, "1.2.3.4", series="1.2.826.0.1.1.1")
    b["1.2.3.4"].unlink()
    _age(folder_a)
    _crash(scp)
    _marker(root).write_text("another-boot")
    caplog.clear()
    with caplog.at_level("WARNING", logger="dicomgen.net"):
        again = StorageSCP(root, fsync=False)
    try:
        assert "of every folder (0 indexed, 1 dropped)" in caplog.text
        assert _indexed(again) == {"1.2.3.1", "1.2.3.3"}
    finally:
        again.close()


def test_no_checkpoint_after_an_index_failure(tmp_path, monkeypatch):
    """A row that could not be written leaves its file unindexed: the checkpoint must stay
    before it, so that the next start compares that file's folder."""
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    try:
        opened = _marker(root).stat().st_mtime
        os.utime(_marker(root), (opened - 100, opened - 100))
        scp.index_failures = 1
        _store(scp, "1.2.3.1")
        assert _marker(root).stat().st_mtime == opened - 100
    finally:
        scp.index_failures = 0
        scp.close()


def test_an_unclean_store_opened_without_reconciling_keeps_its_checkpoint(tmp_path):
    """Opened with reconcile=False after a crash, the store has not caught up: the marker
    (boot and time) is left as it was, stores do not move it and closing keeps it, so that
    the next start that reconciles still covers what the crash left."""
    root = tmp_path / "s"
    scp = StorageSCP(root, fsync=False)
    _crash(scp)
    _marker(root).write_text("boot-of-the-crash")
    os.utime(_marker(root), (1000.0, 1000.0))
    again = StorageSCP(root, fsync=False, reconcile=False)
    try:
        _store(again, "1.2.3.1")
        assert _marker(root).stat().st_mtime == 1000.0
        assert _marker(root).read_text() == "boot-of-the-crash"
    finally:
        again.close()
    assert _marker(root).exists()
