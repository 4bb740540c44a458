"""What a C-STORE SCU sends (PS3.7 9.1.1): a SOP Instance as a :class:`StoreSource`, from a
Part 10 file (memory-mapped: the data set bytes go from the mapping into P-DATA fragments
without being copied as a whole), a :class:`~dicomgen.core.dataset.Dataset` or a typed
object; and :func:`iter_files`, the files named by paths and folders.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dicomgen.core.errors import DicomError, DimseError

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset


DEFLATED = "1.2.840.10008.1.2.1.99"
_UNCOMPRESSED = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
}


def is_native(transfer_syntax: str) -> bool:
    """True for the transfer syntaxes whose Pixel Data is native (not encapsulated, PS3.5 A.4)."""
    from dicomgen.encoding.transfer_syntax import resolve

    try:
        return not resolve(transfer_syntax).encapsulated
    except DicomError:
        return transfer_syntax in _UNCOMPRESSED


class _ChunkList:
    """A file-like sink for :func:`~dicomgen.encoding.writer.write_dataset` keeping the chunks
    (large values are the data set's own buffers, so nothing big is copied)."""

    def __init__(self) -> None:
        self.chunks: list[Any] = []

    def write(self, b: Any) -> int:
        self.chunks.append(b)
        return len(b)


def _encode_chunks(ds: Dataset, transfer_syntax: str) -> list[Any]:
    from dicomgen.encoding.writer import write_dataset

    sink = _ChunkList()
    write_dataset(sink, ds, transfer_syntax)  # type: ignore[arg-type]
    return sink.chunks


def _even(chunks: Any, path: str | None = None, transfer_syntax: str = "") -> Any:
    """``chunks`` unless their total length is odd: every value has an even length (PS3.5
    7.1.1), so an odd data set is malformed and peers refuse its odd last fragment (dcmtk:
    "Odd Fragment Length"). Refused before anything is sent, so the association goes on.
    A deflated octet-stream of odd length gets its single trailing 00H (PS3.5 A.5)."""
    total = sum(len(c) if not isinstance(c, memoryview) else c.nbytes for c in chunks)
    if total % 2 and transfer_syntax == DEFLATED:
        return list(chunks) + [b"\x00"]
    if total % 2:
        raise DimseError(
            f"the data set has an odd length ({total} bytes): a value of odd length"
            " (PS3.5 7.1.1); not sent",
            path=path,
        )
    return chunks


class StoreSource:
    """A SOP Instance to send: its UIDs, the transfer syntax its bytes are in (``None`` for a
    data set in memory: any native one), and :meth:`chunks` in a chosen transfer syntax."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str | None
    encapsulated: bool

    def can_send_as(self, transfer_syntax: str) -> bool:
        if transfer_syntax == self.transfer_syntax:
            return True
        return not self.encapsulated and is_native(transfer_syntax)

    def chunks(self, transfer_syntax: str) -> Iterable[Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class DatasetSource(StoreSource):
    """A data set in memory (or a typed object's)."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.sop_class_uid: str = ds.first_text(0x00080016)
        self.sop_instance_uid: str = ds.first_text(0x00080018)
        px = ds.get(0x7FE00010)
        self.encapsulated: bool = bool(px is not None and px.vr != "SQ" and px.undefined_length)
        read_ts = getattr(ds, "read_transfer_syntax", None)
        self.transfer_syntax: str | None = str(read_ts) if self.encapsulated and read_ts else None
        if not self.sop_class_uid or not self.sop_instance_uid:
            raise DimseError("the data set has no SOP Class UID or SOP Instance UID (0008,0016/18)")

    def chunks(self, transfer_syntax: str) -> Iterable[Any]:
        return _even(_encode_chunks(self.ds, transfer_syntax), None, transfer_syntax)


#: Files larger than this are memory-mapped (sent from the mapping); smaller ones are read.
MMAP_THRESHOLD = 1 << 20


class FileSource(StoreSource):
    """A Part 10 file (or its bytes), memory-mapped; the data set is sent from the mapping.

    ``uids``: the (SOP Class UID, SOP Instance UID) of the data set when already known, as
    for a file of a store whose index read them from it when it was stored: the header is
    then not decoded again (only the File Meta Information is read, for the transfer
    syntax and where the data set starts)."""

    def __init__(self, source: Any, *, uids: tuple[str, str] | None = None) -> None:
        from dicomgen.media import part10

        self.path: str | None = None
        self._file: Any = None
        self._map: mmap.mmap | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            data: Any = source
        else:
            path = self.path = str(os.fspath(source))
            try:
                self._file = open(path, "rb")
                size = os.fstat(self._file.fileno()).st_size
                if size > MMAP_THRESHOLD:
                    self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
                    data = self._map
                else:  # small files: one read is cheaper than mapping
                    data = self._file.read()
                    self._file.close()
                    self._file = None
            except OSError as exc:
                self.close()
                raise DimseError(
                    f"cannot read {self.path}: {exc.strerror}", path=self.path
                ) from None
        try:
            self._init(memoryview(data), part10, uids)
        except DicomError as exc:
            self.close()
            if self.path is not None and exc.path is None:
                exc.path = self.path
                exc.args = (exc._render(),)
            raise
        except BaseException:
            self.close()
            raise

    def _init(self, buf: memoryview, part10: Any, uids: tuple[str, str] | None) -> None:
        from dicomgen.core.errors import DecodeError
        from dicomgen.encoding.complete import check_complete
        from dicomgen.encoding.reader import decode_dataset

        n = len(buf)
        if n >= 132 and buf[128:132] == b"DICM":
            pos = 132
        elif buf[:4] == b"DICM":
            pos = 4
        else:
            pos = 0
        sop_class = sop_instance = ts = ""
        if n - pos >= 8 and buf[pos : pos + 2] == b"\x02\x00":
            # File Meta Information (PS3.10 7.1): only three of its values are needed
            meta, pos = part10.scan_meta(buf, pos)
            ts = part10.meta_text(meta, 0x00020010)
            sop_class = part10.meta_text(meta, 0x00020002)
            sop_instance = part10.meta_text(meta, 0x00020003)
        if not ts:
            if n == pos:
                raise DecodeError("the file holds no data set", offset=pos)
            ts = part10._guess_transfer_syntax(buf, pos, strict=True)
        self.buf: memoryview | None = buf
        self.offset = pos
        self.transfer_syntax = ts
        if uids is not None and all(uids):
            sop_class, sop_instance = uids
        else:
            # The data set's own UIDs rule (the File Meta copy may disagree, PS3.10 7.1).
            # The whole data set is decoded (values stay undecoded views), not only the
            # UIDs: a file whose declared lengths do not fit it, or whose Pixel Data is
            # shorter than described, is refused here, naming the file, rather than sent
            # for the peer to fail on (and abort the association).
            head = decode_dataset(buf, ts, offset=pos)
            check_complete(head)
            sop_class = head.first_text(0x00080016) or sop_class
            sop_instance = head.first_text(0x00080018) or sop_instance
        if not sop_class or not sop_instance:
            raise DimseError("no SOP Class UID or SOP Instance UID in the file", path=self.path)
        self.sop_class_uid = sop_class
        self.sop_instance_uid = sop_instance
        self.encapsulated: bool = not is_native(ts)

    def chunks(self, transfer_syntax: str) -> Iterable[Any]:
        buf = self.buf
        if buf is None:
            raise DimseError("the file source was closed", path=self.path)
        if transfer_syntax == self.transfer_syntax:
            return _even((buf[self.offset :],), self.path, transfer_syntax)
        from dicomgen.encoding.reader import decode_dataset

        ds = decode_dataset(buf, self.transfer_syntax or "", offset=self.offset)
        return _even(_encode_chunks(ds, transfer_syntax), self.path, transfer_syntax)

    def close(self) -> None:
        buf = getattr(self, "buf", None)
        self.buf = None  # type: ignore[assignment]
        if buf is not None:
            try:
                buf.release()
            except BufferError:  # slices still alive: the mapping closes when they go
                pass
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:
                pass
            self._map = None
        if self._file is not None:
            self._file.close()
            self._file = None


def open_source(source: Any) -> StoreSource:
    """A :class:`StoreSource` for a path, Part 10 bytes, a Dataset, a typed object, or a
    record of a store (anything with ``path``, such as
    :class:`~dicomgen.archive.index.InstanceRecord`: its file, opened with the record's
    SOP Class and Instance UIDs when it has them, see :class:`FileSource`)."""
    from dicomgen.core.dataset import Dataset

    if isinstance(source, StoreSource):
        return source
    if isinstance(source, Dataset):
        return DatasetSource(source)
    if isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
        return FileSource(source)
    path = getattr(source, "path", None)
    if isinstance(path, (str, os.PathLike)):
        cls = getattr(source, "sop_class_uid", None)
        inst = getattr(source, "sop_instance_uid", None)
        return FileSource(path, uids=(cls, inst) if cls and inst else None)
    to_dataset = getattr(source, "to_dataset", None)
    if callable(to_dataset):
        ds = to_dataset()
        if not isinstance(ds, Dataset):
            raise DimseError(f"{type(source).__name__}.to_dataset() gave no Dataset")
        return DatasetSource(ds)
    raise DimseError(f"cannot send a {type(source).__name__} with C-STORE")


def iter_files(paths: Iterable[str | os.PathLike[str]], *, recurse: bool = False) -> Iterator[str]:
    """The files named by ``paths`` (folders: their files, all levels with ``recurse``), sorted;
    hidden files (a leading ``.``) and ``DICOMDIR`` are skipped inside folders."""
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recurse else []
                for name in sorted(files):
                    if not name.startswith(".") and name.upper() != "DICOMDIR":
                        yield os.path.join(root, name)
        else:
            yield p


__all__ = [
    "DEFLATED",
    "DatasetSource",
    "FileSource",
    "MMAP_THRESHOLD",
    "StoreSource",
    "is_native",
    "iter_files",
    "open_source",
]
