"""Runtime of the typed classes (dicomgen.core.typed, conditions, validation, cli validate).

The classes here are hand-written in the shape of generated code (docs/typed-classes.md), so
these tests do not depend on the generator's output.
"""

from __future__ import annotations

import datetime
import io
import sys
import types
from typing import Any, Literal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicomgen.core import conditions as C
from dicomgen.core import typed
from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DicomError, InvalidValueError, NonConformingError, ValidationError
from dicomgen.core.typed import DicomObject, attribute, dicom_class
from dicomgen.core.validation import Finding, errors, parse_vm, validate_dataset, vm_allows
from dicomgen.core.values import DA, DS, IS, TM, PersonName
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset
from dicomgen.media import part10

EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
TEST_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage

# --- hand-written classes in the generated shape ---------------------------------------------


@dicom_class(kind="macro", title="Code Sequence Macro", xml_id="table_8.8-1", section="sect_8.8")
class CodeMacro(DicomObject):
    """Code Sequence Macro (hand-written test double)."""

    code_value: str | None = attribute(
        0x00080100, "SH", "1", "1C", keyword="CodeValue", name="Code Value", default=None,
        condition=C.Absent(0x00080119), condition_text="Required if Long Code Value is absent.",
    )  # fmt: skip
    coding_scheme_designator: str | None = attribute(
        0x00080102, "SH", "1", "1C", keyword="CodingSchemeDesignator",
        name="Coding Scheme Designator", default=None,
        condition=C.Unparsed("Required if the code is not a URN"),
    )  # fmt: skip
    code_meaning: str = attribute(
        0x00080104, "LO", "1", "1", keyword="CodeMeaning", name="Code Meaning"
    )
    long_code_value: str | None = attribute(
        0x00080119, "UC", "1", "1C", keyword="LongCodeValue", name="Long Code Value", default=None,
        condition=C.Absent(0x00080100),
    )  # fmt: skip


@dicom_class(kind="module", title="Patient", xml_id="table_C.7-1", section="sect_C.7.1.1")
class PatientModule(DicomObject):
    """Patient Module (hand-written test double)."""

    @dicom_class(kind="item", title="Other Patient IDs Sequence Item", xml_id="table_C.7-1")
    class OtherPatientIDsSequenceItem(DicomObject):
        patient_id: str = attribute(
            0x00100020, "LO", "1", "1", keyword="PatientID", name="Patient ID"
        )
        issuer_of_patient_id: str | None = attribute(
            0x00100021, "LO", "1", "3", keyword="IssuerOfPatientID", name="Issuer", default=None
        )

    patient_name: PersonName | str | None = attribute(
        0x00100010, "PN", "1", "2", keyword="PatientName", name="Patient's Name", default=None
    )
    patient_id: str | None = attribute(
        0x00100020, "LO", "1", "2", keyword="PatientID", name="Patient ID", default=None
    )
    patient_birth_date: datetime.date | None = attribute(
        0x00100030, "DA", "1", "2", keyword="PatientBirthDate", name="Birth Date", default=None
    )
    patient_sex: Literal["M", "F", "O"] | None = attribute(
        0x00100040, "CS", "1", "2", keyword="PatientSex", name="Patient's Sex",
        enum=("M", "F", "O"), default=None,
    )  # fmt: skip
    other_patient_ids_sequence: list[PatientModule.OtherPatientIDsSequenceItem] | None = attribute(
        0x00101002, "SQ", "1", "3", keyword="OtherPatientIDsSequence",
        name="Other Patient IDs Sequence",
        item=lambda: PatientModule.OtherPatientIDsSequenceItem, default=None,
    )  # fmt: skip


@dicom_class(kind="item", title="Content Item", xml_id="table_C.17-6")
class ContentItem(CodeMacro):
    """A recursive item (like table_C.17-6): Content Sequence items hold Content Sequences."""

    value_type: Literal["TEXT", "CONTAINER"] = attribute(
        0x0040A040, "CS", "1", "1", keyword="ValueType", name="Value Type",
        enum=("TEXT", "CONTAINER"),
    )  # fmt: skip
    text_value: str | None = attribute(
        0x0040A160, "UT", "1", "1C", keyword="TextValue", name="Text Value", default=None,
        condition=C.Equals(0x0040A040, ("TEXT",)),
        condition_text="Required if Value Type (0040,A040) is TEXT.",
    )  # fmt: skip
    content_sequence: list[ContentItem] | None = attribute(
        0x0040A730, "SQ", "1", "1C", keyword="ContentSequence", name="Content Sequence",
        item=lambda: ContentItem, default=None,
        condition=C.Equals(0x0040A040, ("CONTAINER",)),
    )  # fmt: skip


@dicom_class(
    kind="iod",
    title="Test Image",
    xml_id="table_A.8-1",
    section="sect_A.8",
    sop_class_uids=(TEST_SOP_CLASS,),
)
class TestImageIOD(DicomObject):
    """A small flattened IOD (hand-written test double)."""

    __test__ = False  # not a pytest test class

    @dicom_class(kind="item", title="Referenced Image Sequence Item", xml_id="table_10-3")
    class ReferencedImageSequenceItem(DicomObject):
        referenced_sop_class_uid: str = attribute(
            0x00081150, "UI", "1", "1", keyword="ReferencedSOPClassUID",
            name="Referenced SOP Class UID", module="General Image",
        )  # fmt: skip
        referenced_sop_instance_uid: str = attribute(
            0x00081155, "UI", "1", "1", keyword="ReferencedSOPInstanceUID",
            name="Referenced SOP Instance UID", module="General Image",
        )  # fmt: skip

    specific_character_set: list[str] | tuple[str, ...] | None = attribute(
        0x00080005, "CS", "1-n", "1C", keyword="SpecificCharacterSet",
        name="Specific Character Set", default=None, module="SOP Common", usage="M",
        condition=C.Unparsed("Required if an extended or replacement character set is used"),
    )  # fmt: skip
    image_type: list[str] | tuple[str, ...] | None = attribute(
        0x00080008, "CS", "2-n", "3", keyword="ImageType", name="Image Type", default=None,
        enum=("ORIGINAL", "DERIVED"), module="General Image", usage="M",
    )  # fmt: skip
    sop_class_uid: str = attribute(
        0x00080016, "UI", "1", "1", keyword="SOPClassUID", name="SOP Class UID",
        module="SOP Common", usage="M", sources=("PS3.3 2016c table_C.12-1",),
    )  # fmt: skip
    sop_instance_uid: str = attribute(
        0x00080018, "UI", "1", "1", keyword="SOPInstanceUID", name="SOP Instance UID",
        module="SOP Common", usage="M",
    )  # fmt: skip
    study_date: datetime.date | None = attribute(
        0x00080020, "DA", "1", "2", keyword="StudyDate", name="Study Date", default=None,
        module="General Study", usage="M",
    )  # fmt: skip
    study_time: datetime.time | None = attribute(
        0x00080030, "TM", "1", "2", keyword="StudyTime", name="Study Time", default=None,
        module="General Study", usage="M",
    )  # fmt: skip
    modality: str = attribute(
        0x00080060, "CS", "1", "1", keyword="Modality", name="Modality",
        defined_terms=("CT", "MR", "OT"), module="General Series", usage="M",
    )  # fmt: skip
    referenced_image_sequence: list[TestImageIOD.ReferencedImageSequenceItem] | None = attribute(
        0x00081140, "SQ", "1-n", "3", keyword="ReferencedImageSequence",
        name="Referenced Image Sequence", item=lambda: TestImageIOD.ReferencedImageSequenceItem,
        default=None, module="General Image", usage="M",
    )  # fmt: skip
    patient_name: PersonName | str | None = attribute(
        0x00100010, "PN", "1", "2", keyword="PatientName", name="Patient's Name", default=None,
        module="Patient", usage="M",
    )  # fmt: skip
    contrast_bolus_agent: str | None = attribute(
        0x00180010, "LO", "1", "2", keyword="ContrastBolusAgent", name="Contrast/Bolus Agent",
        default=None, module="Contrast/Bolus", usage="C - Required if contrast media was used",
        module_condition=C.Unparsed("Required if contrast media was used"),
    )  # fmt: skip
    device_serial_number: str | None = attribute(
        0x00181000, "LO", "1", "2", keyword="DeviceSerialNumber", name="Device Serial Number",
        default=None, module="Device", usage="U",
    )  # fmt: skip
    slice_thickness: float | None = attribute(
        0x00180050, "DS", "1", "2", keyword="SliceThickness", name="Slice Thickness",
        default=None, module="Image Plane", usage="C", module_condition=C.Present(0x7FE00010),
    )  # fmt: skip
    instance_number: int | None = attribute(
        0x00200013, "IS", "1", "2", keyword="InstanceNumber", name="Instance Number",
        default=None, module="General Image", usage="M",
    )  # fmt: skip
    samples_per_pixel: int | None = attribute(
        0x00280002, "US", "1", "1C", keyword="SamplesPerPixel", name="Samples per Pixel",
        default=None, module="Image Pixel", usage="C", module_condition=C.Present(0x7FE00010),
        condition=C.Present(0x7FE00010),
    )  # fmt: skip
    pixel_spacing: list[float] | tuple[float, ...] | None = attribute(
        0x00280030, "DS", "2", "1C", keyword="PixelSpacing", name="Pixel Spacing", default=None,
        module="Image Plane", usage="C", module_condition=C.Present(0x7FE00010),
        condition=C.Present(0x7FE00010),
    )  # fmt: skip
    pixel_representation: int | None = attribute(
        0x00280103, "US", "1", "3", keyword="PixelRepresentation", name="Pixel Representation",
        default=None, module="Image Pixel", usage="C", module_condition=C.Present(0x7FE00010),
    )  # fmt: skip
    smallest_image_pixel_value: int | None = attribute(
        0x00280106, "US or SS", "1", "3", keyword="SmallestImagePixelValue",
        name="Smallest Image Pixel Value", default=None, module="Image Pixel", usage="C",
        module_condition=C.Present(0x7FE00010),
    )  # fmt: skip
    pixel_data: bytes | None = attribute(
        0x7FE00010, "OB or OW", "1", "1C", keyword="PixelData", name="Pixel Data", default=None,
        module="Image Pixel", usage="C", module_condition=C.Present(0x7FE00010),
        condition=C.Unparsed("Required if Pixel Data Provider URL is absent"),
    )  # fmt: skip


def _iod(**kw: object) -> TestImageIOD:
    base: dict[str, object] = dict(
        sop_class_uid=TEST_SOP_CLASS, sop_instance_uid="1.2.3.4", modality="OT"
    )
    base.update(kw)
    return TestImageIOD(**base)  # type: ignore[arg-type]


# --- decorator and specs --------------------------------------------------------------------


def test_spec_records_class_and_fields() -> None:
    spec = PatientModule.__dicom__
    assert (spec.kind, spec.title, spec.xml_id, spec.section) == (
        "module",
        "Patient",
        "table_C.7-1",
        "sect_C.7.1.1",
    )
    assert [f.tag for f in spec.fields] == sorted(f.tag for f in spec.fields)
    sex = spec.by_name["patient_sex"]
    assert (sex.tag, sex.vr, sex.vm, sex.type, sex.keyword, sex.enum) == (
        0x00100040,
        "CS",
        "1",
        "2",
        "PatientSex",
        ("M", "F", "O"),
    )
    seq = spec.by_tag[0x00101002]
    assert seq.item_class is PatientModule.OtherPatientIDsSequenceItem
    assert TestImageIOD.__dicom__.sop_class_uids == (TEST_SOP_CLASS,)
    assert TestImageIOD.__dicom__.by_tag[0x00080016].sources == ("PS3.3 2016c table_C.12-1",)
    assert TestImageIOD.__dicom__.by_tag[0x00280106].vrs == ("US", "SS")


def test_required_fields_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        PatientModule.OtherPatientIDsSequenceItem()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        PatientModule.OtherPatientIDsSequenceItem("X")  # type: ignore[misc]
    assert PatientModule.OtherPatientIDsSequenceItem(patient_id="X").patient_id == "X"
    assert CodeMacro.__dicom__.by_name["code_meaning"].required
    assert not CodeMacro.__dicom__.by_name["code_value"].required


def test_classes_are_dict_based() -> None:
    # built in place on first use (typed_spec.ready), and a class may inherit from several
    assert hasattr(PatientModule.OtherPatientIDsSequenceItem(patient_id="X"), "__dict__")
    assert hasattr(_iod(), "__dict__")
    assert hasattr(CodeMacro(code_meaning="x"), "__dict__")


def test_classes_are_built_on_first_use_bases_first() -> None:
    @dicom_class(kind="macro", title="Base", xml_id="b")
    class Base(DicomObject):
        code_meaning: str = attribute(0x00080104, "LO", "1", "1", keyword="CodeMeaning")

    @dicom_class(kind="item", title="Derived", xml_id="d")
    class Derived(Base):
        series_description: str | None = attribute(
            0x0008103E, "LO", "1", "3", keyword="SeriesDescription", default=None
        )

    class Plain(Derived):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)

    assert "__attrs_attrs__" not in Base.__dict__ and "__attrs_attrs__" not in Derived.__dict__
    derived = Derived
    d = Derived(code_meaning="m", series_description="s")
    assert Derived is derived and type(d) is Derived  # the class object stays the same
    assert "__attrs_attrs__" in Base.__dict__  # the base was built first
    assert [a.name for a in attrs.fields(Base) if a.init] == ["extra_elements", "code_meaning"]
    with pytest.raises(TypeError):
        Base(code_meaning="m", series_description="s")  # type: ignore[call-arg]
    assert Plain(code_meaning="p").code_meaning == "p"  # super().__init__ of the built class
    assert [f.name for f in Plain.__dicom__.fields] == ["code_meaning", "series_description"]
    assert Derived.__dicom__.by_name["code_meaning"].defined_in == "b"
    assert Plain(code_meaning="p").to_dataset() == Derived(code_meaning="p").to_dataset()


def test_unpickled_object_of_a_class_not_built_yet() -> None:
    @dicom_class(kind="item", title="Fresh", xml_id="f")
    class Fresh(DicomObject):
        code_meaning: str = attribute(0x00080104, "LO", "1", "1", keyword="CodeMeaning")

    state = {"code_meaning": "m", "extra_elements": None, "_dicom_orig": None, "_dicom_file": None}
    obj = Fresh.__new__(Fresh)
    obj.__setstate__(state)  # as pickle does in a process that has not used the class
    assert obj.__getstate__() == state
    assert obj == Fresh(code_meaning="m") and obj != Fresh(code_meaning="n")


def test_multiple_inheritance_from_macros() -> None:
    @dicom_class(kind="macro", title="Other Macro", xml_id="x")
    class OtherMacro(DicomObject):
        series_description: str | None = attribute(
            0x0008103E, "LO", "1", "3", keyword="SeriesDescription", name="d", default=None
        )

    @dicom_class(kind="item", title="Both", xml_id="y")
    class Both(CodeMacro, OtherMacro):
        pass

    b = Both(code_meaning="m", series_description="s")
    ds = b.to_dataset()
    assert list(ds.keys()) == [0x00080104, 0x0008103E]
    assert Both.from_dataset(ds) == b
    assert {f.keyword for f in Both.__dicom__.fields} >= {"CodeMeaning", "SeriesDescription"}
    assert Both.__dicom__.by_name["code_meaning"].defined_in == "table_8.8-1"
    assert Both.__dicom__.by_name["series_description"].defined_in == "x"
    assert ContentItem.__dicom__.by_name["value_type"].defined_in == "table_C.17-6"


def test_not_decorated_class_is_an_error() -> None:
    @attrs.define
    class Plain(DicomObject):
        pass

    with pytest.raises(DicomError, match="not decorated"):
        Plain().to_dataset()


# --- encoding -------------------------------------------------------------------------------


def test_type2_none_written_empty_type1_3_none_absent() -> None:
    ds = PatientModule().to_dataset()
    assert sorted(ds.keys()) == [0x00100010, 0x00100020, 0x00100030, 0x00100040]
    assert all(e.value is None for e in ds.values())
    item = PatientModule.OtherPatientIDsSequenceItem(patient_id="A").to_dataset()
    assert list(item.keys()) == [0x00100020]  # Type 3 issuer absent


def test_values_converted_with_vr_types() -> None:
    obj = _iod(
        study_date=datetime.date(2020, 1, 31),
        study_time=datetime.time(10, 11, 12),
        patient_name="Doe^John",
        slice_thickness=1.25,
        pixel_spacing=(0.5, 0.75),
        instance_number=7,
        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
    )
    ds = obj.to_dataset()
    assert type(ds[0x00080020].value) is DA and str(ds[0x00080020].value) == "20200131"
    assert type(ds[0x00080030].value) is TM and str(ds[0x00080030].value) == "101112"
    assert type(ds[0x00100010].value) is PersonName
    assert type(ds[0x00180050].value) is DS and str(ds[0x00180050].value) == "1.25"
    assert [str(v) for v in ds[0x00280030].value] == ["0.5", "0.75"]
    assert type(ds[0x00200013].value) is IS
    assert list(ds[0x00080008].value) == ["ORIGINAL", "PRIMARY", "AXIAL"]
    # the bytes: through the writer and reader of the runtime
    back = decode_dataset(encode_dataset(ds, EXPLICIT_LE), EXPLICIT_LE)
    assert back[0x00280030].raw.tobytes() == b"0.5\\0.75"
    assert back[0x00080020].raw.tobytes() == b"20200131"


def test_bad_value_raises_naming_the_attribute_path() -> None:
    obj = _iod(referenced_image_sequence=[])
    obj.study_date = "not a date"  # type: ignore[assignment]
    with pytest.raises(InvalidValueError, match="StudyDate") as info:
        obj.to_dataset()
    assert info.value.tag == 0x00080020
    bad_item = TestImageIOD.ReferencedImageSequenceItem(
        referenced_sop_class_uid="1.2", referenced_sop_instance_uid="1.3"
    )
    obj = _iod(referenced_image_sequence=[bad_item, 42])  # type: ignore[list-item]
    with pytest.raises(InvalidValueError, match=r"ReferencedImageSequence\[1\]"):
        obj.to_dataset()


def test_bare_str_for_a_multi_valued_attribute_is_refused() -> None:
    """A multi-valued attribute is annotated ``list[T] | tuple[T, ...]``: a bare ``str`` is a
    type error, not coerced (``"A\\B"`` is not split), and ``to_dataset`` names the attribute."""
    for bare in ("ORIGINAL", "ORIGINAL\\PRIMARY"):
        obj = _iod(image_type=bare)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="ImageType.*list or tuple") as info:
            obj.to_dataset()
        assert info.value.tag == 0x00080008
    one = _iod(image_type=["ORIGINAL"]).to_dataset()
    assert one[0x00080008].value == "ORIGINAL"


def test_sequences_nested_and_recursive_items() -> None:
    tree = ContentItem(
        code_meaning="root",
        code_value="1",
        value_type="CONTAINER",
        content_sequence=[
            ContentItem(code_meaning="leaf", code_value="2", value_type="TEXT", text_value="hi"),
            ContentItem(code_meaning="empty", code_value="3", value_type="CONTAINER",
                        content_sequence=[]),
        ],
    )  # fmt: skip
    ds = tree.to_dataset()
    leaf = ds[0x0040A730].value[0]
    assert leaf[0x0040A160].value == "hi"
    assert ds[0x0040A730].value[1][0x0040A730].value == []
    data = encode_dataset(ds, IMPLICIT_LE)
    back = ContentItem.from_dataset(decode_dataset(data, IMPLICIT_LE))
    assert back == tree
    assert back.content_sequence is not None
    assert back.content_sequence[1].content_sequence == []


def test_ambiguous_vr_resolved_from_pixel_representation() -> None:
    ds = _iod(pixel_representation=1, smallest_image_pixel_value=-5).to_dataset()
    assert ds[0x00280106].vr == "SS"
    ds = _iod(pixel_representation=0, smallest_image_pixel_value=5).to_dataset()
    assert ds[0x00280106].vr == "US"
    # OB or OW: Bits Allocated absent -> OB (PS3.5 A.2)
    assert _iod(pixel_data=b"\0\1").to_dataset()[0x7FE00010].vr == "OB"


def test_dataset_items_accepted_in_sequences() -> None:
    raw = Dataset([DataElement(0x00081150, "UI", "1.2"), DataElement(0x00081155, "UI", "1.3")])
    ds = _iod(referenced_image_sequence=[raw]).to_dataset()  # type: ignore[list-item]
    assert ds[0x00081140].value[0] == raw


# --- decoding / losslessness ----------------------------------------------------------------


def _file_dataset() -> Dataset:
    ds = Dataset()
    ds.add_new(0x00080008, "CS", ["ORIGINAL", "PRIMARY"])
    ds.add_new(0x00080016, "UI", TEST_SOP_CLASS)
    ds.add_new(0x00080018, "UI", "1.2.3.4.5")
    ds.add_new(0x00080020, "DA", "20200131")
    ds.add_new(0x00080060, "CS", "OT")
    ds.add_new(0x00081140, "SQ", [
        Dataset([DataElement(0x00081150, "UI", "1.2"), DataElement(0x00081155, "UI", "1.3"),
                 DataElement(0x00091010, "LO", "private in item")]),
    ])  # fmt: skip
    ds.add_new(0x00091010, "LO", "PRIVATE CREATOR")  # private creator
    ds.add_new(0x00091011, "UN", b"\x01\x02")
    ds.add_new(0x00100010, "PN", "Doe^Jane")
    ds.add_new(0x00181000, "LO", None)  # Type 2 present, empty
    ds.add_new(0x00180050, "DS", "1.50")  # kept as written: "1.50", not "1.5"
    ds.add_new(0x00200013, "IS", " 007")
    ds.add_new(0x00280030, "DS", ["0.500", "0.5"])
    ds.add_new(0x00280106, "SS", -3)  # read VR kept
    ds.add_new(0x00284000, "LT", "retired Image Presentation Comments")  # retired, unknown
    return ds


def test_from_dataset_round_trip_is_lossless() -> None:
    src = decode_dataset(encode_dataset(_file_dataset(), EXPLICIT_LE), EXPLICIT_LE)
    obj = TestImageIOD.from_dataset(src)
    assert obj.modality == "OT"
    assert obj.image_type == ("ORIGINAL", "PRIMARY")
    assert obj.study_date == datetime.date(2020, 1, 31)
    assert obj.pixel_spacing == (0.5, 0.5)
    assert obj.referenced_image_sequence is not None
    assert obj.referenced_image_sequence[0].referenced_sop_class_uid == "1.2"
    assert obj.extra_elements is not None
    assert sorted(obj.extra_elements.keys()) == [0x00091010, 0x00091011, 0x00284000]
    item_extra = obj.referenced_image_sequence[0].extra_elements
    assert item_extra is not None and list(item_extra.keys()) == [0x00091010]
    out = obj.to_dataset()
    assert out == src
    assert list(out.keys()) == list(src.keys())
    again = encode_dataset(out, EXPLICIT_LE)
    assert again == encode_dataset(src, EXPLICIT_LE)
    assert b"1.50" in again and b" 007" in again  # original text kept
    assert out[0x00280106].vr == "SS"


def test_changed_values_are_written_new_unchanged_kept() -> None:
    src = decode_dataset(encode_dataset(_file_dataset(), EXPLICIT_LE), EXPLICIT_LE)
    obj = TestImageIOD.from_dataset(src)
    obj.slice_thickness = 2.0
    assert obj.device_serial_number == ""  # present, empty
    obj.patient_name = None  # Type 2: written empty
    obj.pixel_spacing = None  # Type 1C set to None: removed
    out = obj.to_dataset()
    assert str(out[0x00180050].value) == "2"
    assert out[0x00181000].value is None  # unchanged: still present, empty
    assert out[0x00100010].value is None
    obj.device_serial_number = None  # Type 3 set to None: removed
    assert 0x00181000 not in obj.to_dataset()
    assert 0x00280030 not in out
    assert str(out[0x00200013].value) == "007"


def test_present_empty_type3_kept() -> None:
    ds = Dataset([DataElement(0x00100020, "LO", "P1"), DataElement(0x00100021, "LO", None)])
    item = PatientModule.OtherPatientIDsSequenceItem.from_dataset(ds)
    assert item.issuer_of_patient_id == ""  # present, empty: the empty value of its type
    assert item.to_dataset() == ds
    fresh = PatientModule.OtherPatientIDsSequenceItem(patient_id="P1")
    assert 0x00100021 not in fresh.to_dataset()


def test_missing_required_field_refused_strict_read_lenient() -> None:
    ds = Dataset([DataElement(0x00100021, "LO", "issuer")])
    with pytest.raises(NonConformingError) as err:
        PatientModule.OtherPatientIDsSequenceItem.from_dataset(ds)
    assert "PatientID (0010,0020), Type 1 of Other Patient IDs Sequence Item: absent" in str(err)
    assert [p.path for p in err.value.problems] == ["PatientID"]
    item = PatientModule.OtherPatientIDsSequenceItem.from_dataset(ds, lenient=True)
    assert item.patient_id is None and not item.conforms  # read, reported by validate
    assert [f.rule for f in errors(item.validate())] == ["type1-missing"]
    assert item.to_dataset() == ds
    assert item.issuer_of_patient_id == "issuer" and not hasattr(item, "no_such_field")
    with pytest.raises(AttributeError):
        item.patient_id = "P1"  # type: ignore[misc]  # read-only: checked() gives the object
    with pytest.raises(NonConformingError):
        item.checked()
    ds.add(DataElement(0x00100020, "LO", "P1"))
    fixed = PatientModule.OtherPatientIDsSequenceItem.from_dataset(ds, lenient=True)
    assert fixed.conforms and fixed.checked().patient_id == "P1"


def test_from_dataset_rejects_non_datasets() -> None:
    with pytest.raises(InvalidValueError):
        PatientModule.from_dataset({})  # type: ignore[arg-type]


# --- files ----------------------------------------------------------------------------------


def test_lists_and_tuples_of_values_compare_alike_after_a_round_trip() -> None:
    obj = _iod(image_type=["ORIGINAL", "PRIMARY"], pixel_spacing=[0.5, 0.75])
    back = TestImageIOD.from_dataset(obj.to_dataset())
    assert back.image_type == ("ORIGINAL", "PRIMARY")  # decoded values are tuples
    assert back == obj and not back != obj
    assert back != _iod(image_type=["ORIGINAL", "SECONDARY"], pixel_spacing=[0.5, 0.75])
    assert back != _iod(image_type=["ORIGINAL"], pixel_spacing=[0.5, 0.75])
    with pytest.raises(TypeError):
        hash(obj)


def test_to_file_from_file(tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "x.dcm"
    obj = _iod(
        patient_name="Doe^John",
        study_date=datetime.date(2021, 5, 6),
        referenced_image_sequence=[
            TestImageIOD.ReferencedImageSequenceItem(
                referenced_sop_class_uid="1.2.840.10008.5.1.4.1.1.2",
                referenced_sop_instance_uid="1.2.3.9",
            )
        ],
    )
    obj.to_file(path)
    back = TestImageIOD.from_file(path)
    assert back == obj
    ds = part10.read(path)
    assert ds.file_meta is not None
    assert ds.file_meta.transfer_syntax_uid == EXPLICIT_LE
    back.to_file(path, IMPLICIT_LE)
    assert part10.read(path).file_meta.transfer_syntax_uid == IMPLICIT_LE  # type: ignore[union-attr]
    # default transfer syntax of an object read from a file: the one it was read with
    again = TestImageIOD.from_file(path)
    buf = io.BytesIO()
    again.to_file(buf)
    assert part10.read(buf.getvalue()).file_meta.transfer_syntax_uid == IMPLICIT_LE  # type: ignore[union-attr]


def test_to_file_fills_sop_class_and_from_file_checks_it(tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "y.dcm"
    obj = _iod(sop_class_uid=None)
    obj.to_file(path)
    assert part10.read(path)[0x00080016].value == TEST_SOP_CLASS
    other = _iod(sop_class_uid="1.2.840.10008.5.1.4.1.1.2")
    other.to_file(path)
    with pytest.raises(ValidationError, match="1.2.840.10008.5.1.4.1.1.2"):
        TestImageIOD.from_file(path)


def _fake_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("dicomgen_std._registry")
    mod.IOD_CLASSES = {TEST_SOP_CLASS: f"{__name__}:TestImageIOD"}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dicomgen_std._registry", mod)
    monkeypatch.setattr(typed, "_IOD_CACHE", {})


def test_iod_class_for_and_load(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import pathlib

    _fake_registry(monkeypatch)
    assert typed.iod_class_for(TEST_SOP_CLASS) is TestImageIOD
    assert typed.iod_class_for(TEST_SOP_CLASS + "\0") is TestImageIOD
    assert typed.iod_class_for("1.2.3.999") is None
    path = pathlib.Path(str(tmp_path)) / "z.dcm"
    _iod(patient_name="A^B").to_file(path)
    obj = typed.load(path)
    assert isinstance(obj, TestImageIOD) and obj.patient_name == "A^B"


# --- conditions -----------------------------------------------------------------------------


def test_conditions_evaluate() -> None:
    values = {0x00280004: "RGB", 0x00280008: "3", 0x00080008: ["ORIGINAL", "PRIMARY"], 1: ""}

    def lookup(tag: int) -> object:
        return values.get(tag, C.ABSENT)

    assert C.evaluate(C.Present(0x00280004), lookup) is True
    assert C.evaluate(C.Present(1), lookup) is True
    assert C.evaluate(C.HasValue(1), lookup) is False
    assert C.evaluate(C.Absent(0x00281041), lookup) is True
    assert C.evaluate(C.Equals(0x00280004, ("RGB", "YBR_FULL")), lookup) is True
    assert C.evaluate(C.Equals(0x00280008, ("3",)), lookup) is True
    assert C.evaluate(C.Equals(0x00080008, ("PRIMARY",), index=2), lookup) is True
    assert C.evaluate(C.Equals(0x00080008, ("PRIMARY",), index=1), lookup) is False
    assert C.evaluate(C.NotEquals(0x00280004, ("RGB",)), lookup) is False
    assert C.evaluate(C.NotEquals(0x00281041, ("RGB",)), lookup) is False
    assert C.evaluate(C.Not(C.Present(0x00281041)), lookup) is True
    u = C.Unparsed("if contrast was used")
    assert C.evaluate(u, lookup) is None
    assert C.evaluate(C.And((C.Present(0x00280004), u)), lookup) is None
    assert C.evaluate(C.And((C.Absent(0x00280004), u)), lookup) is False
    assert C.evaluate(C.Or((C.Present(0x00280004), u)), lookup) is True
    assert C.evaluate(C.Or((C.Absent(0x00280004), u)), lookup) is None
    assert C.evaluate(None, lookup) is True
    assert C.is_parsed(C.And((C.Present(1), C.Not(C.Absent(2)))))
    assert not C.is_parsed(C.Or((C.Present(1), u)))
    assert C.tags_of(C.Or((C.Present(1), C.Equals(2, ("A",)), C.Absent(1)))) == (1, 2)
    assert "is one of RGB" in C.describe(C.Equals(0x00280004, ("RGB",)))
    with pytest.raises(TypeError):
        C.evaluate("nope", lookup)  # type: ignore[arg-type]


def test_generator_parses_into_the_runtime_condition_classes() -> None:
    gen = pytest.importorskip("dicomgen_codegen.parse.conditions")
    for name in ("Present", "Absent", "HasValue", "Equals", "NotEquals", "And", "Or", "Not",
                 "Unparsed", "evaluate"):  # fmt: skip
        assert getattr(gen, name) is getattr(C, name), name
    parsed = gen.parse_condition(
        "Required if Photometric Interpretation (0028,0004) is RGB or Planar Configuration "
        "(0028,0006) is present."
    )
    assert parsed == C.Or(
        (
            C.Equals(0x00280004, ("RGB",), name="Photometric Interpretation"),
            C.Present(0x00280006, name="Planar Configuration"),
        )
    )
    for vals, want in (({0x00280004: "RGB"}, True), ({0x00280006: 0}, True), ({}, False)):
        assert C.evaluate(parsed, lambda t, v=vals: v.get(t, C.ABSENT)) is want


# --- validation -----------------------------------------------------------------------------


def _rules(findings: list[Finding], severity: str = "error") -> list[tuple[str, str]]:
    return sorted((f.rule, f.path) for f in findings if f.severity == severity)


def test_valid_object_has_no_errors() -> None:
    obj = _iod(patient_name="Doe^John", study_date=datetime.date(2020, 1, 1))
    assert errors(obj.validate()) == []


def test_type1_and_type2_rules_on_data_sets() -> None:
    ds = _iod().to_dataset()
    del ds[0x00080018]  # Type 1 missing
    ds[0x00080060] = DataElement(0x00080060, "CS", None)  # Type 1 empty
    assert _rules(validate_dataset(ds, TestImageIOD.ReferencedImageSequenceItem)) == [
        ("type1-missing", "ReferencedSOPClassUID"),
        ("type1-missing", "ReferencedSOPInstanceUID"),
    ]
    item = Dataset([DataElement(0x00081150, "UI", ""), DataElement(0x00081155, "UI", "1.2")])
    assert _rules(validate_dataset(item, TestImageIOD.ReferencedImageSequenceItem)) == [
        ("type1-empty", "ReferencedSOPClassUID")
    ]
    del ds[0x00100010]  # Type 2 missing
    ds.add_new(0x00284000, "LT", "retired")  # not defined by the IOD: a warning
    ds.add_new(0x00091010, "LO", "CREATOR")  # private: not reported
    found = validate_dataset(ds, TestImageIOD)
    assert _rules(found, "warning") == [("not-in-iod", "ImagePresentationComments")]
    assert _rules(found) == [
        ("type1-empty", "Modality"),
        ("type1-missing", "SOPInstanceUID"),
        ("type2-missing", "PatientName"),
    ]
    f = next(x for x in found if x.rule == "type2-missing")
    assert (f.iod, f.module, f.tag, f.standard) == ("Test Image", "Patient", 0x00100010, "Type 2")
    assert "Error - Test Image / Patient: PatientName (0010,0010)" in str(f)


def test_attribute_paths_through_sequence_items() -> None:
    item = TestImageIOD.ReferencedImageSequenceItem(
        referenced_sop_class_uid="1.2", referenced_sop_instance_uid="1.3"
    )
    obj = _iod(referenced_image_sequence=[item, item])
    ds = obj.to_dataset()
    del ds[0x00081140].value[1][0x00081150]
    found = validate_dataset(ds, TestImageIOD)
    assert _rules(found) == [("type1-missing", "ReferencedImageSequence[1].ReferencedSOPClassUID")]
    assert errors(found)[0].module == "General Image"


def test_conditional_types_and_unparsed_conditions_counted() -> None:
    no_code = ContentItem(code_meaning="m", value_type="TEXT")
    found = no_code.validate()
    assert _rules(found) == [
        ("type1c-missing", "CodeValue"),
        ("type1c-missing", "LongCodeValue"),
        ("type1c-missing", "TextValue"),
    ]
    f = next(x for x in found if x.path == "TextValue")
    assert f.standard == "Type 1C: Required if Value Type (0040,A040) is TEXT."
    assert _rules(found, "info") == [("condition-not-checked", "CodingSchemeDesignator")]
    ok = ContentItem(code_meaning="m", code_value="1", value_type="CONTAINER")
    assert _rules(ok.validate()) == [("type1c-missing", "ContentSequence")]
    ok.content_sequence = [ContentItem(code_meaning="x", long_code_value="u", value_type="TEXT",
                                       text_value="t")]  # fmt: skip
    assert _rules(ok.validate()) == []


def test_module_usage_rules() -> None:
    # U module (Device) absent: not checked; present: checked (Type 2 present here)
    obj = _iod()
    assert "DeviceSerialNumber" not in {f.path for f in obj.validate()}
    ds = obj.to_dataset()
    assert 0x00181000 not in ds  # Type 2 of an unused U module is not written
    assert _iod(device_serial_number="1").to_dataset()[0x00181000].value == "1"
    # C module with a parsed condition (Image Pixel/Image Plane: Pixel Data present)
    obj = _iod(pixel_data=b"\0\0")
    assert _rules(obj.validate()) == [
        ("type1c-missing", "PixelSpacing"),
        ("type1c-missing", "SamplesPerPixel"),
    ]
    assert obj.to_dataset()[0x00180050].value is None  # Type 2 of a C module whose condition holds
    # C module with an unparsed condition, absent: counted as not checked
    info = _rules(_iod().validate(), "info")
    assert ("module-condition-not-checked", "") in info


def test_enum_defined_terms_vr_and_vm_rules() -> None:
    obj = _iod(
        modality="XX",
        image_type=("SECONDARY_BAD", "PRIMARY", "AXIAL"),
        pixel_spacing=(1.0, 2.0, 3.0),
        referenced_image_sequence=[
            TestImageIOD.ReferencedImageSequenceItem(
                referenced_sop_class_uid="1.02", referenced_sop_instance_uid="x.y"
            )
        ],
    )
    found = obj.validate()
    assert _rules(found) == [
        ("enum", "ImageType"),
        ("vm", "PixelSpacing"),
        ("vr", "ReferencedImageSequence[0].ReferencedSOPClassUID"),
        ("vr", "ReferencedImageSequence[0].ReferencedSOPInstanceUID"),
    ]
    assert _rules(found, "warning") == [("defined-term", "Modality")]
    enum = next(f for f in found if f.rule == "enum")
    assert enum.standard == "Enumerated Values: ORIGINAL, DERIVED"
    assert "SECONDARY_BAD" in enum.message


def test_validate_reports_unconvertible_values_instead_of_raising() -> None:
    obj = _iod()
    obj.study_date = "2020-01-01"  # type: ignore[assignment]
    found = errors(obj.validate())
    assert [(f.rule, f.path) for f in found] == [("vr", "StudyDate")]


def test_vm_parsing() -> None:
    assert parse_vm("1") == (1, 1, 1)
    assert parse_vm("1-n") == (1, None, 1)
    assert parse_vm("2-2n") == (2, None, 2)
    assert parse_vm("1-3") == (1, 3, 1)
    assert vm_allows("2-2n", 4) and not vm_allows("2-2n", 3)
    assert vm_allows("1-3", 3) and not vm_allows("1-3", 4)
    assert vm_allows("1 or 3", 3) and not vm_allows("1 or 3", 2)


# --- CLI ------------------------------------------------------------------------------------


def test_cli_validate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import pathlib

    from dicomgen.cli.main import main

    _fake_registry(monkeypatch)
    good = pathlib.Path(str(tmp_path)) / "good.dcm"
    bad = pathlib.Path(str(tmp_path)) / "bad.dcm"
    _iod(patient_name="A^B").to_file(good)
    ds = _iod().to_dataset()
    del ds[0x00100010]
    part10.write(bad, ds)
    assert main(["validate", str(good)]) == 0
    out = capsys.readouterr().out
    assert "Test Image: 0 error(s)" in out
    assert main(["validate", str(good), str(bad), "--show-info"]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: Error - Test Image / Patient: PatientName (0010,0010)" in out
    assert "[type2-missing]" in out and "Info - " in out
    unknown = pathlib.Path(str(tmp_path)) / "unknown.dcm"
    part10.write(unknown, _iod(sop_class_uid="1.2.3.4.5.6").to_dataset())
    assert main(["validate", str(unknown)]) == 1
    assert "no IOD class for SOP Class UID 1.2.3.4.5.6" in capsys.readouterr().out
    assert main(["validate", str(tmp_path) + "/missing.dcm"]) == 1


def test_unexpected_vrs_and_undecodable_values_round_trip() -> None:
    ds = Dataset()
    ds.add(DataElement(0x00080016, "UI", TEST_SOP_CLASS))
    ds.add(DataElement(0x00080018, "UI", "1.2.3"))
    ds.add(DataElement(0x00080060, "CS", "OT"))
    # a sequence read as UN (Implicit VR without dictionary), a US value with 3 bytes
    ds.add(DataElement.from_raw(0x00081140, "UN", b"\xfe\xff\x00\xe0\x00\x00\x00\x00"))
    ds.add(DataElement.from_raw(0x00280002, "US", b"\x01\x00\x02"))
    ds.add(DataElement.from_raw(0x00200013, "IS", b"12.5"))  # not an integer string
    with pytest.raises(NonConformingError) as err:
        TestImageIOD.from_dataset(ds)
    assert [p.path for p in err.value.problems] == ["ReferencedImageSequence", "InstanceNumber"]
    obj = TestImageIOD.from_dataset(ds, lenient=True)
    assert obj.samples_per_pixel is None  # undecodable: kept as read
    assert obj.to_dataset() == ds
    assert encode_dataset(obj.to_dataset(), EXPLICIT_LE) == encode_dataset(ds, EXPLICIT_LE)
    rules = {(f.rule, f.path) for f in validate_dataset(ds, TestImageIOD) if f.severity == "error"}
    assert ("decode", "SamplesPerPixel") in rules
    assert ("vr-mismatch", "ReferencedImageSequence") not in rules  # UN is allowed for any VR


def _same_elements(a: Dataset, b: Dataset) -> None:
    assert list(a.keys()) == list(b.keys())
    for tag, ea in a.items():
        eb = b[tag]
        assert (ea.vr, ea.undefined_length) == (eb.vr, eb.undefined_length), tag
        if ea.vr == "SQ":
            assert len(ea.value) == len(eb.value)
            for x, y in zip(ea.value, eb.value):
                _same_elements(x, y)
        else:
            assert ea == eb, tag
            assert type(ea.value) is type(eb.value), tag


@pytest.mark.parametrize(
    "make",
    [
        lambda: _iod(),
        lambda: _iod(
            patient_name="A^B",
            study_date=datetime.date(2020, 1, 2),
            pixel_representation=1,
            smallest_image_pixel_value=-1,
            pixel_data=b"\0\0",
            image_type=("ORIGINAL",),
            pixel_spacing=(1.0, 2.0),
            modality="",
            referenced_image_sequence=[
                TestImageIOD.ReferencedImageSequenceItem(
                    referenced_sop_class_uid="1.2", referenced_sop_instance_uid="1.3"
                )
            ],
        ),
        lambda: _iod(device_serial_number="x", slice_thickness=1.5),
        lambda: ContentItem(
            code_meaning="m",
            value_type="CONTAINER",
            content_sequence=[ContentItem(code_meaning="n", value_type="TEXT", text_value="t")],
        ),
        lambda: PatientModule(extra_elements=Dataset([DataElement(0x00091010, "LO", "X")])),
    ],
)
def test_encoder_writes_back_what_it_reads(make: object) -> None:
    obj = make()  # type: ignore[operator]
    ds = obj.to_dataset()
    again = type(obj).from_dataset(ds)
    _same_elements(again.to_dataset(), ds)  # unchanged values: the elements as read
    bad = make()  # type: ignore[operator]
    if isinstance(bad, TestImageIOD):
        bad.study_date = "nope"  # type: ignore[assignment]
        with pytest.raises(InvalidValueError, match="StudyDate"):
            bad.to_dataset()
        again.study_date = "nope"  # type: ignore[assignment]
        with pytest.raises(InvalidValueError, match="StudyDate"):
            again.to_dataset()


def test_plain_subclass_uses_its_base_spec() -> None:
    class MyPatient(PatientModule):
        def initials(self) -> str:
            return "".join(p[:1] for p in str(self.patient_name).split("^"))

    p = MyPatient(patient_name="Doe^John")
    assert p.initials() == "DJ"
    ds = p.to_dataset()
    assert ds[0x00100010].value == "Doe^John"
    back = MyPatient.from_dataset(ds)
    assert isinstance(back, MyPatient) and back.initials() == "DJ"

    @attrs.define(kw_only=True)
    class WithField(PatientModule):
        patient_weight: float | None = attribute(
            0x00101030, "DS", "1", "3", keyword="PatientWeight", name="w", default=None
        )

    with pytest.raises(DicomError, match="not decorated"):
        WithField(patient_weight=70.0).to_dataset()


def test_pickle_and_copy() -> None:
    import copy
    import pickle

    src = decode_dataset(encode_dataset(_file_dataset(), EXPLICIT_LE), EXPLICIT_LE)
    obj = TestImageIOD.from_dataset(src)
    for clone in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)):
        assert clone == obj
        assert clone.to_dataset() == src


_pn_text = st.text(
    alphabet=st.characters(min_codepoint=0x41, max_codepoint=0x7A, blacklist_characters="\\^=[]`"),
    min_size=1,
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(
    family=_pn_text,
    given_name=_pn_text,
    day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
    moment=st.times(),
    number=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    thickness=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    spacing=st.tuples(st.floats(0.001, 100.0), st.floats(0.001, 100.0)),
    ts=st.sampled_from([EXPLICIT_LE, IMPLICIT_LE, "1.2.840.10008.1.2.2"]),
)
def test_round_trip_property(
    family: str,
    given_name: str,
    day: datetime.date,
    moment: datetime.time,
    number: int,
    thickness: float,
    spacing: tuple[float, float],
    ts: str,
) -> None:
    import math

    obj = _iod(
        patient_name=f"{family}^{given_name}",
        study_date=day,
        study_time=moment,
        instance_number=number,
        slice_thickness=thickness,
        pixel_spacing=spacing,
    )
    buf = io.BytesIO()
    obj.to_file(buf, ts)
    back = TestImageIOD.from_file(buf.getvalue())
    assert back.patient_name == f"{family}^{given_name}"
    assert back.study_date == day
    assert back.study_time == moment
    assert back.instance_number == number
    # DS holds at most 16 characters (PS3.5 6.2): "-1.07197026e-128" keeps 9 digits
    assert back.slice_thickness is not None and math.isclose(
        back.slice_thickness, thickness, rel_tol=1e-7
    )
    assert back.pixel_spacing is not None
    assert all(math.isclose(a, b, rel_tol=1e-7) for a, b in zip(back.pixel_spacing, spacing))
    # and the object read back writes the same bytes again
    again = io.BytesIO()
    back.to_file(again, ts)
    assert again.getvalue() == buf.getvalue()
