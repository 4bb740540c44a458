"""Decoding data sets from bytes (PS3.5 section 7, Annex A).

:func:`decode_dataset` parses Implicit VR Little Endian, Explicit VR Little Endian,
Explicit VR Big Endian (retired, PS3.5 2016b) and Deflated Explicit VR Little Endian
(A.5) data sets, and the data set part of every encapsulated transfer syntax (A.4).

Values are not decoded here: each element keeps a ``memoryview`` of its value field
into the caller's buffer (a ``bytes`` object or an ``mmap``) and decodes it when
``.value`` is first read. Sequences (7.5) are parsed to lists of data sets, with the
form they were read in (defined or undefined length) recorded so that an unchanged
data set is written back byte for byte. Encapsulated Pixel Data (A.4: undefined
length OB) is kept as its raw item stream; the Sequence Delimitation Item ends it.

Errors in the encoding raise :class:`DecodeError` with the offset (from the start of
``data``) and the tag. Two common real-world violations are read leniently, each
with one :class:`DecodeWarning` per data set: values of odd length (PS3.5 7.1.1
requires even lengths) and explicit VR streams in which an element is encoded with
implicit VR (the two VR bytes are not letters; the dictionary VR is used).
"""

from __future__ import annotations

import struct
import warnings
from typing import Any, Union

from ..core.dataset import Dataset, resolve_ambiguous_vr
from ..core.element import UNSET, DataElement
from ..core.errors import DecodeError, DicomError
from ..core.tag import Tag
from .limits import MAX_DEPTH, Limits, default_limits
from .transfer_syntax import TransferSyntaxLike, resolve

Buffer = Union[bytes, bytearray, memoryview]

ITEM = 0xFFFEE000
ITEM_DELIM = 0xFFFEE00D
SEQ_DELIM = 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
SPECIFIC_CHARACTER_SET = 0x00080005


class DecodeWarning(UserWarning):
    """A violation of PS3.5 that was read leniently (odd length, implicit VR in explicit)."""


# PS3.5 Table 7.1-1: VRs with a 2-byte reserved field and a 32-bit length
LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})
ALL_VRS = frozenset(
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL "
    "UN UR US UT UV".split()
)
_VR_OF_BYTES: dict[bytes, str] = {v.encode(): v for v in ALL_VRS}

_HDR_LE = struct.Struct("<HH2sH")
_HDR_BE = struct.Struct(">HH2sH")
_IMPL_LE = struct.Struct("<HHI")
_TAGLEN_LE = struct.Struct("<HHI")
_TAGLEN_BE = struct.Struct(">HHI")
_U32_LE = struct.Struct("<I")
_U32_BE = struct.Struct(">I")

_tag_new = int.__new__
_TAGS: dict[int, Tag] = {}


def _tag(t: int) -> Tag:
    tg = _TAGS.get(t)
    if tg is None:
        tg = _tag_new(Tag, t)
        if len(_TAGS) < 65536:
            _TAGS[t] = tg
    return tg


_IMPLICIT_VR: dict[int, str] = {}
_elem_new = DataElement.__new__


class _Ctx:
    """State shared by one decode call."""

    __slots__ = (
        "buf",
        "implicit",
        "le",
        "stop_pixels",
        "warned",
        "tsuid",
        "max_depth",
        "budget",
        "counting",
    )

    def __init__(
        self, buf: memoryview, implicit: bool, le: bool, stop_pixels: bool, limits: Limits
    ) -> None:
        self.buf = buf
        self.implicit = implicit
        self.le = le
        self.stop_pixels = stop_pixels
        self.warned: set[str] = set()
        self.tsuid: str | None = None
        self.max_depth = limits.max_depth
        #: elements and items still allowed (``Limits.max_elements``); each takes at least
        #: 8 bytes, so only a buffer larger than 8 bytes per allowed element is counted
        self.budget = limits.max_elements
        self.counting = len(buf) > 8 * limits.max_elements

    def spend(self, n: int, pos: int) -> None:
        """Count ``n`` elements or items decoded; DecodeError past the limit."""
        self.budget -= n
        if self.budget < 0:
            raise DecodeError("more data elements and items than the limit allows", offset=pos)

    def warn(self, kind: str, message: str) -> None:
        if kind not in self.warned:
            self.warned.add(kind)
            warnings.warn(message, DecodeWarning, stacklevel=4)


def _charsets_of(e: DataElement) -> tuple[str, ...]:
    try:
        v = e.value
    except DicomError:
        return ()
    if v is None:
        return ()
    if isinstance(v, str):
        return (v.strip(),)
    return tuple("" if x is None else str(x).strip() for x in v)


def _implicit_vr(tag: int, ds: Dataset, parents: list[Dataset]) -> str:
    vr = _IMPLICIT_VR.get(tag)
    if vr is not None:
        return vr
    from ..core.dictionary import entry_for

    el = tag & 0xFFFF
    if el == 0:
        vr = "UL"
    elif tag >> 16 & 1:
        vr = "LO" if 0x0010 <= el <= 0x00FF else "UN"
    else:
        e = entry_for(tag)
        vrs: tuple[str, ...] = e.vrs if e is not None else ()
        if len(vrs) == 1:
            vr = vrs[0]
        elif vrs:
            return resolve_ambiguous_vr(tag, vrs, [ds, *parents], implicit=True)
        else:
            vr = "UN"
    if len(_IMPLICIT_VR) < 100_000:
        _IMPLICIT_VR[tag] = vr
    return vr


def _parse(
    ctx: _Ctx,
    pos: int,
    end: int,
    depth: int,
    parents: list[Dataset],
    cs: tuple[str, ...],
    in_item: bool,
    implicit: bool,
    le: bool,
) -> tuple[Dataset, int]:
    """Parse elements from ``pos`` up to ``end`` (or an Item Delimitation if ``in_item``)."""
    if depth > ctx.max_depth:
        raise DecodeError(f"sequences nested deeper than {ctx.max_depth} levels", offset=pos)
    buf = ctx.buf
    elems: dict[int, DataElement] = {}
    ds = Dataset.from_element_dict(elems, ordered=True)
    last = -1
    is_sorted = True
    if implicit:
        hdr = _IMPL_LE.unpack_from
    else:
        hdr = (_HDR_LE if le else _HDR_BE).unpack_from
    u32 = (_U32_LE if le else _U32_BE).unpack_from
    vr_of = _VR_OF_BYTES
    long_vrs = LONG_VRS
    stop_pixels = ctx.stop_pixels and depth == 0
    new = _elem_new
    DE = DataElement
    counting = ctx.counting
    while pos < end:
        if counting:
            ctx.spend(1, pos)
        if pos + 8 > end:
            raise DecodeError(f"truncated element header: {end - pos} byte(s) left", offset=pos)
        if implicit:
            group, elem, length = hdr(buf, pos)
            tag = group << 16 | elem
            vpos = pos + 8
            if group == 0xFFFE:
                if tag == ITEM_DELIM and in_item:
                    return _finish(ds, is_sorted), vpos
                raise DecodeError(_unexpected(tag, in_item), offset=pos, tag=tag)
            vr = _implicit_vr(tag, ds, parents)
        else:
            group, elem, vrb, length = hdr(buf, pos)
            tag = group << 16 | elem
            if group == 0xFFFE:
                if tag == ITEM_DELIM and in_item:
                    return _finish(ds, is_sorted), pos + 8
                raise DecodeError(_unexpected(tag, in_item), offset=pos, tag=tag)
            vr = vr_of.get(vrb)
            if vr is None:
                vr, length, vpos = _odd_vr(ctx, pos, tag, vrb, ds, parents, u32)
            elif vr in long_vrs:
                if pos + 12 > end:
                    raise DecodeError("truncated element header", offset=pos, tag=tag)
                length = u32(buf, pos + 8)[0]
                vpos = pos + 12
            else:
                vpos = pos + 8
        if stop_pixels and tag in PIXEL_TAGS:
            return _finish(ds, is_sorted), pos
        if tag <= last:
            if tag == last or tag in elems:
                ctx.warn("dup", f"duplicate element {Tag(tag)} at offset {pos}: last one kept")
            is_sorted = False
        else:
            last = tag
        if length == UNDEFINED:
            e, pos = _undefined(ctx, pos, vpos, end, tag, vr, depth, ds, parents, cs, implicit, le)
            elems[tag] = e
            continue
        nxt = vpos + length
        if nxt > end:
            raise DecodeError(
                f"value length {length} runs past the end of the data "
                f"({end - vpos} byte(s) left)",
                offset=pos,
                tag=tag,
            )
        if length & 1:
            ctx.warn("odd", f"odd value length {length} of {Tag(tag)} at offset {pos}")
        if vr == "SQ":
            items = _parse_items(ctx, vpos, nxt, False, tag, depth, ds, parents, cs, implicit, le)
            e = DE(_tag(tag), "SQ", items)
            e.undefined_length = False
        elif vr == "UN" and not implicit and _un_known(tag) is not None:
            e = _un_element(ctx, tag, vpos, nxt, depth, ds, parents, cs)
        else:
            e = new(DE)
            e.tag = _tag(tag)
            e.vr = vr
            e._value = UNSET
            e._raw = buf[vpos:nxt]
            e._le = le
            e._cs = cs
            e._orig = None
            e.undefined_length = False
            if tag == SPECIFIC_CHARACTER_SET:
                cs = _charsets_of(e)
        elems[tag] = e
        pos = nxt
    if in_item:
        raise DecodeError("item without Item Delimitation Item: data ended", offset=pos)
    return _finish(ds, is_sorted), pos


def _finish(ds: Dataset, is_sorted: bool) -> Dataset:
    ds.record_order(ordered=is_sorted)
    return ds


def _unexpected(tag: int, in_item: bool) -> str:
    names = {
        ITEM: "Item",
        ITEM_DELIM: "Item Delimitation Item",
        SEQ_DELIM: "Sequence Delimitation Item",
    }
    name = names.get(tag, "element of group FFFE")
    where = "inside an item of defined length" if in_item else "in a data set"
    if tag == ITEM_DELIM and not in_item:
        where = "outside an item of undefined length"
    return f"unexpected {name} {where}"


def _odd_vr(
    ctx: _Ctx, pos: int, tag: int, vrb: bytes, ds: Dataset, parents: list[Dataset], u32: Any
) -> tuple[str, int, int]:
    """An explicit VR field that is not a VR of PS3.5 Table 6.2-1."""
    buf = ctx.buf
    b0, b1 = vrb[0], vrb[1]
    if 0x41 <= b0 <= 0x5A and 0x41 <= b1 <= 0x5A:
        raise DecodeError(f"unknown VR {vrb.decode('ascii')!r}", offset=pos, tag=tag)
    # Not letters: read as an implicit VR element (a common writer bug).
    if pos + 8 > len(buf):
        raise DecodeError("truncated element header", offset=pos, tag=tag)
    length = u32(buf, pos + 4)[0]
    ctx.warn(
        "implicit",
        f"element {Tag(tag)} at offset {pos} is encoded with implicit VR in an explicit "
        "VR data set; using the dictionary VR",
    )
    return _implicit_vr(tag, ds, parents), length, pos + 8


def _un_known(tag: int) -> str | None:
    """The dictionary VR of a public tag read as UN, if it is unambiguous (PS3.5 6.2.2)."""
    if tag >> 16 & 1 or not tag & 0xFFFF:
        return None
    from ..core.dictionary import entry_for

    e = entry_for(tag)
    if e is None or len(e.vrs) != 1 or e.vrs[0] == "UN":
        return None
    return e.vrs[0]


def _un_element(
    ctx: _Ctx,
    tag: int,
    vpos: int,
    nxt: int,
    depth: int,
    ds: Dataset,
    parents: list[Dataset],
    cs: tuple[str, ...],
) -> DataElement:
    """A public element written as UN: its value is in Implicit VR LE (PS3.5 6.2.2)."""
    vr = _un_known(tag) or "UN"
    if vr == "SQ":
        items = _parse_items(ctx, vpos, nxt, False, tag, depth, ds, parents, cs, True, True)
        e = DataElement(_tag(tag), "SQ", items)
        return e
    return DataElement.from_raw(_tag(tag), vr, ctx.buf[vpos:nxt], True, cs)


def _undefined(
    ctx: _Ctx,
    pos: int,
    vpos: int,
    end: int,
    tag: int,
    vr: str,
    depth: int,
    ds: Dataset,
    parents: list[Dataset],
    cs: tuple[str, ...],
    implicit: bool,
    le: bool,
) -> tuple[DataElement, int]:
    """An element of undefined length: a sequence or encapsulated pixel data (7.5, A.4)."""
    if vr == "SQ" or (implicit and tag != 0x7FE00010 and vr in ("UN", "OB", "OW")):
        items, p = _parse_items(ctx, vpos, end, True, tag, depth, ds, parents, cs, implicit, le)
        e = DataElement(_tag(tag), "SQ", items, undefined_length=True)
        return e, p
    if vr == "UN" and tag != 0x7FE00010:
        # PS3.5 6.2.2: UN of undefined length is a sequence in Implicit VR Little Endian
        items, p = _parse_items(ctx, vpos, end, True, tag, depth, ds, parents, cs, True, True)
        e = DataElement(_tag(tag), "SQ", items, undefined_length=True)
        return e, p
    if vr in ("OB", "OW", "UN"):
        stop = _encapsulated_end(ctx, pos, vpos, end, tag, le)
        e = DataElement.from_raw(
            _tag(tag), vr if vr != "UN" else "OB", ctx.buf[vpos:stop], le, cs, undefined_length=True
        )
        return e, min(stop + 8, end)
    raise DecodeError(f"undefined length is not allowed for VR {vr}", offset=pos, tag=tag)


def _encapsulated_end(ctx: _Ctx, pos: int, p: int, end: int, tag: int, le: bool) -> int:
    """Offset of the Sequence Delimitation Item that ends encapsulated data (A.4)."""
    taglen = (_TAGLEN_LE if le else _TAGLEN_BE).unpack_from
    buf = ctx.buf
    while True:
        if p + 8 > end:
            if p == end:
                ctx.warn("nodelim", f"encapsulated {Tag(tag)} has no Sequence Delimitation Item")
                return p
            raise DecodeError(
                "encapsulated data truncated inside an item header", offset=p, tag=tag
            )
        g, el, length = taglen(buf, p)
        t = g << 16 | el
        if t == ITEM:
            if length == UNDEFINED:
                raise DecodeError("fragment item of undefined length", offset=p, tag=tag)
            p += 8 + length
            if p > end:
                raise DecodeError(
                    f"fragment length {length} runs past the end of the data", offset=p, tag=tag
                )
        elif t == SEQ_DELIM:
            return p
        else:
            raise DecodeError(
                f"expected an Item or Sequence Delimitation tag in encapsulated data, "
                f"found {Tag(t)}",
                offset=p,
                tag=tag,
            )


def _parse_items(
    ctx: _Ctx,
    pos: int,
    end: int,
    undefined: bool,
    tag: int,
    depth: int,
    ds: Dataset,
    parents: list[Dataset],
    cs: tuple[str, ...],
    implicit: bool,
    le: bool,
) -> Any:
    """Items of a sequence (PS3.5 7.5). Returns the list, and the end offset if undefined."""
    taglen = (_TAGLEN_LE if le else _TAGLEN_BE).unpack_from
    buf = ctx.buf
    items: list[Dataset] = []
    chain = [ds, *parents]
    while True:
        if pos >= end:
            if undefined:
                raise DecodeError(
                    "sequence of undefined length without Sequence Delimitation Item",
                    offset=pos,
                    tag=tag,
                )
            if pos > end:
                raise DecodeError("item runs past the end of its sequence", offset=pos, tag=tag)
            return items
        if pos + 8 > end:
            raise DecodeError("truncated item header", offset=pos, tag=tag)
        g, el, length = taglen(buf, pos)
        t = g << 16 | el
        if t == ITEM:
            if ctx.counting:
                ctx.spend(1, pos)
            if length == UNDEFINED:
                item, pos = _parse(ctx, pos + 8, end, depth + 1, chain, cs, True, implicit, le)
                object.__setattr__(item, "item_undefined_length", True)
            else:
                stop = pos + 8 + length
                if stop > end:
                    raise DecodeError(
                        f"item length {length} runs past the end of its sequence",
                        offset=pos,
                        tag=tag,
                    )
                item, _ = _parse(ctx, pos + 8, stop, depth + 1, chain, cs, False, implicit, le)
                object.__setattr__(item, "item_undefined_length", False)
                pos = stop
            items.append(item)
        elif t == SEQ_DELIM and undefined:
            return items, pos + 8
        else:
            raise DecodeError(
                f"expected an Item tag in sequence, found {Tag(t)}", offset=pos, tag=tag
            )


def decode_dataset(
    data: Buffer,
    transfer_syntax: TransferSyntaxLike,
    *,
    stop_before_pixels: bool = False,
    charsets: tuple[str, ...] = (),
    offset: int = 0,
    limits: Limits | None = None,
) -> Dataset:
    """Decode a whole data set encoded in ``transfer_syntax`` (a UID or record).

    ``data`` is not copied (except for deflated data, which is inflated first):
    element values are memoryviews into it. ``offset`` is where the data set starts
    and is reported in errors. ``charsets`` are inherited Specific Character Set terms.
    ``limits``: nesting depth, element count and inflated size bounds (default:
    :func:`dicomgen.encoding.limits.default_limits`).
    """
    limits = limits or default_limits()
    ts = resolve(transfer_syntax)
    buf = memoryview(data)
    if buf.ndim != 1 or buf.itemsize != 1:
        buf = buf.cast("B")
    base = 0
    if ts.deflated:
        from .deflate import inflate

        deflated = buf[offset:]
        limit = limits.inflate_limit(len(deflated))
        buf = memoryview(inflate(deflated, offset=offset, limit=limit))
        base = offset
        offset = 0
    ctx = _Ctx(buf, ts.implicit_vr, ts.little_endian, stop_before_pixels, limits)
    ctx.tsuid = ts.uid
    try:
        ds, _ = _parse(
            ctx, offset, len(buf), 0, [], tuple(charsets), False, ts.implicit_vr, ts.little_endian
        )
    except DecodeError as exc:
        if base and exc.offset is not None:
            exc.context.setdefault("inflated", True)
            exc.args = (exc._render(),)
        raise
    except RecursionError:
        raise DecodeError("sequences nested too deeply", offset=offset) from None
    except (struct.error, IndexError, ValueError, TypeError) as exc:  # pragma: no cover
        raise DecodeError(f"malformed data set: {exc}", offset=offset) from exc
    object.__setattr__(ds, "read_transfer_syntax", ts.uid)
    return ds


__all__ = ["DecodeWarning", "MAX_DEPTH", "decode_dataset"]
