"""Dataset and DataElement: mapping, keyword attributes, lazy values, private blocks."""

from __future__ import annotations

import pytest

from dicomgen.core.dataset import Dataset, PrivateBlock, dictionary_vr, resolve_ambiguous_vr
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DicomKeyError, InvalidValueError
from dicomgen.core.tag import Tag
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset

ELE = "1.2.840.10008.1.2.1"


def test_keyword_attributes_create_with_dictionary_vr() -> None:
    ds = Dataset()
    ds.PatientName = "Doe^John"
    e = ds[0x00100010]
    assert e.vr == "PN" and e.keyword == "PatientName" and e.name == "Patient's Name"
    assert isinstance(e.tag, Tag) and e.tag == 0x00100010
    assert ds.PatientName == "Doe^John"
    assert ds["PatientName"] is e and ds[Tag(0x00100010)] is e
    ds.PatientName = "Roe^Jane"  # existing element: value replaced, VR kept
    assert ds[0x00100010] is e and str(e.value) == "Roe^Jane"
    del ds.PatientName
    assert "PatientName" not in ds and 0x00100010 not in ds


def test_unknown_attribute_is_an_error() -> None:
    ds = Dataset()
    with pytest.raises(AttributeError):
        ds.PatientNmae = "x"
    with pytest.raises(AttributeError):
        _ = ds.PatientName  # a keyword, but absent
    with pytest.raises(AttributeError):
        _ = ds.nothing


def test_iteration_in_tag_order() -> None:
    ds = Dataset()
    ds.PatientID = "1"
    ds.Modality = "CT"
    ds.add_new(0x00091010, "LO", "p")
    ds.SOPClassUID = "1.2"
    assert list(ds) == [0x00080016, 0x00080060, 0x00091010, 0x00100020]
    assert [e.tag for e in ds.values()] == list(ds.keys())
    assert len(ds) == 4


def test_get_and_get_value() -> None:
    ds = Dataset()
    ds.PatientID = "7"
    assert ds.get("PatientID") is ds[0x00100020]
    assert ds.get(0x00100010) is None and ds.get("PatientName", 5) == 5
    assert ds.get_value("PatientID") == "7" and ds.get_value("PatientName", "-") == "-"
    with pytest.raises(DicomKeyError):
        ds["PatientName"]
    with pytest.raises(DicomKeyError):
        ds["NotAKeyword"]


def test_setitem_checks() -> None:
    ds = Dataset()
    with pytest.raises(InvalidValueError):
        ds[0x00100010] = "Doe"  # type: ignore[assignment]
    with pytest.raises(InvalidValueError):
        ds[0x00100020] = DataElement(0x00100010, "PN", "x")
    with pytest.raises(InvalidValueError):
        ds.add_new(0x00100010, "XX", "x")


def test_sequences_are_lists_of_datasets() -> None:
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3"
    ds = Dataset()
    ds.ReferencedImageSequence = [item]
    assert ds[0x00081140].vr == "SQ"
    assert ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID == "1.2.3"
    ds.ReferencedImageSequence.append(Dataset())
    back = decode_dataset(encode_dataset(ds, ELE), ELE)
    assert len(back.ReferencedImageSequence) == 2
    walked = [(depth, e.tag) for depth, e in back.walk()]
    assert walked == [(0, 0x00081140), (1, 0x00081155)]


def test_private_blocks() -> None:
    ds = Dataset()
    block = ds.private_block(0x0029, "ACME 1.0", create=True)
    assert isinstance(block, PrivateBlock) and block.block == 0x10
    block.add_new(0x01, "LO", "hello")
    assert ds[0x00290010].value == "ACME 1.0" and ds[0x00291001].value == "hello"
    other = ds.private_block(0x0029, "OTHER", create=True)
    other.add_new(0x01, "US", 5)
    assert other.block == 0x11 and ds[0x00291101].value == 5
    again = decode_dataset(encode_dataset(ds, ELE), ELE)
    b = again.private_block(0x0029, "ACME 1.0")
    assert b[0x01].value == "hello" and 0x01 in b and [e.tag for e in b] == [0x00291001]
    assert again.private_creators(0x0029) == {0x10: "ACME 1.0", 0x11: "OTHER"}
    with pytest.raises(DicomKeyError):
        again.private_block(0x0029, "MISSING")
    with pytest.raises(InvalidValueError):
        again.private_block(0x0010, "X")
    assert (
        again[0x00291001].name == "Private tag data" and again[0x00290010].name == "Private Creator"
    )


def test_lazy_decoding_keeps_raw() -> None:
    ds = decode_dataset(encode_dataset(_sample(), ELE), ELE)
    e = ds[0x00100010]
    assert not e.is_decoded and isinstance(e.raw, memoryview)
    assert str(e.value) == "Doe^John" and e.is_decoded and e.raw is not None
    e.value = "X^Y"
    assert e.raw is None


def test_raw_state_is_raw_byte_order_and_charsets_while_unchanged() -> None:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "Doe^John"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    read = decode_dataset(encode_dataset(ds, ELE), ELE)
    name, kinds = read[0x00100010], read[0x00080008]
    raw, le, charsets = name.raw_state()
    assert bytes(raw) == b"Doe^John" and le is True and charsets == ("ISO_IR 100",)
    assert kinds.raw_state()[0] is kinds.raw
    kinds.value.append("AXIAL")  # mutated in place: raw no longer says the value
    assert kinds.raw_state() is None and kinds.raw_if_unchanged() is None
    name.value = "X^Y"
    assert name.raw_state() is None
    assert ds[0x00100010].raw_state() is None  # built, never read


@pytest.mark.parametrize(
    "raw",
    [b"1.2.3\x00", b" 1.2.3 ", b"1.2\\3.4", b"", b"\\1.2", b"1.2.3 \\ 4", b"abc", b"\\",
     b"1.2.\xe9", b"\x001.2\x00"],
)  # fmt: skip
def test_first_text_of_an_undecoded_uid_is_that_of_its_value(raw: bytes) -> None:
    def element() -> DataElement:
        return DataElement.from_raw(0x00080018, "UI", memoryview(raw))

    fast, decoded = Dataset([element()]), Dataset([element()])
    _ = decoded[0x00080018].value  # decoded first: the general path
    assert fast.first_text(0x00080018) == decoded.first_text(0x00080018)
    assert not fast[0x00080018].is_decoded or not raw.isascii()


def _sample() -> Dataset:
    ds = Dataset()
    ds.PatientName = "Doe^John"
    ds.PatientID = "1"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    return ds


def test_equality_and_copy() -> None:
    a = _sample()
    b = decode_dataset(encode_dataset(a, ELE), ELE)
    assert a == b
    c = b.copy()
    assert c == b
    c.PatientID = "2"
    assert c != b and b.PatientID == "1"


def test_vm_and_empty() -> None:
    ds = decode_dataset(encode_dataset(_sample(), ELE), ELE)
    assert ds[0x00080008].vm == 2 and ds[0x00100010].vm == 1
    ds.PatientID = None
    assert ds[0x00100020].vm == 0 and ds[0x00100020].is_empty


def test_dictionary_vr_rules() -> None:
    assert dictionary_vr(0x00100010) == "PN"
    assert dictionary_vr(0x00090010) == "LO"  # private creator (PS3.5 7.8.1)
    assert dictionary_vr(0x00091001) == "UN"
    assert dictionary_vr(0x00100000) == "UL"  # group length
    px = Dataset()
    px.PixelRepresentation = 1
    px.BitsAllocated = 16
    assert resolve_ambiguous_vr(0x00280106, ("US", "SS"), [px]) == "SS"
    assert resolve_ambiguous_vr(0x00280106, ("US", "SS"), [Dataset()]) == "US"
    assert resolve_ambiguous_vr(0x7FE00010, ("OB", "OW"), [px]) == "OW"
    px.BitsAllocated = 8
    assert resolve_ambiguous_vr(0x7FE00010, ("OB", "OW"), [px]) == "OB"
    assert resolve_ambiguous_vr(0x7FE00010, ("OB", "OW"), [px], implicit=True) == "OW"
    assert resolve_ambiguous_vr(0x60003000, ("OB", "OW"), [px]) == "OW"
    lut = Dataset()
    lut.LUTDescriptor = [1, 0, 16]
    assert resolve_ambiguous_vr(0x00283006, ("US", "OW"), [lut]) == "US"
    lut.LUTDescriptor = [256, 0, 16]
    assert resolve_ambiguous_vr(0x00283006, ("US", "OW"), [lut]) == "OW"


def test_setting_ambiguous_keyword_uses_pixel_representation() -> None:
    ds = Dataset()
    ds.PixelRepresentation = 1
    ds.SmallestImagePixelValue = -3
    assert ds[0x00280106].vr == "SS"


def test_repr_does_not_fail() -> None:
    ds = decode_dataset(encode_dataset(_sample(), ELE), ELE)
    text = repr(ds)
    assert "PatientName" in text and "(0010,0010)" in text


def test_pickle_and_deepcopy() -> None:
    import copy
    import pickle

    ds = decode_dataset(encode_dataset(_sample(), ELE), ELE)
    for clone in (pickle.loads(pickle.dumps(ds)), copy.deepcopy(ds)):
        assert clone == ds and str(clone.PatientName) == "Doe^John"
        assert encode_dataset(clone, ELE) == encode_dataset(ds, ELE)
