"""The rules of each VR (PS3.5 Table 6.2-1): per-VR facts (repertoires, lengths, binary
formats) and the text checks shared by decoding (a value that breaks them is kept as
VerbatimText), encoding (raises) and validation (lists the problems)."""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable

from ..core.errors import InvalidValueError
from ..core.values.datetime_values import (
    DA,
    DA_RE,
    DT,
    DT_RE,
    TM_FULL_RE,
    DateRange,
    DateTimeRange,
    TimeRange,
)
from ..core.values.numbers import DS_RE, IS_MAX, IS_MIN, IS_RE
from ..core.values.person_name import PersonName

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
