"""DICOM files (PS3.10 7): preamble, DICM, File Meta Information, mmap, transfer syntax guess."""

from __future__ import annotations

import io
import mmap
import os
import struct
import warnings
from pathlib import Path

import pytest

import dicomgen
from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DecodeError, DicomError, EncodeError, TransferSyntaxError
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
from dicomgen.encoding.writer import encode_dataset
from dicomgen.media.part10 import (
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
    FileMeta,
    read,
    write,
)

CT = "1.2.840.10008.5.1.4.1.1.2"


def _ct() -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = CT
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.9.9999.1"
    ds.PatientName = "Doe^John"
    ds.PatientID = "P1"
    ds.Rows = 2
    ds.Columns = 2
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.add_new(0x7FE00010, "OW", struct.pack("<4H", 1, 2, 3, 4))
    return ds


def test_public_names() -> None:
    assert dicomgen.read is read and dicomgen.write is write and dicomgen.FileMeta is FileMeta


@pytest.mark.parametrize("ts", [ILE, ELE, EBE, DEFL])
def test_write_layout_and_read_back(tmp_path: Path, ts: str) -> None:
    path = tmp_path / "ct.dcm"
    write(path, _ct(), ts)
    data = path.read_bytes()
    assert data[:128] == b"\x00" * 128 and data[128:132] == b"DICM"
    # (0002,0000) UL 4 <group length>
    assert data[132:140] == bytes.fromhex("02000000") + b"UL\x04\x00"
    (glen,) = struct.unpack_from("<I", data, 140)
    ds = read(path)
    meta = ds.file_meta
    assert isinstance(meta, FileMeta)
    # the group length is the length of the rest of group 0002 (PS3.10 7.1)
    meta_end = 144 + glen
    assert data[meta_end : meta_end + 2] != b"\x02\x00"
    assert meta.transfer_syntax_uid == ts
    assert str(meta.MediaStorageSOPClassUID) == CT
    assert str(meta.MediaStorageSOPInstanceUID) == "1.2.826.0.1.3680043.9.9999.1"
    assert str(meta.ImplementationClassUID) == IMPLEMENTATION_CLASS_UID
    assert str(meta.ImplementationVersionName) == IMPLEMENTATION_VERSION_NAME
    assert meta.FileMetaInformationVersion == b"\x00\x01"
    assert meta[0x00020000].value == glen
    assert str(ds.PatientName) == "Doe^John" and ds.Rows == 2
    assert ds[0x7FE00010].value == struct.pack("<4H", 1, 2, 3, 4)
    assert ds.read_transfer_syntax == ts


def test_default_transfer_syntax_is_the_one_read(tmp_path: Path) -> None:
    write(tmp_path / "a.dcm", _ct(), EBE)
    ds = read(tmp_path / "a.dcm")
    ds.PatientID = "P2"
    write(tmp_path / "b.dcm", ds)
    back = read(tmp_path / "b.dcm")
    assert back.file_meta.transfer_syntax_uid == EBE and back.PatientID == "P2"


def test_rewrite_is_byte_identical(tmp_path: Path) -> None:
    write(tmp_path / "a.dcm", _ct(), ELE)
    ds = read(tmp_path / "a.dcm")
    ds.decode_all()
    buf = io.BytesIO()
    write(buf, ds)
    assert buf.getvalue() == (tmp_path / "a.dcm").read_bytes()


def test_meta_needs_sop_uids() -> None:
    ds = Dataset()
    ds.PatientName = "x"
    with pytest.raises(EncodeError, match="SOP Class UID"):
        write(io.BytesIO(), ds)


def test_native_vs_encapsulated_mismatch() -> None:
    with pytest.raises(EncodeError, match="encapsulated"):
        write(io.BytesIO(), _ct(), "1.2.840.10008.1.2.4.50")


@pytest.mark.parametrize("ts", [ILE, ELE, EBE])
def test_bare_data_set_without_meta(ts: str) -> None:
    ds = read(encode_dataset(_ct(), ts))
    assert ds.file_meta is None and ds.preamble is None
    assert ds.read_transfer_syntax == ts
    assert str(ds.PatientName) == "Doe^John"


def test_dicm_without_preamble() -> None:
    buf = io.BytesIO()
    write(buf, _ct(), ELE)
    ds = read(buf.getvalue()[128:])
    assert ds.preamble is None and ds.file_meta.transfer_syntax_uid == ELE


def test_meta_without_transfer_syntax_guesses() -> None:
    buf = io.BytesIO()
    write(buf, _ct(), ILE)
    data = bytearray(buf.getvalue())
    i = data.index(b"\x02\x00\x10\x00UI")
    # rename (0002,0010) to (0002,0011) (an unused tag): no Transfer Syntax UID any more
    data[i + 2] = 0x11
    ds = read(bytes(data))
    assert ds.read_transfer_syntax == ILE and ds.Rows == 2


def test_unknown_transfer_syntax_in_meta() -> None:
    buf = io.BytesIO()
    write(buf, _ct(), ELE)
    data = buf.getvalue().replace(b"1.2.840.10008.1.2.1\x00", b"1.2.840.99999.9.9.9\x00")
    with pytest.raises(TransferSyntaxError, match="1.2.840.99999.9.9.9"):
        read(data)


@pytest.mark.parametrize("data", [b"", b"hello world, this is not DICOM", b"\x00" * 50])
def test_not_dicom(data: bytes) -> None:
    with pytest.raises(DicomError):
        read(data)


def test_errors_name_the_path(tmp_path: Path) -> None:
    p = tmp_path / "broken.dcm"
    buf = io.BytesIO()
    write(buf, _ct(), ELE)
    p.write_bytes(buf.getvalue()[:-3])
    with pytest.raises(DecodeError) as info:
        read(p)
    assert str(p) in str(info.value) and info.value.tag == 0x7FE00010
    with pytest.raises(DecodeError, match="cannot open"):
        read(tmp_path / "missing.dcm")


def test_stop_before_pixels() -> None:
    buf = io.BytesIO()
    write(buf, _ct(), ELE)
    ds = read(buf.getvalue(), stop_before_pixels=True)
    assert 0x7FE00010 not in ds and ds.Rows == 2


def test_read_from_file_object(tmp_path: Path) -> None:
    write(tmp_path / "a.dcm", _ct(), ELE)
    with open(tmp_path / "a.dcm", "rb") as f:
        ds = read(f)
    assert ds.PatientID == "P1"


def test_large_file_is_memory_mapped_and_pixel_data_not_copied(tmp_path: Path) -> None:
    ds = _ct()
    ds.Rows = 512
    ds.Columns = 512
    ds.NumberOfFrames = 40
    frame = 512 * 512 * 2
    ds.add_new(0x7FE00010, "OW", bytes(range(256)) * (frame * 40 // 256))
    path = tmp_path / "big.dcm"
    write(path, ds, ELE)
    back = read(path, defer_size=1 << 20)
    raw = back[0x7FE00010].raw
    assert isinstance(raw, memoryview) and isinstance(raw.obj, mmap.mmap)
    assert len(raw) == frame * 40
    assert bytes(raw[frame * 7 : frame * 7 + 4]) == bytes(range(4))
    small = read(path, defer_size=None)
    assert not isinstance(small[0x7FE00010].raw.obj, mmap.mmap)


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0  # pragma: no cover


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_one_gigabyte_file_frame_500_small_memory(tmp_path: Path) -> None:
    """Open a 1 GB multi-frame file and touch frame 500: < 50 MB more resident memory."""
    rows = cols = 1024
    frames = 512
    frame = rows * cols * 2
    path = tmp_path / "huge.dcm"
    ds = _ct()
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    head = io.BytesIO()
    write(head, ds, ELE)
    data = head.getvalue()
    # replace the small pixel data by a 1 GiB OW header and stream zero frames to disk
    cut = data.index(bytes.fromhex("e07f1000") + b"OW")
    with open(path, "wb") as f:
        f.write(data[:cut])
        f.write(bytes.fromhex("e07f1000") + b"OW\x00\x00" + struct.pack("<I", frame * frames))
        block = b"\x01\x02" * (frame // 2)
        for i in range(frames):
            f.write(block if i != 500 else b"\x05\x00" * (frame // 2))
    warnings.simplefilter("ignore")
    before = _rss_mb()
    big = read(path)
    raw = big[0x7FE00010].raw
    assert isinstance(raw.obj, mmap.mmap)
    f500 = raw[frame * 500 : frame * 501]
    assert bytes(f500[:4]) == b"\x05\x00\x05\x00" and sum(bytes(f500[-64:])) == 5 * 32
    from dicomgen.pixels import Frames  # frame access on top of the lazy element

    arr = Frames(big)[500]
    assert arr.shape == (rows, cols) and int(arr.max()) == 5 and int(arr.min()) == 5
    assert _rss_mb() - before < 50


def test_scan_meta_gives_what_read_meta_reads() -> None:
    from dicomgen.media.part10 import _read_meta, scan_meta

    buf = io.BytesIO()
    write(buf, _ct(), ELE)
    data = memoryview(buf.getvalue())
    raw, end = scan_meta(data, 132)
    meta, end2 = _read_meta(data, 132)
    assert end == end2 and data[end : end + 2] == b"\x08\x00"  # group 0008 follows
    assert sorted(raw) == sorted(meta.keys())
    assert raw[0x00020010] == ("UI", memoryview(ELE.encode() + b"\x00"))
    for tag, (vr, value) in raw.items():
        assert (meta[tag].vr, bytes(meta[tag].raw_if_unchanged())) == (vr, bytes(value))
