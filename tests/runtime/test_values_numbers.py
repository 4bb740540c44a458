"""IS and DS (PS3.5 Table 6.2-1)."""

from __future__ import annotations

import math
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicomgen.core.errors import InvalidValueError
from dicomgen.core.values import DS, IS, format_ds, format_is
from dicomgen.core.values.numbers import DS_RE


def test_is() -> None:
    v = IS(" 42 ")
    assert v == 42 and isinstance(v, int) and v.original == "42" and str(v) == "42"
    assert str(IS("+0012")) == "+0012" and IS("+0012") == 12
    assert IS("1.0") == 1 and str(IS("1.0")) == "1.0"  # non-conformant but integral: kept
    assert str(IS(7)) == "7" and IS(7).original is None
    assert repr(IS("5")) == "IS('5')" and pickle.loads(pickle.dumps(IS("05"))).original == "05"
    assert IS(IS("05")).original == "05"
    for bad in ("1.5", "abc", "", "1_000", "nan"):
        with pytest.raises(InvalidValueError):
            IS(bad)
    with pytest.raises(InvalidValueError):
        IS(1.5)
    with pytest.raises(AttributeError):
        IS(1).original = "2"  # type: ignore[misc]
    assert format_is(-(2**31)) == "-2147483648"
    with pytest.raises(InvalidValueError):
        format_is(2**31)


def test_ds() -> None:
    v = DS("  1.50 ")
    assert v == 1.5 and isinstance(v, float) and str(v) == "1.50"
    assert str(DS("1e3")) == "1e3" and DS("1e3") == 1000
    assert str(DS(0.1)) == "0.1" and str(DS(2.0)) == "2"
    assert str(DS(Decimal("1.250"))) == "1.250"
    for bad in ("abc", "nan", "inf", "", "1_0"):
        with pytest.raises(InvalidValueError):
            DS(bad)
    with pytest.raises(InvalidValueError):
        DS(float("nan"))
    assert pickle.loads(pickle.dumps(DS(" 1.50"))).original == "1.50"


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.1, "0.1"),
        (1.0, "1"),
        (-0.0, "-0"),
        (1 / 3, "0.33333333333333"),
        (-1 / 3, "-0.3333333333333"),
        (1e-300 / 3, "3.333333333e-301"),
        (123456789012345678, "1.2345678901e+17"),
        (12345678901234567890.0, "1.2345678901e+19"),
        (Decimal("3.14"), "3.14"),
        (10, "10"),
    ],
)
def test_format_ds(value: object, expected: str) -> None:
    assert format_ds(value) == expected  # type: ignore[arg-type]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_ds_fits_and_is_close(f: float) -> None:
    s = format_ds(f)
    assert len(s) <= 16 and DS_RE.fullmatch(s)
    back = float(s)
    if len(repr(f)) <= 16:
        assert back == f  # exact when repr fits
    else:
        assert math.isclose(back, f, rel_tol=1e-8, abs_tol=0)


def test_format_ds_matches_pydicom_when_both_exact() -> None:
    from pydicom.valuerep import format_number_as_ds

    for f in (0.1, 1.5, -2.25, 1e-5, 123.456, 1e20, 3.0):
        ours = format_ds(f)
        theirs = format_number_as_ds(f)
        assert float(ours) == float(theirs) == f


@given(st.integers(-(2**31), 2**31 - 1))
def test_is_round_trip(n: int) -> None:
    assert IS(format_is(n)) == n and str(IS(str(n))) == str(n)
