"""Which attributes of a data set the index keeps, per level, as DICOM JSON (PS3.18 F.2).

:func:`split_levels_json` groups the top-level attributes by the Patient Root level they
belong to (:mod:`.levels`) and serialises each group once; bulk data (Pixel Data, binary
values over :data:`MAX_INLINE_BINARY` bytes), File Meta Information, group lengths and
Specific Character Set are left out (the JSON holds decoded Unicode text). It runs once per
stored instance, so each distinct encoded value is decoded and serialised once per process.
"""

from __future__ import annotations

import enum
import json
from typing import Any, Final

from ..core.dataset import Dataset
from ..core.errors import DicomError
from ..encoding.json import element_to_json
from .levels import Level, level_of

MAX_INLINE_BINARY = 1024
_BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
_NOT_INDEXED = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010, 0xFFFAFFFA, 0xFFFCFFFC})


def _text(ds: Dataset, tag: int) -> str:
    """:meth:`Dataset.first_text`, with an undecodable value indexed as empty."""
    try:
        return ds.first_text(tag)
    except DicomError:
        return ""


def _element_json(ds: Dataset) -> dict[str, Any]:
    """DICOM JSON of ``ds``; elements that cannot be decoded are left out."""
    from ..encoding.json import to_json

    try:
        return to_json(ds)
    except (DicomError, ValueError, TypeError, OverflowError):
        out: dict[str, Any] = {}
        for e in ds.elements():
            try:
                out.update(to_json(Dataset([e])))
            except (DicomError, ValueError, TypeError, OverflowError):
                continue  # an undecodable value cannot be matched; the file keeps it
        return out


def split_levels(ds: Dataset) -> dict[Level, dict[str, Any]]:
    """The top-level attributes of ``ds`` grouped by level, as DICOM JSON objects.

    Specific Character Set is not kept: the JSON holds decoded Unicode text (PS3.18 F.2).
    """
    groups: dict[Level, list[Any]] = {lv: [] for lv in Level}
    for e in ds.elements():
        t = int(e.tag)
        level = _PLAN[t] if t in _PLAN else _plan(t)
        if level is None or _left_out(e, e.vr, e.raw):
            continue
        groups[level].append(e)
    return {lv: _element_json(Dataset(es)) for lv, es in groups.items()}


def _left_out(e: Any, vr: str, raw: Any) -> bool:
    """Whether ``e`` (whose encoded value is ``raw``, ``None`` if unknown) stays out of the
    index: binary values over :data:`MAX_INLINE_BINARY` bytes or undecodable, and values of
    undefined length other than sequences (encapsulated data)."""
    if vr in _BINARY_VRS:
        if raw is not None:
            if len(raw) > MAX_INLINE_BINARY:
                return True
        else:
            try:
                v = e.value
            except DicomError:
                return True
            if isinstance(v, (bytes, bytearray, memoryview)) and len(v) > MAX_INLINE_BINARY:
                return True
    return bool(e.undefined_length) and vr != "SQ"


# JSON text of one element, keyed by what determines it: (tag, VR, encoded value, byte order,
# character sets), with the element's first_text for the tags indexed as columns. Instances
# of one series repeat most of their attributes byte for byte, so each distinct value is
# decoded and serialised once. Bounded; cleared when full.
_FRAGMENTS: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
#: Tags whose text is a column of the index (see :meth:`.index.Index.add`).
_COLUMN_TAGS = frozenset(
    {
        0x00080016,  # SOP Class UID
        0x00080018,  # SOP Instance UID
        0x00080020,  # Study Date
        0x00080030,  # Study Time
        0x00080050,  # Accession Number
        0x00080060,  # Modality
        0x00100010,  # Patient's Name
        0x00100020,  # Patient ID
        0x0020000D,  # Study Instance UID
        0x0020000E,  # Series Instance UID
        0x00200010,  # Study ID
        0x00200011,  # Series Number
        0x00200013,  # Instance Number
    }
)
_MAX_FRAGMENTS = 8192
_MAX_CACHED_VALUE = 256


_ENCODE_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _fragment(e: Any) -> str | None:
    """``"GGGGEEEE": {...}`` (the DICOM JSON member of ``e``), ``None`` if undecodable."""
    try:
        obj = element_to_json(e)
    except (DicomError, ValueError, TypeError, OverflowError):
        return None  # an undecodable value cannot be matched; the file keeps it
    return f'"{int(e.tag):08X}": ' + _ENCODE_JSON(obj)


#: ``{tag: level}`` of the tags seen, ``None`` for tags not indexed (see :func:`_plan`).
_PLAN: dict[int, Level | None] = {}
_MAX_PLAN = 65536


def _plan(tag: int) -> Level | None:
    """The level ``tag`` is indexed at, ``None`` if it is not indexed (command and File Meta
    groups, group lengths, bulk data tags, Specific Character Set)."""
    if tag >> 16 in (0x0002, 0x0000) or tag & 0xFFFF == 0 or tag in _NOT_INDEXED:
        level = None
    elif tag == 0x00080005:
        level = None
    else:
        level = level_of(tag)
    if len(_PLAN) < _MAX_PLAN:
        _PLAN[tag] = level
    return level


def split_levels_json(ds: Dataset) -> dict[Level, str]:
    """:func:`split_levels` serialised (the same text as ``json.dumps(obj, ensure_ascii=False)``).

    Elements whose encoded value was seen before are not decoded again (see ``_FRAGMENTS``).
    """
    return dict(zip(Level, level_json_parts(ds, {})))


class _Unplanned(enum.Enum):
    """The marker of a tag not in the plan yet (``None`` there means "not indexed")."""

    TOKEN = 0


_UNPLANNED: Final = _Unplanned.TOKEN


def level_json_parts(ds: Dataset, texts: dict[int, str]) -> list[str]:
    """:func:`split_levels_json` as a list indexed by level; also puts ``first_text`` of
    the :data:`_COLUMN_TAGS` elements of ``ds`` into ``texts`` (``""`` if undecodable;
    cached with the element's fragment).

    It runs for every stored instance, so its loop calls as little as it can: the plan and
    the fragment cache are read inline, and :func:`_left_out` is asked only about the
    elements it can leave out (binary VRs and undefined lengths)."""
    parts: list[list[str]] = [[], [], [], []]
    fragments = _FRAGMENTS
    plan = _PLAN
    binary = _BINARY_VRS
    for e in ds.elements():
        t = int(e.tag)
        level = plan.get(t, _UNPLANNED)
        if level is _UNPLANNED:
            level = _plan(t)
        if level is None:
            continue
        vr = e.vr
        state = e.raw_state() if vr != "SQ" else None
        raw = state[0] if state is not None else None
        if (vr in binary or e.undefined_length) and _left_out(e, vr, raw):
            continue
        if state is not None and len(state[0]) <= _MAX_CACHED_VALUE:
            key = (t, vr, bytes(state[0]), state[1], state[2])
            cached = fragments.get(key)
            if cached is None:
                text = _text(ds, t) if t in _COLUMN_TAGS else None
                cached = (_fragment(e), text)
                if len(fragments) >= _MAX_FRAGMENTS:
                    fragments.clear()
                fragments[key] = cached
            frag, text = cached
            if text is not None:
                texts[t] = text
        else:
            frag = _fragment(e)
            if t in _COLUMN_TAGS:
                texts[t] = _text(ds, t)
        if frag is not None:
            parts[level].append(frag)
    return ["{" + ", ".join(fs) + "}" for fs in parts]


__all__ = ["MAX_INLINE_BINARY", "level_json_parts", "split_levels", "split_levels_json"]
