"""Numbers in text: IS (Integer String) and DS (Decimal String), PS3.5 Table 6.2-1.

``IS`` subclasses ``int`` and ``DS`` subclasses ``float``; both keep the exact string they were
read from (``.original``, e.g. ``"  1.50 "`` stripped to ``"1.50"``) so an unchanged value is
written back byte for byte. ``DS`` is float based (not ``Decimal``): arithmetic, numpy and
comparisons work as with any float, and the original string carries the exact decimal text
when exactness matters. New values are formatted by :func:`format_ds` / :func:`format_is`.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_DOWN, Context, Decimal
from typing import Any

from ..errors import InvalidValueError

__all__ = ["IS", "DS", "format_ds", "format_is", "IS_RE", "DS_RE", "IS_MIN", "IS_MAX"]

IS_RE = re.compile(r" *[+-]?[0-9]+ *")
"""A conformant IS string (leading/trailing spaces allowed, PS3.5 Table 6.2-1)."""
DS_RE = re.compile(r" *[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *")
"""A conformant DS string: fixed point or ANSI X3.9 floating point."""
IS_MIN = -(2**31)
IS_MAX = 2**31 - 1
DS_MAX_LEN = 16
IS_MAX_LEN = 12


def format_is(value: int) -> str:
    """An int as IS text; InvalidValueError outside -2**31..2**31-1."""
    if not IS_MIN <= value <= IS_MAX:
        raise InvalidValueError(f"IS value {value} outside -2**31..2**31-1", vr="IS")
    return str(int(value))


def format_ds(value: float | int | Decimal) -> str:
    """The shortest DS text (at most 16 characters) for a number.

    Uses ``repr`` (the shortest string that reads back as the same float) when it fits and
    otherwise the most significant digits that fit, in fixed or exponent notation. This is
    lossy only when the float needs more than 16 characters (PS3.5 limits DS to 16 bytes).
    NaN and infinities cannot be written as DS: InvalidValueError.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidValueError(f"DS cannot represent {value}", vr="DS")
        s = str(value)
        if len(s) <= DS_MAX_LEN:
            return s
        value = float(value)
    f = float(value)
    if not math.isfinite(f):
        raise InvalidValueError(f"DS cannot represent {value!r}", vr="DS")
    if isinstance(value, int) and len(str(value)) <= DS_MAX_LEN:
        return str(value)
    s = repr(f)
    if s.endswith(".0") and len(s) > 2:
        s = s[:-2]
    if len(s) <= DS_MAX_LEN:
        return s
    for digits in range(15, 0, -1):
        s = f"{f:.{digits}g}"
        if len(s) <= DS_MAX_LEN:
            if math.isinf(float(s)):  # rounded up past the largest float: round toward 0
                d = Context(prec=digits, rounding=ROUND_DOWN).plus(Decimal(f))
                s = f"{d:e}" if "e" in s else str(d)
                if len(s) > DS_MAX_LEN:
                    continue
            return s
    raise InvalidValueError(f"DS cannot represent {value!r} in 16 characters", vr="DS")


class IS(int):
    """An Integer String value: an ``int`` that remembers the text it was read from.

    ``IS(" 42 ")`` -> 42 with ``original == "42"``; ``IS(42)``. Integral non-conformant
    text such as ``"1.0"`` is read (value 1) and kept verbatim; validation reports it.
    """

    def __new__(cls, value: str | int | float) -> IS:
        if isinstance(value, str):
            s = value.strip(" \x00")
            if not (s.isascii() and s.isprintable()):  # int() would take other digits/spaces
                raise InvalidValueError(f"IS value {value!r} is not an integer", vr="IS")
            n: int | None
            try:
                n = int(s) if "_" not in s else None
            except ValueError:
                n = None
            if n is None:
                try:
                    f = float(s)
                except ValueError:
                    f = math.nan
                if not (math.isfinite(f) and f == int(f)) or "_" in s:
                    raise InvalidValueError(f"IS value {value!r} is not an integer", vr="IS")
                n = int(f)
            self = super().__new__(cls, n)
            self.__dict__["original"] = s
            return self
        if isinstance(value, float):
            if not (math.isfinite(value) and value == int(value)):
                raise InvalidValueError(f"IS value {value!r} is not an integer", vr="IS")
        elif not isinstance(value, int):
            try:
                value = value.__index__()  # numpy integers
            except (AttributeError, TypeError):
                raise InvalidValueError(
                    f"cannot make an IS from {type(value).__name__}", vr="IS"
                ) from None
        self = super().__new__(cls, int(value))
        orig = value.original if isinstance(value, IS) else None
        self.__dict__["original"] = orig
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("IS values are immutable")

    original: str | None

    def __str__(self) -> str:
        o = self.__dict__.get("original")
        return o if o is not None else int.__repr__(self)

    def __repr__(self) -> str:
        return f"IS({str(self)!r})"

    def __reduce__(self) -> Any:
        return (IS, (str(self),))


class DS(float):
    """A Decimal String value: a ``float`` that remembers the text it was read from.

    ``DS("  1.50 ")`` -> 1.5 with ``original == "1.50"``; ``DS(1.5)`` formats with
    :func:`format_ds` when written. NaN and infinities are rejected.
    """

    __slots__ = ("_original",)

    def __new__(cls, value: str | float | int | Decimal) -> DS:
        if isinstance(value, str):
            s = value.strip(" \x00")
            try:
                if not (s.isascii() and s.isprintable()):  # float() takes other digits/spaces
                    raise ValueError(s)
                f = float(s)
            except ValueError:
                raise InvalidValueError(f"DS value {value!r} is not a number", vr="DS") from None
            if f - f != 0.0 or "_" in s:  # NaN or infinite, or Python-only syntax
                raise InvalidValueError(f"DS value {value!r} is not a decimal string", vr="DS")
            self = super().__new__(cls, f)
            self._original = s
            return self
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise InvalidValueError(f"DS cannot represent {value}", vr="DS")
            self = super().__new__(cls, float(value))
            self._original = format_ds(value)
            return self
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise InvalidValueError(
                f"cannot make a DS from {type(value).__name__}", vr="DS"
            ) from None
        if not math.isfinite(f):
            raise InvalidValueError(f"DS cannot represent {value!r}", vr="DS")
        self = super().__new__(cls, f)
        self._original = value.original if isinstance(value, DS) else None
        return self

    @property
    def original(self) -> str | None:
        """The text this value was read from, or ``None`` if built from a number."""
        return self._original

    def __str__(self) -> str:
        o = self._original
        return o if o is not None else format_ds(float(self))

    def __repr__(self) -> str:
        return f"DS({str(self)!r})"

    def __reduce__(self) -> Any:
        return (DS, (str(self),))
