"""Reading DICOMDIRs: pydicom's dicomdirtests (dcmtk-made and variants), corruption.

pydicom is the oracle for the record offsets (``seq_item_tell``) and the referenced
files (``pydicom.fileset.FileSet``); it is only used in tests.
"""

from __future__ import annotations

import random
import shutil
import struct
import time
import warnings
from pathlib import Path

import pytest

from dicomgen.core.errors import DicomError, MediaError
from dicomgen.media.dicomdir import read_dicomdir, scan_record_items
from dicomgen.media.fileset import FileSet

pydicom = pytest.importorskip("pydicom")
from pydicom.data import get_testdata_file  # noqa: E402

DIRTESTS = Path(get_testdata_file("DICOMDIR")).parent


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _pydicom_offsets(path: Path) -> list[int]:
    ds = pydicom.dcmread(path)
    return [r.seq_item_tell for r in ds.DirectoryRecordSequence]


@pytest.mark.parametrize(
    "name", ["DICOMDIR", "DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-reordered"]
)
def test_dicomdirtests_all_records(name):
    path = DIRTESTS / name
    dd = read_dicomdir(path, strict=True)
    assert len(dd.records) == 52
    assert sum(1 for _ in dd.walk()) == 52  # every record reached from the root
    assert [r.offset for r in dd.records] == _pydicom_offsets(path)
    assert dd.fileset_id == "PYDICOM_TEST"
    types = sorted(r.record_type for _, r in dd.walk())
    oracle = sorted(r.DirectoryRecordType for r in pydicom.dcmread(path).DirectoryRecordSequence)
    assert types == oracle and types.count("IMAGE") == 31
    for _, rec in dd.walk():  # parents are one level up (PS3.3 F.4)
        if rec.record_type == "IMAGE":
            assert rec.parent.record_type == "SERIES"
            assert rec.parent.parent.record_type == "STUDY"
            assert rec.parent.parent.parent.record_type == "PATIENT"


def test_reordered_has_same_tree():
    a = read_dicomdir(DIRTESTS / "DICOMDIR")
    b = read_dicomdir(DIRTESTS / "DICOMDIR-reordered")

    def shape(dd):
        return [(d, r.record_type, r.sop_instance_uid, r.get("PatientID")) for d, r in dd.walk()]

    assert shape(a) == shape(b)
    assert [r.index for _, r in b.walk()][:4] == [3, 2, 1, 0]  # stored in reverse


def test_fileset_matches_pydicom():
    from pydicom.fileset import FileSet as PdFileSet

    ours = FileSet.read(DIRTESTS / "DICOMDIR")
    theirs = PdFileSet(DIRTESTS / "DICOMDIR")
    assert len(ours) == len(theirs) == 31
    assert {i.sop_instance_uid for i in ours} == {i.SOPInstanceUID for i in theirs}
    assert {i.file_id for i in ours} == {tuple(i.ReferencedFileID) for i in theirs}
    for inst in ours:
        ds = inst.read(stop_before_pixels=True)
        assert ds.SOPInstanceUID == inst.sop_instance_uid
    pid = "77654033"
    by_patient = ours.find(patient_id=pid)
    assert len(by_patient) == len(theirs.find(PatientID=pid))
    study = by_patient[0].study.get("StudyInstanceUID")
    assert {i.sop_instance_uid for i in ours.find(study_uid=study)} == {
        i.SOPInstanceUID for i in theirs.find(StudyInstanceUID=study)
    }


def test_empty_dicomdir():
    dd = read_dicomdir(DIRTESTS / "DICOMDIR-empty.dcm")
    assert dd.records == [] and dd.roots == []


def test_nopatient_is_a_bad_record_type():
    with pytest.raises(MediaError, match="undefined Directory Record Type 'UNKNOWN'") as ei:
        read_dicomdir(DIRTESTS / "DICOMDIR-nopatient")
    bad = [
        r.seq_item_tell
        for r in pydicom.dcmread(DIRTESTS / "DICOMDIR-nopatient").DirectoryRecordSequence
        if r.DirectoryRecordType == "UNKNOWN"
    ]
    assert ei.value.offset == bad[0]  # the first record with the undefined type


def test_nooffset_has_inconsistent_lengths():
    # pydicom's "nooffset" variant removed elements without fixing the item and sequence
    # lengths: its last item runs past the end of the sequence. dcmdump and pydicom read
    # it leniently; we refuse it with the offset.
    with pytest.raises(MediaError, match="runs past the end") as ei:
        read_dicomdir(DIRTESTS / "DICOMDIR-nooffset")
    assert "offset" in str(ei.value)


# --- corruption ------------------------------------------------------------------------

UL_NEXT = b"\x04\x00\x00\x14UL\x04\x00"
UL_LOWER = b"\x04\x00\x20\x14UL\x04\x00"


def _patch(data: bytearray, item_offset: int, header: bytes, value: int) -> None:
    pos = data.index(header, item_offset)
    struct.pack_into("<I", data, pos + 8, value)


@pytest.fixture
def dicomdir_bytes() -> tuple[bytearray, list[int]]:
    data = bytearray((DIRTESTS / "DICOMDIR").read_bytes())
    return data, [f[0] for f in scan_record_items(bytes(data))]


def _read(data: bytearray, tmp_path: Path):
    p = tmp_path / "DICOMDIR"
    p.write_bytes(bytes(data))
    return read_dicomdir(p)


def test_offset_outside_sequence(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    _patch(data, items[0], UL_NEXT, 10**7)
    with pytest.raises(MediaError, match="not the start of a directory record") as ei:
        _read(data, tmp_path)
    assert ei.value.offset == 10**7
    assert f"PATIENT record at offset {items[0]}" in str(ei.value)
    assert ei.value.path.endswith("DICOMDIR")


def test_offset_inside_an_item(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    _patch(data, items[1], UL_LOWER, items[2] + 4)
    with pytest.raises(MediaError, match=f"points to byte {items[2] + 4}"):
        _read(data, tmp_path)


def test_root_offset_bad(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    pos = data.index(b"\x04\x00\x00\x12UL\x04\x00")
    struct.pack_into("<I", data, pos + 8, 3)
    with pytest.raises(MediaError, match="Root Directory Entity points to byte 3"):
        _read(data, tmp_path)


def test_next_loop(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    _patch(data, items[0], UL_NEXT, items[0])  # a PATIENT whose next is itself
    with pytest.raises(MediaError, match="loop") as ei:
        _read(data, tmp_path)
    assert ei.value.offset == items[0]


def test_lower_loop(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    # IMAGE (4th record) whose lower level points back to its PATIENT
    _patch(data, items[3], UL_LOWER, items[0])
    with pytest.raises(MediaError, match="loop"):
        _read(data, tmp_path)


def test_last_offset_mismatch_is_a_problem(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    pos = data.index(b"\x04\x00\x02\x12UL\x04\x00")
    struct.pack_into("<I", data, pos + 8, items[0])
    dd = _read(data, tmp_path)
    assert any("Last Directory Record" in p for p in dd.problems)
    with pytest.raises(MediaError, match="inconsistent DICOMDIR"):
        read_dicomdir(tmp_path / "DICOMDIR", strict=True)


def test_unreachable_records_are_reported(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    _patch(data, items[0], UL_NEXT, 0)  # cut off patients 2 and 3
    dd = _read(data, tmp_path)
    assert len(dd.roots) == 1
    assert any("not reachable" in p for p in dd.problems)


def test_missing_referenced_file(tmp_path):
    root = tmp_path / "fs"
    shutil.copytree(DIRTESTS, root)
    (root / "77654033" / "CR2" / "6247").unlink()
    with pytest.raises(MediaError, match=r"77654033\\\\CR2\\\\6247.*does not exist") as ei:
        FileSet.read(root / "DICOMDIR")
    assert ei.value.offset is not None and "IMAGE record at offset" in str(ei.value)
    fs = FileSet.read(root, check_files=False)
    missing = [i for i in fs if i.path is None]
    assert len(missing) == 1
    with pytest.raises(MediaError, match="not found"):
        missing[0].read()


def test_truncated_and_not_dicom(dicomdir_bytes, tmp_path):
    data, items = dicomdir_bytes
    for cut in (items[5] + 20, len(data) - 3, 200):
        with pytest.raises(MediaError):
            _read(data[:cut], tmp_path)
    with pytest.raises(MediaError):
        _read(bytearray(b"hello world" * 20), tmp_path)
    with pytest.raises(MediaError, match="cannot read DICOMDIR"):
        read_dicomdir(tmp_path / "absent")


def test_scan_of_a_file_meta_running_past_the_end(dicomdir_bytes):
    """The record scan reads the File Meta Information as Part 10 reading does; an element
    longer than the file is a MediaError naming the File Meta Information."""
    data, items = dicomdir_bytes
    assert len(items) > 5
    meta_end = data.index(b"\x04\x00\x30\x11")  # (0004,1130), the first data set element
    with pytest.raises(MediaError, match="File Meta Information"):
        scan_record_items(bytes(data[: meta_end - 3]))


def test_fuzzed_dicomdirs_never_hang(dicomdir_bytes, tmp_path):
    """Random byte changes: a DicomError or a result, quickly; nothing else escapes."""
    data, items = dicomdir_bytes
    rng = random.Random(6)
    start = time.monotonic()
    outcomes = {"ok": 0, "error": 0}
    for _ in range(300):
        d = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(132, len(d))
            d[pos] = rng.randrange(256)
        try:
            dd = read_dicomdir(bytes(d))
            list(dd.walk())
            outcomes["ok"] += 1
        except DicomError:
            outcomes["error"] += 1
    assert outcomes["ok"] and outcomes["error"]
    assert time.monotonic() - start < 20
