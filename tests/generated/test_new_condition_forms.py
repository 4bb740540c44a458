"""Generated classes check the condition forms read from PS3.3 2020a beyond presence and values:
a change of Study over the evidence items (Key Object Document Module), the enclosing Track Set
Sequence item (Tractography Results Module), a pointer to a Private Attribute whose tag the
extract printed without its parenthesis (Multi-frame Dimension Module, an erratum), control
point positions in the RT Ion Beams Module, "either one or both of A or B are required" (Graphic
Annotation Module), "the pair of A and B are not present" (Acquisition Context Module) and "there
exists any value other than A" in the items that hold it (Enhanced Palette Color LUT Module) and
"the SOP Class is other than X" (Presentation State Shutter Module)."""

from __future__ import annotations

from dicomgen.core.dataset import Dataset
from dicomgen.core.validation import validate_dataset
from dicomgen_std.modules.acquisition_context import AcquisitionContextModule
from dicomgen_std.modules.enhanced_palette_color_lookup_table import (
    EnhancedPaletteColorLookupTableModule,
)
from dicomgen_std.modules.graphic_annotation import GraphicAnnotationModule
from dicomgen_std.modules.key_object_document import KeyObjectDocumentModule
from dicomgen_std.modules.multi_frame_dimension import MultiFrameDimensionModule
from dicomgen_std.modules.presentation_state_shutter import PresentationStateShutterModule
from dicomgen_std.modules.rt_beams import RTBeamsModule
from dicomgen_std.modules.tractography_results import TractographyResultsModule

CURRENT_EVIDENCE, IDENTICAL_DOCUMENTS, STUDY_UID = 0x0040A375, 0x0040A525, 0x0020000D
TRACK_SET_SEQUENCE, TRACK_SEQUENCE = 0x00660101, 0x00660102
CIELAB, CIELAB_LIST, POINTS = 0x0062000D, 0x00660103, 0x00660016
DIMENSION_INDEX_SEQUENCE, FUNCTIONAL_GROUP_POINTER = 0x00209222, 0x00209167
FUNCTIONAL_GROUP_PRIVATE_CREATOR = 0x00209238


def _missing(ds: Dataset, cls: type, tag: int) -> list[str]:
    return [
        f.rule
        for f in validate_dataset(ds, cls)
        if f.tag == tag and f.severity in ("error", "info")
    ]


def _evidence(*studies: str) -> Dataset:
    ds = Dataset()
    items = []
    for uid in studies:
        item = Dataset()
        item.add_new(STUDY_UID, "UI", uid)
        items.append(item)
    ds.add_new(CURRENT_EVIDENCE, "SQ", items)
    return ds


def test_identical_documents_are_required_when_more_than_one_study_is_referenced() -> None:
    cls = KeyObjectDocumentModule
    assert _missing(_evidence("1.2.3", "1.2.4"), cls, IDENTICAL_DOCUMENTS) == ["type1c-missing"]
    assert _missing(_evidence("1.2.3", "1.2.3"), cls, IDENTICAL_DOCUMENTS) == []
    assert _missing(_evidence("1.2.3"), cls, IDENTICAL_DOCUMENTS) == []


def _tracks(set_colour: bool) -> Dataset:
    track = Dataset()
    track.add_new(POINTS, "OF", b"\0" * 24)
    track_set = Dataset()
    if set_colour:
        track_set.add_new(CIELAB, "US", [50, 0, 0])
    track_set.add_new(TRACK_SEQUENCE, "SQ", [track])
    ds = Dataset()
    ds.add_new(TRACK_SET_SEQUENCE, "SQ", [track_set])
    return ds


def test_track_colour_is_required_unless_the_enclosing_track_set_gives_one() -> None:
    cls = TractographyResultsModule
    assert _missing(_tracks(False), cls, CIELAB_LIST) == ["type1c-missing"]
    assert _missing(_tracks(True), cls, CIELAB_LIST) == []


def _dimension(pointer: int) -> Dataset:
    item = Dataset()
    item.add_new(FUNCTIONAL_GROUP_POINTER, "AT", pointer)
    ds = Dataset()
    ds.add_new(DIMENSION_INDEX_SEQUENCE, "SQ", [item])
    return ds


def test_private_creator_of_a_private_functional_group() -> None:
    cls = MultiFrameDimensionModule
    private = _missing(_dimension(0x00291010), cls, FUNCTIONAL_GROUP_PRIVATE_CREATOR)
    assert private == ["type1c-missing"]
    assert _missing(_dimension(0x00209113), cls, FUNCTIONAL_GROUP_PRIVATE_CREATOR) == []


DOSE_REFERENCES, VERIFICATION_POINTS = 0x300C0050, 0x300A008C
AVERAGING_FLAG, METERSET_RATE = 0x300A0093, 0x300A0088


def _verification(flag: str, rates: list[str | None]) -> Dataset:
    points = []
    for rate in rates:
        point = Dataset()
        if rate is not None:
            point.add_new(METERSET_RATE, "FL", float(rate))
        points.append(point)
    reference = Dataset()
    reference.add_new(AVERAGING_FLAG, "CS", flag)
    reference.add_new(VERIFICATION_POINTS, "SQ", points)
    beam = Dataset()
    beam.add_new(DOSE_REFERENCES, "SQ", [reference])
    ds = Dataset()
    ds.add_new(0x300A00B0, "SQ", [beam])
    return ds


def test_all_but_the_last_verification_point_unless_depths_are_not_averaged() -> None:
    def missing(ds: Dataset) -> list[str]:
        return [
            f.path.rsplit(".", 2)[-2]
            for f in validate_dataset(ds, RTBeamsModule)
            if f.tag == METERSET_RATE and f.severity in ("error", "info")
        ]

    assert missing(_verification("YES", ["1", None])) == []
    assert missing(_verification("YES", [None, None])) == [
        "BeamDoseVerificationControlPointSequence[0]"
    ]
    assert missing(_verification("NO", ["1", None])) == [
        "BeamDoseVerificationControlPointSequence[1]"
    ]


GRAPHIC_ANNOTATIONS, GRAPHIC_LAYER = 0x00700001, 0x00700002
TEXT_OBJECTS, GRAPHIC_OBJECTS = 0x00700008, 0x00700009


def _annotation(*sequences: int) -> Dataset:
    item = Dataset()
    item.add_new(GRAPHIC_LAYER, "CS", "LAYER")
    for tag in sequences:
        item.add_new(tag, "SQ", [Dataset()])
    ds = Dataset()
    ds.add_new(GRAPHIC_ANNOTATIONS, "SQ", [item])
    return ds


def _missing_of(ds: Dataset, cls: type, *tags: int) -> set[int]:
    return {f.tag for f in validate_dataset(ds, cls) if f.tag in tags and f.severity == "error"}


def test_text_or_graphic_objects_either_one_or_both() -> None:
    cls, both = GraphicAnnotationModule, (TEXT_OBJECTS, GRAPHIC_OBJECTS)
    assert _missing_of(_annotation(), cls, *both) == set(both)
    assert _missing_of(_annotation(TEXT_OBJECTS), cls, *both) == set()
    assert _missing_of(_annotation(GRAPHIC_OBJECTS), cls, *both) == set()
    assert _missing_of(_annotation(*both), cls, *both) == set()


ACQUISITION_CONTEXT, CONCEPT_NAME, CONCEPT_CODE = 0x00400555, 0x0040A043, 0x0040A168
VALUE_TYPE, NUMERIC, UNITS, TEXT_VALUE = 0x0040A040, 0x0040A30A, 0x004008EA, 0x0040A160


def _context(**values: bool) -> Dataset:
    code = Dataset()
    code.add_new(0x00080100, "SH", "121050")
    code.add_new(0x00080102, "SH", "DCM")
    code.add_new(0x00080104, "LO", "Equivalent Meaning")
    item = Dataset()
    item.add_new(CONCEPT_NAME, "SQ", [code])
    if values.get("numeric"):
        item.add_new(NUMERIC, "DS", "1")
    if values.get("units"):
        item.add_new(UNITS, "SQ", [code])
    if values.get("text"):
        item.add_new(TEXT_VALUE, "UT", "text")
    ds = Dataset()
    ds.add_new(ACQUISITION_CONTEXT, "SQ", [item])
    return ds


def test_concept_code_is_required_without_another_value_or_the_numeric_pair() -> None:
    cls = AcquisitionContextModule
    assert _missing_of(_context(), cls, CONCEPT_CODE) == {CONCEPT_CODE}
    assert _missing_of(_context(text=True), cls, CONCEPT_CODE) == set()
    assert _missing_of(_context(numeric=True, units=True), cls, CONCEPT_CODE) == set()
    assert _missing_of(_context(numeric=True), cls, CONCEPT_CODE) == {CONCEPT_CODE}


FRAME_ASSIGNMENT, DATA_TYPE, PATH_ASSIGNMENT = 0x00281401, 0x00281403, 0x00281402
BLENDING_LUT_1, ICC_PROFILE, PALETTE_LUTS = 0x00281404, 0x00282000, 0x0028140B


def _frames(*paths: str) -> Dataset:
    items = []
    for path in paths:
        item = Dataset()
        item.add_new(DATA_TYPE, "CS", "TISSUE")
        item.add_new(PATH_ASSIGNMENT, "CS", path)
        items.append(item)
    ds = Dataset()
    ds.add_new(FRAME_ASSIGNMENT, "SQ", items)
    return ds


def test_blending_and_icc_profile_follow_any_secondary_data_path() -> None:
    cls = EnhancedPaletteColorLookupTableModule
    tags = (BLENDING_LUT_1, ICC_PROFILE, PALETTE_LUTS)
    assert _missing_of(_frames("PRIMARY_PVALUES"), cls, *tags) == set()
    assert _missing_of(_frames("PRIMARY_PVALUES", "SECONDARY_HIGH"), cls, *tags) == set(tags)


SOP_CLASS_UID, SHUTTER_SHAPE, SHUTTER_CIELAB = 0x00080016, 0x00181600, 0x00181624
GRAYSCALE_PS, COLOR_PS = "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.11.2"


def _shutter(sop_class: str) -> Dataset:
    ds = Dataset()
    ds.add_new(SOP_CLASS_UID, "UI", sop_class)
    ds.add_new(SHUTTER_SHAPE, "CS", "RECTANGULAR")
    return ds


def test_shutter_colour_is_required_except_in_grayscale_presentation_states() -> None:
    cls = PresentationStateShutterModule
    assert _missing_of(_shutter(COLOR_PS), cls, SHUTTER_CIELAB) == {SHUTTER_CIELAB}
    assert _missing_of(_shutter(GRAYSCALE_PS), cls, SHUTTER_CIELAB) == set()
