"""Conditions on the items of a sequence: the first item (FirstItem) and a value that changes
from item to item (Varies), evaluated by validation, which knows which item it checks."""

from __future__ import annotations

from typing import Any

from dicomgen.core import conditions as C
from dicomgen.core.dataset import Dataset
from dicomgen.core.typed import DicomObject, attribute, dicom_class
from dicomgen.core.validation import validate_dataset

CONTROL_POINT_SEQUENCE = 0x300A0111
CONTROL_POINT_INDEX = 0x300A0112
GANTRY_ANGLE = 0x300A011E
WEDGE_POSITION_SEQUENCE = 0x300A0116
WEDGE_POSITION = 0x300A0118

FIRST_OR_CHANGES = C.Or(
    (C.FirstItem(CONTROL_POINT_SEQUENCE), C.Varies(GANTRY_ANGLE, CONTROL_POINT_SEQUENCE))
)


@dicom_class(kind="macro", title="Control Point Test Item", xml_id="table_test_cp")
class _ControlPoint(DicomObject):
    __test__ = False

    control_point_index: int = attribute(
        CONTROL_POINT_INDEX, "IS", "1", "1", keyword="ControlPointIndex",
        name="Control Point Index",
    )  # fmt: skip
    gantry_angle: float | None = attribute(
        GANTRY_ANGLE, "DS", "1", "1C", keyword="GantryAngle", name="Gantry Angle",
        condition=FIRST_OR_CHANGES, default=None,
    )  # fmt: skip


@dicom_class(kind="macro", title="Beam Test Macro", xml_id="table_test_beam")
class _Beam(DicomObject):
    __test__ = False

    control_point_sequence: list[_ControlPoint] = attribute(
        CONTROL_POINT_SEQUENCE, "SQ", "1", "1", keyword="ControlPointSequence",
        name="Control Point Sequence", item=lambda: _ControlPoint,
    )  # fmt: skip


def _item(index: int, angle: str | None = None) -> Dataset:
    ds = Dataset()
    ds.add_new(CONTROL_POINT_INDEX, "IS", str(index))
    if angle is not None:
        ds.add_new(GANTRY_ANGLE, "DS", angle)
    return ds


def _beam(*items: Dataset) -> Dataset:
    ds = Dataset()
    ds.add_new(CONTROL_POINT_SEQUENCE, "SQ", list(items))
    return ds


def _errors(ds: Dataset) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in validate_dataset(ds, _Beam) if f.severity == "error"]


def test_required_in_the_first_item() -> None:
    missing = _beam(_item(0), _item(1))
    assert _errors(missing) == [("type1c-missing", "ControlPointSequence[0].GantryAngle")]
    assert _errors(_beam(_item(0, "90"), _item(1))) == []  # unchanged: not repeated


def test_required_in_every_item_when_it_changes() -> None:
    # PS3.3 C.8.8.14.5: a parameter that changes is specified at all control points
    arc = _beam(_item(0, "0"), _item(1), _item(2, "180"))
    assert _errors(arc) == [("type1c-missing", "ControlPointSequence[1].GantryAngle")]
    assert _errors(_beam(_item(0, "0"), _item(1, "90"), _item(2, "180"))) == []
    same = _beam(_item(0, "90"), _item(1, "90.0"))  # one value, written two ways
    assert _errors(same) == []


class _Lookup:
    """A lookup over a chain of ``{tag: value}`` data sets (the item first)."""

    def __init__(self, *chain: dict[int, Any]) -> None:
        self.chain = list(chain)

    def __call__(self, tag: int) -> Any:
        for ds in self.chain:
            if tag in ds:
                return ds[tag]
        return C.ABSENT


def test_first_item_needs_the_chain_and_looks_through_nested_items() -> None:
    first: dict[int, Any] = {CONTROL_POINT_INDEX: 0}
    second: dict[int, Any] = {CONTROL_POINT_INDEX: 1}
    beam = {CONTROL_POINT_SEQUENCE: [first, second]}
    cond = C.FirstItem(CONTROL_POINT_SEQUENCE)
    assert C.evaluate(cond, _Lookup(first, beam)) is True
    assert C.evaluate(cond, _Lookup(second, beam)) is False
    nested: dict[int, Any] = {}  # an item of a sequence inside the second control point
    second[WEDGE_POSITION_SEQUENCE] = [nested]
    assert C.evaluate(cond, _Lookup(nested, second, beam)) is False
    # a plain lookup cannot tell which item it is in: unknown, never a guess
    assert C.evaluate(cond, lambda tag: beam.get(tag, C.ABSENT)) is None
    assert C.evaluate(cond, _Lookup(beam)) is None


def test_varies_reads_values_nested_in_the_items() -> None:
    def point(position: str | None) -> dict[int, Any]:
        if position is None:
            return {}
        return {WEDGE_POSITION_SEQUENCE: [{WEDGE_POSITION: position}]}

    cond = C.Varies(WEDGE_POSITION, CONTROL_POINT_SEQUENCE)
    moving = {CONTROL_POINT_SEQUENCE: [point("IN"), point(None), point("OUT")]}
    fixed = {CONTROL_POINT_SEQUENCE: [point("IN"), point(None), point("IN")]}
    assert C.evaluate(cond, _Lookup({}, moving)) is True
    assert C.evaluate(cond, _Lookup({}, fixed)) is False
    assert C.evaluate(cond, _Lookup({})) is False  # no such sequence: nothing changes
    assert C.evaluate(cond, lambda tag: C.UNKNOWN) is None


def test_describe_and_tags_of_item_nodes() -> None:
    assert C.describe(FIRST_OR_CHANGES) == (
        "(this is the first item of (300A,0111)) or "
        "((300A,011E) changes from item to item of (300A,0111))"
    )
    assert C.tags_of(FIRST_OR_CHANGES) == (CONTROL_POINT_SEQUENCE, GANTRY_ANGLE)
    assert C.is_parsed(FIRST_OR_CHANGES)
