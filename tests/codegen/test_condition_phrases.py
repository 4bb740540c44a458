"""Fixed phrases of the standard with a meaning in the data set (PHRASES): parsed, and
evaluated true and false on data sets."""

from __future__ import annotations

from typing import Any

import pytest

from dicomgen_codegen.parse.conditions import ABSENT, evaluate, is_parsed, parse_condition

NUMBER_OF_FRAMES, FRAME_INCREMENT_POINTER = 0x00280008, 0x00280009
FRAME_TIME, SLICE_LOCATION = 0x00181063, 0x00201041
PIXEL_COMPONENT_ORGANIZATION = 0x00186044

CINE = {NUMBER_OF_FRAMES: "10", FRAME_INCREMENT_POINTER: [FRAME_TIME]}
STACK = {NUMBER_OF_FRAMES: "10", FRAME_INCREMENT_POINTER: [SLICE_LOCATION]}
SINGLE: dict[int, Any] = {}


def _holds(text: str, values: dict[int, Any]) -> bool | None:
    cond = parse_condition(text)
    assert is_parsed(cond), text
    return evaluate(cond, lambda tag: values.get(tag, ABSENT))


@pytest.mark.parametrize(
    ("text", "true", "false"),
    [
        ("Required if pixel data is Multi-frame Cine Data", CINE, STACK),
        ("Required if multi-frame image is a cine image.", CINE, SINGLE),
        ("Required if pixel data is multi-frame data.", STACK, SINGLE),
        ("Required if Multi-frame Image.", STACK, SINGLE),
        (
            "Required if Pixel Data (7FE0,0010) contains more than one frame.",
            {NUMBER_OF_FRAMES: "2"},
            {NUMBER_OF_FRAMES: "1"},
        ),
        (
            "Required if Overlay data contains multiple frames.",
            {0x60020015: "4"},
            {0x60000015: "1"},
        ),
        ("Required if integer pixels", {0x7FE00010: b"\0\0"}, {0x7FE00008: b"\0\0\0\0"}),
        ("Required if 32 bit floating point pixels", {0x7FE00008: b"\0" * 4}, SINGLE),
        ("Required if 64 bit floating point pixels", {0x7FE00009: b"\0" * 8}, SINGLE),
        (
            "Required if pixel component calibration exists for this region.",
            {PIXEL_COMPONENT_ORGANIZATION: 1},
            SINGLE,
        ),
        (
            "Required if Pixel Component Organization = Bit aligned.",
            {PIXEL_COMPONENT_ORGANIZATION: 0},
            {PIXEL_COMPONENT_ORGANIZATION: 1},
        ),
        (
            "Required if Pixel Component Organization = Ranges.",
            {PIXEL_COMPONENT_ORGANIZATION: 1},
            {PIXEL_COMPONENT_ORGANIZATION: 2},
        ),
    ],
)
def test_phrase_is_true_and_false_on_data_sets(
    text: str, true: dict[int, Any], false: dict[int, Any]
) -> None:
    assert _holds(text, true) is True
    assert _holds(text, false) is False


def test_phrase_inside_a_larger_condition() -> None:
    text = (
        "Required if multi-frame pixel data are present and Frame Increment Pointer (0028,0009) "
        "points to Frame Time (0018,1063)."
    )
    assert _holds(text, CINE) is True
    assert _holds(text, STACK) is False
    assert _holds(text, SINGLE) is False


RT_CONTROL_POINT_INDEX, RT_RECORD_FLAG = 0x300A0600, 0x300A0639
DETAIL_FLAG = 0x300A0638


def test_requirements_of_changing_values_in_rt_control_points() -> None:
    # PS3.3 C.36.2.2.5.1.1: presence is required of the first item (index 1) only
    text = "Required if RT Record Flag (300A,0639) equals NO and the conditions in Section " \
        "C.36.2.2.5.1.1 are satisfied."  # fmt: skip
    assert _holds(text, {RT_RECORD_FLAG: "NO", RT_CONTROL_POINT_INDEX: 1}) is True
    assert _holds(text, {RT_RECORD_FLAG: "NO", RT_CONTROL_POINT_INDEX: 2}) is False
    assert _holds(text, {RT_RECORD_FLAG: "YES", RT_CONTROL_POINT_INDEX: 1}) is False


def test_and_if_after_alternatives_applies_to_all_of_them() -> None:
    text = (
        "Required if RT Radiation Physical and Geometric Content Detail Flag (300A,0638) equals "
        "FULL or IDENT_ONLY or RT Record Flag (300A,0639) equals YES and if the conditions in "
        "Section C.36.2.2.5.1.1 are satisfied."
    )
    first, later = {RT_CONTROL_POINT_INDEX: 1}, {RT_CONTROL_POINT_INDEX: 3}
    assert _holds(text, {DETAIL_FLAG: "FULL", **first}) is True
    assert _holds(text, {DETAIL_FLAG: "FULL", **later}) is False  # not "FULL or (YES and ..)"
    assert _holds(text, {RT_RECORD_FLAG: "YES", **first}) is True
    assert _holds(text, {DETAIL_FLAG: "MINIMAL", RT_RECORD_FLAG: "NO", **first}) is False


def test_values_in_the_items_of_a_sequence() -> None:
    cps, weight = 0x300A0111, 0x300A0134
    text = "Required if Cumulative Meterset Weight is non-null in Control Points specified " \
        "within Control Point Sequence (300A,0111)."  # fmt: skip
    cond = parse_condition(text, {"Cumulative Meterset Weight": weight})
    assert is_parsed(cond)
    weighted = {cps: [{weight: None}, {weight: "1.0"}]}
    unweighted: dict[int, Any] = {cps: [{weight: None}, {}]}
    assert evaluate(cond, lambda tag: weighted.get(tag, ABSENT)) is True
    assert evaluate(cond, lambda tag: unweighted.get(tag, ABSENT)) is False


def test_a_number_for_one_or_more_fraction_groups() -> None:
    groups, beams = 0x300A0070, 0x300A0080
    text = "Required if Number of Beams (300A,0080) is greater than zero for one or more " \
        "fraction groups"  # fmt: skip
    assert _holds(text, {groups: [{beams: 0}, {beams: 2}]}) is True
    assert _holds(text, {groups: [{beams: 0}]}) is False
    assert _holds(text, {}) is False


def test_a_tag_value_naming_a_private_attribute() -> None:
    pointer = 0x00209165
    text = "Required if the Dimension Index Pointer (0020,9165) value is the Data Element Tag of " \
        "a Private Attribute."  # fmt: skip
    assert _holds(text, {pointer: [0x00291010]}) is True
    assert _holds(text, {pointer: [0x00209056, 0x00089007]}) is False
    assert _holds(text, {pointer: ["(0029,1010)"]}) is True
    assert _holds(text, {}) is False
    assert _holds(text, {pointer: ["not a tag"]}) is None
