"""The DICOMDIR file: the Basic Directory IOD (PS3.10 8.6; PS3.3 Annex F) with offsets.

A DICOMDIR holds a flat Directory Record Sequence (0004,1220); the hierarchy (PS3.3
F.4: PATIENT -> STUDY -> SERIES -> IMAGE, ...) lives in byte offsets: Offset of the
First/Last Directory Record of the Root Directory Entity (0004,1200/1202), and in each
record Offset of the Next Directory Record (0004,1400) and Offset of Referenced
Lower-Level Directory Entity (0004,1420). An offset is the number of bytes from the
first byte of the file (the first byte of the File Meta Information, which begins
with the 128-byte preamble, PS3.10 7.1) to the first byte of the record's Item tag.
Zero means "none".

Reading (:func:`read_dicomdir`): the data set is decoded with the real reader; the
byte offset of every item of the Directory Record Sequence is found by a structural
scan of the same bytes (element headers only, defined and undefined lengths, with
bounds checks). The tree is then walked by offsets with an explicit stack: an offset
that is not the start of an item of the sequence, a record reached twice (a loop), a
missing or undefined Directory Record Type (0004,1430) raise :class:`MediaError`
naming the offset and the referring record. Never recursion, never an endless loop.

Writing (:func:`encode_dicomdir`): records are laid out depth first (each record
followed by its lower-level entity, as dcmtk ``dcmmkdir`` does), in Explicit VR Little
Endian (PS3.10 8.6), sequence and items of **defined length**. Every offset element is
a UL (4 bytes) so the encoded size does not depend on the offset values; the offsets
are still computed as a fixed point with the real writer and the real scanner: encode
with the current offsets, scan where each item landed, set the offsets, and repeat
until nothing changes (two passes in practice; bounded).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import DicomError, MediaError
from .file_ids import FileID, parse_file_id

# Group 0004 (PS3.3 Table F.3-3)
FILE_SET_ID = 0x00041130
FILE_SET_DESCRIPTOR_FILE_ID = 0x00041141
DESCRIPTOR_CHARSET = 0x00041142
OFFSET_FIRST_ROOT = 0x00041200
OFFSET_LAST_ROOT = 0x00041202
CONSISTENCY_FLAG = 0x00041212
DIRECTORY_RECORD_SEQUENCE = 0x00041220
OFFSET_NEXT = 0x00041400
RECORD_IN_USE = 0x00041410
OFFSET_LOWER = 0x00041420
RECORD_TYPE = 0x00041430
PRIVATE_RECORD_UID = 0x00041432
REFERENCED_FILE_ID = 0x00041500
REFERENCED_SOP_CLASS_IN_FILE = 0x00041510
REFERENCED_SOP_INSTANCE_IN_FILE = 0x00041511
REFERENCED_TS_IN_FILE = 0x00041512

MEDIA_STORAGE_DIRECTORY_STORAGE = "1.2.840.10008.1.3.10"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"

_ITEM = 0xFFFEE000
_ITEM_DELIM = 0xFFFEE00D
_SEQ_DELIM = 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN",
                       b"UR", b"UT", b"UV"})  # fmt: skip
_MAX_DEPTH = 64
_MAX_FIXED_POINT_PASSES = 4


# --- model -------------------------------------------------------------------------


@dataclass(eq=False)
class Record:
    """One directory record (an item of (0004,1220)) and its lower-level entity.

    ``dataset`` holds the record's elements (keys and group 0004 elements); the offset
    elements are rewritten when the DICOMDIR is written. ``offset`` is where the item
    was read (``None`` for a record built in this session).
    """

    dataset: Dataset
    offset: int | None = None
    children: list[Record] = field(default_factory=list)
    parent: Record | None = field(default=None, repr=False)
    index: int | None = None  # position in the Directory Record Sequence read

    @property
    def record_type(self) -> str:
        v = self.dataset.get_value(RECORD_TYPE)
        return str(v).strip() if v else ""

    @property
    def in_use(self) -> bool:
        """Record In-use Flag (0004,1410): FFFFH in use, 0000H inactive (absent: in use)."""
        v = self.dataset.get_value(RECORD_IN_USE)
        if isinstance(v, (list, tuple)):
            v = v[0] if v else None
        return v is None or v != 0

    @property
    def file_id(self) -> FileID | None:
        """Referenced File ID (0004,1500) as components, ``None`` if the record has none."""
        e = self.dataset.get(REFERENCED_FILE_ID)
        if e is None or e.is_empty:
            return None
        return parse_file_id(e.value, where=self.where)

    @property
    def sop_class_uid(self) -> str | None:
        return _text(self.dataset.get_value(REFERENCED_SOP_CLASS_IN_FILE))

    @property
    def sop_instance_uid(self) -> str | None:
        return _text(self.dataset.get_value(REFERENCED_SOP_INSTANCE_IN_FILE))

    @property
    def transfer_syntax_uid(self) -> str | None:
        return _text(self.dataset.get_value(REFERENCED_TS_IN_FILE))

    @property
    def where(self) -> str:
        """How errors name this record: its type and offset (or position)."""
        if self.offset is not None:
            return f"{self.record_type or '?'} record at offset {self.offset}"
        return f"new {self.record_type or '?'} record"

    def get(self, keyword: str, default: Any = None) -> Any:
        """The decoded value of a key of this record (``default`` if absent)."""
        return self.dataset.get_value(keyword, default)

    def walk(self) -> Iterator[tuple[int, Record]]:
        """This record and every record below it, depth first, as ``(depth, record)``."""
        stack: list[tuple[int, Record]] = [(0, self)]
        while stack:
            depth, rec = stack.pop()
            yield depth, rec
            stack.extend((depth + 1, c) for c in reversed(rec.children))


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
        if v is None:
            return None
    s = str(v).strip("\x00 ")
    return s or None


@dataclass(eq=False)
class DicomDir:
    """A decoded DICOMDIR: the top-level data set, every record, and the record tree."""

    dataset: Dataset
    file_meta: Dataset | None
    records: list[Record]
    roots: list[Record]
    problems: list[str] = field(default_factory=list)
    path: str | None = None

    @property
    def fileset_id(self) -> str:
        return _text(self.dataset.get_value(FILE_SET_ID)) or ""

    @property
    def fileset_uid(self) -> str | None:
        """The File-set UID: the Media Storage SOP Instance UID of the DICOMDIR (PS3.10 8.6)."""
        if self.file_meta is None:
            return None
        return _text(self.file_meta.get_value(0x00020003))

    @property
    def descriptor_file_id(self) -> FileID | None:
        e = self.dataset.get(FILE_SET_DESCRIPTOR_FILE_ID)
        if e is None or e.is_empty:
            return None
        return parse_file_id(e.value, where="File-set Descriptor File ID (0004,1141)")

    @property
    def descriptor_charset(self) -> str | None:
        return _text(self.dataset.get_value(DESCRIPTOR_CHARSET))

    def walk(self) -> Iterator[tuple[int, Record]]:
        """Every reachable record depth first as ``(depth, record)``."""
        for r in self.roots:
            yield from r.walk()


# --- structural scan ---------------------------------------------------------------


class _Scanner:
    """Walks element and item headers (no values) to find item offsets (PS3.5 7.1, 7.5)."""

    def __init__(self, buf: memoryview, implicit: bool, little: bool) -> None:
        self.buf = buf
        self.implicit = implicit
        self.taglen = struct.Struct("<HHI" if little else ">HHI").unpack_from
        self.short = struct.Struct("<HH2sH" if little else ">HH2sH").unpack_from
        self.u32 = struct.Struct("<I" if little else ">I").unpack_from

    def _need(self, pos: int, n: int, end: int, what: str) -> None:
        if pos + n > end:
            raise MediaError(f"DICOMDIR truncated: {what} at offset {pos} runs past byte {end}",
                             offset=pos)  # fmt: skip

    def header(self, pos: int, end: int) -> tuple[int, int, int]:
        """``(tag, length, value_offset)`` of the element at ``pos``."""
        self._need(pos, 8, end, "element header")
        if self.implicit:
            g, e, length = self.taglen(self.buf, pos)
            return g << 16 | e, length, pos + 8
        g, e, vr, length = self.short(self.buf, pos)
        tag = g << 16 | e
        if g == 0xFFFE:
            return tag, self.taglen(self.buf, pos)[2], pos + 8
        if vr in _LONG_VRS:
            self._need(pos, 12, end, "element header")
            return tag, self.u32(self.buf, pos + 8)[0], pos + 12
        if not (0x41 <= vr[0] <= 0x5A and 0x41 <= vr[1] <= 0x5A):  # implicit VR element
            return tag, self.taglen(self.buf, pos)[2], pos + 8
        return tag, length, pos + 8

    def element_end(self, pos: int, end: int, depth: int) -> int:
        """Offset just past the element at ``pos``."""
        tag, length, vpos = self.header(pos, end)
        if length == _UNDEFINED:
            return self.items_end(vpos, end, depth + 1, tag, None)
        if vpos + length > end:
            raise MediaError(f"element length {length} runs past byte {end}", offset=pos, tag=tag)
        return vpos + length

    def item_value_end(self, pos: int, end: int, depth: int) -> tuple[int, int]:
        """For an item of undefined length whose value starts at ``pos``:
        ``(offset of its Item Delimitation Item, offset just past it)``."""
        if depth > _MAX_DEPTH:
            raise MediaError(f"sequences nested deeper than {_MAX_DEPTH} levels", offset=pos)
        while True:
            self._need(pos, 8, end, "item")
            g, e, _ = self.taglen(self.buf, pos)
            if (g << 16 | e) == _ITEM_DELIM:
                return pos, pos + 8
            pos = self.element_end(pos, end, depth)

    def items_end(
        self, pos: int, end: int, depth: int, tag: int, found: list[tuple[int, int, int]] | None
    ) -> int:
        """Walk items from ``pos`` up to ``end`` or a Sequence Delimitation Item.

        Appends ``(item offset, value start, value end)`` to ``found`` if given.
        Returns the offset past the sequence (past its delimiter if undefined).
        """
        if depth > _MAX_DEPTH:
            raise MediaError(f"sequences nested deeper than {_MAX_DEPTH} levels", offset=pos)
        while pos < end:
            self._need(pos, 8, end, "item header")
            g, e, length = self.taglen(self.buf, pos)
            t = g << 16 | e
            if t == _SEQ_DELIM:
                return pos + 8
            if t != _ITEM:
                raise MediaError(f"expected an Item tag, found ({g:04X},{e:04X})", offset=pos,
                                 tag=tag)  # fmt: skip
            if length == _UNDEFINED:
                stop, nxt = self.item_value_end(pos + 8, end, depth + 1)
            else:
                stop = nxt = pos + 8 + length
                if nxt > end:
                    raise MediaError(f"item length {length} runs past byte {end}", offset=pos,
                                     tag=tag)  # fmt: skip
            if found is not None:
                found.append((pos, pos + 8, stop))
            pos = nxt
        return pos


def _dataset_start(buf: memoryview) -> tuple[int, str | None]:
    """Offset of the data set after preamble/prefix/File Meta, and the meta's TS UID."""
    from .part10 import meta_text, scan_meta

    pos = 132 if len(buf) >= 132 and bytes(buf[128:132]) == b"DICM" else 0
    try:
        meta, pos = scan_meta(buf, pos)
    except DicomError as exc:
        raise MediaError(f"DICOMDIR File Meta Information: {exc}", offset=pos) from exc
    return pos, meta_text(meta, 0x00020010) or None


def scan_record_items(data: Any, transfer_syntax: str | None = None) -> list[tuple[int, int, int]]:
    """``(item offset, value start, value end)`` of each Directory Record Sequence item.

    Offsets count from the first byte of ``data`` (the file).
    """
    from ..encoding.transfer_syntax import resolve

    buf = memoryview(data).cast("B") if not isinstance(data, memoryview) else data
    pos, ts_uid = _dataset_start(buf)
    ts = resolve(transfer_syntax or ts_uid or EXPLICIT_VR_LITTLE_ENDIAN)
    if ts.deflated:
        raise MediaError("a deflated DICOMDIR has no usable record offsets (PS3.10 8.6 requires "
                         "Explicit VR Little Endian)")  # fmt: skip
    sc = _Scanner(buf, ts.implicit_vr, ts.little_endian)
    end = len(buf)
    found: list[tuple[int, int, int]] = []
    while pos < end:
        tag, length, vpos = sc.header(pos, end)
        if tag == DIRECTORY_RECORD_SEQUENCE:
            stop = end if length == _UNDEFINED else vpos + length
            if stop > end:
                raise MediaError(f"Directory Record Sequence length {length} runs past the end "
                                 "of the file", offset=pos, tag=tag)  # fmt: skip
            sc.items_end(vpos, stop, 1, tag, found)
            return found
        pos = sc.element_end(pos, end, 0)
    return found


# --- reading -----------------------------------------------------------------------


def _offset_value(rec_ds: Dataset, tag: int, where: str = "the DICOMDIR") -> int:
    """The value of an offset element (0 if absent); MediaError naming ``where`` if bad."""
    try:
        v = rec_ds.get_value(tag)
    except DicomError as exc:
        raise MediaError(f"undecodable offset in {where}: {exc.message}", tag=tag) from None
    if isinstance(v, (list, tuple)):
        v = v[0] if v else 0
    if v is None:
        return 0
    if not isinstance(v, int) or v < 0:
        raise MediaError(f"offset {v!r} in {where} is not an unsigned integer", tag=tag)
    return int(v)


def read_dicomdir(source: Any, *, strict: bool = False) -> DicomDir:
    """Read a DICOMDIR (a path, binary file or bytes) and build its record tree.

    Fatal problems (bad offsets, loops, undefined record types, undecodable data) raise
    :class:`MediaError`. Non-fatal inconsistencies (Offset of the Last Directory Record
    not the last root record, records not reachable from the root, wrong SOP Class in
    the File Meta) are listed in ``problems``; ``strict=True`` raises on them too.
    """
    from .part10 import read as read_part10
    from .records import RECORD_TYPES

    path = None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise MediaError(f"cannot read DICOMDIR: {exc.strerror}", path=path) from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = source.read()
    try:
        ds = read_part10(data, defer_size=None)
    except DicomError as exc:
        raise MediaError(f"not a readable DICOMDIR: {exc}", path=path) from None
    problems: list[str] = []
    meta = ds.file_meta
    sop_class = _text(meta.get_value(0x00020002)) if meta is not None else None
    if sop_class != MEDIA_STORAGE_DIRECTORY_STORAGE:
        problems.append(
            f"Media Storage SOP Class UID is {sop_class!r}, not Media Storage Directory "
            f"Storage {MEDIA_STORAGE_DIRECTORY_STORAGE} (PS3.10 8.6)"
        )
    try:
        items = scan_record_items(data, ds.read_transfer_syntax)
    except MediaError as exc:
        exc.path = exc.path or path
        exc.args = (exc._render(),)
        raise
    seq = ds.get(DIRECTORY_RECORD_SEQUENCE)
    rec_dss: list[Dataset] = list(seq.value) if seq is not None else []
    if len(rec_dss) != len(items):
        raise MediaError(
            f"the Directory Record Sequence decodes to {len(rec_dss)} items but "
            f"{len(items)} item headers were found",
            path=path,
            tag=DIRECTORY_RECORD_SEQUENCE,
        )
    records = [Record(r, offset=f[0], index=i) for i, (r, f) in enumerate(zip(rec_dss, items))]
    for rec in records:
        rt = rec.dataset.get(RECORD_TYPE)
        try:
            name = _text(rt.value) if rt is not None else None
        except DicomError as exc:
            raise MediaError(f"undecodable Directory Record Type: {exc}", offset=rec.offset,
                             path=path, record=rec.index) from None  # fmt: skip
        if not name:
            raise MediaError("directory record without Directory Record Type (0004,1430)",
                             offset=rec.offset, path=path, record=rec.index)  # fmt: skip
        if name not in RECORD_TYPES:
            raise MediaError(
                f"directory record of undefined Directory Record Type {name!r} (PS3.3 F.3.2.2)",
                offset=rec.offset,
                path=path,
                record=rec.index,
            )
    try:
        roots = _link(ds, records, path, problems)
    except MediaError as exc:
        if exc.path is None:
            exc.path = path
            exc.args = (exc._render(),)
        raise
    reached = sum(1 for r in roots for _ in r.walk())
    if reached != len(records):
        problems.append(f"{len(records) - reached} directory record(s) are not reachable from "
                        "the root directory entity")  # fmt: skip
    if strict and problems:
        raise MediaError("inconsistent DICOMDIR: " + "; ".join(problems), path=path)
    return DicomDir(ds, meta, records, roots, problems, path)


def _link(
    ds: Dataset, records: list[Record], path: str | None, problems: list[str]
) -> list[Record]:
    """Build the tree from the offsets, iteratively, detecting loops and stray offsets."""
    by_offset = {r.offset: r for r in records}
    lo = records[0].offset if records else 0
    hi = records[-1].offset if records else 0
    first = _offset_value(ds, OFFSET_FIRST_ROOT)
    if first == 0 and records and OFFSET_FIRST_ROOT not in ds:
        # (0004,1200) absent: the first record of the sequence starts the root entity
        first = records[0].offset or 0
    visited: set[int] = set()
    roots: list[Record] = []
    # work items: (first offset of a chain, parent record, what refers to it)
    stack: list[tuple[int, Record | None, str]] = [
        (first, None, "Offset of the First Directory Record of the Root Directory Entity")
    ]
    while stack:
        off, parent, referrer = stack.pop()
        siblings = roots if parent is None else parent.children
        while off:
            rec = by_offset.get(off)
            if rec is None:
                raise MediaError(
                    f"{referrer} points to byte {off}, which is not the start of a directory "
                    f"record (records lie between bytes {lo} and {hi})",
                    offset=off,
                    path=path,
                )
            if id(rec) in visited:
                raise MediaError(
                    f"directory record loop: {rec.where} is reached a second time, from "
                    f"{referrer}",
                    offset=off,
                    path=path,
                    record=rec.index,
                )
            visited.add(id(rec))
            rec.parent = parent
            siblings.append(rec)
            lower = _offset_value(rec.dataset, OFFSET_LOWER, rec.where)
            if lower:
                stack.append((lower, rec, f"Offset of Referenced Lower-Level Directory Entity "
                                          f"of the {rec.where}"))  # fmt: skip
            off = _offset_value(rec.dataset, OFFSET_NEXT, rec.where)
            referrer = f"Offset of the Next Directory Record of the {rec.where}"
    last = _offset_value(ds, OFFSET_LAST_ROOT)
    if roots and OFFSET_LAST_ROOT in ds and last != roots[-1].offset:
        problems.append(
            f"Offset of the Last Directory Record of the Root Directory Entity is {last}, "
            f"but the last root record is at offset {roots[-1].offset}"
        )
    return roots


# --- writing -----------------------------------------------------------------------


def _set_ul(ds: Dataset, tag: int, value: int) -> None:
    ds.add(DataElement(tag, "UL", value))


def encode_dicomdir(
    roots: Sequence[Record],
    *,
    fileset_uid: str,
    fileset_id: str = "",
    descriptor_file_id: Sequence[str] | None = None,
    descriptor_charset: str | None = None,
    extra: Dataset | None = None,
) -> bytes:
    """The bytes of a DICOMDIR file holding ``roots`` and their lower-level records.

    Records are written depth first; only records in use are written. The offsets are
    computed as a fixed point of (encode, scan) with the real writer (module doc).
    ``extra``: further top-level elements to keep (e.g. private elements read).
    """
    from ..encoding.writer import encode_dataset
    from .part10 import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, encode_file_meta

    kept_roots = [r for r in roots if r.in_use]
    order: list[Record] = []
    for r in kept_roots:
        stack = [r]
        while stack:
            rec = stack.pop()
            order.append(rec)
            stack.extend(c for c in reversed(rec.children) if c.in_use)
    position = {id(r): i for i, r in enumerate(order)}
    # (index of the next sibling or None, index of the first child or None) per record
    links: list[tuple[int | None, int | None]] = []
    for rec in order:
        sibs = kept_roots if rec.parent is None else [c for c in rec.parent.children if c.in_use]
        k = next(j for j, s in enumerate(sibs) if s is rec)
        kids = [c for c in rec.children if c.in_use]
        links.append(
            (
                position[id(sibs[k + 1])] if k + 1 < len(sibs) else None,
                position[id(kids[0])] if kids else None,
            )
        )

    items: list[Dataset] = []
    for rec in order:
        item = rec.dataset.copy()
        object.__setattr__(item, "item_undefined_length", None)
        item.add(DataElement(RECORD_IN_USE, "US", 0xFFFF))
        for tag in (OFFSET_NEXT, OFFSET_LOWER):
            _set_ul(item, tag, 0)
        items.append(item)

    top = Dataset()
    if extra is not None:
        for e in extra.values():
            if e.tag >> 16 != 0x0004:
                top.add(e.copy())
    top.add(DataElement(FILE_SET_ID, "CS", fileset_id or None))
    if descriptor_file_id:
        top.add(DataElement(FILE_SET_DESCRIPTOR_FILE_ID, "CS", list(descriptor_file_id)))
        if descriptor_charset:
            top.add(DataElement(DESCRIPTOR_CHARSET, "CS", descriptor_charset))
    _set_ul(top, OFFSET_FIRST_ROOT, 0)
    _set_ul(top, OFFSET_LAST_ROOT, 0)
    top.add(DataElement(CONSISTENCY_FLAG, "US", 0))
    top.add(DataElement(DIRECTORY_RECORD_SEQUENCE, "SQ", items))

    meta = Dataset()
    meta.add(DataElement(0x00020001, "OB", b"\x00\x01"))
    meta.add(DataElement(0x00020002, "UI", MEDIA_STORAGE_DIRECTORY_STORAGE))
    meta.add(DataElement(0x00020003, "UI", fileset_uid))
    meta.add(DataElement(0x00020010, "UI", EXPLICIT_VR_LITTLE_ENDIAN))
    meta.add(DataElement(0x00020012, "UI", IMPLEMENTATION_CLASS_UID))
    meta.add(DataElement(0x00020013, "SH", IMPLEMENTATION_VERSION_NAME))
    head = b"\x00" * 128 + b"DICM" + encode_file_meta(meta)

    for _ in range(_MAX_FIXED_POINT_PASSES):
        data = head + encode_dataset(top, EXPLICIT_VR_LITTLE_ENDIAN)
        found = scan_record_items(data, EXPLICIT_VR_LITTLE_ENDIAN)
        if len(found) != len(items):  # pragma: no cover - writer/scanner disagreement
            raise MediaError(f"encoded {len(items)} records but found {len(found)}")
        where = [f[0] for f in found]
        changed = False

        def put(ds: Dataset, tag: int, value: int) -> None:
            nonlocal changed
            if ds.get_value(tag) != value:
                _set_ul(ds, tag, value)
                changed = True

        put(top, OFFSET_FIRST_ROOT, where[position[id(kept_roots[0])]] if kept_roots else 0)
        put(top, OFFSET_LAST_ROOT, where[position[id(kept_roots[-1])]] if kept_roots else 0)
        for i, (nxt, low) in enumerate(links):
            put(items[i], OFFSET_NEXT, where[nxt] if nxt is not None else 0)
            put(items[i], OFFSET_LOWER, where[low] if low is not None else 0)
        if not changed:
            return data
    raise MediaError("DICOMDIR offsets did not reach a fixed point")  # pragma: no cover


__all__ = [
    "DicomDir",
    "Record",
    "encode_dicomdir",
    "read_dicomdir",
    "scan_record_items",
]
