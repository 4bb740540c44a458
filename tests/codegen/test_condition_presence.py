"""Conditions on the presence of a module or functional group macro: parse and evaluate."""

from __future__ import annotations

from typing import Any

from dicomgen_codegen.parse.condition_presence import held_conditions, presence_conditions
from dicomgen_codegen.parse.conditions import (
    ABSENT,
    AnyItem,
    Not,
    Or,
    Present,
    Unparsed,
    evaluate,
    is_parsed,
    parse_condition,
)

GRAPHIC_ANNOTATION_SEQUENCE = 0x00700001
SHUTTER_SHAPE, SHUTTER_OVERLAY_GROUP = 0x00181600, 0x00181623
DERIVATION_IMAGE_SEQUENCE = 0x00089124
SHARED_FG, PER_FRAME_FG = 0x52009229, 0x52009230
PIXEL_PRESENTATION = 0x00089205

MODULES = {
    "Graphic Annotation": [(GRAPHIC_ANNOTATION_SEQUENCE, "1", "Graphic Annotation Sequence")],
    # Shutter Shape is in both shutter modules: only the bitmap one's own attribute tells it
    "Display Shutter": [(SHUTTER_SHAPE, "1", "Shutter Shape")],
    "Bitmap Display Shutter": [
        (SHUTTER_SHAPE, "1", "Shutter Shape"),
        (SHUTTER_OVERLAY_GROUP, "1", "Shutter Overlay Group"),
    ],
    # a Type 3 attribute does not tell whether a module is there
    "Optional Only": [(0x00091000, "3", "")],
    "Mask": [(0x00286100, "1", "Mask Subtraction Sequence")],
    "Presentation State Mask": [(0x00286100, "1C", "Mask Subtraction Sequence")],
}
TOGETHER = {
    "Graphic Annotation": {"Display Shutter", "Bitmap Display Shutter"},
    "Display Shutter": {"Graphic Annotation", "Bitmap Display Shutter"},
    "Bitmap Display Shutter": {"Graphic Annotation", "Display Shutter"},
    "Mask": set(),  # the presentation state modules are in other IODs
}
GROUPS = {"Derivation Image": (DERIVATION_IMAGE_SEQUENCE, "Derivation Image Sequence")}
PRESENCE = presence_conditions(MODULES, GROUPS, TOGETHER)


def _lookup(values: dict[int, Any]):  # type: ignore[no-untyped-def]
    return lambda tag: values.get(tag, ABSENT)


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_condition(text, None, PRESENCE)


def test_module_presence_by_its_own_type_1_attribute() -> None:
    cond = parse("Required if Graphic Annotation Module is present.")
    assert cond == Present(GRAPHIC_ANNOTATION_SEQUENCE, "Graphic Annotation Sequence")
    assert evaluate(cond, _lookup({GRAPHIC_ANNOTATION_SEQUENCE: [{}]})) is True
    assert evaluate(cond, _lookup({SHUTTER_SHAPE: "RECTANGULAR"})) is False


def test_module_absence_and_attribute_clauses() -> None:
    cond = parse(
        "Required if Pixel Presentation (0008,9205) equals COLOR and the Bitmap Display "
        "Shutter Module is not present."
    )
    assert is_parsed(cond)
    assert evaluate(cond, _lookup({PIXEL_PRESENTATION: "COLOR"})) is True
    both = {PIXEL_PRESENTATION: "COLOR", SHUTTER_OVERLAY_GROUP: 0x6000}
    assert evaluate(cond, _lookup(both)) is False
    assert evaluate(cond, _lookup({PIXEL_PRESENTATION: "MONOCHROME"})) is False


def test_module_without_an_identifying_attribute_stays_unparsed() -> None:
    assert isinstance(parse("Required if Display Shutter Module is present."), Unparsed)
    assert isinstance(parse("Required if Optional Only Module is present."), Unparsed)
    assert isinstance(parse("Required if Unknown Thing Module is present."), Unparsed)


def test_an_attribute_shared_only_with_modules_of_other_iods_identifies() -> None:
    cond = parse("Required if Mask Module is present.")
    assert cond == Present(0x00286100, "Mask Subtraction Sequence")
    assert "module:presentation state mask" not in PRESENCE  # 1C: not always there


def test_functional_group_presence_looks_into_the_functional_group_items() -> None:
    text = "Required if Derivation Image Functional Group (C.7.6.16.2.6) is present."
    cond = parse(text)
    assert is_parsed(cond)
    derived = {DERIVATION_IMAGE_SEQUENCE: [{}]}
    assert evaluate(cond, _lookup({SHARED_FG: [derived]})) is True
    assert evaluate(cond, _lookup({SHARED_FG: [{}], PER_FRAME_FG: [{}, derived]})) is True
    assert evaluate(cond, _lookup({SHARED_FG: [{}], PER_FRAME_FG: [{}, {}]})) is False
    negated = parse(text.replace("is present", "is not present"))
    assert negated == Not(cond)
    assert evaluate(negated, _lookup({PER_FRAME_FG: [{}]})) is True


def test_a_list_of_functional_groups_with_one_suffix() -> None:
    presence = presence_conditions(
        {},
        {
            "Pixel Measures": (0x00289110, "Pixel Measures Sequence"),
            "Plane Position (Patient)": (0x00209113, "Plane Position Sequence"),
        },
        {},
    )
    cond = parse_condition(
        "Required if Pixel Measures or Plane Position (Patient) Functional Group Macros Present",
        None,
        presence,
    )
    assert is_parsed(cond)
    assert evaluate(cond, _lookup({SHARED_FG: [{0x00209113: [{}]}]})) is True
    assert evaluate(cond, _lookup({SHARED_FG: [{0x00289999: [{}]}]})) is False


def test_two_modules_named_together_are_told_by_the_attributes_of_either() -> None:
    # neither shutter module alone has a rule (Shutter Shape is in both); together they do
    cond = parse(
        "Required if the Display Shutter Module or Bitmap Display Shutter Module is present."
    )
    assert cond == Or(
        (
            Present(SHUTTER_SHAPE, "Shutter Shape"),
            Present(SHUTTER_OVERLAY_GROUP, "Shutter Overlay Group"),
        )
    )
    assert evaluate(cond, _lookup({SHUTTER_SHAPE: "RECTANGULAR"})) is True
    assert evaluate(cond, _lookup({GRAPHIC_ANNOTATION_SEQUENCE: [{}]})) is False
    # a module of the pair shares its attribute with a third module of an IOD: no rule
    presence = presence_conditions(
        {**MODULES, "Third": [(SHUTTER_SHAPE, "1", "Shutter Shape")]},
        {},
        {**TOGETHER, "Display Shutter": {"Bitmap Display Shutter", "Third"}},
    )
    text = "Required if the Display Shutter Module or Bitmap Display Shutter Module is present."
    assert parse_condition(text, None, presence) == Present(
        SHUTTER_OVERLAY_GROUP, "Shutter Overlay Group"
    )


GRAPHIC_LAYER, VOLUMETRIC_ANNOTATION_SEQUENCE = 0x00700002, 0x00701901


def test_an_attribute_present_in_named_modules_is_looked_for_where_they_hold_it() -> None:
    held = held_conditions(
        {
            "Graphic Annotation": [
                (GRAPHIC_ANNOTATION_SEQUENCE,),
                (GRAPHIC_ANNOTATION_SEQUENCE, GRAPHIC_LAYER),
            ],
            "Volumetric Graphic Annotation": [(VOLUMETRIC_ANNOTATION_SEQUENCE, GRAPHIC_LAYER)],
        },
        {GRAPHIC_LAYER: "Graphic Layer"},
    )
    presence = {**PRESENCE, **held}
    cond = parse_condition(
        "Required if Graphic Layer (0070,0002) is present in the Volumetric Graphic Annotation "
        "Module or Graphic Annotation Module",
        None,
        presence,
    )
    layer = Present(GRAPHIC_LAYER, "Graphic Layer")
    assert cond == Or(
        (
            AnyItem(VOLUMETRIC_ANNOTATION_SEQUENCE, layer),
            AnyItem(GRAPHIC_ANNOTATION_SEQUENCE, layer),
        )
    )
    item = {GRAPHIC_LAYER: "LAYER1"}
    assert evaluate(cond, _lookup({GRAPHIC_ANNOTATION_SEQUENCE: [{}, item]})) is True
    assert evaluate(cond, _lookup({GRAPHIC_ANNOTATION_SEQUENCE: [{}]})) is False
    assert evaluate(cond, _lookup({GRAPHIC_LAYER: "LAYER1"})) is False  # not where they hold it
    unknown = "Required if Graphic Layer (0070,0002) is present in the Unknown Module"
    assert isinstance(parse_condition(unknown, None, presence), Unparsed)
