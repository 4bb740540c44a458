"""Data set encoding and decoding (PS3.5 7, Annex A): golden bytes, sequences, round trips."""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DecodeError, DicomError, EncodeError, TransferSyntaxError
from dicomgen.encoding.reader import DecodeWarning, decode_dataset
from dicomgen.encoding.transfer_syntax import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN as DEFL,
)
from dicomgen.encoding.transfer_syntax import (
    EXPLICIT_VR_BIG_ENDIAN as EBE,
)
from dicomgen.encoding.transfer_syntax import (
    EXPLICIT_VR_LITTLE_ENDIAN as ELE,
)
from dicomgen.encoding.transfer_syntax import (
    IMPLICIT_VR_LITTLE_ENDIAN as ILE,
)
from dicomgen.encoding.transfer_syntax import (
    register,
    resolve,
    unregister,
)
from dicomgen.encoding.writer import encode_dataset, write_dataset

UNCOMPRESSED = [ILE, ELE, EBE, DEFL]

# (0010,0010) PN "Doe^John" in each encoding (PS3.5 7.1.1-7.1.3):
GOLD_PN = {
    # tag 1000 1000 | VR "PN" | len 0008 | "Doe^John"
    ELE: bytes.fromhex("10001000") + b"PN" + b"\x08\x00" + b"Doe^John",
    # tag 0010 0010 (big endian) | "PN" | len 0008 BE
    EBE: bytes.fromhex("00100010") + b"PN" + b"\x00\x08" + b"Doe^John",
    # tag 1000 1000 | len 08000000 (no VR)
    ILE: bytes.fromhex("10001000") + b"\x08\x00\x00\x00" + b"Doe^John",
}


def _ds(**kw: object) -> Dataset:
    ds = Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds


@pytest.mark.parametrize("ts", [ILE, ELE, EBE])
def test_golden_person_name(ts: str) -> None:
    ds = _ds(PatientName="Doe^John")
    assert encode_dataset(ds, ts) == GOLD_PN[ts]
    back = decode_dataset(GOLD_PN[ts], ts)
    assert str(back.PatientName) == "Doe^John"
    assert back[0x00100010].vr == "PN"


def test_golden_long_vr_and_us() -> None:
    ds = Dataset()
    ds.add_new(0x00280010, "US", 512)  # Rows
    ds.add_new(0x7FE00010, "OW", b"\x01\x02\x03\x04")
    data = encode_dataset(ds, ELE)
    # (0028,0010) US len 2 = 0x0200 | (7FE0,0010) OW 0000 len 4 | 01020304
    assert data == (
        bytes.fromhex("28001000")
        + b"US\x02\x00"
        + b"\x00\x02"
        + bytes.fromhex("e07f1000")
        + b"OW\x00\x00\x04\x00\x00\x00"
        + b"\x01\x02\x03\x04"
    )
    be = encode_dataset(ds, EBE)
    # OW words swapped in big endian (PS3.5 7.3)
    assert be.endswith(b"\x02\x01\x04\x03")
    back = decode_dataset(be, EBE)
    assert back.Rows == 512
    assert back[0x7FE00010].value == b"\x01\x02\x03\x04"


@pytest.mark.parametrize("vr", ["OB", "UN"])
def test_odd_length_bytes_padded_with_nul(vr: str) -> None:
    """PS3.5 7.1.1: every Value Field has even length; OB and UN are padded with one NUL."""
    ds = Dataset()
    ds.add_new(0x00420011, vr, b"%PDF")  # even: written as given
    ds.add_new(0x00421011, vr, b"abc")  # odd
    data = encode_dataset(ds, ELE)
    assert data.endswith(b"\x04\x00\x00\x00abc\x00"), data
    assert b"\x04\x00\x00\x00%PDF" in data
    assert decode_dataset(data, ELE)[0x00421011].value == b"abc\x00"


def _seq_ds(undefined: bool | None) -> Dataset:
    item = _ds(ReferencedSOPClassUID="1.2.3", ReferencedSOPInstanceUID="1.2.3.4")
    item.item_undefined_length = undefined
    ds = _ds(PatientID="42")
    ds.add(DataElement(0x00081140, "SQ", [item], undefined_length=bool(undefined)))
    return ds


def test_sequence_defined_length_bytes() -> None:
    data = encode_dataset(_seq_ds(None), ELE)
    # PatientID "42" then SQ (0008,1140) is before it? no: tags sort -> SQ first.
    sq = bytes.fromhex("08004011") + b"SQ\x00\x00"
    assert data.startswith(sq)
    (sq_len,) = struct.unpack_from("<I", data, 8)
    # item: FFFE,E000 + defined length
    assert data[12:16] == bytes.fromhex("feff00e0")
    (item_len,) = struct.unpack_from("<I", data, 16)
    assert sq_len == item_len + 8
    assert b"\xfe\xff\x0d\xe0" not in data and b"\xfe\xff\xdd\xe0" not in data


def test_sequence_undefined_length_bytes() -> None:
    data = encode_dataset(_seq_ds(True), ELE)
    assert data[8:12] == b"\xff\xff\xff\xff"
    assert data[12:20] == bytes.fromhex("feff00e0ffffffff")
    assert bytes.fromhex("feff0de000000000") in data  # item delimitation
    assert bytes.fromhex("feffdde000000000") in data  # sequence delimitation


@pytest.mark.parametrize("ts", UNCOMPRESSED)
@pytest.mark.parametrize("undefined", [None, True])
def test_sequence_round_trip_keeps_form(ts: str, undefined: bool | None) -> None:
    ds = _seq_ds(undefined)
    data = encode_dataset(ds, ts)
    back = decode_dataset(data, ts)
    sq = back[0x00081140]
    assert sq.vr == "SQ" and len(sq.value) == 1
    assert sq.undefined_length == bool(undefined)
    assert sq.value[0].item_undefined_length == bool(undefined)
    assert str(sq.value[0].ReferencedSOPInstanceUID) == "1.2.3.4"
    assert encode_dataset(back, ts) == data  # written back in the form read


def test_nested_sequences_and_charset_inheritance() -> None:
    inner = _ds(PatientName="Buc^Jérôme")
    mid = Dataset()
    mid.add(DataElement(0x00081140, "SQ", [inner]))
    ds = _ds(SpecificCharacterSet="ISO_IR 100")
    ds.add(DataElement(0x00081115, "SQ", [mid]))
    for ts in UNCOMPRESSED:
        data = encode_dataset(ds, ts)
        if ts != DEFL:
            assert "Jérôme".encode("latin-1") in data  # ISO_IR 100 inherited by the items
        back = decode_dataset(data, ts)
        name = back[0x00081115].value[0][0x00081140].value[0].PatientName
        assert str(name) == "Buc^Jérôme"


def test_encapsulated_pixel_data_kept_byte_exact() -> None:
    # Basic Offset Table item (empty), two fragments, Sequence Delimitation Item (A.4)
    items = (
        bytes.fromhex("feff00e0 00000000".replace(" ", ""))
        + bytes.fromhex("feff00e0 04000000".replace(" ", ""))
        + b"\xff\xd8\xff\xd9"
        + bytes.fromhex("feff00e0 02000000".replace(" ", ""))
        + b"\xfe\xff"
    )
    data = (
        bytes.fromhex("28000001")
        + b"US\x02\x00\x08\x00"
        + bytes.fromhex("e07f1000")
        + b"OB\x00\x00\xff\xff\xff\xff"
        + items
        + bytes.fromhex("feffdde000000000")
    )
    ds = decode_dataset(data, "1.2.840.10008.1.2.4.50")
    px = ds[0x7FE00010]
    assert px.undefined_length and px.vr == "OB"
    assert bytes(px.raw) == items
    assert px.value == items
    assert encode_dataset(ds, "1.2.840.10008.1.2.4.50") == data


def test_embedded_delimiter_in_fragment() -> None:
    """A fragment whose bytes contain FFFE,E0DD does not end the pixel data early."""
    frag = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    items = bytes.fromhex("feff00e000000000") + bytes.fromhex("feff00e008000000") + frag
    data = (
        bytes.fromhex("e07f1000")
        + b"OB\x00\x00\xff\xff\xff\xff"
        + items
        + bytes.fromhex("feffdde000000000")
    )
    ds = decode_dataset(data, ELE)
    assert bytes(ds[0x7FE00010].raw) == items


@pytest.mark.parametrize("ts", [ELE, EBE, ILE])
def test_lossless_rewrite_unchanged(ts: str) -> None:
    ds = _ds(PatientName="A^B", PatientID="ID1", Rows=3, ImagePositionPatient=[1.5, -2, 3.25])
    data = encode_dataset(ds, ts)
    back = decode_dataset(data, ts)
    back.decode_all()  # decoding keeps the raw bytes
    assert encode_dataset(back, ts) == data
    back.PatientID = "ID2"
    out = encode_dataset(back, ts)
    assert out != data and str(decode_dataset(out, ts).PatientID) == "ID2"


def test_in_place_mutation_of_multivalue_is_written() -> None:
    ds = _ds(ImagePositionPatient=[1, 2, 3])
    data = encode_dataset(ds, ELE)
    back = decode_dataset(data, ELE)
    back.ImagePositionPatient[0] = 9
    again = decode_dataset(encode_dataset(back, ELE), ELE)
    assert [float(x) for x in again.ImagePositionPatient] == [9, 2, 3]


@pytest.mark.parametrize("src", UNCOMPRESSED)
@pytest.mark.parametrize("dst", UNCOMPRESSED)
def test_transcode_between_uncompressed(src: str, dst: str) -> None:
    ds = _ds(
        PatientName="Doe^John",
        Rows=2,
        Columns=2,
        BitsAllocated=16,
        PixelRepresentation=1,
        SmallestImagePixelValue=-5,
        WindowCenter=[40.5, 400],
        FrameIncrementPointer=0x00181063,
        PixelSpacing=[0.5, 0.5],
    )
    ds.add_new(0x7FE00010, "OW", struct.pack("<4h", 1, -2, 3, -4))
    ds.add_new(0x00091010, "LO", "private")  # private data: no creator, but kept
    back = decode_dataset(encode_dataset(ds, src), src)
    again = decode_dataset(encode_dataset(back, dst), dst)
    assert again.SmallestImagePixelValue == -5  # "US or SS" resolved by Pixel Representation
    assert again[0x00280106].vr == "SS"
    assert again.FrameIncrementPointer == 0x00181063
    assert again[0x7FE00010].value == struct.pack("<4h", 1, -2, 3, -4)
    assert str(again.PatientName) == "Doe^John"
    assert [float(x) for x in again.WindowCenter] == [40.5, 400]
    priv = again[0x00091010]
    assert (priv.vr, bytes(priv.raw).rstrip(b" ")) in (("LO", b"private"), ("UN", b"private"))


def test_implicit_unknown_tags_are_un_and_kept() -> None:
    data = (
        bytes.fromhex("09001010")
        + b"\x04\x00\x00\x00abcd"
        + bytes.fromhex("11002210")
        + b"\x02\x00\x00\x00xy"
    )
    ds = decode_dataset(data, ILE)
    assert ds[0x00091010].vr == "UN" and ds[0x00091010].value == b"abcd"
    assert ds[0x00111022].vr == "UN"
    assert encode_dataset(ds, ILE) == data


def test_implicit_private_sequence_of_undefined_length() -> None:
    item = bytes.fromhex("10001000") + b"\x04\x00\x00\x00A^B "
    data = (
        bytes.fromhex("09001010")
        + b"\xff\xff\xff\xff"
        + bytes.fromhex("feff00e0ffffffff")
        + item
        + bytes.fromhex("feff0de000000000")
        + bytes.fromhex("feffdde000000000")
    )
    ds = decode_dataset(data, ILE)
    sq = ds[0x00091010]
    assert sq.vr == "SQ" and sq.undefined_length
    assert str(sq.value[0].PatientName) == "A^B"
    assert encode_dataset(ds, ILE) == data


def test_un_of_undefined_length_is_implicit_sequence() -> None:
    """PS3.5 6.2.2: UN with undefined length holds a sequence in Implicit VR LE."""
    item = bytes.fromhex("10001000") + b"\x04\x00\x00\x00A^B "
    data = (
        bytes.fromhex("09001010")
        + b"UN\x00\x00\xff\xff\xff\xff"
        + bytes.fromhex("feff00e0ffffffff")
        + item
        + bytes.fromhex("feff0de000000000")
        + bytes.fromhex("feffdde000000000")
    )
    ds = decode_dataset(data, ELE)
    assert str(ds[0x00091010].value[0].PatientName) == "A^B"


def test_public_un_gets_dictionary_vr() -> None:
    data = bytes.fromhex("10002000") + b"UN\x00\x00\x04\x00\x00\x00ID42"
    ds = decode_dataset(data, ELE)
    assert ds[0x00100020].vr == "LO" and ds.PatientID == "ID42"


def test_ambiguous_pixel_data_vr_in_implicit() -> None:
    """PS3.5 A.1: Pixel Data read in Implicit VR is OW."""
    data = bytes.fromhex("e07f1000") + b"\x04\x00\x00\x00\x01\x02\x03\x04"
    ds = decode_dataset(data, ILE)
    assert ds[0x7FE00010].vr == "OW"


def test_ambiguous_us_ss_in_nested_item_uses_parent_pixel_representation() -> None:
    inner = bytes.fromhex("28000601") + b"\x02\x00\x00\x00\xfe\xff"  # -2 as SS
    seq = bytes.fromhex("feff00e0") + struct.pack("<I", len(inner)) + inner
    data = (
        bytes.fromhex("28000301")
        + b"\x02\x00\x00\x00\x01\x00"  # Pixel Representation 1
        + bytes.fromhex("40001092")
        + struct.pack("<I", len(seq))
        + seq  # an SQ (0040,9210)? no
    )
    ds = decode_dataset(data, ILE)
    sq = ds[0x00409210]
    assert sq.vr in ("SQ", "SH")  # (0040,9210) LUT Label is SH: not a sequence
    if sq.vr == "SQ":  # pragma: no cover
        assert sq.value[0][0x00280106].vr == "SS"


def test_ambiguous_us_ss_nested_real_sequence() -> None:
    inner = bytes.fromhex("28000601") + b"\x02\x00\x00\x00\xfe\xff"
    seq = bytes.fromhex("feff00e0") + struct.pack("<I", len(inner)) + inner
    data = (
        bytes.fromhex("28000301")
        + b"\x02\x00\x00\x00\x01\x00"
        + bytes.fromhex("28000090")
        + struct.pack("<I", len(seq))
        + seq  # Pixel Measures Seq (0028,9110)
    )
    data = data.replace(bytes.fromhex("28000090"), bytes.fromhex("28001091"))
    ds = decode_dataset(data, ILE)
    item = ds[0x00289110].value[0]
    assert item[0x00280106].vr == "SS" and item[0x00280106].value == -2


# --- errors -----------------------------------------------------------------------------


def test_length_past_end_names_offset_and_tag() -> None:
    data = GOLD_PN[ELE] + bytes.fromhex("10002000") + b"LO\x40\x00abc"
    with pytest.raises(DecodeError) as info:
        decode_dataset(data, ELE)
    assert info.value.tag == 0x00100020 and info.value.offset == 16
    assert "(0010,0020)" in str(info.value) and "offset 16" in str(info.value)


def test_absurd_length_does_not_allocate() -> None:
    data = bytes.fromhex("e07f1000") + b"OB\x00\x00\xfe\xff\xff\xff" + b"\x00" * 1000
    with pytest.raises(DecodeError):
        decode_dataset(data, ELE)


@pytest.mark.parametrize("cut", range(1, 16))
def test_truncated_header(cut: int) -> None:
    data = GOLD_PN[ELE] * 2
    try:
        decode_dataset(data[:-cut], ELE)
    except DecodeError as exc:
        assert exc.offset is not None
    else:  # pragma: no cover - every cut lands inside the second element
        pytest.fail("no error")


def test_unknown_vr_letters() -> None:
    data = bytes.fromhex("10001000") + b"QQ\x02\x00ab"
    with pytest.raises(DecodeError, match="unknown VR 'QQ'"):
        decode_dataset(data, ELE)


def test_implicit_element_in_explicit_stream_is_read_with_warning() -> None:
    data = GOLD_PN[ELE] + bytes.fromhex("10002000") + b"\x02\x00\x00\x00ab"
    with pytest.warns(DecodeWarning, match="implicit VR"):
        ds = decode_dataset(data, ELE)
    assert ds.PatientID == "ab"


def test_odd_length_read_with_warning() -> None:
    data = bytes.fromhex("10002000") + b"LO\x03\x00abc"
    with pytest.warns(DecodeWarning, match="odd value length"):
        ds = decode_dataset(data, ELE)
    assert ds.PatientID == "abc"
    assert encode_dataset(ds, ELE) == data  # unchanged: written back as read


@pytest.mark.parametrize(
    "data, message",
    [
        (
            bytes.fromhex("08004011")
            + b"SQ\x00\x00\xff\xff\xff\xff"
            + bytes.fromhex("feff00e0ffffffff"),
            "Item Delimitation",
        ),
        (bytes.fromhex("08004011") + b"SQ\x00\x00\xff\xff\xff\xff", "Sequence Delimitation"),
        (
            bytes.fromhex("08004011")
            + b"SQ\x00\x00\x08\x00\x00\x00"
            + bytes.fromhex("10001000")
            + b"\x00\x00\x00\x00",
            "expected an Item",
        ),
        (
            bytes.fromhex("08004011")
            + b"SQ\x00\x00\x08\x00\x00\x00"
            + bytes.fromhex("feff00e0")
            + b"\x10\x00\x00\x00",
            "runs past",
        ),
        (bytes.fromhex("feff0de000000000"), "Item Delimitation"),
        (
            bytes.fromhex("e07f1000")
            + b"OB\x00\x00\xff\xff\xff\xff"
            + bytes.fromhex("10001000")
            + b"\x00\x00\x00\x00",
            "expected an Item or Sequence",
        ),
        (bytes.fromhex("10001000") + b"PN\x00\x00", None),
    ],
)
def test_broken_items_and_delimiters(data: bytes, message: str | None) -> None:
    if message is None:  # a valid empty value
        assert decode_dataset(data, ELE).PatientName is None
        return
    with pytest.raises(DecodeError, match=message):
        decode_dataset(data, ELE)


def test_deeply_nested_is_an_error_not_a_crash() -> None:
    item_start = (
        bytes.fromhex("08004011")
        + b"SQ\x00\x00\xff\xff\xff\xff"
        + bytes.fromhex("feff00e0ffffffff")
    )
    data = item_start * 5000
    with pytest.raises(DecodeError, match="nested"):
        decode_dataset(data, ELE)


def test_unknown_transfer_syntax_and_declared_private_one() -> None:
    from dicomgen.core.registry_types import TransferSyntax

    with pytest.raises(TransferSyntaxError):
        decode_dataset(GOLD_PN[ELE], "1.2.3.4.5.6")
    register(TransferSyntax("1.2.3.4.5.6", "Private LE", "PrivateLE", False, True))
    try:
        assert str(decode_dataset(GOLD_PN[ELE], "1.2.3.4.5.6").PatientName) == "Doe^John"
        assert resolve("1.2.3.4.5.6").explicit_vr
    finally:
        unregister("1.2.3.4.5.6")


def test_encode_errors() -> None:
    ds = Dataset()
    ds.add_new(0x00281101, "US", [7] * 40000)  # 80000 bytes: too long for a 16-bit length
    with pytest.raises(EncodeError, match="too long"):
        encode_dataset(ds, ELE)
    assert len(encode_dataset(ds, ILE)) == 8 + 80000  # implicit VR has a 32-bit length
    ds2 = Dataset()
    ds2.add(DataElement(0x00081140, "SQ", ["not a dataset"]))
    with pytest.raises(EncodeError, match="not a Dataset"):
        encode_dataset(ds2, ELE)


def test_deflated_bytes_are_raw_deflate() -> None:
    import zlib

    data = encode_dataset(_ds(PatientName="Doe^John"), DEFL)
    assert zlib.decompress(data, -15) == GOLD_PN[ELE]
    with pytest.raises(DecodeError, match="deflate"):
        decode_dataset(b"\xff\xff\x00\x00garbage", DEFL)


def test_write_dataset_streams_large_values(tmp_path: Path) -> None:
    ds = _ds(PatientName="Doe^John")
    ds.add_new(0x7FE00010, "OB", b"\x07" * 200_000)
    for ts in UNCOMPRESSED:
        buf = io.BytesIO()
        n = write_dataset(buf, ds, ts)
        assert n == len(buf.getvalue())
        assert buf.getvalue() == encode_dataset(ds, ts)


def test_decode_accepts_memoryview_without_copy() -> None:
    big = bytearray(
        GOLD_PN[ELE]
        + bytes.fromhex("e07f1000")
        + b"OB\x00\x00\x00\x00\x10\x00"
        + b"\x01" * 0x100000
    )
    ds = decode_dataset(memoryview(big), ELE)
    raw = ds[0x7FE00010].raw
    assert isinstance(raw, memoryview) and raw.obj is big


def test_errors_are_dicom_errors() -> None:
    assert issubclass(DecodeError, DicomError)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DicomError):
            decode_dataset(b"\x10\x00", ELE)
