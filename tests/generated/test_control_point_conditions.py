"""The generated RT Beams and RT Ion Beams Modules check control point conditions (PS3.3
C.8.8.14.5): Gantry Angle (300A,011E) in the first control point and in every one when it
changes. PS3.3 prints "first Item of Control Point Sequence" in the RT Ion Beams Module too,
where the enclosing sequence is the Ion Control Point Sequence."""

from __future__ import annotations

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.typed import DicomObject
from dicomgen.core.validation import validate_dataset
from dicomgen_std.modules.rt_beams import RTBeamsModule
from dicomgen_std.modules.rt_ion_beams import RTIonBeamsModule

CONTROL_POINT_INDEX, GANTRY_ANGLE = 0x300A0112, 0x300A011E
# (module, beam sequence, control point sequence, their keywords)
BEAMS = [
    (RTBeamsModule, 0x300A00B0, 0x300A0111, "BeamSequence[0].ControlPointSequence"),
    (RTIonBeamsModule, 0x300A03A2, 0x300A03A8, "IonBeamSequence[0].IonControlPointSequence"),
]


def _plan(beams: int, points_tag: int, *angles: str | None) -> Dataset:
    points = []
    for i, angle in enumerate(angles):
        cp = Dataset()
        cp.add_new(CONTROL_POINT_INDEX, "IS", str(i))
        if angle is not None:
            cp.add_new(GANTRY_ANGLE, "DS", angle)
        points.append(cp)
    beam = Dataset()
    beam.add_new(points_tag, "SQ", points)
    ds = Dataset()
    ds.add_new(beams, "SQ", [beam])
    return ds


@pytest.mark.parametrize("module, beams, points, path", BEAMS)
def test_gantry_angle_conditions_on_control_points(
    module: type[DicomObject], beams: int, points: int, path: str
) -> None:
    def gantry(*angles: str | None) -> list[tuple[str, str]]:
        return [
            (f.rule, f.path)
            for f in validate_dataset(_plan(beams, points, *angles), module)
            if f.tag == GANTRY_ANGLE and f.severity in ("error", "info")
        ]

    first, second = f"{path}[0].GantryAngle", f"{path}[1].GantryAngle"
    assert gantry(None, None) == [("type1c-missing", first)]
    assert gantry("0", None) == []  # static: given once
    assert gantry("0", None, "180") == [("type1c-missing", second)]
    assert gantry("0", "90", "180") == []
