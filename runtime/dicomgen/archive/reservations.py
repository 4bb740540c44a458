"""Stored paths on their way into the archive, and the copies they replace.

A path (relative to the store root) is reserved before its file is written and released
once its index row is committed, or the write failed. The file of a replaced copy (the same
SOP Instance stored before under another study or series) is removed at once unless a store
to that path is under way: that store's row may be committed before or after the newer one,
so when it ends its file is kept only if the index names it. Concurrent stores of one
instance to different paths thus leave one file, the one its row names. A folder a store
under way writes into is never pruned, however empty it looks.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..core.errors import DicomError
from .files import FileStore

log: logging.Logger = logging.getLogger("dicomgen.net")


class Reservations:
    """The reserved paths of a :class:`FileStore` (``indexed_path(sop_instance_uid)``: the
    path the index names for an instance, or None). Thread safe; true while any is held."""

    def __init__(self, files: FileStore, indexed_path: Callable[[str], str | None]) -> None:
        self.files = files
        self._indexed_path = indexed_path
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._uids: dict[str, str] = {}  # the SOP Instance UID of a reserved path
        self._stale: set[str] = set()  # reserved paths a newer copy replaced meanwhile

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._counts)

    def reserve(self, rel: str, sop_instance_uid: str) -> None:
        with self._lock:
            self._counts[rel] += 1
            self._uids[rel] = sop_instance_uid

    def release(self, rel: str) -> bool:
        """Release ``rel``; whether no path is reserved any more. A path whose copy was
        replaced while its store was under way is removed now unless the index names it."""
        stale = None
        with self._lock:
            n = self._counts[rel] - 1
            if n > 0:
                self._counts[rel] = n
            else:
                del self._counts[rel]
                uid = self._uids.pop(rel, None)
                if rel in self._stale:
                    self._stale.discard(rel)
                    stale = uid
            none_left = not self._counts
        if stale is not None:
            self._drop_if_not_indexed(rel, stale)
        return none_left

    def drop_replaced(self, old: str | None, rel: str) -> None:
        """The index now names ``rel`` for an instance it named ``old`` for: remove the file
        at ``old`` now, or when the store under way to it ends (module docstring)."""
        if old is None or old == rel:
            return
        with self._lock:
            if not self._counts.get(old):
                self._remove(old)
            else:
                self._stale.add(old)

    def remove_unless_shared(self, rel: str) -> None:
        """Remove the file at ``rel`` (reserved by the caller) unless another store to the
        same path is under way (its newer copy may be the file there)."""
        with self._lock:
            if self._counts.get(rel, 0) <= 1:
                self._remove(rel)

    def _drop_if_not_indexed(self, rel: str, sop_instance_uid: str) -> None:
        try:
            current = self._indexed_path(sop_instance_uid)
        except DicomError as exc:  # the index is closed or fails: the next start reconciles
            log.error("cannot check the replaced copy %s: %s", rel, exc)
            return
        if current != rel:
            with self._lock:
                if not self._counts.get(rel):
                    self._remove(rel)

    def _remove(self, rel: str) -> None:
        """Remove the file ``rel`` and its emptied folders, except folders of reserved paths
        (called with the lock held)."""
        busy: set[str] = set()
        for path in self._counts:
            folder = path[: path.rfind("/")]
            busy.add(folder)
            busy.add(folder[: folder.rfind("/")])
        self.files.remove(self.files.root / rel, busy=busy)


class InstanceLocks:
    """One lock per SOP Instance UID in use, for the stores of one instance to publish their
    file and index (or queue) its row one at a time: the copy published last is the one
    indexed last. A lock lives while some store holds or waits for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, sop_instance_uid: str) -> Iterator[None]:
        with self._lock:
            lock, users = self._locks.setdefault(sop_instance_uid, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._lock:
                users[0] -= 1
                if not users[0]:
                    del self._locks[sop_instance_uid]

    def __len__(self) -> int:
        with self._lock:
            return len(self._locks)


__all__ = ["InstanceLocks", "Reservations"]
