"""Value codecs: decode_value / encode_value / validate_value for every VR (PS3.5 6.2, 6.4)."""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import BINARY_VALUES as _BINARY
from strategies import TEXT_VALUES as _VALUES

from dicomgen.core.errors import CharacterSetError, DecodeError, EncodeError, InvalidValueError
from dicomgen.core.tag import Tag
from dicomgen.core.uid import UID
from dicomgen.core.values import (
    DA,
    DS,
    DT,
    IS,
    TM,
    DateRange,
    DateTimeRange,
    MultiValue,
    PersonName,
    TimeRange,
    VerbatimText,
)
from dicomgen.core.vr import VR
from dicomgen.encoding.values import decode_value, encode_value, validate_value

# --- decoding: types, padding, VM ----------------------------------------------------------


@pytest.mark.parametrize(
    "vr, raw, expected, kind",
    [
        ("AE", b" STORESCP ", "STORESCP", str),
        ("AS", b"018M", "018M", str),
        ("CS", b"ORIGINAL\\PRIMARY ", ["ORIGINAL", "PRIMARY"], str),
        ("SH", b" abc ", "abc", str),
        ("LO", b"  a  \\ b ", ["a", "b"], str),
        ("UC", b"  a\\b  ", ["  a", "b"], str),  # UC: trailing spaces only
        ("ST", b"  line 1\r\nback\\slash ", "  line 1\r\nback\\slash", str),
        ("LT", b" x ", " x", str),
        ("UT", b"a\\b\x00", "a\\b", str),
        ("UR", b"http://x.org/a%20b ", "http://x.org/a%20b", str),
        ("UI", b"1.2.840.10008.1.2\x00", "1.2.840.10008.1.2", UID),
        ("UI", b"1.2\\1.3\x00", ["1.2", "1.3"], UID),
        ("PN", b"Doe^John ", "Doe^John", PersonName),
        ("PN", b"Doe^John\\Roe^Jane ", ["Doe^John", "Roe^Jane"], PersonName),
        ("DA", b"20200131", dt.date(2020, 1, 31), DA),
        ("DA", b"1990.01.01", dt.date(1990, 1, 1), DA),
        ("DA", b"20200101-20201231", DateRange.parse("20200101-20201231"), DateRange),
        ("TM", b"1010", dt.time(10, 10), TM),
        ("TM", b"10:10:10", dt.time(10, 10, 10), TM),
        ("TM", b"1010-1100 ", TimeRange.parse("1010-1100"), TimeRange),
        ("DT", b"2020", dt.datetime(2020, 1, 1), DT),
        ("DT", b"2020-", DateTimeRange.parse("2020-"), DateTimeRange),
        ("DT", b"-2020 ", DateTimeRange.parse("-2020"), DateTimeRange),
        ("DT", b"2020-2021 ", DateTimeRange.parse("2020-2021"), DateTimeRange),
        ("DA", b"-20201231 ", DateRange.parse("-20201231"), DateRange),
        ("IS", b" 12\\-3 ", [12, -3], IS),
        ("DS", b" 1.50\\2e3 ", [1.5, 2000.0], DS),
    ],
)
def test_decode_text_vrs(vr: str, raw: bytes, expected: object, kind: type) -> None:
    value = decode_value(vr, raw)
    assert value == expected
    items = value if isinstance(value, list) else [value]
    if isinstance(expected, list):
        assert isinstance(value, MultiValue)
    for item in items:
        assert isinstance(item, kind), (item, kind)
    # canonical raw bytes round trip exactly when there was no stripped padding
    again = encode_value(vr, value)
    assert decode_value(vr, again) == value


def test_decode_original_strings_kept() -> None:
    assert str(decode_value("DS", b" 1.50 ")) == "1.50"
    assert encode_value("DS", decode_value("DS", b"1.50")) == b"1.50"
    assert encode_value("DA", decode_value("DA", b"1990.01.01")) == b"1990.01.01"
    assert encode_value("TM", decode_value("TM", b"070907.0705 ")) == b"070907.0705 "
    assert encode_value("IS", decode_value("IS", b"+0012 ")) == b"+0012 "


def test_empty_values() -> None:
    for vr in ("AE", "PN", "DA", "US", "OB", "AT", "UN", "XX", "OW"):
        assert decode_value(vr, b"") is None
        assert encode_value(vr, None) == b""
    assert decode_value("LO", b"  ") is None
    assert decode_value("LO", b"a\\\\b") == ["a", "", "b"]
    assert decode_value("DS", b"1\\\\2") == [1.0, None, 2.0]
    assert decode_value("PN", b"\\Doe") == [None, "Doe"]
    assert encode_value("DS", [1, None, 2]) == b"1\\\\2"
    assert encode_value("LO", []) == b""


def test_verbatim_text_for_non_conformant_values() -> None:
    cases = [
        ("LO", b"x" * 70),
        ("CS", b"lower case"),
        ("UI", b"1.2.abc\x00"),
        ("DA", b"20201301"),
        ("DA", b"UNKNOWN "),
        ("TM", b"2500"),
        ("DT", b"2020-13 "),
        ("IS", b"1.5 "),
        ("DS", b"1,5 "),
        ("AS", b"18 Y"),
        ("AE", b"A" * 18),
        ("SH", b"tab\theee"),
        ("CS", b"\xe9T\xe9T"),  # 8-bit bytes in a default repertoire VR are kept (as Latin-1)
    ]
    for vr, raw in cases:
        value = decode_value(vr, raw)
        assert isinstance(value, VerbatimText), (vr, raw, value)
        assert value.vr == vr and value.problems
        assert validate_value(vr, value)
        assert encode_value(vr, value) == raw  # nothing lost
        with pytest.raises(InvalidValueError):
            encode_value(vr, str(value))  # a plain str is checked strictly


def test_pn_with_too_many_components_round_trips() -> None:
    raw = b"a^b^c^d^e^f^g "
    pn = decode_value("PN", raw)
    assert isinstance(pn, PersonName) and pn.problems()
    assert encode_value("PN", pn) == raw


def test_decode_charset_vrs_only() -> None:
    cs = ("ISO_IR 100",)
    assert decode_value("LO", "Müller".encode("latin_1"), charsets=cs) == "Müller"
    assert decode_value("PN", "Müller^Jörg".encode("latin_1"), charsets=cs) == "Müller^Jörg"
    # UI, CS, AE never use the Specific Character Set
    assert decode_value("CS", b"ABC", charsets=("KLINGON",)) == "ABC"
    with pytest.raises(CharacterSetError):
        decode_value("LO", b"\xff\xfe", charsets=("ISO_IR 192",))
    with pytest.warns(UserWarning):
        assert decode_value("LO", b"a\xff", charsets=("ISO_IR 192",), errors="replace") == "a\ufffd"


def test_memoryview_input() -> None:
    assert decode_value("LO", memoryview(b"abc ")) == "abc"
    assert decode_value("US", memoryview(b"\x01\x00")) == 1
    assert decode_value("OB", memoryview(b"\x01\x02")) == b"\x01\x02"
    assert decode_value("OW", memoryview(b"\x01\x02"), little_endian=False) == b"\x02\x01"


# --- binary VRs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vr, fmt",
    [
        ("US", "H"),
        ("SS", "h"),
        ("UL", "I"),
        ("SL", "i"),
        ("UV", "Q"),
        ("SV", "q"),
        ("FL", "f"),
        ("FD", "d"),
    ],
)
@pytest.mark.parametrize("little_endian", [True, False])
@pytest.mark.parametrize("count", [1, 2, 33, 1000])
def test_numbers_against_numpy(vr: str, fmt: str, little_endian: bool, count: int) -> None:
    rng = np.random.default_rng(count)
    raw = rng.integers(0, 256, size=count * struct.calcsize(fmt), dtype=np.uint8).tobytes()
    dtype = np.dtype(fmt).newbyteorder("<" if little_endian else ">")
    expected = np.frombuffer(raw, dtype=dtype).tolist()
    value = decode_value(vr, raw, little_endian=little_endian)
    if count == 1:
        assert not isinstance(value, list)
        value = [value]
    else:
        assert isinstance(value, MultiValue)
    np.testing.assert_array_equal(
        np.array(value, dtype=np.float64 if fmt in "fd" else object),
        np.array(expected, dtype=np.float64 if fmt in "fd" else object),
    )
    if fmt not in "fd":  # NaN payloads aside, the bytes come back
        assert (
            encode_value(vr, value if count > 1 else value[0], little_endian=little_endian) == raw
        )


def test_numbers_encode_types_and_ranges() -> None:
    assert encode_value("US", 1) == b"\x01\x00"
    assert encode_value("US", [1, 2]) == b"\x01\x00\x02\x00"
    assert encode_value("US", (1, 2), little_endian=False) == b"\x00\x01\x00\x02"
    assert encode_value("US", np.uint16(5)) == b"\x05\x00"
    assert encode_value("SS", np.array([-1, 2], dtype=np.int16)) == b"\xff\xff\x02\x00"
    assert encode_value("FD", 1) == struct.pack("<d", 1.0)
    assert encode_value("FL", [np.float32(0.5)]) == struct.pack("<f", 0.5)
    for vr, bad in [
        ("US", -1),
        ("US", 65536),
        ("SS", 40000),
        ("UL", 2**32),
        ("SV", 2**63),
        ("UV", -1),
        ("US", 1.5),
        ("US", "1"),
        ("FL", 1e40),
        ("FD", "x"),
        ("US", [1, "a"]),
        ("SL", b"\x00\x00\x00\x00"),
    ]:
        with pytest.raises(InvalidValueError) as info:
            encode_value(vr, bad)
        assert info.value.context.get("vr") == vr


def test_binary_length_errors() -> None:
    with pytest.raises(DecodeError):
        decode_value("US", b"\x01\x00\x02")
    with pytest.raises(DecodeError):
        decode_value("FD", b"\x00" * 12)
    with pytest.raises(DecodeError):
        decode_value("AT", b"\x00" * 6)
    with pytest.raises(DecodeError):
        decode_value("OF", b"\x00" * 6, little_endian=False)


def test_at() -> None:
    raw = b"\x18\x00\xff\x00"  # PS3.5 Table 6.2-1 example: (0018,00FF) little endian
    assert decode_value("AT", raw) == Tag(0x001800FF)
    assert isinstance(decode_value("AT", raw), Tag)
    assert decode_value("AT", b"\x00\x18\x00\xff", little_endian=False) == 0x001800FF
    assert encode_value("AT", 0x001800FF) == raw
    assert encode_value("AT", Tag(0x0018, 0x00FF), little_endian=False) == b"\x00\x18\x00\xff"
    two = decode_value("AT", raw * 2)
    assert isinstance(two, MultiValue) and two == [0x001800FF] * 2
    assert encode_value("AT", two) == raw * 2
    assert encode_value("AT", "(0018,00FF)") == raw
    with pytest.raises(InvalidValueError):
        encode_value("AT", 2**32)
    with pytest.raises(InvalidValueError):
        encode_value("AT", "NotAKeyword")


def test_other_byte_and_word_vrs() -> None:
    assert decode_value("OB", b"\x01\x02\x03\x00") == b"\x01\x02\x03\x00"
    assert encode_value("OB", b"\x01\x02\x03") == b"\x01\x02\x03\x00"  # NUL padding
    assert encode_value("OB", [1, 2]) == b"\x01\x02"
    assert encode_value("OB", np.array([1, 2, 3], dtype=np.uint8)) == b"\x01\x02\x03\x00"
    assert encode_value("UN", bytearray(b"\x05")) == b"\x05\x00"
    words = bytes(range(16))
    for vr, width in (("OW", 2), ("OF", 4), ("OL", 4), ("OD", 8), ("OV", 8)):
        assert decode_value(vr, words) == words
        swapped = b"".join(words[i : i + width][::-1] for i in range(0, 16, width))
        assert decode_value(vr, swapped, little_endian=False) == words
        assert encode_value(vr, words, little_endian=False) == swapped
        assert encode_value(vr, words) == words
        with pytest.raises(InvalidValueError):
            encode_value(vr, words[:-1])
    assert encode_value("OW", np.array([1, -2], dtype=np.int16)) == b"\x01\x00\xfe\xff"
    assert encode_value("OW", np.array([1], dtype=np.uint16), little_endian=False) == b"\x00\x01"
    assert encode_value("OF", [1.0]) == struct.pack("<f", 1.0)
    with pytest.raises(InvalidValueError):
        encode_value("OW", np.array([1], dtype=np.uint8))
    with pytest.raises(InvalidValueError):
        encode_value("UN", "text")
    with pytest.raises(InvalidValueError):
        encode_value("OB", 3.5)


def test_sq_and_unknown_vr() -> None:
    with pytest.raises(DecodeError):
        decode_value("SQ", b"\x00\x00")
    with pytest.raises(EncodeError):
        encode_value("SQ", [1])
    assert decode_value("ZZ", b"\x01\x02") == b"\x01\x02"
    assert encode_value("ZZ", b"\x01") == b"\x01\x00"
    with pytest.raises(InvalidValueError):
        encode_value("ZZ", "text")


# --- encoding text ---------------------------------------------------------------------------


def test_encode_text_types() -> None:
    assert encode_value("UI", "1.2.3") == b"1.2.3\x00"  # UI: NUL padding
    assert encode_value("UI", UID("1.2")) == b"1.2\x00"
    assert encode_value("UI", ["1.2", "1.3"]) == b"1.2\\1.3\x00"
    assert encode_value("CS", "A") == b"A "  # others: SPACE padding
    assert encode_value("CS", "A\\B") == b"A\\B "  # a str with '\' is already joined values
    assert encode_value("LT", "a\\b") == b"a\\b "  # but not for the text VRs
    assert encode_value("DA", dt.date(2020, 1, 2)) == b"20200102"
    assert encode_value("DA", dt.datetime(2020, 1, 2, 3)) == b"20200102"
    assert encode_value("DA", "20200101-") == b"20200101- "
    assert encode_value("DA", DateRange(dt.date(2020, 1, 1), dt.date(2020, 2, 1))) == (
        b"20200101-20200201 "
    )
    assert encode_value("TM", dt.time(1, 2, 3, 4)) == b"010203.000004 "
    assert encode_value("DT", dt.datetime(2020, 1, 2, 3, 4, 5)) == b"20200102030405"
    assert encode_value("DT", dt.date(2020, 1, 2)) == b"20200102"
    assert encode_value("DT", "2007-0500") == b"2007-0500 "
    assert encode_value("IS", 5) == b"5 "
    assert encode_value("IS", [1, 2.0, np.int64(3), Decimal(4)]) == b"1\\2\\3\\4 "
    assert encode_value("DS", 0.1) == b"0.1 "
    assert encode_value("DS", [1, Decimal("2.50"), np.float32(0.5), "3"]) == b"1\\2.50\\0.5\\3"
    assert encode_value("DS", DS(1.0 / 3)) == b"0.33333333333333"
    assert encode_value("PN", PersonName.from_components(family="Doe")) == b"Doe "
    assert encode_value("PN", ["a", PersonName("b")]) == b"a\\b "
    assert encode_value("LO", "Müller", charsets=("ISO_IR 100",)) == b"M\xfcller"
    assert encode_value("UT", ["only"]) == b"only"


@pytest.mark.parametrize(
    "vr, value",
    [
        ("AE", "A" * 17),
        ("AE", "   "),
        ("AE", 5),
        ("AS", "18Y"),
        ("CS", "lower"),
        ("CS", "X" * 17),
        ("SH", "x" * 17),
        ("LO", "x" * 65),
        ("LO", "bad\nline"),
        ("ST", "x" * 1025),
        ("LT", "bell\x07"),
        ("UI", "1.2.a"),
        ("UI", "1." * 33),
        ("UR", " leading"),
        ("UR", "a b"),
        ("DA", "2020"),
        ("DA", "2020-01-01"),
        ("DA", 20200101),
        ("DA", "1990.01.01"),  # legacy form is read, never written from a plain str
        ("TM", "2400"),
        ("TM", dt.datetime(2020, 1, 1)),
        ("TM", dt.time(1, tzinfo=dt.UTC)),
        ("DT", "20201301"),
        ("DT", 3),
        ("IS", "1.5"),
        ("IS", 2**31),
        ("IS", 1.5),
        ("IS", True),
        ("IS", "x" * 13),
        ("DS", float("inf")),
        ("DS", "1,5"),
        ("DS", "1" * 17),
        ("DS", object()),
        ("PN", "a=b=c=d"),
        ("PN", 3),
        ("LT", ["a", "b"]),
        ("LO", b"bytes"),
    ],
)
def test_encode_invalid(vr: str, value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        encode_value(vr, value)
    assert info.value.context.get("vr") == vr
    assert validate_value(vr, value)


def test_encode_charset_errors() -> None:
    with pytest.raises(CharacterSetError):
        encode_value("LO", "山", charsets=("ISO_IR 100",))
    with pytest.raises(InvalidValueError):
        encode_value("CS", "É")  # CS is default repertoire only
    with pytest.warns(UserWarning):
        assert encode_value("LO", "a山", charsets=("ISO_IR 100",), errors="replace") == b"a?"


def test_validate_value() -> None:
    assert validate_value("CS", "ORIGINAL") == []
    assert validate_value("CS", ["ORIGINAL", "primary"])
    assert validate_value("UI", "1.2.840.10008.1.2") == []
    assert validate_value("UI", "1.02")  # leading zero in a component: PS3.5 9.1
    assert validate_value("UI", "1..2")
    assert validate_value("DA", DA("1990.01.01"))  # legacy form: not conformant
    assert validate_value("DA", DA("19900101")) == []
    assert validate_value("TM", TM("10:10:10"))
    assert validate_value("IS", IS("1.0"))
    assert validate_value("DS", DS("1.50")) == []
    assert validate_value("DS", 1 / 3) == []
    assert validate_value("PN", PersonName("a^b^c^d^e^f"))
    assert validate_value("US", [1, 70000])
    assert validate_value("US", 5) == []
    assert validate_value("LO", "山", charsets=("ISO_IR 100",))
    assert validate_value("LO", "山", charsets=("ISO_IR 192",)) == []
    assert validate_value("UT", ["a", "b"])
    assert validate_value("SQ", 5)
    assert validate_value("AE", None) == []
    assert validate_value("DA", "20200101-20201231") == []
    assert validate_value("DT", "2007-0500") == []


def test_max_lengths_follow_vr_table() -> None:
    for vr in ("AE", "CS", "SH", "LO", "ST", "LT", "UI"):
        limit = VR(vr).max_length
        assert limit is not None
        ok = ("1" * limit) if vr in ("UI", "CS", "AE") else ("x" * limit)
        assert validate_value(vr, ok) == [], vr
        assert validate_value(vr, ok + ok[0]), vr


# --- hypothesis: decode(encode(x)) == x and encode(decode(raw)) == raw -----------------------


def _expected(vr: str, value: object) -> object:
    if vr == "DS":
        return float(DS(str(DS(value))))  # what a DS string can hold
    return value


@settings(max_examples=40, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("vr", sorted(_VALUES))
def test_round_trip_text_vrs(vr: str, data: st.DataObject) -> None:
    charsets = ("ISO_IR 192",)
    value = data.draw(_VALUES[vr])
    raw = encode_value(vr, value, charsets=charsets)
    assert len(raw) % 2 == 0
    back = decode_value(vr, raw, charsets=charsets)
    assert back == _expected(vr, value)
    assert not isinstance(back, VerbatimText)
    assert validate_value(vr, back) == []
    assert encode_value(vr, back, charsets=charsets) == raw  # canonical bytes come back
    if VR(vr).multi_valued:
        many = data.draw(st.lists(_VALUES[vr], min_size=2, max_size=4))
        raw = encode_value(vr, many, charsets=charsets)
        back = decode_value(vr, raw, charsets=charsets)
        assert isinstance(back, MultiValue)
        assert back == [_expected(vr, v) for v in many]
        assert encode_value(vr, back, charsets=charsets) == raw


@settings(max_examples=40, deadline=None)
@given(data=st.data(), little_endian=st.booleans())
@pytest.mark.parametrize("vr", sorted(_BINARY))
def test_round_trip_binary_vrs(vr: str, data: st.DataObject, little_endian: bool) -> None:
    values = data.draw(st.lists(_BINARY[vr], min_size=1, max_size=50))
    value: object = values[0] if len(values) == 1 else values
    raw = encode_value(vr, value, little_endian=little_endian)
    assert len(raw) == len(values) * VR(vr).fixed_size
    back = decode_value(vr, raw, little_endian=little_endian)
    assert back == value
    assert encode_value(vr, back, little_endian=little_endian) == raw


@settings(max_examples=40, deadline=None)
@given(data=st.data(), little_endian=st.booleans())
@pytest.mark.parametrize("vr", ["OB", "UN", "OW", "OF", "OD", "OL", "OV"])
def test_round_trip_bytes_vrs(vr: str, data: st.DataObject, little_endian: bool) -> None:
    width = {"OB": 1, "UN": 1}.get(vr) or VR(vr).fixed_size
    words = data.draw(st.integers(1, 20))
    value = data.draw(st.binary(min_size=words * width, max_size=words * width))
    raw = encode_value(vr, value, little_endian=little_endian)
    back = decode_value(vr, raw, little_endian=little_endian)
    assert back == value + b"\x00" * (len(value) % 2)
    assert encode_value(vr, back, little_endian=little_endian) == raw


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=40), vr=st.sampled_from(sorted(set(_VALUES) - {"ST", "LT", "UT"})))
def test_arbitrary_bytes_never_crash_and_round_trip(raw: bytes, vr: str) -> None:
    """Any bytes decode (maybe to VerbatimText) without an unexpected exception; if the bytes
    are canonical (even, no stripped padding) they encode back exactly."""
    try:
        value = decode_value(vr, raw, charsets=("ISO_IR 100",))
    except CharacterSetError:
        return
    again = encode_value(vr, value, charsets=("ISO_IR 100",))
    assert decode_value(vr, again, charsets=("ISO_IR 100",)) == value


# --- pydicom as an oracle for text decoding --------------------------------------------------


@pytest.mark.parametrize(
    "vr, raw",
    [
        ("DS", b" 1.50\\-2e3\\+.5 "),
        ("IS", b" 12\\-3\\+7 "),
        ("DA", b"20200131"),
        ("TM", b"070907.0705 "),
        ("DT", b"20200101101010.123+0100"),
        ("PN", b"Adams^John Robert Quincy^^Rev.^B.A. M.Div."),
        ("CS", b"ORIGINAL\\PRIMARY\\AXIAL "),
        ("UI", b"1.2.840.10008.5.1.4.1.1.2\x00"),
        ("LO", b"  lead\\trail  "),
        ("LT", b"  keep leading\r\n  "),
        ("AS", b"018M"),
    ],
)
def test_text_against_pydicom(vr: str, raw: bytes) -> None:
    from pydicom.dataelem import RawDataElement
    from pydicom.values import convert_value

    elem = RawDataElement(Tag(0x00091001), vr, len(raw), raw, 0, False, True)
    theirs = convert_value(vr, elem, ["ISO_IR 100"])
    ours = decode_value(vr, raw, charsets=("ISO_IR 100",))
    t_items = (
        list(theirs)
        if isinstance(theirs, (list, tuple)) or type(theirs).__name__ == "MultiValue"
        else [theirs]
    )
    o_items = ours if isinstance(ours, list) else [ours]
    assert len(o_items) == len(t_items)
    for o, t in zip(o_items, t_items):
        if vr in ("DA", "TM", "DT"):
            import pydicom.valuerep

            t = getattr(pydicom.valuerep, vr)(str(t))
        if vr == "LO":  # pydicom keeps leading spaces; PS3.5 says they are not significant
            t = str(t).lstrip(" ")
        if vr in ("DS", "IS"):
            assert float(o) == float(t)
        elif vr in ("DA", "TM", "DT"):
            assert o == t  # both are datetime.date/time/datetime subclasses
            assert str(o) == str(t).strip()
        else:
            assert str(o) == str(t)


def test_padding_is_vr_padding() -> None:
    odd = {
        "AE": "A",
        "CS": "A",
        "SH": "A",
        "LO": "A",
        "UC": "A",
        "ST": "A",
        "LT": "A",
        "UT": "A",
        "UR": "A",
        "PN": "A",
        "UI": "1",
        "DS": "1",
        "IS": "1",
        "DA": "20200101-",
        "TM": "1010-1011",
        "DT": "2020-2021",
        "OB": b"\x01",
        "UN": b"\x01",
    }
    for vr, value in odd.items():
        raw = encode_value(vr, value)
        assert len(raw) % 2 == 0
        assert raw[-1:] == VR(vr).padding, vr


def test_lenient_parsers_do_not_accept_non_ascii_digits_or_whitespace() -> None:
    # int() and float() accept "٣" and "1\t"; IS and DS must not
    assert isinstance(decode_value("IS", "٣".encode()), VerbatimText)
    assert isinstance(decode_value("IS", b"0\x85"), VerbatimText)
    assert isinstance(decode_value("DS", b"1\t"), VerbatimText)
    with pytest.raises(InvalidValueError):
        IS("٣")
    with pytest.raises(InvalidValueError):
        DS("1\t")
    with pytest.raises(InvalidValueError):
        DA("２０２０.０１.０１")


def test_empty_values_inside_multi_valued_strings() -> None:
    for vr in ("AS", "CS", "UI", "AE", "DA", "PN", "IS"):
        raw = encode_value(vr, ["", None])
        assert raw == b"\\ " if vr != "UI" else b"\\\x00"
    value = decode_value("AS", b"\\018M")
    assert value == ["", "018M"]
    assert encode_value("AS", value) == b"\\018M "
    assert encode_value("CS", "") == b""
    assert encode_value("CS", "A\\\\B") == b"A\\\\B"


def test_vr_enum_members_work_as_keys() -> None:
    assert decode_value(VR.US, b"\x01\x00") == 1
    assert encode_value(VR.UI, "1.2") == b"1.2\x00"
    assert validate_value(VR.CS, "bad") != []
