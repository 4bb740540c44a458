"""Encapsulated pixel data: items, fragments, offset tables, frames (PS3.5 A.4, 8.2).

The value of an encapsulated (7FE0,0010) is a sequence of Items (FFFE,E000): the first is
the Basic Offset Table (empty, or one 32-bit offset per frame, relative to the first byte
of the first fragment's Item tag), the rest are fragments of the compressed frames. It is
ended by a Sequence Delimitation Item (FFFE,E0DD) - which may or may not be part of the
buffer given here. The Extended Offset Table (7FE0,0001) and its Lengths (7FE0,0002) give
64-bit offsets and frame lengths instead; then the BOT is empty (PS3.5 A.4).

Everything here works on a memoryview of the value: fragments are slices, nothing is
copied until a frame made of several fragments is joined.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence

from dicomgen.core.errors import PixelDataError
from dicomgen.core.tag import ITEM, SEQUENCE_DELIMITATION

from .description import EXTENDED_OFFSET_TABLE, PIXEL_DATA

Buffer = bytes | bytearray | memoryview

_ITEM_TAG_LE = struct.pack("<HH", 0xFFFE, 0xE000)  # b"\xfe\xff\x00\xe0"
_SEQ_DELIM_LE = struct.pack("<HH", 0xFFFE, 0xE0DD)  # b"\xfe\xff\xdd\xe0"
_HEADER = struct.Struct("<HHL")  # group, element, length: always little endian (PS3.5 A.4)
_EOI = b"\xff\xd9"  # JPEG / JPEG-LS EOI and JPEG 2000 EOC (PS3.5 A.4.1-A.4.4)


def _bytes_view(buf: Buffer) -> memoryview:
    mv = memoryview(buf)
    return mv if mv.format == "B" and mv.ndim == 1 else mv.cast("B")


def _read_header(mv: memoryview, pos: int, base: int) -> tuple[int, int]:
    """(tag, length) of the item header at ``pos``; errors name the absolute offset."""
    if pos + 8 > len(mv):
        raise PixelDataError(
            f"truncated item header: {len(mv) - pos} byte(s) left, 8 needed",
            offset=base + pos,
            tag=PIXEL_DATA,
        )
    group, elem, length = _HEADER.unpack_from(mv, pos)
    return (group << 16) | elem, length


class EncapsulatedPixelData:
    """Lazy view of an encapsulated Pixel Data value.

    ``buf`` is the value (from the BOT item tag onwards); ``base_offset`` is where that value
    starts in its file, used only to name offsets in errors. Offsets in the tables are
    relative to the first fragment's item tag (PS3.5 A.4).
    """

    def __init__(
        self,
        buf: Buffer,
        number_of_frames: int = 1,
        *,
        extended_offsets: Sequence[int] | bytes | None = None,
        extended_lengths: Sequence[int] | bytes | None = None,
        base_offset: int = 0,
    ) -> None:
        self._mv = _bytes_view(buf)
        self.number_of_frames: int = max(1, int(number_of_frames))
        self.base_offset = base_offset
        tag, bot_len = _read_header(self._mv, 0, base_offset)
        if tag != ITEM:
            raise PixelDataError(
                f"encapsulated pixel data must start with the Basic Offset Table item "
                f"(FFFE,E000), found ({tag >> 16:04X},{tag & 0xFFFF:04X})",
                offset=base_offset,
                tag=PIXEL_DATA,
            )
        if bot_len % 4 or 8 + bot_len > len(self._mv):
            raise PixelDataError(
                f"Basic Offset Table length {bot_len} is not a multiple of 4 or runs past "
                f"the end of the value ({len(self._mv)} bytes)",
                offset=base_offset + 4,
                tag=PIXEL_DATA,
            )
        self._first_fragment = 8 + bot_len
        self.basic_offset_table: tuple[int, ...] = struct.unpack_from(
            f"<{bot_len // 4}L", self._mv, 8
        )
        self.extended_offsets: tuple[int, ...] | None = _as_uint64s(
            extended_offsets, "Extended Offset Table"
        )
        self.extended_lengths: tuple[int, ...] | None = _as_uint64s(
            extended_lengths, "Extended Offset Table Lengths"
        )
        if self.extended_offsets is not None:
            if self.extended_lengths is None or len(self.extended_lengths) != len(
                self.extended_offsets
            ):
                raise PixelDataError(
                    "Extended Offset Table Lengths (7FE0,0002) must be present with one "
                    "length per offset of the Extended Offset Table",
                    tag=EXTENDED_OFFSET_TABLE,
                )
        self._fragments: list[tuple[int, int]] | None = None

    # --- fragments -------------------------------------------------------------------

    def iter_fragment_positions(self, start: int | None = None) -> Iterator[tuple[int, int]]:
        """(value offset, length) of each fragment from ``start`` (default: the first).

        Stops at a Sequence Delimitation Item or at the end of the buffer.
        """
        mv = self._mv
        pos = self._first_fragment if start is None else start
        end = len(mv)
        while pos < end:
            tag, length = _read_header(mv, pos, self.base_offset)
            if tag == SEQUENCE_DELIMITATION:
                return
            if tag != ITEM:
                raise PixelDataError(
                    f"expected an item (FFFE,E000) in encapsulated pixel data, found "
                    f"({tag >> 16:04X},{tag & 0xFFFF:04X})",
                    offset=self.base_offset + pos,
                    tag=PIXEL_DATA,
                )
            if length == 0xFFFFFFFF or pos + 8 + length > end:
                raise PixelDataError(
                    f"fragment length {length} runs past the end of the pixel data "
                    f"({end - pos - 8} bytes left)",
                    offset=self.base_offset + pos + 4,
                    tag=PIXEL_DATA,
                )
            yield pos + 8, length
            pos += 8 + length

    @property
    def fragment_positions(self) -> list[tuple[int, int]]:
        """All fragments' (value offset, length), parsed once on first use."""
        if self._fragments is None:
            self._fragments = list(self.iter_fragment_positions())
        return self._fragments

    def fragment(self, index: int) -> memoryview:
        pos, length = self.fragment_positions[index]
        return self._mv[pos : pos + length]

    def iter_fragments(self) -> Iterator[memoryview]:
        for pos, length in self.iter_fragment_positions():
            yield self._mv[pos : pos + length]

    @property
    def number_of_fragments(self) -> int:
        return len(self.fragment_positions)

    # --- frames ----------------------------------------------------------------------

    def frame_fragments(self, index: int) -> list[memoryview]:
        """The fragments of frame ``index``, found without reading the other frames' data.

        Order of rules: Extended Offset Table; Basic Offset Table; one frame (all
        fragments); as many fragments as frames (one each); otherwise a frame ends with a
        fragment whose last bytes hold the JPEG EOI / J2K EOC marker FFD9 (PS3.5 A.4:
        each frame starts in a new fragment), as pydicom does.
        """
        n = self.number_of_frames
        if self.extended_offsets is not None:
            return [self._frame_from_eot(index)]
        if self.basic_offset_table:
            return self._frame_from_bot(index)
        if not 0 <= index < n:
            raise PixelDataError(f"frame index {index} is out of range for {n} frame(s)")
        if n == 1:
            return list(self.iter_fragments())
        frags = self.fragment_positions
        if len(frags) == n:
            pos, length = frags[index]
            return [self._mv[pos : pos + length]]
        if len(frags) < n:
            raise PixelDataError(
                f"{len(frags)} fragment(s) cannot hold {n} frames and there is no offset table",
                tag=PIXEL_DATA,
            )
        groups = self._frames_by_marker()
        if index >= len(groups):
            raise PixelDataError(
                f"found {len(groups)} frame(s) by JPEG EOI/EOC markers, frame {index} is missing",
                tag=PIXEL_DATA,
            )
        return [self._mv[p : p + ln] for p, ln in groups[index]]

    def _frames_by_marker(self) -> list[list[tuple[int, int]]]:
        groups: list[list[tuple[int, int]]] = []
        current: list[tuple[int, int]] = []
        for pos, length in self.fragment_positions:
            current.append((pos, length))
            tail = bytes(self._mv[max(pos, pos + length - 10) : pos + length])
            if _EOI in tail:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
        return groups

    def _frame_from_bot(self, index: int) -> list[memoryview]:
        bot = self.basic_offset_table
        if not 0 <= index < len(bot):
            raise PixelDataError(
                f"frame index {index} is out of range for a Basic Offset Table of "
                f"{len(bot)} frame(s)"
            )
        start = self._first_fragment + bot[index]
        stop = self._first_fragment + bot[index + 1] if index + 1 < len(bot) else None
        if start >= len(self._mv) or (stop is not None and stop < start):
            raise PixelDataError(
                f"Basic Offset Table entry {index} ({bot[index]}) points outside the pixel data",
                offset=self.base_offset + 8 + 4 * index,
                tag=PIXEL_DATA,
            )
        self._check_bot()
        out = []
        for pos, length in self.iter_fragment_positions(start):
            if stop is not None and pos - 8 >= stop:
                break
            out.append(self._mv[pos : pos + length])
        if not out:
            raise PixelDataError(
                f"Basic Offset Table entry {index} ({bot[index]}) points at no fragment",
                offset=self.base_offset + 8 + 4 * index,
                tag=PIXEL_DATA,
            )
        return out

    def _check_bot(self) -> None:
        """BOT offsets must not decrease and must point inside the value (once)."""
        if getattr(self, "_bot_checked", False):
            return
        room = len(self._mv) - self._first_fragment
        prev = 0
        for i, off in enumerate(self.basic_offset_table):
            if off < prev or off >= room:
                raise PixelDataError(
                    f"Basic Offset Table entry {i} ({off}) points outside the pixel data "
                    f"or before entry {i - 1}",
                    offset=self.base_offset + 8 + 4 * i,
                    tag=PIXEL_DATA,
                )
            prev = off
        self._bot_checked = True

    def _frame_from_eot(self, index: int) -> memoryview:
        offsets, lengths = self.extended_offsets, self.extended_lengths
        assert offsets is not None and lengths is not None
        if not 0 <= index < len(offsets):
            raise PixelDataError(
                f"frame index {index} is out of range for an Extended Offset Table of "
                f"{len(offsets)} frame(s)"
            )
        pos = self._first_fragment + offsets[index]
        tag, item_len = _read_header(self._mv, pos, self.base_offset)
        if tag != ITEM:
            raise PixelDataError(
                f"Extended Offset Table entry {index} does not point at an item tag",
                offset=self.base_offset + pos,
                tag=EXTENDED_OFFSET_TABLE,
            )
        length = lengths[index]
        if length > item_len or pos + 8 + length > len(self._mv):
            raise PixelDataError(
                f"Extended Offset Table length {length} of frame {index} runs past its item "
                f"({item_len} bytes)",
                offset=self.base_offset + pos,
                tag=EXTENDED_OFFSET_TABLE,
            )
        return self._mv[pos + 8 : pos + 8 + length]

    def get_frame(self, index: int) -> bytes | memoryview:
        """The compressed bytes of frame ``index`` (a zero-copy slice if in one fragment)."""
        parts = self.frame_fragments(index)
        if len(parts) == 1:
            return parts[0]
        return b"".join(parts)

    def iter_frames(self) -> Iterator[bytes | memoryview]:
        """Each frame's compressed bytes in order (fragments parsed once)."""
        if self.extended_offsets is not None or self.basic_offset_table:
            for i in range(self.number_of_frames):
                yield self.get_frame(i)
            return
        n = self.number_of_frames
        frags = self.fragment_positions
        if n == 1:
            yield self.get_frame(0)
        elif len(frags) == n:
            for pos, length in frags:
                yield self._mv[pos : pos + length]
        else:
            for i in range(n):
                yield self.get_frame(i)


def _as_uint64s(value: Sequence[int] | bytes | None, what: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) % 8:
            raise PixelDataError(f"{what} length {len(raw)} is not a multiple of 8")
        return struct.unpack(f"<{len(raw) // 8}Q", raw)
    return tuple(int(v) for v in value)


def get_frame(
    buf: Buffer,
    index: int,
    *,
    number_of_frames: int = 1,
    extended_offsets: Sequence[int] | bytes | None = None,
    extended_lengths: Sequence[int] | bytes | None = None,
) -> bytes | memoryview:
    """Shortcut: the compressed bytes of frame ``index`` of an encapsulated value."""
    return EncapsulatedPixelData(
        buf,
        number_of_frames,
        extended_offsets=extended_offsets,
        extended_lengths=extended_lengths,
    ).get_frame(index)


# --- writing -----------------------------------------------------------------------------


def _item(data: Buffer) -> bytes:
    return _HEADER.pack(0xFFFE, 0xE000, len(data)) + bytes(data)


def _fragments_of(frame: Buffer, fragment_size: int | None) -> list[bytes]:
    data = bytes(frame)
    if len(data) % 2:
        data += b"\x00"  # items have even length (PS3.5 A.4)
    if not fragment_size or len(data) <= fragment_size:
        return [data]
    size = fragment_size + (fragment_size % 2)
    return [data[i : i + size] for i in range(0, len(data), size)]


def encapsulate(
    frames: Iterable[Buffer],
    *,
    basic_offset_table: bool = True,
    fragment_size: int | None = None,
    with_delimiter: bool = True,
) -> bytes:
    """Build an encapsulated Pixel Data value from compressed frames (PS3.5 A.4).

    Each frame starts in a new fragment; ``fragment_size`` (even) splits larger frames.
    With ``basic_offset_table`` the BOT holds each frame's offset (it must stay below
    2**32: use :func:`encapsulate_extended` for larger data). ``with_delimiter`` appends the
    Sequence Delimitation Item.
    """
    items: list[bytes] = []
    offsets: list[int] = []
    pos = 0
    for frame in frames:
        offsets.append(pos)
        for frag in _fragments_of(frame, fragment_size):
            item = _item(frag)
            items.append(item)
            pos += len(item)
    if not offsets:
        raise PixelDataError("at least one frame is needed to encapsulate pixel data")
    if basic_offset_table:
        if offsets[-1] > 0xFFFFFFFF:
            raise PixelDataError(
                "frame offsets exceed 2**32-1: the Basic Offset Table cannot hold them; "
                "use the Extended Offset Table"
            )
        bot = _item(struct.pack(f"<{len(offsets)}L", *offsets))
    else:
        bot = _item(b"")
    tail = _HEADER.pack(0xFFFE, 0xE0DD, 0) if with_delimiter else b""
    return b"".join([bot, *items, tail])


def encapsulate_extended(
    frames: Iterable[Buffer], *, with_delimiter: bool = True
) -> tuple[bytes, bytes, bytes]:
    """Encapsulate one fragment per frame with an empty BOT and an Extended Offset Table.

    Returns ``(pixel data value, Extended Offset Table (7FE0,0001) bytes, Extended Offset
    Table Lengths (7FE0,0002) bytes)``; both tables are 64-bit little endian (OV). Each
    length is the Item Length of the frame's fragment (an odd frame's pad byte included).
    """
    frame_list = [bytes(f) for f in frames]
    if not frame_list:
        raise PixelDataError("at least one frame is needed to encapsulate pixel data")
    offsets, lengths, pos = [], [], 0
    for frame in frame_list:
        offsets.append(pos)
        padded = len(frame) + (len(frame) % 2)
        lengths.append(padded)  # the fragment's Item Length, pad byte included (as pydicom)
        pos += 8 + padded
    value = encapsulate(frame_list, basic_offset_table=False, with_delimiter=with_delimiter)
    return (
        value,
        struct.pack(f"<{len(offsets)}Q", *offsets),
        struct.pack(f"<{len(lengths)}Q", *lengths),
    )
