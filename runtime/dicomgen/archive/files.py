"""Atomic storage of received SOP Instances as DICOM files (PS3.10 7, PS3.4 B.2.2).

Layout: ``<root>/<Study Instance UID>/<Series Instance UID>/<SOP Instance UID>.dcm``, each
name made safe by :func:`safe_name`. A file is never visible half written: the bytes go to a
hidden temporary file (``.<name>.<random>.tmp``) in the target folder (or, for a stream whose
UIDs are not known yet, in ``<root>/.incoming``, on the same file system), are flushed and
``fsync``-ed, and the temporary file is renamed over the final name with ``os.replace``
(atomic on POSIX and Windows); the folder is then ``fsync``-ed. If anything fails before the
rename (an exception, or the chunk iterator of a stream raising because the association
died), the temporary file is removed. A crash of the whole process can leave temporary files
behind; :meth:`FileStore.cleanup` removes them (call it at start-up).

Where the system offers it (Linux, ``O_TMPFILE``), :meth:`FileStore.write_atomic` uses a
temporary file without a name instead: it is created in the target folder, written, synced,
and then given the final name with ``linkat`` (the file appears complete or not at all, as
with the rename, and a crash cannot leave it behind: the system frees a file that never got
a name). That saves creating and removing the temporary name (measured on the ext4 file
system this was written on: ~0.03-0.04 ms of ~0.2 ms per small file). When the final name
exists (a replaced instance), the file is linked under a temporary name and renamed over it
as above. Where ``O_TMPFILE`` is refused (another system, a file system without it, no
``/proc``), the named temporary file is used.

The stored file is the received data set byte for byte, preceded by the preamble, ``DICM``
and File Meta Information (PS3.10 7.1) naming the transfer syntax it was received in.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Container, Iterable
from pathlib import Path
from typing import Any, TypeVar

from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import MediaError
from ..media.part10 import FileMeta, encode_file_meta

log: logging.Logger = logging.getLogger("dicomgen.net")

TMP_SUFFIX = ".tmp"
INCOMING = ".incoming"
_SAFE = re.compile(r"[^0-9A-Za-z._-]")
_MAX_NAME = 80
_TMP_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)
#: A file without a name in the folder opened (Linux 3.11+); 0 where there is none.
_ANONYMOUS_FLAGS = (
    os.O_WRONLY | os.O_TMPFILE | getattr(os, "O_CLOEXEC", 0) if hasattr(os, "O_TMPFILE") else 0
)
#: ``errno`` values saying that a system or file system does not make nameless files...
_NO_ANONYMOUS = frozenset(
    {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}
)
#: ... or does not give them a name through ``/proc/self/fd`` (no /proc, a sandbox).
_NO_LINK = _NO_ANONYMOUS | {errno.ENOENT, errno.EXDEV, errno.EPERM, errno.EACCES, errno.ENOSYS}


def safe_name(text: str) -> str:
    """A file name made of ``[0-9A-Za-z._-]`` for a UID (or any text).

    Valid UIDs (PS3.5 9.1: digits and dots, at most 64 characters) are kept as they are.
    Anything else (other characters, empty, ``.``/``..``, a leading ``.`` that would hide
    the file, over-long) is replaced by a sanitised prefix plus a hash of the original, so
    two different inputs never share a name and no name escapes its folder.
    """
    s = (text or "").strip("\x00 ")
    if s and len(s) <= _MAX_NAME and not _SAFE.search(s) and not s.startswith("."):
        return s
    digest = hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    prefix = _SAFE.sub("_", s).lstrip(".")[:40] or "unknown"
    return f"{prefix}_{digest}"


_T = TypeVar("_T")


#: Times a system call in a folder is retried after making the folder again: a concurrent
#: store may remove a folder it emptied (a replaced copy) between the two.
_FOLDER_RETRIES = 3


def _in_folder(folder: str, op: Callable[..., _T], *args: Any) -> _T:
    """``op(*args)``, a system call making or naming a file in ``folder``; when that is
    missing (FileNotFoundError), ``folder`` and its parents are created and it is retried."""
    for _ in range(_FOLDER_RETRIES):
        try:
            return op(*args)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
    return op(*args)


def _link(source: str, target: str) -> None:
    os.link(source, target, src_dir_fd=_root_fd(), follow_symlinks=True)


def _link_in_folder(source: str, target: str, folder: str) -> None:
    """``linkat`` of ``source`` (a ``/proc/self/fd`` entry) to ``target`` in ``folder``, which
    may have been removed meanwhile (a nameless file does not keep its folder from being
    empty): see :func:`_in_folder`."""
    _in_folder(folder, _link, source, target)


def _tmp_name(folder: str, name: str) -> str:
    """A new hidden temporary name for ``name`` in ``folder``."""
    return os.path.join(folder, f".{name}.{secrets.token_hex(8)}{TMP_SUFFIX}")


_ROOT_FD: list[int] = []
_ROOT_FD_LOCK = threading.Lock()


def _root_fd() -> int:
    """A descriptor of ``/`` (opened once): passed as ``src_dir_fd`` so that ``os.link``
    uses ``linkat`` (the absolute source path ignores it)."""
    if not _ROOT_FD:
        with _ROOT_FD_LOCK:
            if not _ROOT_FD:
                flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
                _ROOT_FD.append(os.open("/", flags))
    return _ROOT_FD[0]


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def _build_part10_header(
    sop_class_uid: str, sop_instance_uid: str, transfer_syntax: str, source_ae_title: str | None
) -> bytes:
    ds = Dataset()
    ds.add(DataElement(0x00080016, "UI", str(sop_class_uid)))
    ds.add(DataElement(0x00080018, "UI", str(sop_instance_uid)))
    existing = None
    if source_ae_title:
        existing = Dataset([DataElement(0x00020016, "AE", source_ae_title.strip())])
    fm = FileMeta.for_dataset(ds, transfer_syntax, existing)
    return b"\x00" * 128 + b"DICM" + encode_file_meta(fm)


# Headers differ only in the Media Storage SOP Instance UID (0002,0003) for one SOP Class,
# transfer syntax, calling AE and UID length: one template per such key, with the UID's
# value field at a known offset. Bounded; cleared when full.
_TEMPLATES: dict[tuple[str, str, str | None, int], tuple[bytes, int]] = {}
_MAX_TEMPLATES = 256
_UID_ASCII = re.compile(r"[0-9.]+")


def _template(
    sop_class_uid: str, transfer_syntax: str, source_ae_title: str | None, length: int
) -> tuple[bytes, int] | None:
    """The header for a placeholder UID of ``length`` characters and its value's offset."""
    key = (sop_class_uid, transfer_syntax, source_ae_title, length)
    hit = _TEMPLATES.get(key)
    if hit is not None:
        return hit
    head = _build_part10_header(sop_class_uid, "1" * length, transfer_syntax, source_ae_title)
    padded = length + (length & 1)
    # (0002,0003) UI, explicit VR little endian: tag, "UI", 16-bit length (PS3.5 7.1.2).
    marker = b"\x02\x00\x03\x00UI" + padded.to_bytes(2, "little")
    at = head.find(marker, 132)
    if at < 0 or head.find(marker, at + 1) >= 0:
        return None
    at += len(marker)
    if head[at : at + padded] != b"1" * length + b"\x00" * (padded - length):
        return None
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        _TEMPLATES.clear()
    _TEMPLATES[key] = (head, at)
    return head, at


def part10_header(
    sop_class_uid: str,
    sop_instance_uid: str,
    transfer_syntax: str,
    *,
    source_ae_title: str | None = None,
) -> bytes:
    """Preamble, ``DICM`` and File Meta Information (PS3.10 7.1) for a received data set.

    Byte for byte what :func:`dicomgen.media.part10.encode_file_meta` gives; a UID made of
    digits and dots is patched into a cached template instead of encoding it all again.
    """
    inst = str(sop_instance_uid)
    if len(inst) <= 64 and _UID_ASCII.fullmatch(inst):
        tpl = _template(str(sop_class_uid), str(transfer_syntax), source_ae_title, len(inst))
        if tpl is not None:
            head, at = tpl
            return head[:at] + inst.encode("ascii") + head[at + len(inst) :]
    return _build_part10_header(sop_class_uid, inst, transfer_syntax, source_ae_title)


#: A tuple of at most this many chunks is written with one ``writev`` (a C-STORE's File Meta
#: Information and data set: one system call instead of two).
_WRITEV_MAX = 16


def _write_all(fd: int, views: list[memoryview]) -> int:
    """Write ``views`` in order with ``writev``, going on after a short write; the size."""
    size = sum(len(v) for v in views)
    left = size
    while views:
        done = os.writev(fd, views)
        if not done:  # a file takes bytes or raises; never spin on a stuck descriptor
            raise OSError(errno.EIO, "write made no progress")
        left -= done
        if not left:
            break
        while done >= len(views[0]):  # drop what went out, cut into the first view left
            done -= len(views.pop(0))
        views[0] = views[0][done:]
    return size


class FileStore:
    """Files of received instances under ``root`` (created if missing)."""

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root: Path = Path(root)
        self.fsync = fsync
        self._root_str = str(self.root)
        self._prefix = os.path.join(self._root_str, "")
        self.root.mkdir(parents=True, exist_ok=True)
        #: Whether :meth:`write_atomic` tries a nameless temporary file (module docstring);
        #: cleared the first time the system refuses one.
        self.anonymous = bool(_ANONYMOUS_FLAGS)

    def path_for(self, study_uid: str, series_uid: str, sop_instance_uid: str) -> Path:
        """Where an instance is stored (the folders are not created)."""
        return Path(self.locate(study_uid, series_uid, sop_instance_uid)[0])

    def locate(self, study_uid: str, series_uid: str, sop_instance_uid: str) -> tuple[str, str]:
        """:meth:`path_for` as text, and the same relative to the root (``/`` separators)."""
        # safe names never contain a separator, "." or "..": joining strings is exact
        rel = f"{safe_name(study_uid)}/{safe_name(series_uid)}/{safe_name(sop_instance_uid)}.dcm"
        return self._prefix + (rel if os.sep == "/" else rel.replace("/", os.sep)), rel

    def relative(self, path: Path) -> str:
        """``path`` relative to the root, with ``/`` separators."""
        s = os.fspath(path)
        if s.startswith(self._prefix):
            rel = s[len(self._prefix) :]
            if rel and ".." not in rel.split(os.sep):
                return rel.replace(os.sep, "/")
        return Path(path).relative_to(self.root).as_posix()

    # --- writing ------------------------------------------------------------------

    def _write_tmp(self, folder: str, name: str, chunks: Iterable[Any]) -> tuple[str, int]:
        """Write ``chunks`` to a new temporary file in ``folder`` (created if missing).

        The file is created exclusively (``O_CREAT | O_EXCL``) under a random name; it is
        removed on any failure. Returns its path and size.
        """
        tmp = _tmp_name(folder, name)
        fd = _in_folder(folder, os.open, tmp, _TMP_FLAGS, 0o666)
        try:
            try:
                size = self._write_fd(fd, chunks)
            finally:
                os.close(fd)
        except BaseException:
            _unlink(tmp)
            raise
        return tmp, size

    def _write_fd(self, fd: int, chunks: Iterable[Any]) -> int:
        """Write ``chunks`` to ``fd`` (then fsync it, if the store does); the size."""
        size = 0
        if type(chunks) is tuple and len(chunks) <= _WRITEV_MAX:
            size = _write_all(fd, [memoryview(c).cast("B") for c in chunks])
            chunks = ()
        for chunk in chunks:
            view = memoryview(chunk).cast("B")
            size += len(view)
            while view:
                view = view[os.write(fd, view) :]
        if self.fsync:
            os.fsync(fd)
        return size

    def _write_anonymous(self, folder: str, target: str, chunks: Iterable[Any]) -> int | None:
        """:meth:`write_atomic` through a nameless temporary file (module docstring); None
        (nothing published) when the system or file system does not make or link one."""
        try:
            fd = _in_folder(folder, os.open, folder, _ANONYMOUS_FLAGS, 0o666)
        except OSError as exc:
            if exc.errno not in _NO_ANONYMOUS:
                raise
            self.anonymous = False
            return None
        try:
            size = self._write_fd(fd, chunks)
            # linkat(..., AT_SYMLINK_FOLLOW) of the descriptor's /proc entry; a directory
            # descriptor makes os.link call linkat rather than link (which does not follow)
            source = f"/proc/self/fd/{fd}"
            try:
                _link_in_folder(source, target, folder)
            except FileExistsError:  # a replaced instance: a name first, then the rename
                tmp = _tmp_name(folder, os.path.basename(target))
                os.link(source, tmp, src_dir_fd=_root_fd(), follow_symlinks=True)
                self._publish(tmp, target)
                return size
            except OSError as exc:
                if exc.errno not in _NO_LINK or not os.path.isdir(folder):
                    raise
                # no /proc, or such links refused here: named temporary files from now on
                log.info("nameless temporary files cannot be linked in %s: %s", folder, exc)
                self.anonymous: bool = False
                return None
        finally:
            os.close(fd)
        if self.fsync:
            _fsync_dir(folder)
        return size

    def _publish(self, tmp: str, final: str) -> None:
        try:
            _in_folder(os.path.dirname(final), os.replace, tmp, final)
        except BaseException:
            _unlink(tmp)
            raise
        if self.fsync:
            _fsync_dir(os.path.dirname(final))

    def write_atomic(self, final: str | os.PathLike[str], chunks: Iterable[Any]) -> int:
        """Write ``chunks`` (bytes-like) to ``final`` atomically; returns the size.

        Nothing appears at ``final`` unless every chunk was written and synced; the
        temporary file lives in ``final``'s folder and is removed on failure.
        """
        target = os.fspath(final)
        folder, name = os.path.split(target)
        if self.anonymous and isinstance(chunks, (tuple, list)):  # may be written twice
            size = self._write_anonymous(folder, target, chunks)
            if size is not None:
                return size
        tmp, size = self._write_tmp(folder, name, chunks)
        self._publish(tmp, target)
        return size

    def stage(self, chunks: Iterable[Any], name: str = "instance") -> Path:
        """Write ``chunks`` to a temporary file under ``<root>/.incoming`` and return it.

        For streams whose destination is known only after they were received. The caller
        publishes it with :meth:`publish` or drops it with :meth:`discard`.
        """
        tmp, _ = self._write_tmp(self._prefix + INCOMING, safe_name(name), chunks)
        return Path(tmp)

    def publish(self, staged: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
        """Move a staged file to ``final`` atomically (same file system)."""
        self._publish(os.fspath(staged), os.fspath(final))

    def discard(self, staged: Path) -> None:
        _unlink(staged)

    # --- maintenance ----------------------------------------------------------------

    def temp_files(self) -> list[Path]:
        """Temporary files left by interrupted writes."""
        return [p for p in self.root.rglob(f".*{TMP_SUFFIX}") if p.is_file()]

    def cleanup(self, older_than: float | None = None) -> int:
        """Remove temporary files (only those older than ``older_than`` seconds if given)."""
        import time

        now = time.time()
        n = 0
        for p in self.temp_files():
            try:
                if older_than is not None and now - p.stat().st_mtime < older_than:
                    continue
                p.unlink()
                n += 1
            except FileNotFoundError:
                continue
        return n

    def remove(self, path: Path, *, busy: Container[str] = ()) -> None:
        """Delete a stored file (and its folders when they become empty, unless named in
        ``busy``, relative to the root with ``/``: folders a store is writing into, which
        must not disappear under it)."""
        _unlink(path)
        for folder in (path.parent, path.parent.parent):
            if folder == self.root or self.relative(folder) in busy:
                break
            try:
                folder.rmdir()
            except OSError:
                break


def _unlink(p: str | os.PathLike[str]) -> None:
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass
    except OSError as exc:  # pragma: no cover - permissions etc.
        raise MediaError(f"cannot remove temporary file: {exc}", path=str(p)) from exc


__all__ = ["FileStore", "INCOMING", "TMP_SUFFIX", "part10_header", "safe_name"]
