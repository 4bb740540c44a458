"""DA, TM, DT and range keys (PS3.5 Table 6.2-1, PS3.4 C.2.2.2.5)."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicomgen.core.errors import InvalidValueError
from dicomgen.core.values import DA, DT, TM, DateRange, DateTimeRange, TimeRange
from dicomgen.core.values.datetime_values import format_da, format_dt, format_tm


def test_da() -> None:
    d = DA("19930822")  # PS3.5 Table 6.2-1 example
    assert isinstance(d, dt.date) and d == dt.date(1993, 8, 22)
    assert d.original == "19930822" and str(d) == "19930822"
    assert DA("1990.01.01") == dt.date(1990, 1, 1)  # ACR-NEMA legacy form, kept exactly
    assert str(DA("1990.01.01")) == "1990.01.01"
    assert str(DA(2020, 1, 31)) == "20200131" and DA(2020, 1, 31).original is None
    assert str(DA(dt.date(2020, 1, 31))) == "20200131"
    assert DA(dt.datetime(2020, 1, 31, 10)) == dt.date(2020, 1, 31)
    assert hash(DA("20200131")) == hash(dt.date(2020, 1, 31))
    assert str(DA("20200131") + dt.timedelta(days=1)) == "20200201"  # derived: reformatted
    for bad in ("2020", "20201301", "20200230", "2020-01-01", "abcdefgh", "２０２００１０１"):
        with pytest.raises(InvalidValueError):
            DA(bad)


def test_tm() -> None:
    t = TM("070907.0705 ")  # PS3.5 Table 6.2-1 example, with its padding
    assert t == dt.time(7, 9, 7, 70500) and t.precision == "fraction"
    assert str(t) == "070907.0705"
    t = TM("1010")
    assert t == dt.time(10, 10) and t.precision == "minute" and str(t) == "1010"
    assert TM("10").precision == "hour"
    assert TM("10:10:10").precision == "second"  # ACR-NEMA legacy
    assert TM("235960") == dt.time(23, 59, 59) and str(TM("235960")) == "235960"  # leap second
    assert str(TM(dt.time(10, 10))) == "101000"
    assert str(TM(dt.time(10, 10, 0, 5))) == "101000.000005"
    assert str(TM(10, 10, 1)) == "101001"
    for bad in ("021", "2400", "1060", "10.5", "", "ab"):
        with pytest.raises(InvalidValueError):
            TM(bad)


def test_dt() -> None:
    d = DT("19530827111300.0")  # PS3.5 Table 6.2-1 example
    assert d == dt.datetime(1953, 8, 27, 11, 13) and d.precision == "fraction"
    assert DT("195308").precision == "month" and DT("195308") == dt.datetime(1953, 8, 1)
    d = DT("2007-0500")  # legal: year with offset
    assert d.precision == "year" and d.utcoffset() == dt.timedelta(hours=-5)
    d = DT("20200101101010.123456+0900")
    assert d.tzinfo is not None and d.microsecond == 123456
    assert str(d) == "20200101101010.123456+0900"
    naive = dt.datetime(2020, 1, 2, 3, 4, 5)
    assert str(DT(naive)) == "20200102030405"
    aware = dt.datetime(2020, 1, 2, 3, 4, 5, 6, dt.timezone(dt.timedelta(hours=-5, minutes=-30)))
    assert str(DT(aware)) == "20200102030405.000006-0530"
    assert str(DT(dt.date(2020, 1, 2))) == "20200102"
    for bad in ("20", "20201301", "2020010124", "2020+01", "2020+0160", "2020.5"):
        with pytest.raises(InvalidValueError):
            DT(bad)


def test_pickle_copy_repr() -> None:
    for v in (DA("1990.01.01"), TM("1010"), DT("2020+0100"), DA(2020, 1, 1)):
        assert str(pickle.loads(pickle.dumps(v))) == str(v)
        assert str(copy.deepcopy(v)) == str(v)
        assert eval(repr(v)) == v


def test_ranges() -> None:
    r = DateRange.parse("20200101-20201231")
    assert r.start == dt.date(2020, 1, 1) and r.end == dt.date(2020, 12, 31)
    assert dt.date(2020, 6, 1) in r and dt.date(2021, 1, 1) not in r
    assert str(r) == "20200101-20201231"
    assert DateRange.parse("-20201231").start is None
    assert DateRange.parse("20200101-").end is None
    assert str(DateRange(dt.date(2020, 1, 1), None)) == "20200101-"
    assert DateRange.parse("20200101-") == "20200101-"
    assert TimeRange.parse("1010-1130").end == dt.time(11, 30)
    r = DateTimeRange.parse("2007-0500-2008")  # the first '-' is part of a UTC offset
    assert r.start.utcoffset() == dt.timedelta(hours=-5) and r.end.year == 2008
    assert str(DateTimeRange.parse("2020-")) == "2020-"
    with pytest.raises(InvalidValueError):
        DateRange.parse("-")
    with pytest.raises(InvalidValueError):
        DateRange.parse("2020-01-01")
    with pytest.raises(InvalidValueError):
        DateTimeRange.parse("x-y")
    with pytest.raises(AttributeError):
        r.start = None  # type: ignore[misc]
    assert hash(DateRange.parse("20200101-")) == hash(DateRange(dt.date(2020, 1, 1)))
    assert pickle.loads(pickle.dumps(r)) == r


@given(st.dates(min_value=dt.date(1, 1, 1)))
def test_da_round_trip(d: dt.date) -> None:
    s = format_da(d)
    assert DA(s) == d and str(DA(s)) == s


@given(st.times())
def test_tm_round_trip(t: dt.time) -> None:
    s = format_tm(t)
    assert TM(s) == t and str(TM(s)) == s


@given(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.one_of(
        st.none(),
        st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
    ),
)
def test_dt_round_trip(d: dt.datetime, tz: dt.timezone | None) -> None:
    d = d.replace(tzinfo=tz)
    s = format_dt(d)
    assert DT(s) == d and str(DT(s)) == s
    assert DT(s).utcoffset() == d.utcoffset()
