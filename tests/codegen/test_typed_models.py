"""The PS3.3 class model: keywords by tag, errata, macros as bases, conditional and recursive
includes, IOD classes built on their module classes (stricter Type wins), functional groups, name collisions.

Most tests read the PS3.3 IR parsed from the 2016c DocBook excerpt (the committed PS3.3 IR is
the 2020a extract's, whose classes tests/generated checks) and the committed registry IR."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import attrs
import pytest
from conftest import excerpt_part03

from dicomgen.core.errors import GenerationError
from dicomgen_codegen.ir.io import load_collection
from dicomgen_codegen.ir.iod import (
    AttributeRow,
    AttributeTableRecord,
    IncludeRow,
    IODModuleRef,
    IODRecord,
    Part03Result,
)
from dicomgen_codegen.ir.model import DataElementRecord, Provenance, Registry
from dicomgen_codegen.parse.conditions import Equals, Present, Unparsed
from dicomgen_codegen.passes.class_model import (
    ClassModel,
    ClassRef,
    TypedField,
    class_name,
    file_stem,
    first_sentences,
    merge_fields,
    overridden_module,
    stricter,
)
from dicomgen_codegen.passes.errata import RowErratum, apply_row_errata, load_row_errata
from dicomgen_codegen.passes.keywords import fill_keywords, keyword_from_name
from dicomgen_codegen.passes.naming import snake_case as field_name
from dicomgen_codegen.passes.typed_models import build_models

REPO = Path(__file__).resolve().parents[2]
IR = REPO / "standard_xml" / "ir"


@lru_cache(maxsize=1)
def _models():
    p3 = excerpt_part03()
    reg = load_collection(Registry, IR / "registry")
    filled = fill_keywords(p3, reg.data_elements)
    fixed, _lines = apply_row_errata(filled.result)
    sop: dict[str, list[str]] = {}
    for s in reg.sop_classes:
        sop.setdefault(s.iod, []).append(s.uid)
    models = build_models(fixed, filled.elements, {k: tuple(v) for k, v in sop.items()})
    by_name: dict[str, ClassModel] = {}
    todo = [*models.tables, *models.iods]
    while todo:
        m = todo.pop()
        by_name[m.ref.qualname] = m
        todo.extend(m.items)
    return models, by_name, filled


def cls(qualname: str) -> ClassModel:
    return _models()[1][qualname]


# --- names and small rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "name"),
    [
        ("PatientName", "patient_name"),
        ("SOPInstanceUID", "sop_instance_uid"),
        ("OtherPatientIDsSequence", "other_patient_ids_sequence"),
        ("XRay3DFrameTypeSequence", "x_ray_3d_frame_type_sequence"),
        ("ImagePositionPatient", "image_position_patient"),
        ("Type", "type_"),
    ],
)
def test_field_names(keyword: str, name: str) -> None:
    assert field_name(keyword) == name


def test_class_and_file_names() -> None:
    assert class_name("CT Image", "iod") == "CTImageIOD"
    assert class_name("Patient", "module") == "PatientModule"
    assert class_name("Code Sequence", "macro") == "CodeSequenceMacro"
    assert class_name("3D Spatial Coordinates", "macro") == "ThreeDSpatialCoordinatesMacro"
    assert file_stem("Contrast/Bolus", "module") == "contrast_bolus"
    assert file_stem("Enhanced X-Ray Angiographic Image", "iod") == (
        "enhanced_x_ray_angiographic_image"
    )


def test_keyword_from_name_follows_the_ps3_6_rule() -> None:
    assert keyword_from_name("Consulting Physician's Name") == "ConsultingPhysicianName"
    assert keyword_from_name("STOW-RS Storage Sequence") == "STOWRSStorageSequence"


def test_stricter_type_and_merge() -> None:
    assert stricter("3", "1") == "1"
    assert stricter("2C", "1C") == "1C"
    assert stricter("2", "2C") == "2"
    a = TypedField(
        "x",
        1,
        "(0000,0001)",
        "X",
        "X",
        ("CS",),
        "1",
        "3",
        False,
        "t_a",
        sources=("a",),
        enum=("A",),
    )
    b = attrs.evolve(a, type="1", required=True, origin="t_b", sources=("b",), enum=())
    m = merge_fields(a, b)
    assert (m.type, m.required, m.sources, m.enum, m.origin) == (
        "1",
        True,
        ("a", "b"),
        ("A",),
        "t_b",
    )


def test_a_type_that_overrides_another_modules_wins_even_when_weaker() -> None:
    """PS3.3 C.8.6.1: SC Equipment's Modality (Type 3) "shall override the definition in the
    General Series Module" (Type 1)."""
    text = "Source equipment. This type definition shall override the definition in the\n"
    assert overridden_module(text + "General Series Module.") == "General Series"
    assert overridden_module("Type of equipment. See Section C.7.3.1.1.1.") == ""
    series = TypedField(
        "modality", 0x00080060, "(0008,0060)", "Modality", "Modality", ("CS",), "1", "1", True,
        "table_C.7-5a", sources=("s",), module="General Series",
    )  # fmt: skip
    sc = attrs.evolve(
        series, type="3", required=False, origin="table_C.8-24", sources=("e",),
        module="SC Equipment", overrides="General Series",
    )  # fmt: skip
    for m in (merge_fields(series, sc), merge_fields(sc, series)):
        assert (m.type, m.required, m.module, set(m.sources)) == (
            "3",
            False,
            "SC Equipment",
            {"s", "e"},
        )
    other = attrs.evolve(sc, overrides="Patient")  # names another module: stricter Type wins
    assert merge_fields(series, other).type == "1"


def test_first_sentences() -> None:
    text = "Short one. The second sentence is here, e.g. with an abbreviation. Third."
    assert (
        first_sentences(text)
        == "Short one. The second sentence is here, e.g. with an abbreviation."
    )
    assert first_sentences("x " * 300).endswith("...")
    # periods inside section numbers and decimals do not end a sentence
    text = "Image identification characteristics. See Section C.8.3.1.1.1 for specialization."
    assert first_sentences(text) == text
    assert first_sentences("Nominal slice thickness of 0.5 mm or more, in mm. Second.") == (
        "Nominal slice thickness of 0.5 mm or more, in mm."
    )


# --- keywords --------------------------------------------------------------------------------


def _row(name: str, tag: str, type_: str = "3", depth: int = 0, xml_id: str = "t", row: int = 1):
    return AttributeRow(
        name, tag, type_, depth, "", "", source=Provenance("PS3.3", "x", xml_id, row)
    )


def _elem(tag: str, kw: str, vr: str = "CS", vm: str = "1") -> DataElementRecord:
    return DataElementRecord(tag, kw, kw, (vr,), vm, False, "data")


def _result(*tables: AttributeTableRecord, iods: tuple[IODRecord, ...] = ()) -> Part03Result:
    return Part03Result("PS3.3", "test", iods, tables, (), None)  # type: ignore[arg-type]


def _table(xml_id: str, title: str, kind: str, *rows) -> AttributeTableRecord:
    return AttributeTableRecord(xml_id, title, f"{title} {kind.title()} Attributes", kind, "", rows)


def test_fill_keywords_exact_repeating_and_missing() -> None:
    t = _table(
        "t",
        "T",
        "module",
        _row("Patient's Name", "(0010,0010)"),
        _row("Overlay Data", "(60xx,3000)"),
        _row("Brand New Attribute", "(0099,0001)"),
    )
    elements = [
        _elem("(0010,0010)", "PatientName", "PN"),
        _elem("(60xx,3000)", "OverlayData", "OW"),
    ]
    out = fill_keywords(_result(t), elements)
    rows = out.result.tables[0].rows
    assert [r.keyword for r in rows] == ["PatientName", "OverlayData", "BrandNewAttribute"]
    assert out.elements["(60xx,3000)"].value == 0x60003000 and out.elements["(60xx,3000)"].repeating
    assert not out.elements["(0099,0001)"].known and out.elements["(0099,0001)"].vrs == ("UN",)
    assert len(out.missing) == 1 and "(0099,0001)" in out.missing[0].message


def test_every_excerpt_row_has_a_keyword_and_missing_ones_are_reported() -> None:
    _models_, _by, filled = _models()
    for t in filled.result.tables:
        for r in t.rows:
            if isinstance(r, AttributeRow):
                assert r.keyword, (t.xml_id, r.tag)
    # the Table Content Item Macro (C.18.10-1) of the 2016c excerpt uses tags that the data
    # dictionary (PS3.6 2015b, data elements 2020a) does not have: reported
    assert any("(0040,A801)" in i.message for i in filled.missing)


# --- errata ------------------------------------------------------------------------------------


def test_row_errata_apply_only_to_the_published_value() -> None:
    t = _table(
        "t",
        "T",
        "module",
        _row("A Sequence", "(0008,0123)", row=1),
        _row("A", "(0008,010F)", row=2),
    )
    e = RowErratum("t", 2, "(0008,010F)", "depth", 0, 1, "reason")
    fixed, lines = apply_row_errata(_result(t), (e,))
    assert fixed.tables[0].rows[1].depth == 1 and lines[0].startswith("applied")
    again, lines = apply_row_errata(fixed, (e,))
    assert again == fixed and lines[0].startswith("obsolete")


def test_shipped_row_errata_are_data_with_reasons() -> None:
    shipped = load_row_errata()
    assert len(shipped) == 7 and all(e.reason and e.file == "part03.toml" for e in shipped)


def test_sop_common_context_group_items_are_not_top_level_attributes() -> None:
    sop_common = cls("SOPCommonModule")
    assert "context_identifier" not in sop_common.all_fields
    item = cls("SOPCommonModule.ContextGroupIdentificationSequenceItem")
    assert item.all_fields["context_identifier"].required


# --- classes of tables ------------------------------------------------------------------------


def test_macros_stay_macros() -> None:
    patient = cls("PatientModule")
    assert ClassRef("macros.issuer_of_patient_id", "IssuerOfPatientIDMacro") in patient.bases
    assert "issuer_of_patient_id" in patient.all_fields  # inherited ...
    assert "issuer_of_patient_id" not in {f.name for f in patient.fields}  # ... not redeclared
    code = cls("CodeSequenceMacro")
    assert [b.qualname for b in code.bases] == [
        "BasicCodeSequenceMacro",
        "EnhancedCodeSequenceMacro",
    ]


def test_sequence_items_are_nested_classes_or_the_macro_itself() -> None:
    patient = cls("PatientModule")
    seq = patient.all_fields["other_patient_ids_sequence"]
    assert seq.item == ClassRef("modules.patient", "PatientModule.OtherPatientIDsSequenceItem")
    item = cls("PatientModule.OtherPatientIDsSequenceItem")
    assert item.all_fields["patient_id"].required and item.sequence.tag == 0x00101002
    # an item that is exactly one unconditional Include is the macro class
    breed = cls("PatientModule.BreedRegistrationSequenceItem")
    assert breed.all_fields["breed_registry_code_sequence"].item == ClassRef(
        "macros.code_sequence", "CodeSequenceMacro"
    )


def test_type_1_is_required_and_fields_keep_their_metadata() -> None:
    f = cls("PatientModule").all_fields["patient_name"]
    assert (f.tag, f.vrs, f.vm, f.type, f.keyword, f.required) == (
        0x00100010,
        ("PN",),
        "1",
        "2",
        "PatientName",
        False,
    )
    sop = cls("SOPCommonModule").all_fields["sop_instance_uid"]
    assert sop.required and sop.type == "1"
    sex = cls("PatientModule").all_fields["patient_sex"]
    assert sex.enum == ("M", "F", "O")


def test_a_conditional_include_copies_the_fields_with_the_condition() -> None:
    content = cls("DocumentContentMacro")
    assert "NumericMeasurementMacro" not in [b.qualname for b in content.bases]
    f = content.all_fields["measured_value_sequence"]  # Type 2 in table_C.18.1-1
    assert not f.required and f.type == "2C" and f.origin == "table_C.18.1-1"
    assert isinstance(f.condition, Equals)
    assert (f.condition.tag, f.condition.values) == (0x0040A040, ("NUM",))
    assert "Value Type (0040,A040) is NUM" in f.condition_text


def test_recursive_includes_refer_to_themselves_through_item_classes() -> None:
    rel = cls("DocumentRelationshipMacro.ContentSequenceItem")
    assert rel.all_fields["content_sequence"].item == rel.ref  # the item contains itself
    assert rel.all_fields["content_sequence"].condition is not None
    facility = cls(
        "IssuerOfPatientIDMacro.IssuerOfPatientIDQualifiersSequenceItem.AssigningFacilitySequenceItem"
    )
    back = facility.all_fields["issuer_of_patient_id_qualifiers_sequence"].item
    assert back == ClassRef(
        "macros.issuer_of_patient_id",
        "IssuerOfPatientIDMacro.IssuerOfPatientIDQualifiersSequenceItem",
    )
    assert ClassRef("macros.hl7v2_hierarchic_designator", "HL7v2HierarchicDesignatorMacro") in (
        facility.bases
    )


def test_rows_below_an_include_extend_the_macros_last_sequence() -> None:
    image_ref = cls("ImageReferenceMacro")
    seq = image_ref.all_fields["referenced_sop_sequence"]
    assert seq.item == ClassRef(
        "macros.image_reference", "ImageReferenceMacro.ReferencedSOPSequenceItem"
    )
    item = cls("ImageReferenceMacro.ReferencedSOPSequenceItem")
    assert {"referenced_sop_instance_uid", "referenced_frame_number"} <= set(item.all_fields)


# --- IODs ----------------------------------------------------------------------------------------


def test_four_iods_with_their_sop_classes() -> None:
    models = _models()[0]
    assert [m.ref.qualname for m in models.iods] == [
        "CTImageIOD",
        "EnhancedCTImageIOD",
        "EnhancedXRayAngiographicImageIOD",
        "RTDoseIOD",
    ]
    assert cls("CTImageIOD").sop_class_uids == ("1.2.840.10008.5.1.4.1.1.2",)


def test_iod_flattening_stricter_type_wins_and_sources_are_recorded() -> None:
    ct = cls("CTImageIOD")
    image_type = ct.all_fields["image_type"]  # Type 3 in General Image, Type 1 in CT Image
    assert image_type.type == "1" and image_type.required and image_type.module == "CT Image"
    assert image_type.sources == ("PS3.3 2016c table_C.7-9", "PS3.3 2016c table_C.8-3")
    name = ct.all_fields["patient_name"]
    assert (name.module, name.usage, name.sources) == ("Patient", "M", ("PS3.3 2016c table_C.7-1",))


def test_iod_required_means_type_1_of_a_mandatory_module() -> None:
    ct = cls("CTImageIOD")
    for f in ct.all_fields.values():
        published_1 = f.type == "1" and f.condition is None
        assert f.required == (published_1 and f.usage == "M"), f.name
    assert any(f.type == "1" and f.usage != "M" and not f.required for f in ct.all_fields.values())
    rt = cls("RTDoseIOD")
    assert not rt.all_fields["rows"].required  # Image Pixel is usage C in RT Dose
    assert (
        rt.all_fields["rows"].module_condition
        == Unparsed("Required if dose data contains grid-based doses.")
        or rt.all_fields["rows"].module_condition is not None
    )


def test_functional_group_macros_are_fields_of_the_iods_group_items() -> None:
    ect = cls("EnhancedCTImageIOD")
    seq = ect.all_fields["shared_functional_groups_sequence"]
    assert seq.item == ClassRef(
        "iods.enhanced_ct_image", "EnhancedCTImageIOD.SharedFunctionalGroupsSequenceItem"
    )
    shared = cls("EnhancedCTImageIOD.SharedFunctionalGroupsSequenceItem")
    per_frame = cls("EnhancedCTImageIOD.PerFrameFunctionalGroupsSequenceItem")
    for item in (shared, per_frame):
        pm = item.all_fields["pixel_measures_sequence"]
        assert not pm.required and pm.usage == "M" and pm.module == "Pixel Measures"
        assert "ct_exposure_sequence" in item.all_fields
    xa = cls("EnhancedXRayAngiographicImageIOD.PerFrameFunctionalGroupsSequenceItem")
    assert "ct_exposure_sequence" not in xa.all_fields and "x_ray_positioner_sequence" not in {
        f.name for f in cls("EnhancedCTImageIOD.PerFrameFunctionalGroupsSequenceItem").fields
    }
    # the module on its own does not know the macros of an IOD
    module_item = cls("MultiFrameFunctionalGroupsModule.SharedFunctionalGroupsSequenceItem")
    assert module_item.functional_groups and not module_item.all_fields


# --- collisions ---------------------------------------------------------------------------------


def test_a_field_name_collision_fails_naming_both_sources() -> None:
    t = _table("table_X-1", "Thing", "module", _row("A", "(0011,0001)"), _row("B", "(0011,0002)"))
    r = _result(t)
    same = [_elem("(0011,0001)", "SameName"), _elem("(0011,0002)", "SameName")]
    filled = fill_keywords(r, same)
    with pytest.raises(GenerationError, match=r"same_name.*\(0011,0001\).*\(0011,0002\)"):
        build_models(filled.result, filled.elements)


def test_a_collision_across_modules_of_an_iod_fails() -> None:
    a = _table("table_A", "Alpha", "module", _row("A", "(0011,0001)", xml_id="table_A"))
    b = _table("table_B", "Beta", "module", _row("B", "(0011,0002)", xml_id="table_B"))
    iod = IODRecord(
        "Thing",
        "table_I",
        "sect_I",
        (
            IODModuleRef("IE", "Alpha", "sect_A", "table_A", "M", "M"),
            IODModuleRef("IE", "Beta", "sect_B", "table_B", "U", "U"),
        ),
    )
    filled = fill_keywords(
        _result(a, b, iods=(iod,)), [_elem("(0011,0001)", "Same"), _elem("(0011,0002)", "Same")]
    )
    with pytest.raises(GenerationError, match="table_A.*table_B|table_B.*table_A"):
        build_models(filled.result, filled.elements)


def test_two_tables_with_one_class_name_fail() -> None:
    a = _table("table_A", "Alpha", "module", _row("A", "(0011,0001)"))
    b = _table("table_B", "Alpha", "module", _row("B", "(0011,0002)"))
    filled = fill_keywords(_result(a, b), [_elem("(0011,0001)", "A1"), _elem("(0011,0002)", "B1")])
    with pytest.raises(GenerationError, match="AlphaModule.*table_A.*table_B"):
        build_models(filled.result, filled.elements)


def test_an_include_of_itself_at_its_own_depth_fails() -> None:
    t = _table("t", "Loop", "macro", IncludeRow(0, "t", "Include t"))
    filled = fill_keywords(_result(t), [])
    with pytest.raises(GenerationError, match="includes itself"):
        build_models(filled.result, filled.elements)


def test_a_conditional_include_in_a_synthetic_table() -> None:
    macro = _table("m", "Small", "macro", _row("Value", "(0011,0001)", "1", xml_id="m"))
    module = _table(
        "t",
        "Host",
        "module",
        _row("Flag", "(0011,0002)", "1", xml_id="t"),
        IncludeRow(
            0,
            "m",
            "Include m if Flag (0011,0002) is present",
            "if Flag (0011,0002) is present",
            Present(0x00110002),
        ),
    )
    filled = fill_keywords(
        _result(macro, module), [_elem("(0011,0001)", "Value"), _elem("(0011,0002)", "Flag")]
    )
    models = build_models(filled.result, filled.elements)
    host = next(m for m in models.tables if m.ref.qualname == "HostModule")
    assert host.bases == []
    value = host.all_fields["value"]
    assert (value.type, value.required, value.condition) == ("1C", False, Present(0x00110002))
    assert host.all_fields["flag"].required


def test_different_item_classes_of_one_attribute_are_united() -> None:
    content = cls("DocumentContentMacro")  # Composite Object, Image and Waveform Reference
    seq = content.all_fields["referenced_sop_sequence"]
    assert seq.item == ClassRef(
        "macros.document_content", "DocumentContentMacro.ReferencedSOPSequenceItem"
    )
    item = cls("DocumentContentMacro.ReferencedSOPSequenceItem")
    assert {
        "referenced_sop_instance_uid",
        "referenced_frame_number",
        "referenced_waveform_channels",
    } <= set(item.all_fields)
    rt = cls("RTDoseIOD")  # General Image and RT Dose both define Referenced Instance Sequence
    assert rt.all_fields["referenced_instance_sequence"].item == ClassRef(
        "iods.rt_dose", "RTDoseIOD.ReferencedInstanceSequenceItem"
    )
    assert not any("has two item classes" in n for n in _models()[0].notes)
