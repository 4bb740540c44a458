"""The generated RT Beams Module checks control point conditions (PS3.3 C.8.8.14.5): Gantry
Angle (300A,011E) in the first control point and in every one when it changes."""

from __future__ import annotations

from dicomgen.core.dataset import Dataset
from dicomgen.core.validation import validate_dataset
from dicomgen_std.modules.rt_beams import RTBeamsModule

BEAM_SEQUENCE, CONTROL_POINT_SEQUENCE = 0x300A00B0, 0x300A0111
CONTROL_POINT_INDEX, GANTRY_ANGLE = 0x300A0112, 0x300A011E


def _plan(*angles: str | None) -> Dataset:
    points = []
    for i, angle in enumerate(angles):
        cp = Dataset()
        cp.add_new(CONTROL_POINT_INDEX, "IS", str(i))
        if angle is not None:
            cp.add_new(GANTRY_ANGLE, "DS", angle)
        points.append(cp)
    beam = Dataset()
    beam.add_new(CONTROL_POINT_SEQUENCE, "SQ", points)
    ds = Dataset()
    ds.add_new(BEAM_SEQUENCE, "SQ", [beam])
    return ds


def _gantry(ds: Dataset) -> list[tuple[str, str]]:
    return [
        (f.rule, f.path)
        for f in validate_dataset(ds, RTBeamsModule)
        if f.tag == GANTRY_ANGLE and f.severity in ("error", "info")
    ]


def test_gantry_angle_conditions_on_control_points() -> None:
    first = "BeamSequence[0].ControlPointSequence[0].GantryAngle"
    second = "BeamSequence[0].ControlPointSequence[1].GantryAngle"
    assert _gantry(_plan(None, None)) == [("type1c-missing", first)]
    assert _gantry(_plan("0", None)) == []  # static: given once
    assert _gantry(_plan("0", None, "180")) == [("type1c-missing", second)]
    assert _gantry(_plan("0", "90", "180")) == []
