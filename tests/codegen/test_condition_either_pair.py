"""PS3.3 2020a condition forms: "Either one or both of A (..) or B (..) are required" on the row
of A (required when B is absent) and of B; "A (..), B (..), and the pair of C (..) and D (..)
are not present" (A, B absent, C and D not both present); "X (..) is present and there exists
any value other than A" (decided where the modules hold X); "the SOP Class is [other than] X"
(X's UID from the registry)."""

from __future__ import annotations

from typing import Any

from dicomgen_codegen.parse.condition_presence import sop_class_conditions
from dicomgen_codegen.parse.conditions import (
    ABSENT,
    Absent,
    And,
    AnyItem,
    Equals,
    NotEquals,
    Or,
    Present,
    Unparsed,
    evaluate,
    is_parsed,
    parse_condition,
)
from dicomgen_codegen.parse.dicom_standard.condition_errata import (
    ConditionWords,
    load_condition_words,
)

TEXT_OBJECTS, GRAPHIC_OBJECTS = 0x00700008, 0x00700009
EITHER = (
    "Either one or both of Text Object Sequence (0070,0008) or Graphic Object Sequence "
    "(0070,0009) are required."
)
DATE, TIME, PERSON, TEXT = 0x0040A121, 0x0040A122, 0x0040A123, 0x0040A160
NUMERIC, UNITS = 0x0040A30A, 0x004008EA
PAIR = (
    "Required if Date (0040,A121), Time (0040,A122), Person Name (0040,A123), Text Value "
    "(0040,A160), and the pair of Numeric Value (0040,A30A) and Measurement Units Code Sequence "
    "(0040,08EA) are not present."
)


def lookup(ds: dict[int, Any]) -> Any:
    return lambda tag: ds.get(tag, ABSENT)


def test_either_one_or_both_is_required_when_the_other_is_absent() -> None:
    text = parse_condition(EITHER, subject=(TEXT_OBJECTS, "Text Object Sequence"))
    graphic = parse_condition(EITHER, subject=(GRAPHIC_OBJECTS, "Graphic Object Sequence"))
    assert text == Absent(GRAPHIC_OBJECTS, "Graphic Object Sequence")
    assert graphic == Absent(TEXT_OBJECTS, "Text Object Sequence")
    assert evaluate(text, lookup({})) is True
    assert evaluate(text, lookup({GRAPHIC_OBJECTS: [{}]})) is False
    assert evaluate(graphic, lookup({TEXT_OBJECTS: [{}]})) is False
    assert evaluate(graphic, lookup({GRAPHIC_OBJECTS: [{}]})) is True


def test_either_one_or_both_needs_the_row_to_be_one_of_them() -> None:
    assert isinstance(parse_condition(EITHER), Unparsed)
    assert isinstance(parse_condition(EITHER, subject=(0x00700001, "Other")), Unparsed)


def test_the_pair_is_absent_unless_both_are_present() -> None:
    cond = parse_condition(PAIR)
    assert cond == And(
        (
            Absent(DATE, "Date"),
            Absent(TIME, "Time"),
            Absent(PERSON, "Person Name"),
            Absent(TEXT, "Text Value"),
            Or(
                (Absent(NUMERIC, "Numeric Value"), Absent(UNITS, "Measurement Units Code Sequence"))
            ),
        )
    )
    assert evaluate(cond, lookup({})) is True
    assert evaluate(cond, lookup({NUMERIC: "1", UNITS: [{}]})) is False
    assert evaluate(cond, lookup({NUMERIC: "1"})) is True  # half a pair is no pair
    assert evaluate(cond, lookup({TEXT: "x"})) is False
    assert evaluate(cond, lookup({DATE: "20200101"})) is False


def test_a_list_without_a_pair_is_read_as_before() -> None:
    cond = parse_condition(
        "Required if Date (0040,A121) and Time (0040,A122) are not present.",
    )
    assert cond == And((Absent(DATE, "Date"), Absent(TIME, "Time")))


FRAME_ASSIGNMENT, PATH_ASSIGNMENT = 0x00281401, 0x00281402
ANY_OTHER = (
    "Required if Data Path Assignment (0028,1402) is present and there exists any value other "
    "than PRIMARY_PVALUES."
)
HELD = {
    "module:enhanced palette color lookup table@00281402": AnyItem(
        FRAME_ASSIGNMENT,
        Present(PATH_ASSIGNMENT, "Data Path Assignment"),
        "Data Frame Assignment Sequence",
    )
}


def test_any_value_other_than_is_decided_where_the_modules_hold_the_attribute() -> None:
    cond = parse_condition(ANY_OTHER, presence=HELD)
    assert cond == AnyItem(
        FRAME_ASSIGNMENT,
        NotEquals(PATH_ASSIGNMENT, ("PRIMARY_PVALUES",), None, "Data Path Assignment"),
        "Data Frame Assignment Sequence",
    )

    def frames(*paths: str) -> Any:
        items = [{PATH_ASSIGNMENT: p} for p in paths]
        return lookup({FRAME_ASSIGNMENT: items})

    assert evaluate(cond, frames("PRIMARY_PVALUES", "SECONDARY_HIGH")) is True
    assert evaluate(cond, frames("PRIMARY_PVALUES")) is False


def test_present_with_a_value_other_than_is_decided_where_the_modules_hold_it() -> None:
    # Enhanced Palette Color Lookup Table Sequence: Data Path Assignment is only in the items
    # of Data Frame Assignment Sequence; a test at the top level could never be true
    text = "Required if Data Path Assignment (0028,1402) is present with a value other than PRIMARY_PVALUES."
    assert parse_condition(text, presence=HELD) == parse_condition(ANY_OTHER, presence=HELD)


def test_any_value_other_than_needs_one_place_of_the_attribute() -> None:
    assert not is_parsed(parse_condition(ANY_OTHER))  # no module holds it
    two = {
        **HELD,
        "module:other@00281402": Present(PATH_ASSIGNMENT, "Data Path Assignment"),
    }
    assert not is_parsed(parse_condition(ANY_OTHER, presence=two))


def test_the_blending_lut_erratum_reads_as_the_icc_profile_condition() -> None:
    words = ConditionWords(load_condition_words())
    blending = words(
        "Required if there are one or more Items of the Data Path Assignment Sequence "
        "(0028,1402) other than PRIMARY_PVALUES."
    )
    assert parse_condition(blending, presence=HELD) == parse_condition(ANY_OTHER, presence=HELD)


SOP_CLASS_UID, SHUTTER_SHAPE, SHUTTER_OVERLAY = 0x00080016, 0x00181600, 0x00181623
GSPS, CSPS = "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.11.2"
SOP_CLASSES = {
    "Grayscale Softcopy Presentation State Storage": GSPS,
    "Color Softcopy Presentation State Storage": CSPS,
}


def test_a_sop_class_named_by_name_is_its_uid_from_the_registry() -> None:
    presence = sop_class_conditions(SOP_CLASSES)
    cond = parse_condition(
        "Required if Shutter Shape (0018,1600) is present and the SOP Class is other than "
        "Grayscale Softcopy Presentation State Storage.",
        None,
        presence,
    )
    assert cond == And(
        (
            Present(SHUTTER_SHAPE, "Shutter Shape"),
            NotEquals(SOP_CLASS_UID, (GSPS,), None, "SOP Class UID"),
        )
    )
    assert evaluate(cond, lookup({SHUTTER_SHAPE: "RECTANGULAR", SOP_CLASS_UID: CSPS})) is True
    assert evaluate(cond, lookup({SHUTTER_SHAPE: "RECTANGULAR", SOP_CLASS_UID: GSPS})) is False
    named = parse_condition(
        "Required if the SOP Class is Color Softcopy Presentation State Storage SOP Class.",
        None,
        presence,
    )
    assert named == Equals(SOP_CLASS_UID, (CSPS,), None, "SOP Class UID")


def test_a_sop_class_the_registry_does_not_name_stays_unparsed() -> None:
    text = "Required if the SOP Class is other than Grayscale Softcopy Presentation State."
    assert not is_parsed(parse_condition(text, None, sop_class_conditions(SOP_CLASSES)))
    assert not is_parsed(parse_condition(text.replace(" State.", " State Storage.")))
