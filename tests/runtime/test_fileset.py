"""File-sets: File IDs, record keys, building, in-place update (PS3.10 8, PS3.3 F).

Source instances come from pydicom's test data (read with our reader); pydicom itself is
not used here except to locate the files.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pytest

import dicomgen
from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import MediaError
from dicomgen.media import file_ids as fids
from dicomgen.media.dicomdir import read_dicomdir, scan_record_items
from dicomgen.media.fileset import FileSet
from dicomgen.media.records import RECORD_TYPES, record_type_for

pydicom_data = pytest.importorskip("pydicom.data")

ELE = "1.2.840.10008.1.2.1"


def _data(name: str) -> str:
    return pydicom_data.get_testdata_file(name)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# --- File IDs (PS3.10 8.2, 8.5) ------------------------------------------------------


@pytest.mark.parametrize("comp", ["A", "IM000001", "ABC_123", "Z9"])
def test_valid_components(comp):
    assert fids.check_component(comp) == comp


@pytest.mark.parametrize("comp", ["", "abc", "TOOLONG99", "A-B", "A B", "É", "A.B"])
def test_invalid_components(comp):
    with pytest.raises(MediaError, match="PS3.10 8.5"):
        fids.check_component(comp)


def test_file_id_levels():
    assert fids.check_file_id(["A"] * 8) == ("A",) * 8
    with pytest.raises(MediaError, match="1 to 8 components, not 9"):
        fids.check_file_id(["A"] * 9)
    with pytest.raises(MediaError):
        fids.check_file_id([])


def test_parse_file_id_rejects_traversal():
    assert fids.parse_file_id("A\\B\\C ") == ("A", "B", "C")
    assert fids.parse_file_id(["A", "B"]) == ("A", "B")
    for bad in ("..\\X", "A\\\\B", "A/B", None):
        with pytest.raises(MediaError):
            fids.parse_file_id(bad)
    with pytest.raises(MediaError):
        fids.parse_file_id("lower\\case", strict=True)


def test_resolve_is_case_insensitive(tmp_path):
    (tmp_path / "dir1").mkdir()
    (tmp_path / "dir1" / "im1").write_bytes(b"x")
    assert fids.resolve(tmp_path, ("DIR1", "IM1")) == tmp_path / "dir1" / "im1"
    assert fids.resolve(tmp_path, ("DIR1", "IM2")) is None


def test_name_allocator_skips_taken(tmp_path):
    (tmp_path / "PA000000").mkdir()
    a = fids.NameAllocator()
    a.reserve_disk(tmp_path, ())
    a.reserve(("PA000001", "X"))
    assert a.new((), "PA") == "PA000002"
    assert a.new((), "PA") == "PA000003"
    assert a.new(("PA000002",), "ST") == "ST000000"


# --- record types (PS3.3 F.4 / F.5) --------------------------------------------------


@pytest.mark.parametrize(
    "uid, rtype",
    [
        ("1.2.840.10008.5.1.4.1.1.2", "IMAGE"),  # CT Image
        ("1.2.840.10008.5.1.4.1.1.481.2", "RT DOSE"),
        ("1.2.840.10008.5.1.4.1.1.481.3", "RT STRUCTURE SET"),
        ("1.2.840.10008.5.1.4.1.1.481.5", "RT PLAN"),
        ("1.2.840.10008.5.1.4.1.1.481.8", "RT PLAN"),  # RT Ion Plan
        ("1.2.840.10008.5.1.4.1.1.88.11", "SR DOCUMENT"),
        ("1.2.840.10008.5.1.4.1.1.88.59", "KEY OBJECT DOC"),
        ("1.2.840.10008.5.1.4.1.1.11.1", "PRESENTATION"),
        ("1.2.840.10008.5.1.4.1.1.9.1.1", "WAVEFORM"),
        ("1.2.840.10008.5.1.4.1.1.104.1", "ENCAP DOC"),  # Encapsulated PDF
        ("1.2.840.10008.5.1.4.1.1.66", "RAW DATA"),
        ("1.2.840.10008.5.1.4.1.1.66.1", "REGISTRATION"),
        ("1.2.840.10008.5.1.4.1.1.66.2", "FIDUCIAL"),
        ("1.2.840.10008.5.1.4.1.1.4.2", "SPECTROSCOPY"),
        ("1.2.840.10008.5.1.4.1.1.78.1", "MEASUREMENT"),
        ("1.2.840.10008.5.1.4.38.1", "HANGING PROTOCOL"),
        ("1.2.3.4.99999", "IMAGE"),  # unknown SOP class: IMAGE
    ],
)
def test_record_type_by_sop_class(uid, rtype):
    assert record_type_for(uid) == rtype
    assert rtype in RECORD_TYPES


def test_dicomdir_is_not_a_member():
    with pytest.raises(MediaError):
        record_type_for("1.2.840.10008.1.3.10")


# --- building --------------------------------------------------------------------------


def _check_offsets(dicomdir: Path) -> None:
    """Every offset element points at the item of the record the tree says it should."""
    data = dicomdir.read_bytes()
    items = [f[0] for f in scan_record_items(data)]
    dd = read_dicomdir(dicomdir, strict=True)
    assert [r.offset for r in dd.records] == items
    assert dd.dataset.get_value(0x00041200) == dd.roots[0].offset
    assert dd.dataset.get_value(0x00041202) == dd.roots[-1].offset
    for _, rec in dd.walk():
        sibs = dd.roots if rec.parent is None else rec.parent.children
        k = sibs.index(rec)
        nxt = sibs[k + 1].offset if k + 1 < len(sibs) else 0
        assert rec.dataset.get_value(0x00041400) == nxt
        low = rec.children[0].offset if rec.children else 0
        assert rec.dataset.get_value(0x00041420) == low


def test_build_std_gen_cd(tmp_path):
    srcs = [_data("CT_small.dcm"), _data("MR_small_bigendian.dcm"), _data("JPEG2000.dcm")]
    fs, report = FileSet.build(srcs, tmp_path / "fs", fileset_id="DG_TEST")
    assert len(report.added) == 2
    # compressed data cannot be re-encoded to Explicit VR LE for STD-GEN-CD
    assert len(report.skipped) == 1 and "JPEG2000" in report.skipped[0][0]
    assert "not allowed by profile STD-GEN-CD" in report.skipped[0][1]
    dicomdir = tmp_path / "fs" / "DICOMDIR"
    _check_offsets(dicomdir)
    again = FileSet.read(tmp_path / "fs")
    assert again.fileset_id == "DG_TEST"
    assert again.uid == fs.uid
    assert len(again) == 2
    for inst in again:
        fid = inst.file_id
        assert fids.check_file_id(fid) == fid  # conformant File IDs
        ds = inst.read()
        # big endian source re-encoded: every referenced file is Explicit VR LE
        assert ds.file_meta.transfer_syntax_uid == ELE == inst.transfer_syntax_uid
        assert ds.SOPInstanceUID == inst.sop_instance_uid
        assert ds.SOPClassUID == inst.sop_class_uid
        for level in ("PATIENT", "STUDY", "SERIES"):
            rec = {"PATIENT": inst.patient, "STUDY": inst.study, "SERIES": inst.series}[level]
            assert rec is not None and rec.record_type == level
            for kw in RECORD_TYPES[level].type1:
                assert str(rec.get(kw)) == str(ds.get_value(kw)), (level, kw)
            for kw in RECORD_TYPES[level].type2:
                assert kw in rec.dataset
        assert inst.record.get("InstanceNumber") == ds.InstanceNumber
    big = again.find(patient_id=str(dicomgen.read(_data("MR_small_bigendian.dcm")).PatientID))
    assert len(big) == 1
    src = dicomgen.read(_data("MR_small_bigendian.dcm"))
    out = big[0].read()
    assert out.PixelData == src.PixelData and out.Rows == src.Rows


def test_find_by_levels(tmp_path):
    srcs = [_data("CT_small.dcm"), _data("MR_small.dcm")]
    fs, _ = FileSet.build(srcs, tmp_path)
    ct = dicomgen.read(_data("CT_small.dcm"), stop_before_pixels=True)
    assert [i.sop_instance_uid for i in fs.find(study_uid=ct.StudyInstanceUID)] == [
        ct.SOPInstanceUID
    ]
    assert len(fs.find(series_uid=ct.SeriesInstanceUID, patient_id=ct.PatientID)) == 1
    assert fs.find(series_uid="1.2.3") == []
    assert len(fs.find(record_type="IMAGE")) == 2


def test_missing_type1_key_needs_invent(tmp_path):
    fs = FileSet()
    with pytest.raises(MediaError, match="InstanceNumber, a Type 1 key of the RT DOSE"):
        fs.add(_data("rtdose.dcm"))
    assert len(fs) == 0 and fs.roots == []  # nothing half-added
    inst = fs.add(_data("rtdose.dcm"), invent=True)
    assert inst.record_type == "RT DOSE"
    assert inst.invented["InstanceNumber"] == "1"
    assert inst.record.get("DoseSummationType")
    fs.write(tmp_path)
    _check_offsets(tmp_path / "DICOMDIR")


def test_duplicate_and_non_instance(tmp_path):
    fs = FileSet()
    fs.add(_data("CT_small.dcm"))
    with pytest.raises(MediaError, match="already in the File-set"):
        fs.add(_data("CT_small.dcm"))
    with pytest.raises(MediaError):
        fs.add(Dataset())
    with pytest.raises(MediaError):
        FileSet("lower-case")
    with pytest.raises(MediaError):
        FileSet(profile="NOPE")
    with pytest.raises(MediaError, match="needs an output folder"):
        fs.write()


def test_sr_record_keys(tmp_path):
    fs = FileSet(profile="ANY")
    inst = fs.add(_data("test-SR.dcm"), invent=True)
    assert inst.record_type == "SR DOCUMENT"
    src = dicomgen.read(_data("test-SR.dcm"))
    rec = inst.record
    for kw in ("CompletionFlag", "VerificationFlag", "ContentDate", "ContentTime"):
        assert rec.get(kw) == src.get_value(kw)
    assert rec.dataset["ConceptNameCodeSequence"].value[0].CodeValue == (
        src.ConceptNameCodeSequence[0].CodeValue
    )
    if src.VerificationFlag == "VERIFIED":
        assert rec.get("VerificationDateTime")
    mods = rec.get("ContentSequence") or []
    assert all(it.RelationshipType == "HAS CONCEPT MOD" for it in mods)
    fs.write(tmp_path)
    _check_offsets(tmp_path / "DICOMDIR")


def test_add_dataset_source(tmp_path):
    ds = dicomgen.read(_data("CT_small.dcm"))
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    fs = FileSet()
    inst = fs.add(ds)
    assert inst.path is None  # staged
    fs.write(tmp_path)
    assert inst.path is not None and inst.path.is_file()
    assert dicomgen.read(inst.path).SOPInstanceUID == "1.2.826.0.1.3680043.8.498.1"


# --- updating ----------------------------------------------------------------------------


def test_update_in_place_add_and_remove(tmp_path):
    fs, _ = FileSet.build([_data("CT_small.dcm"), _data("MR_small.dcm")], tmp_path)
    uid = fs.uid
    before = {i.sop_instance_uid: _sha(i.path) for i in fs}
    mr = [i for i in fs if i.record.parent.get("Modality") == "MR"][0]
    mr_path = mr.path

    fs2 = FileSet.read(tmp_path)
    fs2.remove(mr.sop_instance_uid)
    new = fs2.add(_data("rtplan.dcm"), invent=True)
    assert mr_path.is_file()  # nothing touched before write()
    fs2.write()
    assert not mr_path.exists()
    assert not mr_path.parent.exists()  # emptied folders pruned
    fs3 = FileSet.read(tmp_path)
    assert fs3.uid == uid  # PS3.10 8.3: the File-set UID does not change on update
    got = {i.sop_instance_uid for i in fs3}
    assert got == (set(before) - {mr.sop_instance_uid}) | {new.sop_instance_uid}
    ct = [i for i in fs3 if i.sop_instance_uid != new.sop_instance_uid][0]
    assert _sha(ct.path) == before[ct.sop_instance_uid]  # untouched file
    assert not any(r.record_type == "PATIENT" and not r.children for _, r in fs3.walk())
    assert not list(tmp_path.rglob("*dgtmp*"))
    _check_offsets(tmp_path / "DICOMDIR")


def test_failed_update_keeps_old_dicomdir(tmp_path, monkeypatch):
    FileSet.build([_data("CT_small.dcm")], tmp_path)
    old = (tmp_path / "DICOMDIR").read_bytes()
    fs = FileSet.read(tmp_path)
    fs.add(_data("MR_small.dcm"))
    import dicomgen.media.fileset as mod

    def boom(*a, **k):
        raise MediaError("simulated failure")

    monkeypatch.setattr(mod, "encode_dicomdir", boom)
    with pytest.raises(MediaError, match="simulated"):
        fs.write()
    assert (tmp_path / "DICOMDIR").read_bytes() == old
    assert len(list(p for p in tmp_path.rglob("*") if p.is_file())) == 2  # no stray files
    monkeypatch.undo()
    fs.write()
    assert len(FileSet.read(tmp_path)) == 2


def test_copy_to_new_folder(tmp_path):
    FileSet.build([_data("CT_small.dcm")], tmp_path / "a")
    fs = FileSet.read(tmp_path / "a")
    fs.add(_data("MR_small.dcm"))
    fs.write(tmp_path / "b")
    b = FileSet.read(tmp_path / "b")
    assert len(b) == 2
    assert len(FileSet.read(tmp_path / "a")) == 1


def test_remove_last_instance_is_refused(tmp_path):
    fs, _ = FileSet.build([_data("CT_small.dcm")], tmp_path)
    fs.remove(fs.instances[0])
    assert len(fs) == 0 and fs.roots == []
    with pytest.raises(MediaError, match="at least one instance"):
        fs.write()
    with pytest.raises(MediaError):
        fs.remove("1.2.3")


# --- CLI ----------------------------------------------------------------------------


def test_cli_build_and_list(tmp_path, capsys):
    from dicomgen.cli.main import main

    src = tmp_path / "src"
    src.mkdir()
    for name in ("CT_small.dcm", "MR_small.dcm"):
        (src / name.lower()).write_bytes(Path(_data(name)).read_bytes())
    (src / "notes.txt").write_text("not DICOM")
    rc = main(["dicomdir", "build", str(src), str(tmp_path / "out"), "--fileset-id", "CLI"])
    out = capsys.readouterr()
    assert rc == 0
    assert "2 instance(s)" in out.out and "notes.txt" in out.err
    rc = main(["dicomdir", "list", str(tmp_path / "out" / "DICOMDIR")])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.splitlines()[0].startswith("File-set CLI")
    assert out.count("PATIENT") == 2 and out.count("IMAGE") == 2
    assert "PA000000\\ST000000\\SE000000\\IM000000" in out
    rc = main(["dicomdir", "list", str(tmp_path / "nowhere")])
    assert rc == 1
    rc = main(["dicomdir", "build", str(tmp_path / "out" / "PA000000"), str(tmp_path / "x"),
               "--fileset-id", "bad id"])  # fmt: skip
    assert rc == 1


def test_update_with_profile_reencodes(tmp_path):
    FileSet.build([_data("CT_small.dcm")], tmp_path)
    fs = FileSet.read(tmp_path, profile="STD-GEN-CD")
    with pytest.raises(MediaError, match="not allowed by profile STD-GEN-CD"):
        fs.add(_data("JPEG2000.dcm"))
    inst = fs.add(_data("MR_small_bigendian.dcm"))
    assert inst.transfer_syntax_uid == ELE
    fs.write()
    got = FileSet.read(tmp_path).find(sop_instance_uid=inst.sop_instance_uid)[0]
    assert got.read().file_meta.transfer_syntax_uid == ELE


def test_typed_object_source(tmp_path):
    class Typed:  # stands for a generated IOD class: anything with to_dataset()
        def __init__(self, ds):
            self._ds = ds

        def to_dataset(self):
            return self._ds

    fs = FileSet()
    inst = fs.add(Typed(dicomgen.read(_data("CT_small.dcm"))))
    fs.write(tmp_path)
    assert dicomgen.read(inst.path).SOPInstanceUID == inst.sop_instance_uid
    with pytest.raises(MediaError, match="cannot add a int"):
        fs.add(42)
