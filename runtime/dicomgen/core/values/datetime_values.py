"""Date and time values: DA, TM, DT (PS3.5 6.2, Table 6.2-1) and query ranges.

``DA``, ``TM`` and ``DT`` subclass :class:`datetime.date`, :class:`datetime.time` and
:class:`datetime.datetime`, so a value decoded from a file *is* a ``date``/``time``/``datetime``
and any plain ``date``/``time``/``datetime`` can be used where these are expected. Each decoded
value remembers the exact string it came from (``.original``) so that writing it back is byte
exact; ``str(value)`` gives that string, or the canonical DICOM form for values built in Python.

Partial values (PS3.5 Table 6.2-1) are kept with their precision: TM ``"1010"`` is 10:10 with
``precision == "minute"``; DT ``"2020"`` is 2020-01-01 with ``precision == "year"``. A DT with a
UTC offset suffix ``&ZZXX`` is timezone aware. The leap second ``60`` is read as ``59`` (Python
cannot represent it) and the original string is kept.

Legacy ACR-NEMA forms (``"1990.01.01"`` for DA, ``"10:10:10.5"`` for TM) are read; they are not
conformant and :func:`dicomgen.encoding.values.validate_value` reports them.

Ranges (``DateRange``, ``TimeRange``, ``DateTimeRange``) are the range matching keys of PS3.4
C.2.2.2.5: ``"20200101-20201231"``, ``"-20201231"``, ``"20200101-"``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ..errors import InvalidValueError

__all__ = [
    "DA",
    "TM",
    "DT",
    "DateRange",
    "TimeRange",
    "DateTimeRange",
    "parse_da",
    "parse_tm",
    "parse_dt",
    "format_da",
    "format_tm",
    "format_dt",
]

# Conformant forms (used by validation); the parsers below also read legacy forms.
DA_RE = re.compile(r"[0-9]{8}")
TM_RE = re.compile(r"([01][0-9]|2[0-3])([0-5][0-9]([0-5][0-9]|60)?)?")
TM_FULL_RE = re.compile(
    r"(?:[01][0-9]|2[0-3])(?:[0-5][0-9](?:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?)?)?"
)
DT_RE = re.compile(
    r"[0-9]{4}(?:(?:0[1-9]|1[0-2])(?:(?:0[1-9]|[12][0-9]|3[01])(?:(?:[01][0-9]|2[0-3])"
    r"(?:[0-5][0-9](?:(?:[0-5][0-9]|60)(?:\.[0-9]{1,6})?)?)?)?)?)?(?:[+-][0-9]{4})?"
)

_TM_PARSE = re.compile(
    r"(?P<h>[0-9]{2})(?::?(?P<m>[0-9]{2})(?::?(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6})[0-9]*)?)?)?$"
)
_DT_PARSE = re.compile(
    r"(?P<Y>[0-9]{4})(?:(?P<M>[0-9]{2})(?:(?P<D>[0-9]{2})(?:(?P<h>[0-9]{2})(?:(?P<m>[0-9]{2})"
    r"(?:(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?)?)?)?(?P<z>[+-][0-9]{4})?$"
)

_TM_PRECISION = ("hour", "minute", "second", "fraction")
_DT_PRECISION = ("year", "month", "day", "hour", "minute", "second", "fraction")


def _bad(vr: str, text: str, why: str) -> InvalidValueError:
    """``DA value '2004-01-19' uses '-' separators; DICOM DA is YYYYMMDD``."""
    return InvalidValueError(f"{vr} value {text!r} {why}", vr=vr)


_FORMS = {"DA": "YYYYMMDD", "TM": "HHMMSS.FFFFFF", "DT": "YYYYMMDDHHMMSS.FFFFFF&ZZXX"}
# Date and time written with separators (ISO 8601 and common local forms).
_SEPARATED = {
    "DA": re.compile(r"[0-9]{1,4}([-/.])[0-9]{1,2}\1[0-9]{1,4}"),
    "TM": re.compile(r"[0-9]{1,2}([-.])[0-9]{2}(?:\1[0-9]{2}(?:[.,][0-9]+)?)?"),
    "DT": re.compile(r"[0-9]{4}([-/])[0-9]{2}\1[0-9]{2}(?:[T ][0-9:.,]*)?(?:Z|[+-][0-9:]{4,5})?"),
}


def _why_not(vr: str, s: str) -> str:
    """What is wrong with ``s`` as a value of VR ``vr`` (DA, TM or DT), in words."""
    form = f"DICOM {vr} is {_FORMS[vr]}"
    if not s:
        return f"is empty; {form}"
    m = _SEPARATED[vr].fullmatch(s)
    if m:
        if vr == "DT" and ("T" in s or " " in s):
            return f"is written as ISO 8601 (separators, 'T'); {form}"
        return f"uses {m.group(1)!r} separators; {form}"
    allowed = {"DA": "", "TM": ".", "DT": ".+-"}[vr]
    odd = sorted({c for c in s if not (c.isascii() and c.isdigit()) and c not in allowed})
    if odd:
        shown = ", ".join(repr(c) for c in odd)
        return f"has the character(s) {shown}; {form}"
    if vr == "DA":
        return f"has {len(s)} digits; {form} (8 digits)"
    if vr == "TM":
        head = s.split(".", 1)[0]
        if len(head) not in (2, 4, 6):
            return f"has {len(head)} digits before any fraction; {form} (HH, HHMM or HHMMSS)"
        return f"has a fraction that is not 1 to 6 digits after HHMMSS; {form}"
    return f"is not of the form {_FORMS[vr]} (a prefix of it, with an optional &ZZXX); {form}"


# --- DA -------------------------------------------------------------------------


def parse_da(text: str) -> _dt.date:
    """``YYYYMMDD`` (or legacy ``YYYY.MM.DD``) -> date; raises InvalidValueError."""
    s = text.rstrip(" \x00")
    if len(s) == 8 and s.isdigit() and s.isascii():
        y, m, d = int(s[:4]), int(s[4:6]), int(s[6:8])
    elif (
        len(s) == 10
        and s[4] == "."
        and s[7] == "."
        and (s[:4] + s[5:7] + s[8:]).isdigit()
        and s.isascii()
    ):
        y, m, d = int(s[:4]), int(s[5:7]), int(s[8:10])
    else:
        raise _bad("DA", text, _why_not("DA", s))
    try:
        return _dt.date(y, m, d)
    except ValueError as e:
        raise _bad("DA", text, f"is not a calendar date ({e})") from None


def format_da(value: _dt.date) -> str:
    """A date as ``YYYYMMDD``."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


class _KeepsText:
    """What DA, TM and DT share: the string a value was read from is kept and written back
    unchanged (``original``); values built in Python print in the VR's canonical form."""

    __slots__ = ()

    @property
    def original(self) -> str | None:
        """The string this value was parsed from, or ``None`` if built from numbers."""
        return getattr(self, "_original", None)

    def _format(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __str__(self) -> str:
        o = getattr(self, "_original", None)
        return o if o is not None else self._format()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (str(self),))


class _KeepsPrecision(_KeepsText):
    """TM and DT: also the last component the original string gave."""

    __slots__ = ()

    @property
    def precision(self) -> str:
        """The last component given (``"hour"`` ... ``"second"``, ``"fraction"``; DT also
        ``"year"``, ``"month"``, ``"day"``)."""
        p = getattr(self, "_precision", None)
        if p is not None:
            return p
        return "fraction" if self.microsecond else "second"  # type: ignore[attr-defined]


class DA(_KeepsText, _dt.date):
    """A DICOM date (VR DA): a :class:`datetime.date` that remembers its original string.

    ``DA("20200131")``, ``DA(2020, 1, 31)``, ``DA(datetime.date(2020, 1, 31))``.
    """

    __slots__ = ("_original",)

    def __new__(cls, value: str | _dt.date | int, *args: int, **kwargs: int) -> DA:
        original = None
        if isinstance(value, str):
            d = parse_da(value)
            original = value.rstrip(" \x00")
        elif isinstance(value, _dt.date) and not args:
            d = value.date() if isinstance(value, _dt.datetime) else value
            original = value.original if isinstance(value, DA) else None
        elif isinstance(value, int):
            self = super().__new__(cls, value, *args, **kwargs)
            return self
        else:
            raise InvalidValueError(f"cannot make a DA from {type(value).__name__}", vr="DA")
        self = super().__new__(cls, d.year, d.month, d.day)
        if original is not None:
            self._original = original
        return self

    def _format(self) -> str:
        return format_da(self)


# --- TM -------------------------------------------------------------------------


def parse_tm(text: str) -> tuple[_dt.time, str]:
    """``HH[MM[SS[.F{1,6}]]]`` (or legacy ``HH:MM:SS.frac``) -> (time, precision)."""
    s = text.rstrip(" \x00")
    n = len(s)
    if (n == 6 or (8 <= n <= 13 and s[6] == ".")) and s.isascii() and s[:6].isdigit():
        # the common full forms HHMMSS and HHMMSS.F{1,6}: no regex
        fr = s[7:]
        if n == 6 or fr.isdigit():
            second = int(s[4:6])
            try:
                t = _dt.time(
                    int(s[:2]),
                    int(s[2:4]),
                    59 if second == 60 else second,
                    int(fr.ljust(6, "0")) if fr else 0,
                )
            except ValueError as e:
                raise _bad("TM", text, f"is not a time of day ({e})") from None
            return t, "fraction" if fr else "second"
    m = _TM_PARSE.match(s)
    if m is None or not s.isascii():
        raise _bad("TM", text, _why_not("TM", s))
    h, mi, se, fr = m.group("h", "m", "s", "f")
    second = int(se) if se else 0
    if second == 60:  # leap second: not representable by datetime.time
        second = 59
    micro = int(fr.ljust(6, "0")) if fr else 0
    try:
        t = _dt.time(int(h), int(mi) if mi else 0, second, micro)
    except ValueError as e:
        raise _bad("TM", text, f"is not a time of day ({e})") from None
    precision = "fraction" if fr else "second" if se else "minute" if mi else "hour"
    return t, precision


def format_tm(value: _dt.time) -> str:
    """A time as ``HHMMSS`` or ``HHMMSS.FFFFFF`` (when it has microseconds)."""
    s = f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
    return f"{s}.{value.microsecond:06d}" if value.microsecond else s


class TM(_KeepsPrecision, _dt.time):
    """A DICOM time (VR TM): a :class:`datetime.time` that remembers its original string.

    ``TM("1010")`` is 10:10 with ``precision == "minute"``; ``TM(10, 10)`` and
    ``TM(datetime.time(10, 10))`` are also accepted.
    """

    __slots__ = ("_original", "_precision")

    def __new__(cls, value: str | _dt.time | int, *args: Any, **kwargs: Any) -> TM:
        if isinstance(value, str):
            t, precision = parse_tm(value)
            self = super().__new__(cls, t.hour, t.minute, t.second, t.microsecond)
            self._original = value.rstrip(" \x00")
            self._precision = precision
            return self
        if isinstance(value, _dt.time) and not args:
            self = super().__new__(
                cls, value.hour, value.minute, value.second, value.microsecond, value.tzinfo
            )
            if isinstance(value, TM) and value.original is not None:
                self._original = value.original
                self._precision = value.precision
            return self
        if isinstance(value, int):
            return super().__new__(cls, value, *args, **kwargs)
        raise InvalidValueError(f"cannot make a TM from {type(value).__name__}", vr="TM")

    def _format(self) -> str:
        return format_tm(self)


# --- DT -------------------------------------------------------------------------


def _offset(z: str, text: str) -> _dt.timezone:
    """``&ZZXX`` -> timezone; the range is -1200 to +1400 (PS3.5 Table 6.2-1)."""
    minutes = int(z[1:3]) * 60 + int(z[3:5])
    if int(z[3:5]) > 59 or minutes > (14 * 60 if z[0] == "+" else 12 * 60):
        raise _bad("DT", text, f"has the UTC offset {z}, outside -1200..+1400")
    return _dt.timezone(_dt.timedelta(minutes=minutes if z[0] == "+" else -minutes))


def parse_dt(text: str) -> tuple[_dt.datetime, str]:
    """``YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]`` -> (datetime, precision)."""
    s = text.rstrip(" \x00")
    m = _DT_PARSE.match(s)
    if m is None or not s.isascii():
        raise _bad("DT", text, _why_not("DT", s))
    Y, M, D, h, mi, se, fr, z = m.group("Y", "M", "D", "h", "m", "s", "f", "z")
    second = int(se) if se else 0
    if second == 60:
        second = 59
    tz = _offset(z, text) if z else None
    try:
        value = _dt.datetime(
            int(Y),
            int(M) if M else 1,
            int(D) if D else 1,
            int(h) if h else 0,
            int(mi) if mi else 0,
            second,
            int(fr.ljust(6, "0")) if fr else 0,
            tz,
        )
    except ValueError as e:
        raise _bad("DT", text, f"is not a calendar date and time ({e})") from None
    given = [Y, M, D, h, mi, se, fr]
    precision = _DT_PRECISION[max(i for i, g in enumerate(given) if g)]
    return value, precision


def format_dt(value: _dt.datetime) -> str:
    """A datetime as ``YYYYMMDDHHMMSS[.FFFFFF][&ZZXX]``."""
    s = (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )
    if value.microsecond:
        s += f".{value.microsecond:06d}"
    off = value.utcoffset()
    if off is not None:
        total = int(off.total_seconds()) // 60
        sign = "+" if total >= 0 else "-"
        total = abs(total)
        s += f"{sign}{total // 60:02d}{total % 60:02d}"
    return s


class DT(_KeepsPrecision, _dt.datetime):
    """A DICOM date time (VR DT): a :class:`datetime.datetime` that remembers its string.

    ``DT("2020")`` is 2020-01-01 00:00 with ``precision == "year"``;
    ``DT("20200101101010.5+0100")`` is timezone aware.
    """

    __slots__ = ("_original", "_precision")

    def __new__(cls, value: str | _dt.datetime | int, *args: Any, **kwargs: Any) -> DT:
        if isinstance(value, str):
            d, precision = parse_dt(value)
            self = super().__new__(
                cls, d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, d.tzinfo
            )
            self._original = value.rstrip(" \x00")
            self._precision = precision
            return self
        if isinstance(value, _dt.datetime) and not args:
            self = super().__new__(
                cls,
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
                value.tzinfo,
            )
            if isinstance(value, DT) and value.original is not None:
                self._original = value.original
                self._precision = value.precision
            return self
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime) and not args:
            self = super().__new__(cls, value.year, value.month, value.day)
            self._precision = "day"
            return self
        if isinstance(value, int):
            return super().__new__(cls, value, *args, **kwargs)
        raise InvalidValueError(f"cannot make a DT from {type(value).__name__}", vr="DT")

    def _format(self) -> str:
        if getattr(self, "_precision", None) == "day":
            return format_da(self)
        return format_dt(self)


# --- query ranges (PS3.4 C.2.2.2.5) ------------------------------------------------


class _Range:
    """A range matching key ``start-end``; either end may be open (``None``)."""

    __slots__ = ("start", "end", "_original")
    _vr = ""
    _item: Any = None

    def __init__(self, start: Any = None, end: Any = None, *, original: str | None = None) -> None:
        item = type(self)._item
        s = None if start is None else start if isinstance(start, item) else item(start)
        e = None if end is None else end if isinstance(end, item) else item(end)
        if s is None and e is None:
            raise InvalidValueError(f"a {self._vr} range needs a start or an end", vr=self._vr)
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)
        object.__setattr__(self, "_original", original)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @classmethod
    def parse(cls, text: str) -> _Range:
        s = text.rstrip(" \x00")
        if s.count("-") != 1:
            if _SEPARATED[cls._vr].fullmatch(s):
                raise _bad(cls._vr, text, _why_not(cls._vr, s))
            raise _bad(cls._vr, text, f"has {s.count('-')} '-'; a {cls._vr} range is A-B")
        a, _, b = s.partition("-")
        return cls(a or None, b or None, original=s)

    @property
    def original(self) -> str | None:
        return self._original

    def __contains__(self, value: Any) -> bool:
        if self.start is not None and value < self.start:
            return False
        return self.end is None or value <= self.end

    def __str__(self) -> str:
        if self._original is not None:
            return self._original
        a = "" if self.start is None else str(self.start)
        b = "" if self.end is None else str(self.end)
        return f"{a}-{b}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return (self.start, self.end) == (other.start, other.end)  # type: ignore[attr-defined]
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.start, self.end))

    def __reduce__(self) -> Any:
        return (type(self).parse, (str(self),))


class DateRange(_Range):
    """DA range key: ``"20200101-20201231"``, ``"-20201231"``, ``"20200101-"``."""

    __slots__ = ()
    _vr = "DA"
    _item = DA


class TimeRange(_Range):
    """TM range key: ``"1010-1130"``, ``"-1130"``, ``"1010-"``."""

    __slots__ = ()
    _vr = "TM"
    _item = TM


class DateTimeRange(_Range):
    """DT range key. Because a DT may itself contain ``-`` (a UTC offset), a string that is a
    valid single DT is never read as a range; otherwise each ``-`` is tried as the separator."""

    __slots__ = ()
    _vr = "DT"
    _item = DT

    @classmethod
    def parse(cls, text: str) -> DateTimeRange:
        s = text.rstrip(" \x00")
        for i, ch in enumerate(s):
            if ch != "-":
                continue
            a, b = s[:i], s[i + 1 :]
            if not a and not b:
                break
            try:
                return cls(a or None, b or None, original=s)
            except InvalidValueError:
                continue
        if _SEPARATED["DT"].fullmatch(s):
            raise _bad("DT", text, _why_not("DT", s))
        raise _bad("DT", text, "is neither a DT value nor a range A-B of DT values")
