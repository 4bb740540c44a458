"""The runtime's InItem condition on real nested data sets, through validation's lookup."""

from __future__ import annotations

from dicomgen.core import conditions as C
from dicomgen.core.dataset import Dataset
from dicomgen.core.validation import _lookup

TRACK_SET_SEQUENCE, TRACK_SEQUENCE, CIELAB = 0x00660101, 0x00660102, 0x0062000D


def _tree(track_set_cielab: bool) -> tuple[Dataset, Dataset, Dataset]:
    track = Dataset()
    track_set = Dataset()
    if track_set_cielab:
        track_set.add_new(CIELAB, "US", [50, 0, 0])
    track_set.add_new(TRACK_SEQUENCE, "SQ", [track])
    root = Dataset()
    root.add_new(TRACK_SET_SEQUENCE, "SQ", [track_set])
    items = root.get_value(TRACK_SET_SEQUENCE)[0].get_value(TRACK_SEQUENCE)
    return items[0], root.get_value(TRACK_SET_SEQUENCE)[0], root


def test_in_item_reads_the_enclosing_item_of_the_named_sequence() -> None:
    cond = C.InItem(TRACK_SET_SEQUENCE, C.Present(CIELAB))
    track, track_set, root = _tree(True)
    assert C.evaluate(cond, _lookup([track, track_set, root])) is True
    track, track_set, root = _tree(False)
    assert C.evaluate(cond, _lookup([track, track_set, root])) is False
    assert C.evaluate(cond, _lookup([root])) is None  # not inside such an item
    assert C.tags_of(cond) == (TRACK_SET_SEQUENCE, CIELAB)
    assert C.is_parsed(cond) and not C.is_parsed(C.InItem(1, C.Unparsed("x")))
    assert "enclosing item" in C.describe(cond)


POINTS_SEQUENCE = 0x300A008C


def test_last_item_of_the_enclosing_sequence() -> None:
    points = [Dataset(), Dataset(), Dataset()]
    root = Dataset()
    root.add_new(POINTS_SEQUENCE, "SQ", points)
    items = root.get_value(POINTS_SEQUENCE)
    last = C.LastItem(POINTS_SEQUENCE)
    assert [C.evaluate(last, _lookup([item, root])) for item in items] == [False, False, True]
    assert C.evaluate(last, _lookup([root])) is None  # not an item of that sequence
    assert C.describe(last).startswith("this is the last item")
