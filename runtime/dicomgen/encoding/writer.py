"""Encoding data sets to bytes (PS3.5 section 7, Annex A).

:func:`encode_dataset` returns the encoded data set; :func:`write_dataset` streams it
to a binary file object (large values such as Pixel Data are written from their
buffer without being joined into one ``bytes``).

Lossless re-write: an element whose value was not changed since it was read is
written from its raw bytes (byte-swapped for binary VRs when the byte order changes:
PS3.5 7.3). Sequences and items are written in the form they were read in:
undefined length with delimitation items, or defined length (recomputed). New
sequences and items (built in Python) are written with **defined lengths**
(PS3.5 7.5.1 allows both). Encapsulated Pixel Data (``undefined_length=True``, not
SQ) is written as its item stream followed by a Sequence Delimitation Item (A.4).
Group Length elements (gggg,0000) are written as they are (not recomputed); File Meta
group length is computed by :mod:`dicomgen.media.part10`.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
from typing import Any, BinaryIO

from ..core.dataset import Dataset
from ..core.element import UNSET, DataElement
from ..core.errors import DicomError, EncodeError
from .reader import LONG_VRS
from .transfer_syntax import TransferSyntaxLike, resolve

UNDEFINED = 0xFFFFFFFF

_E_LE_SHORT = struct.Struct("<HH2sH")
_E_LE_LONG = struct.Struct("<HH2s2xI")
_E_BE_SHORT = struct.Struct(">HH2sH")
_E_BE_LONG = struct.Struct(">HH2s2xI")
_I_LE = struct.Struct("<HHI")
_I_BE = struct.Struct(">HHI")

_ITEM_UNDEF = {
    True: _I_LE.pack(0xFFFE, 0xE000, UNDEFINED),
    False: _I_BE.pack(0xFFFE, 0xE000, UNDEFINED),
}
_ITEM_DELIM = {True: _I_LE.pack(0xFFFE, 0xE00D, 0), False: _I_BE.pack(0xFFFE, 0xE00D, 0)}
_SEQ_DELIM = {True: _I_LE.pack(0xFFFE, 0xE0DD, 0), False: _I_BE.pack(0xFFFE, 0xE0DD, 0)}

# Unit size of each binary VR (what is swapped when the byte order changes, PS3.5 7.3)
_SWAP: dict[str, str] = {
    "US": "H", "SS": "H", "OW": "H", "AT": "H",
    "UL": "I", "SL": "I", "FL": "I", "OF": "I", "OL": "I",
    "FD": "Q", "OD": "Q", "SV": "Q", "UV": "Q", "OV": "Q",
}  # fmt: skip
_VRB = {vr: vr.encode() for vr in LONG_VRS | set(_SWAP) | {
    "AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UI", "OB", "UN"
}}  # fmt: skip

_encoder: Any = None


def _encode_value(vr: str, value: Any, le: bool, cs: tuple[str, ...], tag: int) -> Any:
    global _encoder
    enc = _encoder
    if enc is None:
        from .values import encode_value as enc

        _encoder = enc
    try:
        return enc(vr, value, little_endian=le, charsets=cs)
    except DicomError as exc:
        if exc.tag is None:
            exc.tag = tag
            exc.args = (exc._render(),)
        raise
    except (ValueError, TypeError, OverflowError, UnicodeError, struct.error) as exc:
        raise EncodeError(f"cannot encode {vr} value {value!r}: {exc}", tag=tag) from exc


def _swapped(raw: Any, unit: str) -> Any:
    a = array(unit)
    if len(raw) % a.itemsize:
        return None
    a.frombytes(raw)
    a.byteswap()
    return a.tobytes()


def _charsets(ds: Dataset, inherited: tuple[str, ...]) -> tuple[str, ...]:
    if 0x00080005 in ds:
        return ds.specific_character_set
    return inherited


class _Encoder:
    """Encodes one data set in one transfer syntax."""

    __slots__ = ("implicit", "le", "short", "long", "impl")

    def __init__(self, implicit: bool, le: bool) -> None:
        self.implicit = implicit
        self.le = le
        self.short = (_E_LE_SHORT if le else _E_BE_SHORT).pack
        self.long = (_E_LE_LONG if le else _E_BE_LONG).pack
        self.impl = (_I_LE if le else _I_BE).pack

    def header(self, tag: int, vr: str, length: int) -> bytes:
        g, el = tag >> 16, tag & 0xFFFF
        if self.implicit:
            return self.impl(g, el, length)
        vrb = _VRB.get(vr)
        if vrb is None:
            raise EncodeError(f"unknown VR {vr!r}", tag=tag)
        if vr in LONG_VRS:
            return self.long(g, el, vrb, length)
        if length > 0xFFFF:
            raise EncodeError(
                f"value of {length} bytes is too long for VR {vr} in explicit VR "
                "(16-bit length field, PS3.5 7.1.2)",
                tag=tag,
            )
        return self.short(g, el, vrb, length)

    def value_bytes(self, e: DataElement, cs: tuple[str, ...]) -> Any:
        raw = e._raw
        if raw is not None and (e._orig is None or e.raw_if_unchanged() is not None):
            if e._le == self.le:
                return raw
            unit = _SWAP.get(e.vr)
            if unit is None:
                return raw
            swapped = _swapped(raw, unit)
            if swapped is not None:
                return swapped
        v = e._value if e._value is not UNSET else e.value
        if v is None:
            return b""
        if isinstance(v, (bytes, bytearray, memoryview)) and e.vr in ("OB", "UN"):
            return v if not len(v) & 1 else bytes(v) + b"\x00"  # PS3.5 7.1.1: even length
        data = _encode_value(e.vr, v, self.le, cs, e.tag)
        if len(data) & 1:
            from ..core.vr import VR

            try:
                data = bytes(data) + VR(e.vr).padding
            except ValueError:
                data = bytes(data) + b"\x00"
        return data

    def dataset(self, ds: Dataset, out: Callable[[Any], Any], cs: tuple[str, ...]) -> None:
        cs = _charsets(ds, cs)
        le = self.le
        header = self.header
        for e in ds.values():
            tag = e.tag
            vr = e.vr
            if vr == "SQ":
                self.sequence(e, out, cs)
                continue
            if e.undefined_length:
                out(header(tag, vr if vr in ("OB", "OW", "UN") else "OB", UNDEFINED))
                data = self.value_bytes(e, cs)
                out(data)
                out(_SEQ_DELIM[le])
                continue
            data = self.value_bytes(e, cs)
            n = len(data)
            if n >= UNDEFINED:
                raise EncodeError(f"value of {n} bytes is too long for a 32-bit length", tag=tag)
            out(header(tag, vr, n))
            if n:
                out(data)

    def item(self, item: Dataset, out: Callable[[Any], Any], cs: tuple[str, ...]) -> None:
        le = self.le
        if item.item_undefined_length:
            out(_ITEM_UNDEF[le])
            self.dataset(item, out, cs)
            out(_ITEM_DELIM[le])
            return
        parts: list[Any] = []
        self.dataset(item, parts.append, cs)
        body = b"".join(parts)
        out(self.impl(0xFFFE, 0xE000, len(body)))
        out(body)

    def sequence(self, e: DataElement, out: Callable[[Any], Any], cs: tuple[str, ...]) -> None:
        items = e.value
        if not isinstance(items, (list, tuple)):
            raise EncodeError("the value of an SQ element must be a list of Datasets", tag=e.tag)
        for it in items:
            if not isinstance(it, Dataset):
                raise EncodeError(
                    f"sequence item is a {type(it).__name__}, not a Dataset", tag=e.tag
                )
        if e.undefined_length:
            out(self.header(e.tag, "SQ", UNDEFINED))
            for it in items:
                self.item(it, out, cs)
            out(_SEQ_DELIM[self.le])
            return
        parts: list[Any] = []
        for it in items:
            self.item(it, parts.append, cs)
        body = b"".join(parts)
        out(self.header(e.tag, "SQ", len(body)))
        out(body)


def encode_dataset(
    ds: Dataset, transfer_syntax: TransferSyntaxLike, *, charsets: tuple[str, ...] = ()
) -> bytes:
    """The data set encoded in ``transfer_syntax`` (deflated for A.5)."""
    ts = resolve(transfer_syntax)
    parts: list[Any] = []
    _Encoder(ts.implicit_vr, ts.little_endian).dataset(ds, parts.append, tuple(charsets))
    data = b"".join(parts)
    if ts.deflated:
        from .deflate import deflate

        data = deflate(data)
    return data


def write_dataset(
    fp: BinaryIO,
    ds: Dataset,
    transfer_syntax: TransferSyntaxLike,
    *,
    charsets: tuple[str, ...] = (),
) -> int:
    """Stream the encoded data set to ``fp``; returns the number of bytes written."""
    ts = resolve(transfer_syntax)
    enc = _Encoder(ts.implicit_vr, ts.little_endian)
    written = 0
    if ts.deflated:
        import zlib

        comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)

        def out(b: Any) -> None:
            nonlocal written
            c = comp.compress(b)
            if c:
                written += fp.write(c) or len(c)

        enc.dataset(ds, out, tuple(charsets))
        tail = comp.flush()
        written += fp.write(tail) or len(tail)
        return written

    buffered: list[Any] = []
    size = 0

    def out(b: Any) -> None:
        nonlocal written, size
        n = len(b)
        if n >= 65536:
            if buffered:
                blob = b"".join(buffered)
                fp.write(blob)
                written += len(blob)
                buffered.clear()
                size = 0
            fp.write(b)
            written += n
        else:
            buffered.append(b)
            size += n

    enc.dataset(ds, out, tuple(charsets))
    if buffered:
        blob = b"".join(buffered)
        fp.write(blob)
        written += len(blob)
    return written


__all__ = ["encode_dataset", "write_dataset"]
