"""The DICOM JSON reader raises DicomError for every malformed value, and it, ``to_json`` and
the Part 10 reader agree on one nesting limit (no RecursionError at any depth)."""

from __future__ import annotations

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DicomError
from dicomgen.encoding.json import from_json, from_json_str, to_json
from dicomgen.encoding.limits import MAX_DEPTH, Limits
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset

EXPLICIT = "1.2.840.10008.1.2.1"
SQ = "00081115"


def nested_json(levels: int) -> dict:
    obj: dict = {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "Deep"}]}}
    for _ in range(levels):
        obj = {SQ: {"vr": "SQ", "Value": [obj]}}
    return obj


def nested_dataset(levels: int) -> Dataset:
    ds = Dataset()
    ds.add(DataElement(0x00100010, "PN", "Deep"))
    for _ in range(levels):
        outer = Dataset()
        outer.add(DataElement(0x00081115, "SQ", [ds]))
        ds = outer
    return ds


@pytest.mark.parametrize(
    "vr, value",
    [
        ("AT", -1),
        ("AT", "1FFFFFFFF"),
        ("AT", 4294967296),
        ("AT", "0010001G"),
        ("AT", True),
        ("AT", [1]),
        ("US", 70000),
        ("US", -1),
        ("SS", 40000),
        ("UL", 1 << 32),
        ("SL", -(1 << 31) - 1),
        ("UV", -1),
        ("US", True),
        ("US", "12"),
        ("FD", "x"),
        ("DS", {"a": 1}),
        ("PN", 5),
        ("LO", 5),
    ],
)
def test_malformed_values_raise_dicom_error(vr: str, value: object) -> None:
    with pytest.raises(DicomError):
        from_json({"00209165" if vr == "AT" else "00280010": {"vr": vr, "Value": [value]}})


def test_at_values_in_range_are_read() -> None:
    ds = from_json({"00209165": {"vr": "AT", "Value": ["00100010", "7fe00010", 0xFFFFFFFF]}})
    assert [int(t) for t in ds[0x00209165].value] == [0x00100010, 0x7FE00010, 0xFFFFFFFF]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 330, 400, 5000])
def test_json_nesting_past_the_limit_is_refused(levels: int) -> None:
    with pytest.raises(DicomError, match=f"deeper than {MAX_DEPTH}"):
        from_json(nested_json(levels))


def test_json_text_nested_past_the_parser_is_refused() -> None:
    with pytest.raises(DicomError):
        from_json_str("[" * 200_000 + "]" * 200_000)


def test_part10_and_json_agree_on_the_limit() -> None:
    at_limit = nested_dataset(MAX_DEPTH)
    assert from_json(to_json(at_limit)) is not None
    data = encode_dataset(at_limit, EXPLICIT)
    assert decode_dataset(data, EXPLICIT) is not None
    deeper = nested_dataset(MAX_DEPTH + 1)
    with pytest.raises(DicomError, match=f"deeper than {MAX_DEPTH}"):
        decode_dataset(encode_dataset(deeper, EXPLICIT), EXPLICIT)
    with pytest.raises(DicomError, match=f"deeper than {MAX_DEPTH}"):
        to_json(deeper)


def test_to_json_deep_in_memory_raises_no_recursion_error() -> None:
    with pytest.raises(DicomError):
        to_json(nested_dataset(1000))


def test_the_limit_is_configurable() -> None:
    small = Limits(max_depth=3)
    with pytest.raises(DicomError, match="deeper than 3"):
        from_json(nested_json(4), limits=small)
    with pytest.raises(DicomError, match="deeper than 3"):
        decode_dataset(encode_dataset(nested_dataset(4), EXPLICIT), EXPLICIT, limits=small)
    assert from_json(nested_json(3), limits=small) is not None


def test_element_count_limit() -> None:
    ds = Dataset()
    for i in range(40):
        ds.add(DataElement(0x00091000 + i, "LO", "x"))
    data = encode_dataset(ds, EXPLICIT)
    # a buffer larger than 8 bytes per allowed element is counted
    with pytest.raises(DicomError, match="more data elements"):
        decode_dataset(data, EXPLICIT, limits=Limits(max_elements=10))
    assert len(decode_dataset(data, EXPLICIT, limits=Limits(max_elements=100))) == 40
