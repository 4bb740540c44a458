"""Our DICOMDIRs are read by dcmtk, pydicom and dciodvfy; we read dcmtk's (PS3.10 8).

* A File-set built from every file of pydicom's test data that our reader reads and
  that has a SOP Class UID: ``dcmdump`` reads the DICOMDIR and reports for every item
  the offset we wrote (it computes item offsets itself: ``offset=$N``); every
  ``refFileID`` it shows exists; pydicom's ``FileSet`` finds and loads every instance;
  our reader finds every instance by patient/study/series; ``dciodvfy`` reports no
  error.
* A STD-GEN-CD File-set: dciodvfy clean; ``dcmmkdir --append`` reads our DICOMDIR and
  adds a file, and we read the DICOMDIR dcmmkdir wrote.
* A DICOMDIR that ``dcmmkdir`` builds from files we wrote: we find every record, with
  the offsets pydicom finds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

import dicomgen
from dicomgen.core.errors import DicomError
from dicomgen.media import file_ids as fids
from dicomgen.media.dicomdir import read_dicomdir
from dicomgen.media.fileset import FileSet

pydicom = pytest.importorskip("pydicom")
from pydicom.data import get_testdata_file, get_testdata_files  # noqa: E402
from pydicom.fileset import FileSet as PdFileSet  # noqa: E402

pytestmark = pytest.mark.interop

DCMDUMP = shutil.which("dcmdump")
DCMMKDIR = shutil.which("dcmmkdir")
DCIODVFY = shutil.which("dciodvfy")
ELE = "1.2.840.10008.1.2.1"


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd)


def _corpus() -> tuple[list[str], list[tuple[str, str]]]:
    """pydicom test files with a SOP Class UID that our reader reads whole and finds complete
    (as a File-set accepts them); and the rejected."""
    from dicomgen.encoding.complete import check_complete

    usable, rejected = [], []
    for f in get_testdata_files():
        if not Path(f).is_file():
            continue
        try:
            ds = dicomgen.read(f)
            check_complete(ds)
        except DicomError as exc:
            rejected.append((f, exc.message))
            continue
        try:
            if ds.get_value("SOPClassUID"):
                usable.append(f)
        except DicomError as exc:
            rejected.append((f, exc.message))
    return usable, rejected


@pytest.fixture(scope="module")
def corpus_fileset(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        usable, rejected = _corpus()
        out = tmp_path_factory.mktemp("corpus_fs")
        fs, report = FileSet.build(usable, out, fileset_id="PYDICOM_CORPUS", profile="ANY",
                                   invent=True)  # fmt: skip
    # files our reader rejects (not DICOM, truncated, ...): listed for the report
    print("rejected by our reader:", *rejected, sep="\n  ")
    return fs, report, usable


def test_corpus_every_unique_instance_added(corpus_fileset):
    fs, report, usable = corpus_fileset
    assert len(report.added) > 100
    # the only files left out are second copies of an instance (same SOP Instance UID)
    assert all("is already in the File-set" in why for _, why in report.skipped), [
        s for s in report.skipped if "already" not in s[1]
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uids = {str(dicomgen.read(f, stop_before_pixels=True).SOPInstanceUID) for f in usable}
    assert {i.sop_instance_uid for i in fs} == uids


@pytest.mark.skipif(DCMDUMP is None, reason="dcmdump not installed")
def test_corpus_dcmdump_offsets_and_files(corpus_fileset):
    fs, _, _ = corpus_fileset
    res = _run([DCMDUMP, "-q", str(fs.root / "DICOMDIR")])
    assert res.returncode == 0, res.stderr
    assert "error" not in res.stderr.lower()
    offsets = [int(x) for x in re.findall(r"offset=\$(\d+)", res.stdout)]
    ours = read_dicomdir(fs.root / "DICOMDIR", strict=True)
    assert offsets == [r.offset for r in ours.records]
    refs = re.findall(r'refFileID="([^"]+)"', res.stdout)
    assert len(refs) == len(fs)
    for ref in refs:
        assert (fs.root / Path(*ref.split("\\"))).is_file(), ref
    # dcmdump +P prints just the Referenced File IDs
    res = _run([DCMDUMP, "-q", "+P", "0004,1500", str(fs.root / "DICOMDIR")])
    assert res.stdout.count("(0004,1500)") == len(fs)


def test_corpus_pydicom_fileset(corpus_fileset):
    fs, _, _ = corpus_fileset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = PdFileSet(fs.root / "DICOMDIR")
        assert len(theirs) == len(fs)
        assert theirs.ID == "PYDICOM_CORPUS"
        assert theirs.UID == fs.uid
        assert {i.SOPInstanceUID for i in theirs} == {i.sop_instance_uid for i in fs}
        for inst in theirs:
            ds = inst.load()
            assert ds.SOPInstanceUID == inst.SOPInstanceUID
            assert ds.file_meta.TransferSyntaxUID == inst.ReferencedTransferSyntaxUIDInFile


def test_corpus_our_reader_finds_everything(corpus_fileset):
    fs, _, _ = corpus_fileset
    again = FileSet.read(fs.root)
    assert again.problems == []
    assert len(again) == len(fs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for inst in again:
            ds = inst.read(stop_before_pixels=True)
            assert ds.SOPInstanceUID == inst.sop_instance_uid
            if inst.series is not None:  # four-level record types
                pid = inst.patient.get("PatientID")
                hits = again.find(
                    patient_id=pid,
                    study_uid=inst.study.get("StudyInstanceUID"),
                    series_uid=inst.series.get("SeriesInstanceUID"),
                    sop_instance_uid=inst.sop_instance_uid,
                )
                assert hits == [inst]


def _dciodvfy_errors(path: Path) -> list[str]:
    res = _run([DCIODVFY, str(path)])
    return [ln for ln in (res.stdout + res.stderr).splitlines() if ln.startswith("Error")]


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy not installed")
def test_corpus_dciodvfy_clean(corpus_fileset):
    fs, _, _ = corpus_fileset
    assert _dciodvfy_errors(fs.root / "DICOMDIR") == []


NATIVE = ["CT_small.dcm", "MR_small_bigendian.dcm", "rtplan.dcm",
          "rtstruct.dcm", "rtdose.dcm", "test-SR.dcm"]  # fmt: skip


@pytest.fixture
def std_gen_cd(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fs, report = FileSet.build([get_testdata_file(n) for n in NATIVE], tmp_path / "fs",
                                   fileset_id="STD_GEN_CD", invent=True)  # fmt: skip
    assert report.skipped == []
    return fs


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy not installed")
def test_std_gen_cd_dciodvfy(std_gen_cd):
    assert _dciodvfy_errors(std_gen_cd.root / "DICOMDIR") == []
    types = {i.record_type for i in std_gen_cd}
    assert types == {"IMAGE", "RT PLAN", "RT STRUCTURE SET", "RT DOSE", "SR DOCUMENT"}
    for inst in std_gen_cd:
        assert dicomgen.read(inst.path, stop_before_pixels=True).file_meta.transfer_syntax_uid == (
            ELE
        )


@pytest.mark.skipif(DCMMKDIR is None, reason="dcmmkdir not installed")
def test_dcmmkdir_appends_to_our_dicomdir(std_gen_cd):
    root = std_gen_cd.root
    ds = dicomgen.read(get_testdata_file("CT_small.dcm"))
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.77"
    (root / "EXTRA").mkdir()
    dicomgen.write(root / "EXTRA" / "IM1", ds, ELE)
    res = _run([DCMMKDIR, "+A", "-nb", "+I", "EXTRA/IM1"], cwd=root)
    assert res.returncode == 0, res.stderr
    fs = FileSet.read(root, strict=True)
    assert len(fs) == len(std_gen_cd) + 1
    assert fs.find(sop_instance_uid="1.2.826.0.1.3680043.8.498.77")[0].file_id == ("EXTRA", "IM1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tells = [
            r.seq_item_tell for r in pydicom.dcmread(root / "DICOMDIR").DirectoryRecordSequence
        ]
    assert [r.offset for r in read_dicomdir(root / "DICOMDIR").records] == tells


@pytest.mark.skipif(DCMMKDIR is None, reason="dcmmkdir not installed")
@pytest.mark.parametrize(
    "options",
    [[], ["-e"], ["-e", "+g"]],
    ids=["defined-lengths", "undefined-lengths", "undefined-lengths-group-length"],
)
def test_we_read_dcmmkdir_dicomdir_of_our_files(tmp_path, options):
    """dcmmkdir indexes files we wrote; we find all of its records."""
    names = ["CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm", "rtplan.dcm"]
    root = tmp_path / "mk"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, name in enumerate(names):
            ds = dicomgen.read(get_testdata_file(name))
            d = root / "DATA" / f"S{k}"
            d.mkdir(parents=True)
            dicomgen.write(d / f"IM{k}", ds, ELE)
    res = _run([DCMMKDIR, "+r", "+I", "-Nxc", "+F", "DCMTK_MADE", *options, "DATA"], cwd=root)
    assert res.returncode == 0, res.stderr
    dd = read_dicomdir(root / "DICOMDIR", strict=True)
    seq = dd.dataset[0x00041220]
    assert seq.undefined_length == ("-e" in options)
    assert all(bool(r.dataset.item_undefined_length) == ("-e" in options) for r in dd.records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pydicom.dcmread(root / "DICOMDIR")
    assert [r.offset for r in dd.records] == [r.seq_item_tell for r in pd.DirectoryRecordSequence]
    assert sum(1 for _ in dd.walk()) == len(dd.records)
    fs = FileSet.read(root)
    assert fs.fileset_id == "DCMTK_MADE"
    # MR_small and MR_small_bigendian are the same instance: dcmmkdir keeps one
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uids = {str(dicomgen.read(get_testdata_file(n)).SOPInstanceUID) for n in names}
        assert {i.sop_instance_uid for i in fs} == uids
        for inst in fs:
            assert inst.read(stop_before_pixels=True).SOPInstanceUID == inst.sop_instance_uid
    # and an update of a dcmmkdir File-set by us stays readable by dcmtk
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fs.add(get_testdata_file("rtdose.dcm"), invent=True)
        fs.write()
    res = _run([DCMDUMP or "dcmdump", "-q", str(root / "DICOMDIR")])
    assert res.returncode == 0 and "error" not in res.stderr.lower()
    assert len(FileSet.read(root)) == len(uids) + 1
    assert os.path.exists(root / "DICOMDIR")
    assert fids.resolve(root, ("DATA", "S0", "IM0")) is not None


# --- record keys of the non-image record types, checked by dciodvfy ---------------------

# Values for keys, by keyword (enumerated values where the key has them) and else by VR.
_KEY_VALUES = {
    "DoseSummationType": "PLAN",
    "CompletionFlag": "COMPLETE",
    "VerificationFlag": "UNVERIFIED",
    "MIMETypeOfEncapsulatedDocument": "application/pdf",
    "ImageType": ["ORIGINAL", "PRIMARY"],
}
_VR_VALUES = {"DA": "20200101", "TM": "120000", "DT": "20200101120000", "IS": "1", "US": 1, "UL": 1,
              "CS": "LABEL", "LO": "LABEL", "SH": "LABEL", "PN": "Doe^Jane", "ST": "text"}  # fmt: skip

SYNTHETIC = [  # SOP Class keyword (PS3.6) -> record type we must choose (PS3.3 F.4)
    ("GrayscaleSoftcopyPresentationStateStorageSOPClass", "PRESENTATION"),
    ("KeyObjectSelectionDocumentStorage", "KEY OBJECT DOC"),
    ("EncapsulatedPDFStorage", "ENCAP DOC"),
    ("RawDataStorage", "RAW DATA"),
    ("SpatialRegistrationStorage", "REGISTRATION"),
    ("SpatialFiducialsStorage", "FIDUCIAL"),
    ("MRSpectroscopyStorage", "SPECTROSCOPY"),
    ("RealWorldValueMappingStorage", "VALUE MAP"),
    ("SurfaceSegmentationStorage", "SURFACE"),
    ("StereometricRelationshipStorage", "STEREOMETRIC"),
    ("RTBeamsTreatmentRecordStorage", "RT TREAT RECORD"),
    ("TwelveLeadECGWaveformStorage", "WAVEFORM"),
    ("BasicTextSRStorage", "SR DOCUMENT"),
    ("RTIonPlanStorage", "RT PLAN"),
]


def _synthetic(n: int, sop_keyword: str):
    """A minimal instance carrying every Type 1/2 key of its record type (F.5)."""
    from dicomgen.core.dataset import Dataset, dictionary_vr
    from dicomgen.core.dictionary import tag_for_keyword
    from dicomgen.core.element import DataElement
    from dicomgen.media.records import RECORD_TYPES, record_type_for
    from dicomgen_std.uids import UIDS

    uid = next(u for u, e in UIDS.items() if e.keyword == sop_keyword)
    ds = Dataset()
    ds.SOPClassUID = uid
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.{n + 1}"
    ds.PatientID, ds.PatientName = "SYN1", "Doe^Jane"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.100"
    ds.StudyDate, ds.StudyTime, ds.StudyID = "20200101", "120000", "1"
    ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.8.498.{200 + n}"
    ds.SeriesNumber, ds.Modality = "1", "OT"
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    image.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.998"
    series = Dataset()
    series.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.999"
    series.ReferencedImageSequence = [image]
    ds.ReferencedSeriesSequence = [series]  # PRESENTATION 1C
    ds.ReferencedImageEvidenceSequence = [image.copy()]  # SPECTROSCOPY 1C
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "121181", "DCM", "Catalog"
    for kw in (lambda r: r.type1 + r.type2)(RECORD_TYPES[record_type_for(uid)]):
        if kw in ds:
            continue
        tag = tag_for_keyword(kw)
        vr = dictionary_vr(tag)
        value = [code.copy()] if vr == "SQ" else _KEY_VALUES.get(kw) or _VR_VALUES[vr]
        ds.add(DataElement(tag, vr, value))
    return ds


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy not installed")
def test_record_keys_of_other_record_types(tmp_path):
    fs = FileSet(profile="ANY")
    for n, (kw, rtype) in enumerate(SYNTHETIC):
        assert fs.add(_synthetic(n, kw)).record_type == rtype
    fs.write(tmp_path)
    assert _dciodvfy_errors(tmp_path / "DICOMDIR") == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = PdFileSet(tmp_path / "DICOMDIR")
        assert sorted(i.DirectoryRecordType for i in theirs) == sorted(r for _, r in SYNTHETIC)
