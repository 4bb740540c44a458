"""Bringing the index back in line with the files after a crash (PS3.4 B, C: what is
answered stored must be found).

A file is published before its index row is committed, and the index runs SQLite's WAL with
``synchronous=NORMAL`` (a power loss may take the last commits). A marker file beside the
index (``<index>.open``) exists while a StorageSCP has the store open; if one is found at
start-up the previous run did not close (a crash, a kill, a power loss), and
:func:`reconcile` brings the index back in line with the files: files without a row are
indexed, rows without a file are dropped.

That pass need not read the whole archive after a process crash: the marker's modification
time is a checkpoint, moved forward whenever every published file has its row committed
(no path reserved, no index failure), and every file published since is in a folder modified
since (publishing links a name into its folder; removing one unlinks it). So when the marker
names the machine's current boot (Linux: ``/proc/sys/kernel/random/boot_id``; the process
died, the page cache with the files and SQLite's WAL did not), only the files of folders
modified after the checkpoint (less :data:`CHECKPOINT_MARGIN`, file times being as coarse
as the kernel's clock tick) are compared with their rows. After a reboot (a power loss may
have taken unsynced commits and files) or without a boot id, every file is.
:func:`reconcile` without ``since`` always compares every file (e.g. after files were
removed by hand).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import DicomError
from .index import Index
from .reservations import Reservations

#: Seconds before the open-marker's checkpoint from which folders are reconciled after a
#: crash (file and folder times come from the kernel's coarse clock).
CHECKPOINT_MARGIN = 2.0
_BOOT_ID = "/proc/sys/kernel/random/boot_id"

log: logging.Logger = logging.getLogger("dicomgen.net")


def reconcile(
    index: Index, root: Path, reserved: Reservations, since: float | None = None
) -> tuple[int, int]:
    """Index the stored files the index lacks and drop rows whose file is gone;
    returns ``(indexed, dropped)``. Files that cannot be read are logged and left.
    ``since`` (seconds since the epoch): only the files of folders modified since then
    are compared with their rows, the others are taken as indexed (after a crash, see
    the module docstring); rows of folders that are gone are dropped either way.
    One pass over the files and the index rows, both in path order, holding neither in
    memory (an archive of millions of instances is reconciled in bounded memory).

    A file changed after its row was written (another size, or modified later: a new
    copy written over it whose row was not written) is indexed again.

    A file of an instance the index has at another path is what a replacement cut
    short leaves (the new copy published, then the process died before its row was
    written, or before the old copy was removed): as the store would have, the copy
    written last stays indexed and the other file is removed. Written last: the later
    file modification time; on a tie (file times are as coarse as the kernel's clock
    tick) the copy without a row, which a row not yet written leaves."""
    from contextlib import closing

    added = dropped = 0
    skipped: set[str] = set()  # folders (with their "/") whose files were not compared

    def drop(row: tuple[str, str, int, float]) -> int:
        """Drop a row whose file is gone (unless it names another path by now), unless
        its folder was left alone."""
        if row[0][: row[0].rfind("/") + 1] in skipped:
            return 0
        return index.remove(row[1], path=row[0]) is not None

    with closing(index.instance_files()) as rows:  # in path order, streamed
        row = next(rows, None)
        for rel, entry in files_in_path_order(root, since, skipped):
            while row is not None and row[0] < rel:  # indexed, but its file is gone
                dropped += drop(row)
                row = next(rows, None)
            own = None
            if row is not None and row[0] == rel:
                own, row = (row[2], row[3]), next(rows, None)
            try:
                indexed, old = _reconcile_file(index, root, reserved, entry, rel, own)
            except (DicomError, OSError) as exc:
                log.error("cannot index %s while reconciling: %s", entry.path, exc)
                continue
            added += indexed
            if old is not None and old != rel:
                # the old copy's row now names ``rel``: met later in ``rows``, it is not
                # removed (``remove(..., path=old)`` finds another path)
                log.warning("removing %s: replaced by the newer copy %s", old, rel)
                reserved.drop_replaced(old, rel)
        while row is not None:
            dropped += drop(row)
            row = next(rows, None)
    return added, dropped


def files_in_path_order(
    root: Path, since: float | None = None, skipped: set[str] | None = None
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """``(relative path, entry)`` of the stored files (``*.dcm``, hidden names skipped),
    in the order of the relative paths as text, as the index sorts them: a folder's
    entries sorted by name, a folder's name taken with its ``/`` (``1.2.3/`` sorts
    after ``1.2.3.4/``, as ``1.2.3/x.dcm`` does after ``1.2.3.4/x.dcm``).
    ``since``: the files of a folder last modified before then are left out, and the
    folder (``prefix/``) is added to ``skipped`` as soon as it is listed (its
    subfolders are still walked: adding a file changes only its own folder's time)."""

    def walk(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
        try:
            entries = list(os.scandir(folder))
            own_files = since is None or os.stat(folder).st_mtime >= since
        except OSError as exc:
            log.error("cannot list %s while reconciling: %s", folder, exc)
            return
        if not own_files and skipped is not None:
            skipped.add(prefix)
        keyed = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                keyed.append((entry.name + "/", entry))
            elif own_files and entry.name.endswith(".dcm"):
                keyed.append((entry.name, entry))
        keyed.sort(key=lambda k: k[0])
        for key, entry in keyed:
            if key.endswith("/"):
                yield from walk(entry.path, prefix + key)
            else:
                yield prefix + key, entry

    return walk(os.fspath(root), "")


def _reconcile_file(
    index: Index,
    root: Path,
    reserved: Reservations,
    entry: os.DirEntry[str],
    rel: str,
    row: tuple[int, float] | None,
) -> tuple[bool, str | None]:
    """Bring the index in line with the file at ``rel`` (``row``: the size and time of
    its index row, if any); returns whether it was indexed and the path of the copy
    its row replaced."""
    from ..media.part10 import read

    st = entry.stat()  # one system call per file, kept by the entry
    if row is not None and not _changed_since(st, row[0], row[1]):
        return False, None
    ds = read(entry.path, stop_before_pixels=True)
    if row is None:
        current = index.path_of(ds.first_text(0x00080018))
        if current is not None and _written_later(root, current, rel):
            log.warning("removing %s: an older copy of %s", rel, current)
            reserved.drop_replaced(rel, current)
            return False, None
    ts = str(ds.read_transfer_syntax or "")
    old = index.add(ds, path=rel, size=st.st_size, transfer_syntax=ts)
    return True, old


def _written_later(root: Path, rel: str, other: str) -> bool:
    """Whether the file at ``rel`` was modified after the one at ``other`` (False when
    ``rel`` is gone)."""
    try:
        ours = os.stat(root / rel).st_mtime_ns
    except FileNotFoundError:
        return False
    return ours > os.stat(root / other).st_mtime_ns


def _changed_since(st: os.stat_result, size: int, indexed_at: float) -> bool:
    """Whether the file whose status is ``st`` is not the one a row written at
    ``indexed_at`` (seconds since the epoch) for ``size`` bytes describes: another size, or
    modified after the row was written (a file is published before its row is written)."""
    return st.st_size != size or st.st_mtime_ns > indexed_at * 1e9


def crash_checkpoint(marker: Path) -> float | None:
    """When the store was last known indexed (the time of ``marker``, less the margin),
    if the marker was written since this machine booted; else None (module docstring)."""
    boot = boot_id()
    try:
        if boot is None or marker.read_text().strip() != boot:
            return None
        return marker.stat().st_mtime - CHECKPOINT_MARGIN
    except OSError:
        return None


def boot_id() -> str | None:
    """This boot of the machine (Linux), None where the system does not tell."""
    try:
        with open(_BOOT_ID, encoding="ascii") as f:
            return f.read().strip() or None
    except OSError:
        return None


__all__ = ["CHECKPOINT_MARGIN", "boot_id", "crash_checkpoint", "files_in_path_order", "reconcile"]
