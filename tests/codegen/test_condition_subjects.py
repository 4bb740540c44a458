"""Control point conditions that name the row's own attribute in other words ("or if Gantry
Pitch Rotation Angle changes during Beam" on Gantry Pitch Angle (300A,014A)): parsed with the
row's attribute (the subject), evaluated on control point items, and counted by the corpus
measure only when every row stating the text gives a parse."""

from __future__ import annotations

from typing import Any

from dicomgen_codegen.parse.condition_corpus import Corpus, measure
from dicomgen_codegen.parse.conditions import (
    ABSENT,
    Absent,
    And,
    FirstItem,
    Or,
    Unparsed,
    Varies,
    evaluate,
    parse_condition,
)

CPS, DELIVERY = 0x300A0111, 0x30080040
GANTRY_PITCH_ANGLE, BLD_ANGLE, KVP = 0x300A014A, 0x300A0120, 0x00180060
NOMINAL_BEAM_ENERGY = 0x300A0114
NAMES = {"Control Point Sequence": CPS, "Gantry Angle": 0x300A011E, "KVP": KVP}
PITCH = (
    "Required for first Item of Control Point Sequence, or if Gantry Pitch Rotation Angle "
    "changes during Beam. See Section C.8.8.25.6.5 ."
)


def in_item(items: list[dict[int, Any]], k: int) -> Any:
    """``lookup`` of item ``k`` of the Control Point Sequence, with its chain of data sets."""
    parent = {CPS: items}
    item = items[k]

    def lookup(tag: int) -> Any:
        return item.get(tag, parent.get(tag, ABSENT))

    lookup.chain = [item, parent]  # type: ignore[attr-defined]
    return lookup


def test_changes_in_other_words_is_the_subject_changing() -> None:
    cond = parse_condition(PITCH, NAMES, subject=(GANTRY_PITCH_ANGLE, "Gantry Pitch Angle"))
    assert cond == Or(
        (
            FirstItem(CPS, "Control Point Sequence"),
            Varies(GANTRY_PITCH_ANGLE, CPS, "Gantry Pitch Angle"),
        )
    )
    same = [{GANTRY_PITCH_ANGLE: "10"}, {}, {}]
    assert evaluate(cond, in_item(same, 0)) is True  # the first item
    assert evaluate(cond, in_item(same, 1)) is False  # later, and the angle does not change
    moving = [{GANTRY_PITCH_ANGLE: "10"}, {GANTRY_PITCH_ANGLE: "12"}, {}]
    assert evaluate(cond, in_item(moving, 2)) is True


def test_delivery_sequence_with_words_in_parentheses() -> None:
    text = (
        "Required for Control Point 0 of Control Point Delivery Sequence (3008,0040) or if beam "
        "limiting device (collimator) angle changes during beam delivery."
    )
    cond = parse_condition(text, NAMES, subject=(BLD_ANGLE, "Beam Limiting Device Angle"))
    assert cond == Or(
        (
            FirstItem(DELIVERY, "Control Point Delivery Sequence"),
            Varies(BLD_ANGLE, DELIVERY, "Beam Limiting Device Angle"),
        )
    )


def test_changes_during_setup_with_a_final_and() -> None:
    text = (
        "Required for first Item of Control Point Sequence, or if kVp changes during setup, and "
        "Nominal Beam Energy (300A,0114) is not present."
    )
    cond = parse_condition(text, NAMES, subject=(KVP, "KVP"))
    assert cond == And(
        (
            Or((FirstItem(CPS, "Control Point Sequence"), Varies(KVP, CPS, "KVP"))),
            Absent(NOMINAL_BEAM_ENERGY, "Nominal Beam Energy"),
        )
    )
    kv = [{KVP: "80"}, {KVP: "80"}]
    assert evaluate(cond, in_item(kv, 0)) is True
    assert evaluate(cond, in_item([{KVP: "80", NOMINAL_BEAM_ENERGY: "100"}, {}], 0)) is False


def test_without_a_subject_or_for_a_sequence_it_stays_unparsed() -> None:
    assert isinstance(parse_condition(PITCH, NAMES), Unparsed)
    text = "Required for first Item of Control Point Sequence, or if Beam Limiting Device changes during Beam."
    subject = (0x300A011A, "Beam Limiting Device Position Sequence")
    assert isinstance(parse_condition(text, NAMES, subject=subject), Unparsed)


def test_an_attribute_named_is_read_as_named_not_as_the_subject() -> None:
    text = "Required for first Item of Control Point Sequence, or if the Gantry Angle changes during Beam."
    cond = parse_condition(text, NAMES, subject=(GANTRY_PITCH_ANGLE, "Gantry Pitch Angle"))
    assert cond == Or(
        (
            FirstItem(CPS, "Control Point Sequence"),
            Varies(0x300A011E, CPS, "Gantry Angle"),
        )
    )


BEAMS = ((0x300A00B0, "Beam Sequence"), (CPS, "Control Point Sequence"))
ION_CPS = 0x300A03A8
ION = ((0x300A03A2, "Ion Beam Sequence"), (ION_CPS, "Ion Control Point Sequence"))


def test_the_measure_parses_a_text_with_the_rows_that_state_it() -> None:
    rows = {PITCH: ((GANTRY_PITCH_ANGLE, "Gantry Pitch Angle", BEAMS),)}
    assert measure(Corpus((PITCH,), (), (), 0, rows), NAMES).overall.parsed == 1
    assert measure(Corpus((PITCH,), (), (), 0), NAMES).overall.parsed == 0
    sequence = (0x300A011A, "Beam Limiting Device Position Sequence", BEAMS)
    both = {PITCH: (*rows[PITCH], sequence)}
    assert measure(Corpus((PITCH,), (), (), 0, both), NAMES).overall.parsed == 0
    # a row outside any control point sequence: the first item of what? not counted
    top = {PITCH: ((GANTRY_PITCH_ANGLE, "Gantry Pitch Angle", ()),)}
    assert measure(Corpus((PITCH,), (), (), 0, top), NAMES).overall.parsed == 0


def test_the_named_sequence_is_read_as_the_enclosing_one_with_its_words() -> None:
    # the RT Ion modules reuse the RT Beams words for the Ion Control Point Sequence
    subject = (GANTRY_PITCH_ANGLE, "Gantry Pitch Angle")
    cond = parse_condition(PITCH, NAMES, subject=subject, within=ION)
    assert cond == Or(
        (
            FirstItem(ION_CPS, "Ion Control Point Sequence"),
            Varies(GANTRY_PITCH_ANGLE, ION_CPS, "Gantry Pitch Angle"),
        )
    )
    ion_items = [{GANTRY_PITCH_ANGLE: "10"}, {}]
    parent = {ION_CPS: ion_items}

    def in_ion(k: int) -> Any:
        def lookup(tag: int) -> Any:
            return ion_items[k].get(tag, parent.get(tag, ABSENT))

        lookup.chain = [ion_items[k], parent]  # type: ignore[attr-defined]
        return lookup

    assert evaluate(cond, in_ion(0)) is True
    assert evaluate(cond, in_ion(1)) is False
    # read as printed, the position could never be decided in an ion control point
    printed = parse_condition(PITCH, NAMES, subject=subject)
    assert evaluate(printed, in_ion(0)) is None
    # an enclosing sequence of other words is not taken for it
    other = ((0x30080020, "Treatment Session Beam Sequence"),)
    assert parse_condition(PITCH, NAMES, subject=subject, within=other) == printed
