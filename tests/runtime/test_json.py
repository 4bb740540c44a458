"""DICOM JSON Model (PS3.18 Annex F): to_json / from_json."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DecodeError, InvalidValueError
from dicomgen.encoding.json import (
    element_to_json,
    from_json,
    from_json_str,
    to_json,
    to_json_str,
)
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset

ELE = "1.2.840.10008.1.2.1"
EBE = "1.2.840.10008.1.2.2"


def _sample() -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Yamada^Tarou=山田^太郎=やまだ^たろう"
    ds.PatientID = "ID1"
    ds.ImageType = ["ORIGINAL", "", "AXIAL"]
    ds.InstanceNumber = 7
    ds.PixelSpacing = [0.5, 1.25]
    ds.Rows = 4
    ds.FrameIncrementPointer = 0x00181063
    ds.StudyDate = "20240102"
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3"
    ds.ReferencedImageSequence = [item]
    ds.add_new(0x7FE00010, "OW", struct.pack("<4H", 1, 2, 3, 0xFFFF))
    ds.add_new(0x00100030, "DA", None)
    return ds


def test_to_json_shapes() -> None:
    j = to_json(decode_dataset(encode_dataset(_sample(), ELE), ELE))
    assert list(j) == sorted(j)
    assert j["00100010"] == {
        "vr": "PN",
        "Value": [
            {"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}
        ],
    }
    assert j["00080008"] == {"vr": "CS", "Value": ["ORIGINAL", None, "AXIAL"]}
    assert j["00200013"] == {"vr": "IS", "Value": [7]}
    assert j["00280030"] == {"vr": "DS", "Value": [0.5, 1.25]}
    assert j["00280010"] == {"vr": "US", "Value": [4]}
    assert j["00280009"] == {"vr": "AT", "Value": ["00181063"]}
    assert j["00100030"] == {"vr": "DA"}
    assert j["00081140"]["Value"][0]["00081155"] == {"vr": "UI", "Value": ["1.2.3"]}
    assert base64.b64decode(j["7FE00010"]["InlineBinary"]) == struct.pack("<4H", 1, 2, 3, 0xFFFF)


@pytest.mark.parametrize("ts", [ELE, EBE])
def test_element_to_json_is_the_member_of_to_json(ts: str) -> None:
    ds = decode_dataset(encode_dataset(_sample(), ts), ts)
    j = to_json(ds)
    assert {f"{int(e.tag):08X}": element_to_json(e) for e in ds.elements()} == j


def test_inline_binary_is_little_endian_for_big_endian_data() -> None:
    ds = decode_dataset(encode_dataset(_sample(), EBE), EBE)
    j = to_json(ds)
    assert base64.b64decode(j["7FE00010"]["InlineBinary"]) == struct.pack("<4H", 1, 2, 3, 0xFFFF)


def test_bulk_data_uri() -> None:
    ds = _sample()
    j = to_json(ds, bulk_data_threshold=4, bulk_data_uri="http://x/bulk/{tag}")
    assert j["7FE00010"] == {"vr": "OW", "BulkDataURI": "http://x/bulk/7FE00010"}
    j2 = to_json(ds, bulk_data_threshold=4, bulk_data_uri=lambda e: f"urn:{e.tag.json_key}")
    assert j2["7FE00010"]["BulkDataURI"] == "urn:7FE00010"
    with pytest.raises(InvalidValueError):
        to_json(ds, bulk_data_threshold=4)
    back = from_json(j, bulk_data_handler=lambda tag, vr, uri: b"\x09\x00" * 4)
    assert back[0x7FE00010].value == b"\x09\x00" * 4
    with pytest.raises(DecodeError, match="BulkDataURI"):
        from_json(j)


def test_round_trip_through_json_and_bytes() -> None:
    ds = _sample()
    text = to_json_str(ds)
    back = from_json_str(text)
    assert to_json(back) == to_json(ds)
    again = decode_dataset(encode_dataset(back, ELE), ELE)
    assert to_json(again) == json.loads(text)
    assert str(again.PatientName) == "Yamada^Tarou=山田^太郎=やまだ^たろう"


def test_from_json_types() -> None:
    ds = from_json(
        {
            "00280010": {"vr": "US", "Value": [512]},
            "00280030": {"vr": "DS", "Value": [0.5, 2]},
            "00200013": {"vr": "IS", "Value": ["12"]},
            "00080060": {"vr": "CS", "Value": ["CT"]},
            "00280009": {"vr": "AT", "Value": ["00181063"]},
            "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^John"}]},
            "00081140": {"vr": "SQ", "Value": [{"00081155": {"vr": "UI", "Value": ["1.2"]}}]},
            "00091010": {"vr": "OB", "InlineBinary": base64.b64encode(b"ab").decode()},
            "00100020": {"vr": "LO"},
        }
    )
    assert ds.Rows == 512 and [float(x) for x in ds.PixelSpacing] == [0.5, 2.0]
    assert ds.InstanceNumber == 12 and ds.FrameIncrementPointer == 0x00181063
    assert str(ds.PatientName) == "Doe^John" and ds.PatientID is None
    assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID == "1.2"
    assert ds[0x00091010].value == b"ab"


@pytest.mark.parametrize(
    "obj, message",
    [
        ({"0010": {"vr": "PN"}}, "8 hex digits"),
        ({"00100010": {"Value": ["x"]}}, "vr"),
        ({"00100010": {"vr": "XX"}}, "VR"),
        ({"00100010": {"vr": "PN", "Value": "x"}}, "array"),
        ({"00280010": {"vr": "US", "Value": ["a"]}}, "number"),
        ({"00091010": {"vr": "OB", "InlineBinary": "!!"}}, "InlineBinary"),
        ({"00081140": {"vr": "SQ", "Value": [1]}}, "not an object"),
        ([], "object"),
    ],
)
def test_from_json_errors(obj: object, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        from_json(obj)  # type: ignore[arg-type]


def test_not_json_text() -> None:
    with pytest.raises(DecodeError, match="not JSON"):
        from_json_str("{")


def test_element_without_value_round_trips() -> None:
    ds = Dataset()
    ds.add(DataElement(0x00081140, "SQ", []))
    ds.add_new(0x00100010, "PN", None)
    j = to_json(ds)
    assert j == {"00081140": {"vr": "SQ"}, "00100010": {"vr": "PN"}}
    assert to_json(from_json(j)) == j
