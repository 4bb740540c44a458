"""Evaluation of the condition nodes on data sets (dicomgen.core.conditions).

Every node answers True, False, or None when the data set cannot decide it; None must never
be replaced by a guess (a wrong False hides an error, a wrong True invents one).
"""

from __future__ import annotations

from typing import Any

import pytest

from dicomgen.core import conditions as C
from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DicomError
from dicomgen.core.typed import DicomObject, attribute, dicom_class
from dicomgen.core.validation import validate_dataset

SAMPLES_PER_PIXEL = 0x00280002
NUMBER_OF_FRAMES = 0x00280008
FRAME_INCREMENT_POINTER = 0x00280009
FRAME_TIME = 0x00181063
FRAME_TIME_VECTOR = 0x00181065
IMAGE_TYPE = 0x00080008
VIEW_CODE_SEQUENCE = 0x00540220
BRACHY_TASK_SEQUENCE = 0x00741401
DELIVERY_TYPE = 0x300A00CE


def _lookup(ds: Dataset) -> Any:
    def lookup(tag: int) -> Any:
        e = ds.get(tag)
        return C.ABSENT if e is None else e.value

    return lookup


def _ds(*elements: tuple[int, str, Any]) -> Dataset:
    ds = Dataset()
    for tag, vr, value in elements:
        ds.add_new(tag, vr, value)
    return ds


def _code(value: str, scheme: str) -> Dataset:
    return _ds((0x00080100, "SH", value), (0x00080102, "SH", scheme), (0x00080104, "LO", "m"))


# --- Compare ---------------------------------------------------------------------------------


def test_compare_numbers_of_each_vr() -> None:
    more = C.Compare(SAMPLES_PER_PIXEL, ">", 1)
    assert C.evaluate(more, _lookup(_ds((SAMPLES_PER_PIXEL, "US", 3)))) is True
    assert C.evaluate(more, _lookup(_ds((SAMPLES_PER_PIXEL, "US", 1)))) is False
    assert C.evaluate(more, _lookup(_ds())) is False  # absent: the condition does not hold
    frames = C.Compare(NUMBER_OF_FRAMES, ">", 1)
    assert C.evaluate(frames, _lookup(_ds((NUMBER_OF_FRAMES, "IS", "12")))) is True
    assert C.evaluate(frames, lambda tag: "1") is False
    assert C.evaluate(C.Compare(1, "!=", 0), lambda tag: "0.0") is False
    assert C.evaluate(C.Compare(1, "<=", 2.5), lambda tag: 2.5) is True
    assert C.evaluate(C.Compare(1, "==", 0), lambda tag: [0, 5]) is True


def test_compare_value_index_and_undecidable_values() -> None:
    second = C.Compare(1, ">", 10, 2)
    assert C.evaluate(second, lambda tag: [50, 5]) is False
    assert C.evaluate(second, lambda tag: [5, 50]) is True
    assert C.evaluate(second, lambda tag: [5]) is False  # no Value 2
    assert C.evaluate(C.Compare(1, ">", 1), lambda tag: "ABC") is None  # not a number
    assert C.evaluate(C.Compare(1, ">", 1), lambda tag: C.UNKNOWN) is None
    with pytest.raises(ValueError, match="unknown operator"):
        C.Compare(1, "=>", 1)


# --- PointsTo --------------------------------------------------------------------------------


def test_points_to_reads_tag_values() -> None:
    cond = C.PointsTo(FRAME_INCREMENT_POINTER, (FRAME_TIME, FRAME_TIME_VECTOR))
    ds = _ds((FRAME_INCREMENT_POINTER, "AT", [0x00185100, FRAME_TIME_VECTOR]))
    assert C.evaluate(cond, _lookup(ds)) is True
    ds = _ds((FRAME_INCREMENT_POINTER, "AT", 0x00200013))
    assert C.evaluate(cond, _lookup(ds)) is False
    assert C.evaluate(cond, _lookup(_ds())) is False
    assert C.evaluate(cond, lambda tag: "(0018,1063)") is True  # a tag written as text
    assert C.evaluate(cond, lambda tag: "frame time") is None


# --- HasCode ---------------------------------------------------------------------------------


def test_has_code_looks_into_the_items() -> None:
    cond = C.HasCode(VIEW_CODE_SEQUENCE, (("103340004", "SCT"), ("131185001", "SCT")))
    ds = _ds((VIEW_CODE_SEQUENCE, "SQ", [_code("399067008", "SCT"), _code("131185001", "SCT")]))
    assert C.evaluate(cond, _lookup(ds)) is True
    ds = _ds((VIEW_CODE_SEQUENCE, "SQ", [_code("399067008", "SCT")]))
    assert C.evaluate(cond, _lookup(ds)) is False
    assert C.evaluate(cond, _lookup(_ds((VIEW_CODE_SEQUENCE, "SQ", [])))) is False
    assert C.evaluate(cond, _lookup(_ds())) is False
    # same value, other scheme: not the code
    ds = _ds((VIEW_CODE_SEQUENCE, "SQ", [_code("131185001", "DCM")]))
    assert C.evaluate(cond, _lookup(ds)) is False


def test_has_code_cannot_compare_legacy_snomed_or_incomplete_items() -> None:
    cond = C.HasCode(VIEW_CODE_SEQUENCE, (("131185001", "SCT"),))
    legacy = _ds((VIEW_CODE_SEQUENCE, "SQ", [_code("G-A186", "SRT")]))
    assert C.evaluate(cond, _lookup(legacy)) is None  # SNOMED-RT code values differ
    partial = _ds((VIEW_CODE_SEQUENCE, "SQ", [_ds((0x00080104, "LO", "m"))]))
    assert C.evaluate(cond, _lookup(partial)) is None
    assert C.evaluate(cond, lambda tag: "not a sequence") is None
    long_code = _ds((0x00080119, "UC", "131185001"), (0x00080102, "SH", "SCT"))
    assert C.evaluate(cond, lambda tag: [long_code]) is True


# --- AnyItem ---------------------------------------------------------------------------------


def test_any_item_decides_on_each_item_only() -> None:
    cond = C.AnyItem(BRACHY_TASK_SEQUENCE, C.Equals(DELIVERY_TYPE, ("CONTINUATION",)))
    tasks = [_ds((DELIVERY_TYPE, "CS", "NORMAL")), _ds((DELIVERY_TYPE, "CS", "CONTINUATION"))]
    assert C.evaluate(cond, _lookup(_ds((BRACHY_TASK_SEQUENCE, "SQ", tasks)))) is True
    tasks = [_ds((DELIVERY_TYPE, "CS", "NORMAL"))]
    ds = _ds((BRACHY_TASK_SEQUENCE, "SQ", tasks), (DELIVERY_TYPE, "CS", "CONTINUATION"))
    assert C.evaluate(cond, _lookup(ds)) is False  # the outer value is not an item's
    assert C.evaluate(cond, _lookup(_ds())) is False
    unsure = C.AnyItem(BRACHY_TASK_SEQUENCE, C.Unparsed("the item is the last one"))
    assert C.evaluate(unsure, _lookup(_ds((BRACHY_TASK_SEQUENCE, "SQ", tasks)))) is None
    assert C.evaluate(cond, lambda tag: [{DELIVERY_TYPE: "CONTINUATION"}]) is True


def test_any_item_of_an_undecodable_item_is_unknown() -> None:
    class Broken:
        def get_value(self, tag: int, default: Any = None) -> Any:
            raise DicomError("cannot decode")

    cond = C.AnyItem(BRACHY_TASK_SEQUENCE, C.Present(DELIVERY_TYPE))
    assert C.evaluate(cond, lambda tag: [Broken()]) is None


# --- the nodes in the rest of the API --------------------------------------------------------


def test_describe_tags_and_parsed_state_of_the_new_nodes() -> None:
    cond = C.And(
        (
            C.Compare(SAMPLES_PER_PIXEL, ">", 1, None, "Samples per Pixel"),
            C.PointsTo(FRAME_INCREMENT_POINTER, (FRAME_TIME,)),
            C.AnyItem(VIEW_CODE_SEQUENCE, C.HasCode(0x00540222, (("1", "DCM"),))),
        )
    )
    assert C.tags_of(cond) == (SAMPLES_PER_PIXEL, FRAME_INCREMENT_POINTER, VIEW_CODE_SEQUENCE,
                               0x00540222)  # fmt: skip
    assert C.describe(cond) == (
        "(Samples per Pixel (0028,0002) > 1) and ((0028,0009) points to (0018,1063)) and "
        "(an item of (0054,0220) has ((0054,0222) has an item coded (1, DCM)))"
    )
    assert C.is_parsed(cond)
    assert not C.is_parsed(C.AnyItem(1, C.Unparsed("x")))
    assert C.HasCode(1, [["1", "DCM"]]) == C.HasCode(1, (("1", "DCM"),))


# --- validation: what cannot be decided is reported, never dropped -----------------------------


@dicom_class(kind="macro", title="Condition Test Macro", xml_id="table_test")
class _ConditionMacro(DicomObject):
    """Type 1C attributes with an undecidable and a decidable condition (generated shape)."""

    __test__ = False

    samples_per_pixel: int = attribute(
        SAMPLES_PER_PIXEL, "US", "1", "1", keyword="SamplesPerPixel", name="Samples per Pixel",
    )  # fmt: skip
    contrast_agent: str | None = attribute(
        0x00180010, "LO", "1", "1C", keyword="ContrastBolusAgent", name="Contrast/Bolus Agent",
        condition=C.Unparsed("Required if contrast media was used in this image."),
        condition_text="Required if contrast media was used in this image.", default=None,
    )  # fmt: skip
    planar_configuration: int | None = attribute(
        0x00280006, "US", "1", "1C", keyword="PlanarConfiguration",
        name="Planar Configuration", condition=C.Compare(SAMPLES_PER_PIXEL, ">", 1),
        default=None,
    )  # fmt: skip


def _findings(ds: Dataset) -> list[tuple[str, str, str]]:
    return [(f.severity, f.rule, f.path) for f in validate_dataset(ds, _ConditionMacro)]


def test_undecidable_conditions_are_reported_as_not_checked() -> None:
    absent = _findings(_ds((SAMPLES_PER_PIXEL, "US", 1)))
    assert absent == [("info", "condition-not-checked", "ContrastBolusAgent")]
    empty = _findings(_ds((SAMPLES_PER_PIXEL, "US", 1), (0x00180010, "LO", "")))
    assert empty == [("info", "condition-not-checked", "ContrastBolusAgent")]
    given = _findings(_ds((SAMPLES_PER_PIXEL, "US", 1), (0x00180010, "LO", "IODINE")))
    assert given == []


def test_decided_conditions_are_checked() -> None:
    rgb = _ds((SAMPLES_PER_PIXEL, "US", 3), (0x00180010, "LO", "IODINE"))
    assert _findings(rgb) == [("error", "type1c-missing", "PlanarConfiguration")]
    rgb.add_new(0x00280006, "US", None)
    assert _findings(rgb) == [("error", "type1c-empty", "PlanarConfiguration")]
    gray = _ds((SAMPLES_PER_PIXEL, "US", 1), (0x00180010, "LO", "IODINE"), (0x00280006, "US", None))
    assert _findings(gray) == []  # not required, so an empty value is no error


def test_frame_level_operands_not_found_are_unknown() -> None:
    frame_type = 0x00089007
    cond = C.And((C.FrameLevel(C.Equals(frame_type, ("ORIGINAL",), 1)), C.Absent(0x00181100)))
    assert C.evaluate(cond, _lookup(_ds((frame_type, "CS", ["ORIGINAL", "PRIMARY"])))) is True
    assert C.evaluate(cond, _lookup(_ds((frame_type, "CS", ["DERIVED", "PRIMARY"])))) is False
    # Frame Type in another functional group of the frame: not decided here
    assert C.evaluate(cond, _lookup(_ds())) is None
    # ... unless another operand already decides
    assert C.evaluate(cond, _lookup(_ds((0x00181100, "DS", "250")))) is False
    assert (
        C.describe(C.FrameLevel(C.Present(frame_type))) == "((0008,9007) is present) in this frame"
    )
    assert C.tags_of(cond) == (frame_type, 0x00181100) and C.is_parsed(cond)
