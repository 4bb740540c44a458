"""Value codecs: the bytes of a data element's Value Field <-> Python values, per VR.

PS3.5 6.2 (Table 6.2-1) and 6.4 (Value Multiplicity). This is the hot path of the reader and
writer; dispatch is by precomputed per-VR tables.

Decoding (:func:`decode_value`):

- empty raw -> ``None``. VM == 1 -> the value itself; VM > 1 -> a
  :class:`~dicomgen.core.values.MultiValue` (a ``list``) of values.
- AE, AS, CS, DS, IS, LO, SH, UI: leading and trailing spaces removed from each value;
  DA, DT, TM, PN, UC, UR, ST, LT, UT: trailing spaces removed (PS3.5 Table 6.2-1).
  Trailing NULs are removed too (UI padding; some writers also pad text with NUL).
- AE, AS, CS, LO, SH, UC, ST, LT, UT, UR -> ``str``; UI -> :class:`~dicomgen.core.uid.UID`;
  PN -> :class:`~dicomgen.core.values.PersonName`; DA/TM/DT -> ``DA``/``TM``/``DT`` (or a
  ``DateRange``/``TimeRange``/``DateTimeRange`` for a query range key); IS -> ``IS``;
  DS -> ``DS``. An empty value inside a multi-valued string gives ``""`` for plain string VRs
  and ``None`` for PN, DA, TM, DT, IS, DS.
- A text value that does not conform to its VR (too long, bad characters, a DA that is not a
  date...) is returned as :class:`~dicomgen.core.values.VerbatimText` (a ``str`` with
  ``.problems``) so nothing is lost; :func:`encode_value` writes it back unchanged.
- AT -> :class:`~dicomgen.core.tag.Tag`; US, SS, UL, SL, UV, SV -> ``int``; FL, FD -> ``float``.
  More than one number -> a ``MultiValue`` list (decided: always a list, never a tuple or an
  array; long arrays are converted with :mod:`array` in C).
- OB, UN -> ``bytes``; OW, OF, OD, OL, OV -> ``bytes`` in **little endian** order whatever the
  transfer syntax (big endian values are byte swapped per word on decode and back on encode),
  so values move between transfer syntaxes unchanged. The pixel data helper makes arrays.
- An unknown VR code is treated as UN (PS3.5 6.2: unknown VRs may be handled as UN).

Encoding (:func:`encode_value`) accepts the decoded types and plain ``str``, ``int``,
``float``, ``Decimal``, ``datetime.date/time/datetime``, numpy scalars and arrays, and
sequences of these for VM > 1 (a ``str`` containing ``\\`` is taken as already joined values).
It pads to even length with the VR's padding (``VR.padding``) and raises
:class:`~dicomgen.core.errors.InvalidValueError` (naming the VR and value) for wrong types,
values too long, characters outside the VR's repertoire, malformed DA/TM/DT/IS/DS/UI, and
numbers out of range. Typed values carrying their original string (decoded values) and
``VerbatimText`` are written verbatim.

:func:`validate_value` lists every problem of a value per the VR rules without raising.
"""

from __future__ import annotations

import datetime as _dt
import operator
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..core import services
from ..core.errors import CharacterSetError, DecodeError, EncodeError, InvalidValueError
from ..core.tag import Tag
from ..core.uid import UID
from ..core.values.datetime_values import (
    DA,
    DA_RE,
    DT,
    DT_RE,
    TM,
    TM_FULL_RE,
    DateRange,
    DateTimeRange,
    TimeRange,
    format_da,
    format_dt,
    format_tm,
)
from ..core.values.multivalue import MultiValue
from ..core.values.numbers import DS, DS_RE, IS, IS_MAX, IS_MIN, IS_RE, format_ds
from ..core.values.person_name import PersonName
from ..core.values.verbatim import VerbatimText
from .charset import decode_text, encode_text

__all__ = ["decode_value", "encode_value", "validate_value", "TEXT_VRS"]

_LITTLE = sys.byteorder == "little"

# --- per-VR facts (PS3.5 Table 6.2-1) ------------------------------------------------------

_CHARSET_VRS = frozenset({"SH", "LO", "UC", "ST", "LT", "UT", "PN"})
_SINGLE_VALUED_TEXT = frozenset({"ST", "LT", "UT", "UR"})
_STRIP_BOTH = frozenset({"AE", "AS", "CS", "DS", "IS", "LO", "SH", "UI"})
TEXT_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI"}
    | {"UR", "UT"}
)
_MAX_CHARS = {"AE": 16, "CS": 16, "SH": 16, "LO": 64, "ST": 1024, "LT": 10240, "UI": 64}
_NUMERIC = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "UV": "Q", "SV": "q", "FL": "f", "FD": "d"}
_WORDS = {"OW": ("H", 2), "OF": ("f", 4), "OD": ("d", 8), "OL": ("L", 4), "OV": ("Q", 8)}
_SIZES = {c: struct.calcsize("<" + c) for c in "HhLlQqfd"}
_INT_RANGES = {
    "H": (0, 0xFFFF),
    "h": (-0x8000, 0x7FFF),
    "L": (0, 0xFFFFFFFF),
    "l": (-(2**31), 2**31 - 1),
    "Q": (0, 2**64 - 1),
    "q": (-(2**63), 2**63 - 1),
}


def _array_code(fmt: str) -> str | None:
    """An :mod:`array` type code with the same item size as struct code ``fmt``."""
    size = _SIZES[fmt]
    if fmt in "fd":
        return fmt if array(fmt).itemsize == size else None
    candidates = "HILQ" if fmt.isupper() else "hilq"
    for c in candidates:
        if array(c).itemsize == size:
            return c
    return None


_ARRAY_FOR = {fmt: _array_code(fmt) for fmt in "HhLlQqfd"}

# character classes
_CS_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _")
_UI_CHARS = frozenset("0123456789.")
_AS_UNITS = frozenset("DWMY")
_TEXT_CONTROLS = frozenset("\t\n\f\r\x1b")
_URI_BAD = frozenset(' "<>\\^`{|}')


def _controls(s: str, allowed: frozenset[str]) -> bool:
    """True if ``s`` has a control character not in ``allowed`` (or DEL)."""
    if s.isprintable():
        return False
    return any((ord(c) < 0x20 or c == "\x7f") and c not in allowed for c in s)


_ESC_ONLY = frozenset("\x1b")
_NONE: frozenset[str] = frozenset()


# --- text checks: one function per VR, shared by decode (-> VerbatimText), encode (-> raise)
# and validate_value. Each returns a problem description or None. --------------------------


def _check_ae(s: str) -> str | None:
    if len(s) > 16:
        return f"AE value {s!r} is longer than 16 characters"
    if not s.isascii() or _controls(s, _NONE) or "\\" in s:
        return f"AE value {s!r} has characters outside the default repertoire"
    if s and not s.strip(" "):
        return "AE value consisting solely of spaces"
    return None


def _check_as(s: str) -> str | None:
    if len(s) != 4 or not s[:3].isdigit() or not s[:3].isascii() or s[3] not in _AS_UNITS:
        return f"AS value {s!r} is not nnnD, nnnW, nnnM or nnnY"
    return None


def _check_cs(s: str) -> str | None:
    if len(s) > 16:
        return f"CS value {s!r} is longer than 16 characters"
    if not _CS_CHARS.issuperset(s):
        return f"CS value {s!r} has characters other than A-Z, 0-9, space and underscore"
    return None


def _charset_text_check(vr: str, limit: int | None, allowed: frozenset[str]) -> Callable:
    def check(s: str) -> str | None:
        if limit is not None and len(s) > limit:
            return f"{vr} value {s[:20]!r}... is {len(s)} characters (max {limit})"
        if _controls(s, allowed):
            return f"{vr} value {s[:20]!r} contains control characters"
        return None

    return check


def _check_ui(s: str) -> str | None:
    if len(s) > 64:
        return f"UI value {s!r} is longer than 64 characters"
    if not _UI_CHARS.issuperset(s):
        return f"UI value {s!r} has characters other than 0-9 and '.'"
    return None


def _check_ur(s: str) -> str | None:
    if s[:1] == " ":
        return f"UR value {s!r} has leading spaces"
    if not s.isascii() or _controls(s, _NONE) or not _URI_BAD.isdisjoint(s.rstrip(" ")):
        return f"UR value {s!r} has characters not allowed in a URI (RFC 3986)"
    return None


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "AE": _check_ae,
    "AS": _check_as,
    "CS": _check_cs,
    "SH": _charset_text_check("SH", 16, _ESC_ONLY),
    "LO": _charset_text_check("LO", 64, _ESC_ONLY),
    "UC": _charset_text_check("UC", None, _ESC_ONLY),
    "ST": _charset_text_check("ST", 1024, _TEXT_CONTROLS),
    "LT": _charset_text_check("LT", 10240, _TEXT_CONTROLS),
    "UT": _charset_text_check("UT", None, _TEXT_CONTROLS),
    "UI": _check_ui,
    "UR": _check_ur,
}


def _check_da(s: str) -> str | None:
    if "-" in s:
        try:
            r = DateRange.parse(s)
        except InvalidValueError as e:
            return e.message
        for end in (r.start, r.end):
            if end is not None and not DA_RE.fullmatch(str(end)):
                return f"DA range {s!r} has an end that is not YYYYMMDD"
        return None
    if not DA_RE.fullmatch(s):
        return f"DA value {s!r} is not YYYYMMDD"
    try:
        DA(s)
    except InvalidValueError as e:
        return e.message
    return None


def _check_tm(s: str) -> str | None:
    if "-" in s:
        try:
            r = TimeRange.parse(s)
        except InvalidValueError as e:
            return e.message
        for end in (r.start, r.end):
            if end is not None and not TM_FULL_RE.fullmatch(str(end)):
                return f"TM range {s!r} has an end that is not HHMMSS.FFFFFF"
        return None
    if len(s) > 14 or not TM_FULL_RE.fullmatch(s):
        return f"TM value {s!r} is not HH[MM[SS[.F{{1,6}}]]]"
    return None


def _check_dt(s: str) -> str | None:
    single_problem = f"DT value {s!r} is not YYYYMMDDHHMMSS.FFFFFF&ZZXX"
    if len(s) <= 26 and DT_RE.fullmatch(s):
        try:
            DT(s)
            return None
        except InvalidValueError as e:
            single_problem = e.message
    if "-" in s:
        try:
            r = DateTimeRange.parse(s)
        except InvalidValueError as e:
            return e.message
        for end in (r.start, r.end):
            if end is not None and not DT_RE.fullmatch(str(end)):
                return f"DT range {s!r} has an end that is not a DT"
        return None
    return single_problem


def _check_is(s: str) -> str | None:
    if len(s) > 12:
        return f"IS value {s!r} is longer than 12 characters"
    if not IS_RE.fullmatch(s):
        return f"IS value {s!r} is not an integer string"
    if not IS_MIN <= int(s) <= IS_MAX:
        return f"IS value {s!r} is outside -2**31..2**31-1"
    return None


def _check_ds(s: str) -> str | None:
    if len(s) > 16:
        return f"DS value {s!r} is longer than 16 characters"
    if not DS_RE.fullmatch(s):
        return f"DS value {s!r} is not a decimal string"
    return None


def _check_pn(s: str) -> str | None:
    if "\\" in s:
        return f"PN value {s!r} contains a backslash"
    p = PersonName(s).problems()
    return p[0] if p else None


_CHECKS.update(
    {"DA": _check_da, "TM": _check_tm, "DT": _check_dt, "IS": _check_is, "DS": _check_ds}
)
_CHECKS["PN"] = _check_pn


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


# --- validation ----------------------------------------------------------------------------


def _item_problems(vr: str, item: Any) -> list[str]:
    if item is None:
        return []
    if isinstance(item, PersonName):
        return item.problems()
    if isinstance(item, (IS, DS, DA, TM, DT, DateRange, TimeRange, DateTimeRange)):
        check = _CHECKS.get(vr)
        if check is None:
            return [f"{type(item).__name__} value is not valid for VR {vr}"]
        p = check(str(item))
        return [p] if p else []
    if isinstance(item, str):
        check = _CHECKS.get(vr)
        if check is None:
            return [f"str value is not valid for VR {vr}"]
        if vr == "UI":
            p = _check_ui(item)
            if p is None and item and not UID(item).is_valid:
                p = f"UI value {item!r} does not follow PS3.5 9.1 (empty component or leading 0)"
            return [p] if p else []
        if (
            vr in ("AE", "CS", "UI", "AS", "DA", "TM", "DT", "IS", "DS", "UR")
            and not item.isascii()
        ):
            return [f"{vr} value {item!r} has characters outside the default repertoire"]
        p = check(item)
        return [p] if p else []
    try:
        encode_value(vr, item)
    except (InvalidValueError, CharacterSetError, EncodeError) as e:
        return [e.message]
    return []


def validate_value(vr: str, value: Any, charsets: Sequence[str] | None = None) -> list[str]:
    """Every way ``value`` breaks the rules of VR ``vr`` (PS3.5 6.2, 6.4); ``[]`` if none.

    Checks types, lengths (``VR.max_length``), character repertoires, DA/TM/DT/IS/DS/AS/UI
    formats, binary ranges and VM 1 for ST/LT/UT/UR. With ``charsets`` given, text that the
    Specific Character Set cannot encode is reported too.
    """
    if value is None:
        return []
    problems: list[str] = []
    if vr in TEXT_VRS:
        if isinstance(value, str) and "\\" in value and vr not in _SINGLE_VALUED_TEXT:
            items: Iterable[Any] = value.split("\\")
        elif _is_sequence(value):
            items = list(value)
            if vr in _SINGLE_VALUED_TEXT and len(items) > 1:
                problems.append(f"{vr} is single valued but has {len(items)} values")
        else:
            items = [value]
        for item in items:
            problems += _item_problems(vr, item)
        if charsets is not None and vr in _CHARSET_VRS and not problems:
            try:
                encode_value(vr, value, charsets=tuple(charsets))
            except CharacterSetError as e:
                problems.append(e.message)
            except InvalidValueError:
                pass
        return problems
    if vr == "SQ":
        return [] if _is_sequence(value) else ["SQ value must be a sequence of items"]
    try:
        encode_value(vr, value)
    except (InvalidValueError, CharacterSetError, EncodeError) as e:
        problems.append(e.message)
    return problems


services.register("decode_value", decode_value)
services.register("validate_value", validate_value)
