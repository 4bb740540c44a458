"""Conditions on the enclosing item of a named sequence ("in this Item of the Fiducial Set
Sequence", "in the containing Track Set Sequence Item") and on the last item of the sequence
enclosing the row, with the texts of PS3.3 2020a: parsed into InItem / LastItem and decided on
nested items through the lookup's chain of data sets."""

from __future__ import annotations

from typing import Any

from dicomgen_codegen.parse.conditions import (
    ABSENT,
    Absent,
    And,
    Equals,
    InItem,
    LastItem,
    Not,
    Or,
    Present,
    evaluate,
    is_parsed,
    parse_condition,
)

FIDUCIAL_SET_SEQUENCE, FRAME_OF_REFERENCE_UID = 0x0070031C, 0x00200052
TRACK_SET_SEQUENCE, TRACK_SEQUENCE = 0x00660101, 0x00660102
CIELAB, CIELAB_LIST = 0x0062000D, 0x00660103


def chain_lookup(*chain: dict[int, Any]) -> Any:
    """``lookup`` of ``chain[0]`` (nearest first), as validation builds it."""

    def lookup(tag: int) -> Any:
        for ds in chain:
            if tag in ds:
                return ds[tag]
        return ABSENT

    lookup.chain = list(chain)  # type: ignore[attr-defined]
    return lookup


def test_present_in_this_item_of_a_named_sequence() -> None:
    cond = parse_condition(
        "Required if Frame of Reference UID (0020,0052) is present in this Item of the Fiducial "
        "Set Sequence (0070,031C). Shall not be present otherwise."
    )
    present = Present(FRAME_OF_REFERENCE_UID, "Frame of Reference UID")
    assert cond == InItem(FIDUCIAL_SET_SEQUENCE, present, "Fiducial Set Sequence")
    with_for = {FRAME_OF_REFERENCE_UID: "1.2.3"}
    root = {FIDUCIAL_SET_SEQUENCE: [with_for, {}], FRAME_OF_REFERENCE_UID: "9.9"}
    assert evaluate(cond, chain_lookup(with_for, root)) is True
    # the root's Frame of Reference UID is not the item's
    assert evaluate(cond, chain_lookup(root[FIDUCIAL_SET_SEQUENCE][1], root)) is False
    nested: dict[int, Any] = {}
    with_for[0x00081140] = [nested]  # an item nested in the fiducial set item
    assert evaluate(cond, chain_lookup(nested, with_for, root)) is True
    assert evaluate(cond, lambda tag: ABSENT) is None  # no chain: cannot tell


def test_not_present_here_nor_in_the_containing_item() -> None:
    cond = parse_condition(
        "Required if Recommended Display CIELab Value (0062, 000D) is not present in this "
        "Sequence Item nor in the containing Track Set Sequence (0066,0101) Item."
    )
    absent = Absent(CIELAB, "Recommended Display CIELab Value")
    assert cond == And((absent, InItem(TRACK_SET_SEQUENCE, absent, "Track Set Sequence")))
    track: dict[int, Any] = {}
    track_set: dict[int, Any] = {TRACK_SEQUENCE: [track]}
    root = {TRACK_SET_SEQUENCE: [track_set]}
    assert evaluate(cond, chain_lookup(track, track_set, root)) is True
    track_set[CIELAB] = [50, 0, 0]
    assert evaluate(cond, chain_lookup(track, track_set, root)) is False


def test_list_here_and_value_in_the_containing_item() -> None:
    cond = parse_condition(
        "Required if Recommended Display CIELab Value List (0066,0103) is not present in this "
        "Sequence Item and Recommended Display CIELab Value (0062, 000D) is not present in the "
        "containing Track Set Sequence (0066,0101) Item."
    )
    assert is_parsed(cond)
    track: dict[int, Any] = {CIELAB: [1, 2, 3]}  # the item's own value does not count
    track_set: dict[int, Any] = {TRACK_SEQUENCE: [track]}
    root = {TRACK_SET_SEQUENCE: [track_set]}
    assert evaluate(cond, chain_lookup(track, track_set, root)) is True
    track[CIELAB_LIST] = [[1, 2, 3]]
    assert evaluate(cond, chain_lookup(track, track_set, root)) is False


def test_a_positive_nor_or_an_item_word_missing_stays_unparsed() -> None:
    # "nor" is read only after a negative predicate; "the containing X Sequence" needs "Item"
    for text in (
        "Required if Recommended Display CIELab Value (0062,000D) is present in this Sequence "
        "Item nor in the containing Track Set Sequence (0066,0101) Item.",
        "Required if Recommended Display CIELab Value (0062,000D) is present in the containing "
        "Track Set Sequence (0066,0101).",
    ):
        assert not is_parsed(parse_condition(text))


BEAM_SEQUENCE, DOSE_REFERENCES, VERIFICATION_POINTS = 0x300A00B0, 0x300C0050, 0x300A008C
AVERAGING_FLAG, METERSET_RATE = 0x300A0093, 0x300A0088
LAST = (
    "Required for all but the last Item in this Sequence and for the last Item if Depth Value "
    "Averaging Flag (300A,0093) has a value of NO."
)
WITHIN = (
    (BEAM_SEQUENCE, "Beam Sequence"),
    (DOSE_REFERENCES, "Referenced Dose Reference Sequence"),
    (VERIFICATION_POINTS, "Beam Dose Verification Control Point Sequence"),
)


def test_all_but_the_last_item_of_the_enclosing_sequence() -> None:
    cond = parse_condition(LAST, subject=(METERSET_RATE, "Beam Dose Point Depth"), within=WITHIN)
    last = LastItem(VERIFICATION_POINTS, "Beam Dose Verification Control Point Sequence")
    flag = Equals(AVERAGING_FLAG, ("NO",), None, "Depth Value Averaging Flag")
    assert cond == Or((Not(last), flag))
    points: list[dict[int, Any]] = [{}, {}]
    reference: dict[int, Any] = {VERIFICATION_POINTS: points, AVERAGING_FLAG: "YES"}
    assert evaluate(cond, chain_lookup(points[0], reference)) is True
    assert evaluate(cond, chain_lookup(points[1], reference)) is False
    reference[AVERAGING_FLAG] = "NO"
    assert evaluate(cond, chain_lookup(points[1], reference)) is True
    # "this Sequence" is unknown without the row's enclosing sequences
    assert not is_parsed(parse_condition(LAST))
