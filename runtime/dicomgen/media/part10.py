"""DICOM files (PS3.10 section 7): preamble, ``DICM`` prefix, File Meta Information.

:func:`read` reads a Part 10 file (or a bare data set without preamble and meta, whose
transfer syntax is guessed from its first element) and returns the data set with
``.file_meta`` (a :class:`FileMeta`, group 0002, always Explicit VR Little Endian) and
``.preamble``. Files larger than ``defer_size`` are memory-mapped: element values
(Pixel Data included) are memoryviews into the ``mmap`` and nothing is copied until
a value is decoded.

:func:`write` writes the 128-byte preamble, ``DICM``, the File Meta Information with
its group length (0002,0000) computed, Media Storage SOP Class/Instance UID taken
from the data set's SOP Class/Instance UID, and this implementation's class UID and
version name (:data:`IMPLEMENTATION_CLASS_UID`, :data:`IMPLEMENTATION_VERSION_NAME`:
the one place these constants live), then the data set in the transfer syntax.
"""

from __future__ import annotations

import io
import mmap
import os
import struct
from typing import IO, Any, BinaryIO, Union

from ..core import services
from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import DecodeError, DicomError, EncodeError, TransferSyntaxError
from ..core.implementation import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from ..core.tag import Tag
from ..encoding import reader as _reader
from ..encoding.transfer_syntax import (
    EXPLICIT_VR_BIG_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    TransferSyntaxLike,
    resolve,
)

DEFAULT_DEFER_SIZE = 4 << 20
"""Files larger than this (bytes) are memory-mapped instead of read into memory."""

FILE_META_VERSION = b"\x00\x01"  # (0002,0001) File Meta Information Version, PS3.10 7.1

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO, IO[bytes], bytes, bytearray, memoryview]

_META_LE = struct.Struct("<HH2sH")
_U32 = struct.Struct("<I")


class FileMeta(Dataset):
    """File Meta Information (group 0002, PS3.10 Table 7.1-1)."""

    __slots__ = ()

    @property
    def transfer_syntax_uid(self) -> str | None:
        e = self.get_element(0x00020010)
        if e is None:
            return None
        v = e.value
        return str(v).strip("\x00 ") if v else None

    @classmethod
    def for_dataset(
        cls,
        ds: Dataset,
        transfer_syntax: TransferSyntaxLike,
        existing: Dataset | None = None,
    ) -> FileMeta:
        """The File Meta Information to write ``ds`` in ``transfer_syntax`` (PS3.10 7.1).

        Elements of ``existing`` other than the ones set here are kept (e.g. Source
        Application Entity Title); the group length is left to the writer.
        """
        ts = resolve(transfer_syntax)
        fm = cls()
        if existing is not None:
            for e in existing.values():
                if e.tag >> 16 == 0x0002 and e.tag != 0x00020000:
                    fm.add(e.copy())
        sop_class = ds.get(0x00080016)
        sop_inst = ds.get(0x00080018)
        if sop_class is not None and sop_class.value:
            fm.add(DataElement(0x00020002, "UI", str(sop_class.value)))
        if sop_inst is not None and sop_inst.value:
            fm.add(DataElement(0x00020003, "UI", str(sop_inst.value)))
        for tag, what in (
            (0x00020002, "SOP Class UID (0008,0016)"),
            (0x00020003, "SOP Instance UID (0008,0018)"),
        ):
            if tag not in fm:
                raise EncodeError(f"cannot write File Meta Information: the data set has no {what}")
        fm.add(DataElement(0x00020001, "OB", FILE_META_VERSION))
        fm.add(DataElement(0x00020010, "UI", str(ts.uid)))
        fm.add(DataElement(0x00020012, "UI", IMPLEMENTATION_CLASS_UID))
        fm.add(DataElement(0x00020013, "SH", IMPLEMENTATION_VERSION_NAME))
        return fm


# --- reading -------------------------------------------------------------------------


def _load(source: PathOrFile, defer_size: int | None) -> tuple[Any, str | None]:
    """The file's bytes (or an mmap of it) and its name for error messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return source, None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            f = open(path, "rb")
        except OSError as exc:
            raise DecodeError(f"cannot open file: {exc.strerror}", path=path) from None
        with f:
            return _from_file(f, defer_size, path), path
    if not hasattr(source, "read"):
        raise TypeError(
            f"read() takes a path, a binary file object or bytes, not {type(source).__name__}"
        )
    name = getattr(source, "name", None)
    return _from_file(source, defer_size, name if isinstance(name, str) else None), name


def _from_file(f: Any, defer_size: int | None, path: str | None) -> Any:
    try:
        fileno = f.fileno()
        start = f.tell()
        size = os.fstat(fileno).st_size - start
    except (OSError, AttributeError, io.UnsupportedOperation):
        return f.read()
    if defer_size is not None and size > defer_size and start == 0:
        try:
            return mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            pass
    return f.read()


def _guess_transfer_syntax(buf: memoryview, pos: int, strict: bool = True) -> str:
    """The transfer syntax of a bare data set, from its first element header."""
    if len(buf) - pos < 8:
        raise DecodeError("not a DICOM file: too short", offset=pos)
    g_le = buf[pos] | buf[pos + 1] << 8
    g_be = buf[pos] << 8 | buf[pos + 1]
    explicit = bytes(buf[pos + 4 : pos + 6]) in _reader._VR_OF_BYTES
    little = g_le <= g_be
    group = g_le if little else g_be
    if strict and (group & 1 or group > 0x00FF):
        raise DecodeError(
            "not a DICOM file: no 'DICM' prefix, and the data does not start with a "
            f"plausible data element (group {group:04X})",
            offset=pos,
        )
    if not explicit:
        if not little:
            raise DecodeError("not a DICOM file: implicit VR big endian does not exist", offset=pos)
        return IMPLICIT_VR_LITTLE_ENDIAN
    return EXPLICIT_VR_LITTLE_ENDIAN if little else EXPLICIT_VR_BIG_ENDIAN


def scan_meta(buf: memoryview, pos: int) -> tuple[dict[int, tuple[str, memoryview]], int]:
    """The group 0002 elements from ``pos`` (Explicit VR LE, PS3.10 7.1) as ``{tag: (VR,
    value bytes)}``, and where they end (at another group). No element objects are made:
    for callers that need two or three values (the transfer syntax, the SOP UIDs)."""
    out: dict[int, tuple[str, memoryview]] = {}
    end = len(buf)
    vr_of = _reader._VR_OF_BYTES
    while pos + 8 <= end:
        group, el, vrb, length = _META_LE.unpack_from(buf, pos)
        if group != 0x0002:
            break
        tag = group << 16 | el
        vr = vr_of.get(vrb)
        if vr is None:  # some writers use implicit VR for the meta group
            length = _U32.unpack_from(buf, pos + 4)[0]
            from ..core.dataset import dictionary_vr

            vr = dictionary_vr(tag)
            vpos = pos + 8
        elif vr in _reader.LONG_VRS:
            if pos + 12 > end:
                raise DecodeError("truncated File Meta element header", offset=pos, tag=tag)
            length = _U32.unpack_from(buf, pos + 8)[0]
            vpos = pos + 12
        else:
            vpos = pos + 8
        if length == 0xFFFFFFFF or vpos + length > end:
            raise DecodeError(
                f"File Meta element length {length} runs past the end of the file",
                offset=pos,
                tag=tag,
            )
        out[tag] = (vr, buf[vpos : vpos + length])
        pos = vpos + length
    return out, pos


def meta_text(meta: dict[int, tuple[str, memoryview]], tag: int) -> str:
    """The first value of a :func:`scan_meta` UID element without its padding ("" when
    absent), as :meth:`~dicomgen.core.dataset.Dataset.first_text` gives it."""
    found = meta.get(tag)
    if found is None:
        return ""
    return bytes(found[1]).decode("latin-1").split("\\", 1)[0].strip("\x00 ")


def _read_meta(buf: memoryview, pos: int) -> tuple[FileMeta, int]:
    """Group 0002 elements from ``pos`` (Explicit VR LE, PS3.10 7.1); stops at another group."""
    found, pos = scan_meta(buf, pos)
    elems = {
        tag: DataElement.from_raw(Tag(tag), vr, raw, True)
        for tag, (vr, raw) in sorted(found.items())
    }
    return FileMeta.from_element_dict(elems, ordered=True), pos


def read(
    source: PathOrFile,
    *,
    stop_before_pixels: bool = False,
    defer_size: int | None = DEFAULT_DEFER_SIZE,
) -> Dataset:
    """Read a DICOM file (PS3.10 7): a path, a binary file object, or the bytes.

    Files without preamble, or without File Meta Information (a bare data set) are
    read too; the transfer syntax of a bare data set is guessed from its first
    element. Files larger than ``defer_size`` bytes are memory-mapped (``None``:
    never). ``stop_before_pixels`` stops at (7FE0,0008/0009/0010).
    """
    data, path = _load(source, defer_size)
    try:
        return _read_buffer(data, stop_before_pixels)
    except DicomError as exc:
        if path is not None and exc.path is None:
            exc.path = path
            exc.args = (exc._render(),)
        raise


def _read_buffer(data: Any, stop_before_pixels: bool) -> Dataset:
    buf = memoryview(data)
    if buf.ndim != 1 or buf.itemsize != 1:
        buf = buf.cast("B")
    n = len(buf)
    if n == 0:
        raise DecodeError("empty file")
    preamble = None
    if n >= 132 and buf[128:132] == b"DICM":
        preamble = bytes(buf[:128])
        pos = 132
    elif buf[:4] == b"DICM":
        pos = 4
    else:
        pos = 0
    meta: FileMeta | None = None
    if n - pos >= 8 and buf[pos : pos + 2] == b"\x02\x00":
        meta, pos = _read_meta(buf, pos)
    elif pos:
        meta = FileMeta()
    ts_uid = meta.transfer_syntax_uid if meta is not None else None
    if ts_uid is None:
        if n == pos:
            ts_uid = EXPLICIT_VR_LITTLE_ENDIAN
        else:
            ts_uid = _guess_transfer_syntax(buf, pos, strict=meta is None)
    try:
        ts = resolve(ts_uid)
    except TransferSyntaxError as exc:
        exc.offset = 0x00020010
        raise
    ds = _reader.decode_dataset(buf, ts, stop_before_pixels=stop_before_pixels, offset=pos)
    object.__setattr__(ds, "file_meta", meta)
    object.__setattr__(ds, "preamble", preamble)
    return ds


# --- writing -------------------------------------------------------------------------


def encode_file_meta(fm: Dataset) -> bytes:
    """File Meta Information in Explicit VR LE with (0002,0000) computed (PS3.10 7.1)."""
    from ..encoding.writer import encode_dataset

    body_ds = Dataset([e for e in fm.values() if e.tag != 0x00020000])
    body = encode_dataset(body_ds, EXPLICIT_VR_LITTLE_ENDIAN)
    group_len = _META_LE.pack(0x0002, 0x0000, b"UL", 4) + _U32.pack(len(body))
    return group_len + body


def write(
    target: str | os.PathLike[str] | BinaryIO,
    dataset: Dataset,
    transfer_syntax: TransferSyntaxLike | None = None,
    *,
    preamble: bytes | None = None,
) -> None:
    """Write ``dataset`` as a DICOM file (PS3.10 7) to a path or binary file object.

    ``transfer_syntax`` defaults to the one in ``dataset.file_meta``, then the one the
    data set was read with, then Explicit VR Little Endian. Native and encapsulated
    Pixel Data are not converted: writing encapsulated data in a native transfer
    syntax (or the reverse) is an :class:`EncodeError`.
    """
    from ..encoding.writer import write_dataset

    existing = dataset.file_meta
    if transfer_syntax is None:
        uid = existing.transfer_syntax_uid if isinstance(existing, FileMeta) else None
        if uid is None and existing is not None and 0x00020010 in existing:
            uid = str(existing[0x00020010].value).strip("\x00 ")
        transfer_syntax = uid or dataset.read_transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
    ts = resolve(transfer_syntax)
    px = dataset.get_element(0x7FE00010)
    if px is not None and px.vr != "SQ":
        if ts.encapsulated and not px.undefined_length:
            raise EncodeError(
                f"transfer syntax {ts.uid} needs encapsulated Pixel Data; compress it first",
                tag=0x7FE00010,
            )
        if not ts.encapsulated and px.undefined_length:
            raise EncodeError(
                f"Pixel Data is encapsulated; transfer syntax {ts.uid} needs native pixels",
                tag=0x7FE00010,
            )
    fm = FileMeta.for_dataset(dataset, ts, existing)
    pre = preamble if preamble is not None else (dataset.preamble or b"\x00" * 128)
    if len(pre) != 128:
        raise EncodeError(f"the preamble must be 128 bytes, not {len(pre)}")
    head = bytes(pre) + b"DICM" + encode_file_meta(fm)
    if isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as f:
            f.write(head)
            write_dataset(f, dataset, ts)
    else:
        target.write(head)
        write_dataset(target, dataset, ts)


__all__ = [
    "DEFAULT_DEFER_SIZE",
    "FileMeta",
    "IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME",
    "encode_file_meta",
    "meta_text",
    "read",
    "scan_meta",
    "write",
]


services.register("read_file", read)
services.register("write_file", write)
