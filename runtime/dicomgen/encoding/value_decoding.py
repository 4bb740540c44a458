"""Decoding of Value Fields per VR (PS3.5 6.2, 6.4): bytes -> Python values; the types are
listed in :mod:`dicomgen.encoding.values`."""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable
from typing import Any

from ..core.errors import DecodeError, InvalidValueError
from ..core.tag import Tag
from ..core.uid import UID
from ..core.values.datetime_values import (
    DA,
    DT,
    TM,
    DateRange,
    DateTimeRange,
    TimeRange,
)
from ..core.values.multivalue import MultiValue
from ..core.values.numbers import DS, IS
from ..core.values.person_name import PersonName
from ..core.values.verbatim import VerbatimText
from .charset import decode_text
from .vr_rules import (
    _ARRAY_FOR,
    _CHARSET_VRS,
    _CHECKS,
    _LITTLE,
    _NUMERIC,
    _SINGLE_VALUED_TEXT,
    _SIZES,
    _STRIP_BOTH,
    _WORDS,
    TEXT_VRS,
    _check_ui,
)

# --- decoding ------------------------------------------------------------------------------


def _raw_text(raw: bytes, vr: str, charsets: tuple[str, ...], errors: str) -> str:
    if vr in _CHARSET_VRS:
        return decode_text(raw, charsets, vr, errors=errors)
    if raw.isascii():
        return raw.decode("ascii")
    return raw.decode("latin_1")  # outside the default repertoire: keep the bytes


def _plain(vr: str) -> Callable[[str], Any]:
    check = _CHECKS[vr]

    def conv(s: str) -> Any:
        problem = check(s)
        return s if problem is None else VerbatimText(s, vr, (problem,))

    return conv


def _ui(s: str) -> Any:
    problem = _check_ui(s)
    return UID(s) if problem is None else VerbatimText(s, "UI", (problem,))


def _typed(vr: str, make: Callable[[str], Any]) -> Callable[[str], Any]:
    def conv(s: str) -> Any:
        if not s:
            return None
        try:
            return make(s)
        except InvalidValueError as e:
            return VerbatimText(s, vr, (e.message,))

    return conv


def _make_da(s: str) -> Any:
    return DateRange.parse(s) if "-" in s else DA(s)


def _make_tm(s: str) -> Any:
    return TimeRange.parse(s) if "-" in s else TM(s)


def _make_dt(s: str) -> Any:
    try:
        return DT(s)
    except InvalidValueError:
        if "-" in s:
            return DateTimeRange.parse(s)
        raise


def _make_pn(s: str) -> Any:
    return PersonName(s)


_TEXT_CONVERTERS: dict[str, Callable[[str], Any]] = {
    vr: _plain(vr) for vr in ("AE", "AS", "CS", "SH", "LO", "UC", "ST", "LT", "UT", "UR")
}
_TEXT_CONVERTERS.update(
    {
        "UI": _ui,
        "PN": _typed("PN", _make_pn),
        "DA": _typed("DA", _make_da),
        "TM": _typed("TM", _make_tm),
        "DT": _typed("DT", _make_dt),
        "IS": _typed("IS", IS),
        "DS": _typed("DS", DS),
    }
)


_EMPTY_IS_NONE = frozenset({"PN", "DA", "TM", "DT", "IS", "DS"})


def _text_decoder(vr: str) -> Callable[..., Any]:
    conv = _TEXT_CONVERTERS[vr]
    single = vr in _SINGLE_VALUED_TEXT
    strip = str.strip if vr in _STRIP_BOTH else str.rstrip
    empty = None if vr in _EMPTY_IS_NONE else ""

    def decode(raw: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> Any:
        if type(raw) is not bytes:
            raw = bytes(raw)
        text = _raw_text(raw, vr, charsets, errors)
        if single:
            s = text.rstrip(" \x00")
            return conv(s) if s else None
        if "\\" not in text:
            s = strip(text, " \x00")
            return conv(s) if s else None
        values = MultiValue()
        for part in text.split("\\"):
            part = strip(part, " \x00")
            values.append(conv(part) if part else empty)
        return values

    return decode


def _numeric_decoder(vr: str) -> Callable[..., Any]:
    fmt = _NUMERIC[vr]
    size = _SIZES[fmt]
    one = {True: struct.Struct("<" + fmt), False: struct.Struct(">" + fmt)}
    acode = _ARRAY_FOR[fmt]

    def decode(raw: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> Any:
        n = len(raw)
        if n == size:
            return one[little_endian].unpack(raw)[0]
        if n % size:
            raise DecodeError(
                f"{vr} value of {n} bytes is not a multiple of {size}", vr=vr, length=n
            )
        count = n // size
        if count > 32 and acode is not None:
            arr = array(acode)
            arr.frombytes(raw)
            if little_endian != _LITTLE:
                arr.byteswap()
            return MultiValue(arr.tolist())
        return MultiValue(struct.unpack(("<" if little_endian else ">") + str(count) + fmt, raw))

    return decode


def _decode_at(raw: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> Any:
    n = len(raw)
    if n % 4:
        raise DecodeError(f"AT value of {n} bytes is not a multiple of 4", vr="AT", length=n)
    words = struct.unpack(("<" if little_endian else ">") + str(n // 2) + "H", raw)
    tags = [Tag((words[i] << 16) | words[i + 1]) for i in range(0, len(words), 2)]
    return tags[0] if len(tags) == 1 else MultiValue(tags)


def _decode_bytes(raw: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> Any:
    return raw if type(raw) is bytes else bytes(raw)


def _swap(raw: Any, width: int) -> bytes:
    """Reverse the bytes of each ``width``-byte word."""
    code = {2: "H", 4: "L", 8: "Q"}[width]
    acode = _ARRAY_FOR[code]
    if acode is not None:
        arr = array(acode)
        arr.frombytes(raw)
        arr.byteswap()
        return arr.tobytes()
    b = bytes(raw)  # pragma: no cover - platforms without a matching array type
    return b"".join(b[i : i + width][::-1] for i in range(0, len(b), width))


def _words_decoder(vr: str) -> Callable[..., Any]:
    _, width = _WORDS[vr]

    def decode(raw: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> Any:
        if len(raw) % width:
            raise DecodeError(
                f"{vr} value of {len(raw)} bytes is not a multiple of {width}",
                vr=vr,
                length=len(raw),
            )
        if little_endian:
            return raw if type(raw) is bytes else bytes(raw)
        return _swap(raw, width)

    return decode


def _decode_sq(raw: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> Any:
    raise DecodeError("SQ values are items, decoded by the data set reader", vr="SQ")


_DECODERS: dict[str, Callable[..., Any]] = {vr: _text_decoder(vr) for vr in TEXT_VRS}
_DECODERS.update({vr: _numeric_decoder(vr) for vr in _NUMERIC})
_DECODERS.update({vr: _words_decoder(vr) for vr in _WORDS})
_DECODERS.update({"AT": _decode_at, "OB": _decode_bytes, "UN": _decode_bytes, "SQ": _decode_sq})


def decode_value(
    vr: str,
    raw: bytes | memoryview,
    *,
    little_endian: bool = True,
    charsets: tuple[str, ...] = (),
    errors: str = "strict",
) -> Any:
    """The Python value of a Value Field (see the module docstring for the types).

    ``charsets`` are the Specific Character Set (0008,0005) values in force; ``errors`` is
    ``"strict"`` (undecodable text raises CharacterSetError) or ``"replace"`` (lenient, warns).
    Raises DecodeError for binary values whose length does not fit the VR.
    """
    if not raw:
        return None
    fn = _DECODERS.get(vr)
    if fn is None:
        return raw if type(raw) is bytes else bytes(raw)
    return fn(raw, little_endian, charsets, errors)
