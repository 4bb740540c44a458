"""The runtime's Count condition (number of values or items) on real data sets."""

from __future__ import annotations

from typing import Any

import pytest

from dicomgen.core import conditions as C
from dicomgen.core.dataset import Dataset

MASK_FRAME_NUMBERS = 0x00286110
EXPOSURE_SEQUENCE = 0x30020030


def _lookup(ds: Dataset) -> Any:
    def lookup(tag: int) -> Any:
        e = ds.get(tag)
        return C.ABSENT if e is None else e.value

    return lookup


def test_count_of_values() -> None:
    ds = Dataset()
    ds.add_new(MASK_FRAME_NUMBERS, "US", [1, 2])
    multi = C.Count(MASK_FRAME_NUMBERS, ">", 1)
    assert C.evaluate(multi, _lookup(ds)) is True
    ds.add_new(MASK_FRAME_NUMBERS, "US", [1])
    assert C.evaluate(multi, _lookup(ds)) is False
    assert C.evaluate(multi, _lookup(Dataset())) is False
    assert C.evaluate(C.Count(MASK_FRAME_NUMBERS, "<", 1), _lookup(Dataset())) is True
    assert C.evaluate(multi, lambda tag: C.UNKNOWN) is None


def test_count_of_items() -> None:
    ds = Dataset()
    ds.add_new(EXPOSURE_SEQUENCE, "SQ", [Dataset(), Dataset()])
    assert C.evaluate(C.Count(EXPOSURE_SEQUENCE, ">", 1), _lookup(ds)) is True
    assert C.evaluate(C.Count(EXPOSURE_SEQUENCE, ">=", 3), _lookup(ds)) is False
    assert "number of values or items" in C.describe(C.Count(EXPOSURE_SEQUENCE, ">", 1))
    assert C.tags_of(C.Count(EXPOSURE_SEQUENCE, ">", 1)) == (EXPOSURE_SEQUENCE,)
    with pytest.raises(ValueError, match="unknown operator"):
        C.Count(EXPOSURE_SEQUENCE, "=>", 1)
