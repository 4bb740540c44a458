"""Hypothesis strategies for values of every VR and for whole data sets (shared by tests)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from dicomgen.core.values import PersonName

_printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters="\\")
_unicode = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\\", min_codepoint=0x20
)


def _stripped(alphabet: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def _uid() -> st.SearchStrategy[str]:
    comp = st.one_of(st.just("0"), st.integers(1, 10**8).map(str))
    return st.lists(comp, min_size=2, max_size=8).map(".".join).filter(lambda s: len(s) <= 64)


TEXT_VALUES: dict[str, st.SearchStrategy[object]] = {
    "AE": _stripped(_printable, 16),
    "AS": st.tuples(st.integers(0, 999), st.sampled_from("DWMY")).map(
        lambda t: f"{t[0]:03d}{t[1]}"
    ),
    "CS": _stripped(st.sampled_from("ABCXYZ019_ "), 16),
    "SH": _stripped(_unicode, 16),
    "LO": _stripped(_unicode, 64),
    "UC": st.text(alphabet=_unicode, min_size=1, max_size=100).map(str.rstrip).filter(bool),
    "UI": _uid(),
    "UR": st.text(alphabet=st.sampled_from("abc:/%20?=&#.-_~"), min_size=1, max_size=50),
    "PN": st.lists(
        st.lists(st.text(alphabet="abcXYZ 山田", max_size=5).map(str.strip), max_size=5),
        max_size=3,
    )
    .map(lambda g: PersonName.from_groups(*g))
    .filter(bool),
    "DA": st.dates(min_value=dt.date(1, 1, 1)),
    "TM": st.times(),
    "DT": st.datetimes(min_value=dt.datetime(1, 1, 1)),
    "IS": st.integers(-(2**31), 2**31 - 1),
    "DS": st.floats(allow_nan=False, allow_infinity=False),
}
_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), min_codepoint=0x20)
        | st.sampled_from("\r\n\t\\"),
        min_size=1,
        max_size=200,
    )
    .map(lambda s: s.rstrip(" "))
    .filter(bool)
)
TEXT_VALUES.update({"ST": _TEXT, "LT": _TEXT, "UT": _TEXT})


BINARY_VALUES: dict[str, st.SearchStrategy[object]] = {
    "US": st.integers(0, 2**16 - 1),
    "SS": st.integers(-(2**15), 2**15 - 1),
    "UL": st.integers(0, 2**32 - 1),
    "SL": st.integers(-(2**31), 2**31 - 1),
    "UV": st.integers(0, 2**64 - 1),
    "SV": st.integers(-(2**63), 2**63 - 1),
    "FL": st.floats(width=32, allow_nan=False),
    "FD": st.floats(allow_nan=False),
    "AT": st.integers(0, 2**32 - 1),
}


# --- whole data sets -------------------------------------------------------------------------


def _dictionary_tags() -> dict[str, tuple[int, ...]]:
    """Tags of each VR taken from the generated dictionary (non-retired, single VR, VM 1)."""
    from dicomgen_std.dictionary import DICTIONARY

    out: dict[str, list[int]] = {}
    for tag, e in sorted(DICTIONARY.items()):
        group = tag >> 16
        if e.retired or len(e.vrs) != 1 or group in (0x0000, 0x0002, 0x0004, 0xFFFE):
            continue
        if e.vm != "1" or e.vrs[0] in ("SQ", "UN", "OB", "OW", "OF", "OD", "OL", "OV", "UR", "AS"):
            continue
        if tag == 0x00080005:  # Specific Character Set is set by the strategy itself
            continue
        out.setdefault(e.vrs[0], []).append(tag)
    return {vr: tuple(tags[:: max(1, len(tags) // 12)]) for vr, tags in out.items()}


_ALL_VALUES = {**TEXT_VALUES, **BINARY_VALUES}


@st.composite
def datasets(draw: st.DrawFn, depth: int = 0):
    """Random data sets of real dictionary elements (UTF-8 text), with nested sequences."""
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement

    tags = _dictionary_tags()
    ds = Dataset()
    if depth == 0:
        ds.add(DataElement(0x00080005, "CS", "ISO_IR 192"))
    vrs = sorted(vr for vr in tags if vr in _ALL_VALUES)
    for _ in range(draw(st.integers(0, 10))):
        vr = draw(st.sampled_from(vrs))
        tag = draw(st.sampled_from(tags[vr]))
        value = draw(_ALL_VALUES[vr])
        if vr == "DS":
            from dicomgen.core.values import DS

            value = DS(str(DS(value)))  # what a DS string can hold
        ds.add(DataElement(tag, vr, value))
    if depth < 2 and draw(st.booleans()):
        sq_tags = (0x00081115, 0x00081140, 0x00082112)  # Referenced Series/Image, Source Image
        items = draw(st.lists(datasets(depth=depth + 1), max_size=3))
        ds.add(DataElement(draw(st.sampled_from(sq_tags)), "SQ", items))
    return ds
