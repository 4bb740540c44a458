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
