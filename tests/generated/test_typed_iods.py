"""The generated IOD classes at run time: registry, specs, item classes, lossless round trips.

pydicom's test files ``CT_small.dcm`` and ``rtdose.dcm`` load into their IOD classes and are
written back unchanged: compared value by value with the original through our reader, with
pydicom as the oracle, and byte by byte for the data set (the File Meta Information is rewritten
with our implementation UID).
"""

from __future__ import annotations

import datetime
import io
import warnings
from typing import Any

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.typed import DicomObject, iod_class_for, load
from dicomgen.core.validation import errors
from dicomgen.encoding.writer import encode_dataset
from dicomgen.media import part10

registry = pytest.importorskip("dicomgen_std._registry", reason="generated IOD classes not present")
pydicom = pytest.importorskip("pydicom")

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
TRANSFER_SYNTAXES = (
    "1.2.840.10008.1.2",  # Implicit VR Little Endian
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian (retired)
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR Little Endian
)


def _testdata(name: str) -> str:
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"pydicom test file {name} not available")
    return str(path)


# --- registry and specs ---------------------------------------------------------------------


def test_registry_resolves_every_iod_class() -> None:
    assert registry.IOD_CLASSES, "no IOD classes registered"
    for uid in registry.IOD_CLASSES:
        cls = iod_class_for(uid)
        assert cls is not None and issubclass(cls, DicomObject), uid
        spec = cls.__dicom__
        assert spec.kind == "iod"
        assert uid in spec.sop_class_uids
        assert spec.title and spec.xml_id.startswith("table_A.")
    assert iod_class_for(CT_IMAGE_STORAGE).__name__ == "CTImageIOD"  # type: ignore[union-attr]
    assert iod_class_for(RT_DOSE_STORAGE).__name__ == "RTDoseIOD"  # type: ignore[union-attr]


def _walk_classes(cls: type[DicomObject], seen: set[type]) -> None:
    if cls in seen:
        return
    seen.add(cls)
    for f in cls.__dicom__.fields:
        if f.vr == "SQ":
            item = f.item_class
            assert item is not None and issubclass(item, DicomObject), (cls, f.name)
            _walk_classes(item, seen)


def test_every_sequence_has_an_item_class_and_every_class_compiles() -> None:
    seen: set[type] = set()
    for uid in registry.IOD_CLASSES:
        cls = iod_class_for(uid)
        assert cls is not None
        _walk_classes(cls, seen)
    assert len(seen) > 50
    for cls in seen:
        spec = cls.__dicom__
        assert [f.tag for f in spec.fields] == sorted({f.tag for f in spec.fields}), cls
        for f in spec.fields:
            assert f.type in ("1", "1C", "2", "2C", "3"), (cls, f.name, f.type)
            assert f.keyword and f.vr and f.vm, (cls, f.name)
        # every class compiles its codec and encodes an empty instance
        obj = cls.from_dataset(Dataset(), lenient=True)
        assert isinstance(obj.to_dataset(), Dataset)


def test_iod_fields_record_module_usage_and_sources() -> None:
    cls = iod_class_for(CT_IMAGE_STORAGE)
    assert cls is not None
    by = cls.__dicom__.by_name
    assert by["patient_name"].module == "Patient" and by["patient_name"].usage.startswith("M")
    assert by["patient_name"].sources and by["patient_name"].sources[0].startswith("PS3.3")
    assert by["sop_instance_uid"].required and by["sop_instance_uid"].type == "1"
    assert not by["patient_name"].required  # Type 2
    assert by["contrast_bolus_agent"].usage.startswith("C")
    assert by["patient_sex"].enum == ("M", "F", "O")


# --- pydicom's test files: lossless round trip ----------------------------------------------


def _same(a: Dataset, b: Dataset, where: str = "") -> None:
    assert list(a.keys()) == list(b.keys()), where
    for tag, ea in a.items():
        eb = b[tag]
        here = f"{where}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        assert ea.vr == eb.vr, here
        if ea.vr == "SQ":
            assert len(ea.value) == len(eb.value), here
            for i, (ia, ib) in enumerate(zip(ea.value, eb.value)):
                _same(ia, ib, f"{here}[{i}].")
        else:
            assert ea.value == eb.value, here
            assert str(ea.value) == str(eb.value), here  # original text kept (DS "1.50" etc.)


def _same_pydicom(a: Any, b: Any, where: str = "") -> None:
    assert [e.tag for e in a] == [e.tag for e in b], where
    for ea in a:
        eb = b[ea.tag]
        here = f"{where}{ea.tag}"
        assert ea.VR == eb.VR, here
        if ea.VR == "SQ":
            assert len(ea.value) == len(eb.value), here
            for ia, ib in zip(ea.value, eb.value):
                _same_pydicom(ia, ib, here + ".")
        else:
            assert ea.value == eb.value, here


@pytest.mark.parametrize(
    "name, class_name",
    [("CT_small.dcm", "CTImageIOD"), ("rtdose.dcm", "RTDoseIOD")],
)
def test_pydicom_files_round_trip_unchanged(name: str, class_name: str) -> None:
    path = _testdata(name)
    raw = open(path, "rb").read()
    obj = load(path)
    assert type(obj).__name__ == class_name
    out = io.BytesIO()
    obj.to_file(out)
    data = out.getvalue()
    original = part10.read(raw)
    written = part10.read(data)
    # value by value through our reader
    _same(original, written)
    assert written.file_meta is not None and original.file_meta is not None
    assert written.file_meta.transfer_syntax_uid == original.file_meta.transfer_syntax_uid
    # pydicom as the oracle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same_pydicom(pydicom.dcmread(path), pydicom.dcmread(io.BytesIO(data)))
    # the data set bytes are the original's (unchanged values are written from their raw bytes)
    body = encode_dataset(original, original.read_transfer_syntax)
    assert raw.endswith(body) and data.endswith(body)


def test_ct_small_typed_values_and_extra_elements() -> None:
    obj = load(_testdata("CT_small.dcm"))
    ds = part10.read(_testdata("CT_small.dcm"))
    cls = type(obj)
    assert obj.extra_elements is not None
    known = set(cls.__dicom__.by_tag)
    assert set(obj.extra_elements.keys()) == set(ds.keys()) - known
    assert any(t >> 16 & 1 for t in obj.extra_elements.keys())  # private elements kept
    rows = obj.rows
    assert rows == ds.Rows == 128
    assert isinstance(obj.study_date, datetime.date)
    assert tuple(obj.image_position_patient) == tuple(ds.ImagePositionPatient)
    assert obj.patient_name == ds.PatientName


def test_changed_object_written_with_new_values() -> None:
    obj = load(_testdata("CT_small.dcm"))
    obj.patient_name = "Changed^Name"
    obj.study_date = datetime.date(2001, 2, 3)
    obj.slice_thickness = 1.25
    out = io.BytesIO()
    obj.to_file(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pydicom.dcmread(io.BytesIO(out.getvalue()))
    assert str(pd.PatientName) == "Changed^Name"
    assert pd.StudyDate == "20010203"
    assert float(pd.SliceThickness) == 1.25
    orig = pydicom.dcmread(_testdata("CT_small.dcm"))
    assert pd.PixelData == orig.PixelData
    assert pd[0x00431028].value == orig[0x00431028].value  # a private element


@pytest.mark.parametrize("ts", TRANSFER_SYNTAXES)
def test_files_round_trip_in_every_uncompressed_transfer_syntax(ts: str) -> None:
    obj = load(_testdata("CT_small.dcm"))
    out = io.BytesIO()
    obj.to_file(out, ts)
    back = load(out.getvalue())
    a, b = obj.to_dataset(), back.to_dataset()
    assert list(a.keys()) == list(b.keys())
    # standard elements are equal; private ones read from Implicit VR are UN (no private
    # dictionary), so only their bytes are compared
    for tag in a.keys():
        if tag >> 16 & 1 and b[tag].vr == "UN":
            continue
        assert a[tag] == b[tag], tag
    public = [f.name for f in type(obj).__dicom__.fields]
    assert [getattr(back, n) for n in public] == [getattr(obj, n) for n in public]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pydicom.dcmread(io.BytesIO(out.getvalue()))
    assert pd.file_meta.TransferSyntaxUID == ts
    pixels = pd.PixelData
    if ts == "1.2.840.10008.1.2.2":  # OW in big endian: pydicom gives the bytes as stored
        pixels = b"".join(
            pixels[i + 1 : i + 2] + pixels[i : i + 1] for i in range(0, len(pixels), 2)
        )
    assert pd.Rows == 128 and pixels == pydicom.dcmread(_testdata("CT_small.dcm")).PixelData


# --- validation of real files ---------------------------------------------------------------


def test_validation_of_pydicom_files() -> None:
    assert [str(f) for f in errors(load(_testdata("CT_small.dcm")).validate())] == []
    found = {(f.rule, f.path) for f in errors(load(_testdata("rtdose.dcm")).validate())}
    # rtdose.dcm has no Operators' Name (Type 2 of RT Series, PS3.3 C.8.8.1) and a UID with a
    # component starting with 0 ("0123", PS3.5 9.1)
    assert found == {
        ("type2-missing", "OperatorsName"),
        ("vr", "ReferencedRTPlanSequence[0].ReferencedSOPInstanceUID"),
    }


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pydicom_corpus_round_trips_byte_exact() -> None:
    """Every pydicom test file of a generated IOD: typed object -> data set gives the same
    bytes as the file's data set (nothing lost, nothing re-encoded)."""
    import os

    from pydicom.data import get_testdata_files

    from dicomgen.core.errors import DicomError

    count = 0
    for path in sorted(get_testdata_files()):
        if not os.path.isfile(path):
            continue
        try:
            ds = part10.read(path)
        except DicomError:
            continue
        cls = iod_class_for(str(ds.get_value(0x00080016, "")).strip("\0 "))
        if cls is None:
            continue
        obj = cls.from_dataset(ds, lenient=True)  # non-conforming files too
        ts = ds.read_transfer_syntax
        assert encode_dataset(obj.to_dataset(), ts) == encode_dataset(ds, ts), path
        count += 1
    assert count >= 20


def _specs(cls: type, seen: set[type]) -> list[Any]:
    """The field specs of ``cls`` and of the item classes its sequences use, recursively."""
    if cls in seen:
        return []
    seen.add(cls)
    out = []
    for f in cls.__dicom__.fields:  # type: ignore[attr-defined]
        out.append(f)
        if f.item is not None:
            out += _specs(f.item_class, seen)
    return out


@pytest.mark.parametrize("sop_class", [CT_IMAGE_STORAGE, "1.2.840.10008.5.1.4.1.1.4"])
def test_keywords_left_out_of_generated_code_come_from_the_dictionary(sop_class: str) -> None:
    """Generated ``attribute(...)`` calls give no keyword for PS3.6 attributes: the spec's,
    looked up by tag, is the one the field's name was made from."""
    cls = iod_class_for(sop_class)
    assert cls is not None
    specs = _specs(cls, set())
    assert len(specs) > 300
    for f in specs:
        assert f.keyword and f.name == _snake(f.keyword), f
    assert any(f.condition_text and f.condition is not None for f in specs)


def test_nested_item_classes_have_their_enclosing_table() -> None:
    from dicomgen_std.modules.patient import PatientModule

    spec = PatientModule.OtherPatientIDsSequenceItem.__dicom__
    assert (spec.kind, spec.xml_id, spec.section) == ("item", "table_C.7-1", "sect_C.7")
    assert spec.title == "Other Patient IDs Sequence Item"
    assert {f.defined_in for f in spec.fields} >= {"table_C.7-1"}


def _snake(keyword: str) -> str:
    from dicomgen_codegen.passes.class_model import field_name

    return field_name(keyword)


def test_importing_an_iod_class_builds_nothing_heavy() -> None:
    """The import budget (bench/bench_generate.py): importing an IOD class runs class bodies
    only; attrs, the codec, the value types and the dictionary load on first use."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from dicomgen_std.iods.mr_image import MRImageIOD\n"
        "heavy = ['attrs', 'dicomgen.core.typed_codec', 'dicomgen.core.values',\n"
        "         'dicomgen.core.dataset', 'dicomgen_std.dictionary', 'dicomgen_std.iods.ct_image']\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "MRImageIOD.__dicom__\n"
        "print('attrs' in sys.modules, MRImageIOD.__dicom__.by_name['patient_name'].keyword)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert proc.stdout.split("\n")[:2] == ["[]", "True PatientName"], proc.stdout + proc.stderr
