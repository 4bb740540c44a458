"""Encoding of Value Fields per VR (PS3.5 6.2, 6.4): Python values -> padded bytes; the
accepted types are listed in :mod:`dicomgen.encoding.values`."""

from __future__ import annotations

import datetime as _dt
import operator
import struct
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..core.errors import EncodeError, InvalidValueError
from ..core.tag import Tag
from ..core.values.datetime_values import (
    DA,
    DT,
    TM,
    DateRange,
    DateTimeRange,
    TimeRange,
    format_da,
    format_dt,
    format_tm,
)
from ..core.values.numbers import DS, IS, IS_MAX, IS_MIN, format_ds
from ..core.values.person_name import PersonName
from ..core.values.verbatim import VerbatimText
from .charset import encode_text
from .value_decoding import _swap
from .vr_rules import (
    _CHARSET_VRS,
    _CHECKS,
    _INT_RANGES,
    _NUMERIC,
    _SINGLE_VALUED_TEXT,
    _WORDS,
    TEXT_VRS,
    _check_da,
    _check_ds,
    _check_dt,
    _check_is,
    _check_pn,
    _check_tm,
    _check_ui,
)

# --- encoding ------------------------------------------------------------------------------


def _bad(vr: str, value: Any, why: str) -> InvalidValueError:
    if why.startswith((f"{vr} value", f"{vr} range")):  # already names the value
        return InvalidValueError(f"invalid {why}", vr=vr)
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidValueError(f"invalid {vr} value {shown}: {why}", vr=vr)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (
        hasattr(value, "__iter__")
        and hasattr(value, "__len__")
        and not isinstance(value, (str, bytes, bytearray, memoryview, dict))
    )


def _str_item(vr: str) -> Callable[[Any], str]:
    check = _CHECKS[vr]

    def fmt(item: Any) -> str:
        if isinstance(item, VerbatimText):
            return str(item)
        if not isinstance(item, str):
            raise _bad(vr, item, f"expected str, not {type(item).__name__}")
        problem = check(item)
        if problem is not None:
            raise _bad(vr, item, problem)
        return item

    return fmt


def _fmt_pn(item: Any) -> str:
    if isinstance(item, PersonName):
        return str(item)
    if isinstance(item, VerbatimText):
        return str(item)
    if not isinstance(item, str):
        raise _bad("PN", item, f"expected PersonName or str, not {type(item).__name__}")
    problem = _check_pn(item)
    if problem is not None:
        raise _bad("PN", item, problem)
    return item


def _fmt_da(item: Any) -> str:
    if isinstance(item, (DA, DateRange, VerbatimText)):
        return str(item)
    if isinstance(item, _dt.datetime):
        return format_da(item.date())
    if isinstance(item, _dt.date):
        return format_da(item)
    if isinstance(item, str):
        problem = _check_da(item)
        if problem is not None:
            raise _bad("DA", item, problem)
        return item
    raise _bad("DA", item, f"expected datetime.date or str, not {type(item).__name__}")


def _fmt_tm(item: Any) -> str:
    if isinstance(item, (TM, TimeRange, VerbatimText)):
        return str(item)
    if isinstance(item, _dt.time):
        if item.tzinfo is not None:
            raise _bad("TM", item, "TM has no time zone; use DT")
        return format_tm(item)
    if isinstance(item, str):
        problem = _check_tm(item)
        if problem is not None:
            raise _bad("TM", item, problem)
        return item
    raise _bad("TM", item, f"expected datetime.time or str, not {type(item).__name__}")


def _fmt_dt(item: Any) -> str:
    if isinstance(item, (DT, DateTimeRange, VerbatimText)):
        return str(item)
    if isinstance(item, _dt.datetime):
        return format_dt(item)
    if isinstance(item, _dt.date):
        return format_da(item)
    if isinstance(item, str):
        problem = _check_dt(item)
        if problem is not None:
            raise _bad("DT", item, problem)
        return item
    raise _bad("DT", item, f"expected datetime.datetime or str, not {type(item).__name__}")


def _fmt_is(item: Any) -> str:
    if isinstance(item, IS):
        return str(item)
    if isinstance(item, VerbatimText):
        return str(item)
    if isinstance(item, str):
        problem = _check_is(item)
        if problem is not None:
            raise _bad("IS", item, problem)
        return item
    if isinstance(item, bool):
        raise _bad("IS", item, "expected int, not bool")
    if isinstance(item, (float, Decimal)):
        if not (item == item and abs(item) != float("inf")) or item != int(item):
            raise _bad("IS", item, "not an integer")
        item = int(item)
    elif not isinstance(item, int):
        try:
            item = operator.index(item)
        except TypeError:
            raise _bad("IS", item, f"expected int, not {type(item).__name__}") from None
    if not IS_MIN <= item <= IS_MAX:
        raise _bad("IS", item, "outside -2**31..2**31-1")
    return str(item)


def _fmt_ds(item: Any) -> str:
    if isinstance(item, DS):
        return str(item)
    if isinstance(item, VerbatimText):
        return str(item)
    if isinstance(item, str):
        problem = _check_ds(item)
        if problem is not None:
            raise _bad("DS", item, problem)
        return item
    if isinstance(item, bool):
        raise _bad("DS", item, "expected a number, not bool")
    if isinstance(item, (int, float, Decimal)):
        return format_ds(item)
    try:
        return format_ds(float(item))  # numpy scalars
    except (TypeError, ValueError):
        raise _bad("DS", item, f"expected a number, not {type(item).__name__}") from None


def _fmt_ui(item: Any) -> str:
    if isinstance(item, VerbatimText):
        return str(item)
    if not isinstance(item, str):
        raise _bad("UI", item, f"expected str or UID, not {type(item).__name__}")
    problem = _check_ui(item)
    if problem is not None:
        raise _bad("UI", item, problem)
    return item


_ITEM_FORMATTERS: dict[str, Callable[[Any], str]] = {
    vr: _str_item(vr) for vr in ("AE", "AS", "CS", "SH", "LO", "UC", "ST", "LT", "UT", "UR")
}
_ITEM_FORMATTERS.update(
    {
        "PN": _fmt_pn,
        "DA": _fmt_da,
        "TM": _fmt_tm,
        "DT": _fmt_dt,
        "IS": _fmt_is,
        "DS": _fmt_ds,
        "UI": _fmt_ui,
    }
)


def _text_encoder(vr: str) -> Callable[..., bytes]:
    fmt = _ITEM_FORMATTERS[vr]
    single = vr in _SINGLE_VALUED_TEXT
    uses_charset = vr in _CHARSET_VRS
    pad = b"\x00" if vr == "UI" else b" "

    def encode(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
        if single:
            if _is_sequence(value):
                if len(value) != 1:
                    raise _bad(vr, value, f"{vr} is single valued (VM 1)")
                value = value[0]
            text = "" if value is None or value == "" else fmt(value)
        elif _is_sequence(value):  # None and "" are empty values
            text = "\\".join("" if v is None or v == "" else fmt(v) for v in value)
        elif type(value) is str and "\\" in value:
            text = "\\".join(fmt(v) if v else "" for v in value.split("\\"))
        else:
            text = "" if value == "" else fmt(value)
        if text.isascii():
            data = text.encode("ascii")
        elif uses_charset:
            data = encode_text(text, charsets, vr, errors=errors)
        elif _all_verbatim(value):
            data = text.encode("latin_1")
        else:
            raise _bad(vr, value, "characters outside the default repertoire")
        if len(data) & 1:
            data += pad
        return data

    return encode


def _all_verbatim(value: Any) -> bool:
    items = value if _is_sequence(value) else [value]
    return all(v is None or isinstance(v, VerbatimText) or str(v).isascii() for v in items)


def _numbers(vr: str, value: Any) -> list[Any]:
    if hasattr(value, "tolist") and not isinstance(value, (bytes, bytearray)):
        value = value.tolist()  # numpy arrays and scalars, array.array
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        raise _bad(vr, value, f"expected numbers, not {type(value).__name__}")
    if _is_sequence(value):
        return list(value)
    return [value]


def _pack(vr: str, fmt: str, values: list[Any], little_endian: bool) -> bytes:
    if fmt in _INT_RANGES:
        lo, hi = _INT_RANGES[fmt]
        for v in values:
            if type(v) is int:
                iv = v
            else:
                try:
                    iv = operator.index(v)  # bool, numpy integers; not float
                except TypeError:
                    raise _bad(vr, v, f"expected int, not {type(v).__name__}") from None
            if not lo <= iv <= hi:
                raise _bad(vr, v, f"outside {lo}..{hi}")
        values = [v if type(v) is int else operator.index(v) for v in values]
    else:
        for v in values:
            if isinstance(v, (str, bytes)) or not hasattr(v, "__float__"):
                raise _bad(vr, v, f"expected a number, not {type(v).__name__}")
    try:
        return struct.pack(("<" if little_endian else ">") + str(len(values)) + fmt, *values)
    except (struct.error, OverflowError, TypeError) as e:
        raise _bad(vr, values if len(values) > 1 else values[0], str(e)) from None


def _numeric_encoder(vr: str) -> Callable[..., bytes]:
    fmt = _NUMERIC[vr]
    one = {True: struct.Struct("<" + fmt), False: struct.Struct(">" + fmt)}
    exact = int if fmt in _INT_RANGES else float

    def encode(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
        t = type(value)
        try:
            if t is exact or t is int:  # fast paths; struct checks the range
                return one[little_endian].pack(value)
            if isinstance(value, list) and exact is int and all(type(v) is int for v in value):
                return struct.pack(("<" if little_endian else ">") + str(len(value)) + fmt, *value)
        except (struct.error, OverflowError):
            pass  # _pack names the bad value
        return _pack(vr, fmt, _numbers(vr, value), little_endian)

    return encode


def _encode_at(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
    items = list(value) if _is_sequence(value) else [value]
    words: list[int] = []
    for item in items:
        try:
            t = item if isinstance(item, Tag) else Tag(item)
        except InvalidValueError as e:
            raise _bad("AT", item, e.message) from None
        except (TypeError, ValueError, ImportError, LookupError):
            raise _bad("AT", item, "not a tag (or keyword unknown)") from None
        words += (t >> 16, t & 0xFFFF)
    return struct.pack(("<" if little_endian else ">") + str(len(words)) + "H", *words)


def _as_bytes(vr: str, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise _bad(vr, value, f"expected bytes, not {type(value).__name__}")


def _encode_ob(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    elif hasattr(value, "tobytes") and getattr(value, "dtype", None) is not None:
        if value.dtype.itemsize != 1:
            raise _bad("OB", value, "array items must be bytes")
        data = value.tobytes()
    elif _is_sequence(value):
        try:
            data = bytes(value)
        except (TypeError, ValueError) as e:
            raise _bad("OB", value, str(e)) from None
    else:
        raise _bad("OB", value, f"expected bytes, not {type(value).__name__}")
    return data + b"\x00" if len(data) & 1 else data


def _encode_un(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
    data = _as_bytes("UN", value)
    return data + b"\x00" if len(data) & 1 else data


def _words_encoder(vr: str) -> Callable[..., bytes]:
    fmt, width = _WORDS[vr]

    def encode(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
            if len(data) % width:
                raise _bad(vr, value, f"{len(data)} bytes is not a multiple of {width}")
            return data if little_endian else _swap(data, width)
        dtype = getattr(value, "dtype", None)
        if dtype is not None and hasattr(value, "astype"):
            if dtype.itemsize != width:
                raise _bad(vr, value, f"array items of {dtype.itemsize} bytes; {vr} needs {width}")
            order = "<" if little_endian else ">"
            return value.astype(dtype.newbyteorder(order), copy=False).tobytes()
        return _pack(vr, fmt, _numbers(vr, value), little_endian)

    return encode


def _encode_sq(value: Any, little_endian: bool, charsets: tuple[str, ...], errors: str) -> bytes:
    raise EncodeError("SQ values are items, encoded by the data set writer", vr="SQ")


_ENCODERS: dict[str, Callable[..., bytes]] = {vr: _text_encoder(vr) for vr in TEXT_VRS}
_ENCODERS.update({vr: _numeric_encoder(vr) for vr in _NUMERIC})
_ENCODERS.update({vr: _words_encoder(vr) for vr in _WORDS})
_ENCODERS.update({"AT": _encode_at, "OB": _encode_ob, "UN": _encode_un, "SQ": _encode_sq})


def encode_value(
    vr: str,
    value: Any,
    *,
    little_endian: bool = True,
    charsets: tuple[str, ...] = (),
    errors: str = "strict",
) -> bytes:
    """The bytes of a Value Field (padded to even length) for ``value`` with VR ``vr``.

    ``None`` (and an empty sequence) gives ``b""``. Raises InvalidValueError for an invalid
    value and CharacterSetError for text the Specific Character Set cannot encode
    (``errors="replace"``: replaced by ``?`` with a warning).
    """
    if value is None:
        return b""
    fn = _ENCODERS.get(vr)
    if fn is None:
        data = _as_bytes(str(vr), value)
        return data + b"\x00" if len(data) & 1 else data
    if isinstance(value, (list, tuple)) and not value:
        return b""
    return fn(value, little_endian, charsets, errors)
