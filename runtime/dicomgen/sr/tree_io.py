"""Read a content tree from an SR data set and write it back.

Reading keeps each item's data set; writing starts from it, so an unchanged item is written
element for element as it was read (private and unknown elements included) and a changed one
has only its content item elements re-encoded. The Content Sequence is always rebuilt from
the children.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DecodeError

from .codes import Code
from .content import (
    ITEM_CLASSES,
    CodeItem,
    Composite,
    Container,
    ContentItem,
    DateItem,
    DateTimeItem,
    Image,
    Num,
    PName,
    ReferenceItem,
    Scoord,
    Scoord3D,
    Tcoord,
    Text,
    TimeItem,
    UIDRef,
    UnknownItem,
    Waveform,
)

# The elements of the Document Content Macro and Content Item Macro an item owns.
RELATIONSHIP = 0x0040A010
VALUE_TYPE = 0x0040A040
CONCEPT_NAME = 0x0040A043
CONTENT_SEQUENCE = 0x0040A730
CONTINUITY = 0x0040A050
TEMPLATE_SEQUENCE = 0x0040A504
MAPPING_RESOURCE = 0x00080105
TEMPLATE_ID = 0x0040DB00
REFERENCED_ITEM = 0x0040DB73
OBSERVATION_UID = 0x0040A171
TEXT_VALUE = 0x0040A160
CONCEPT_CODE = 0x0040A168
MEASURED_VALUE = 0x0040A300
NUMERIC_VALUE = 0x0040A30A
FLOAT_VALUE = 0x0040A161
UNITS = 0x004008EA
QUALIFIER = 0x0040A301
DATETIME = 0x0040A120
DATE = 0x0040A121
TIME = 0x0040A122
PERSON_NAME = 0x0040A123
UID = 0x0040A124
REFERENCED_SOP = 0x00081199
SOP_CLASS = 0x00081150
SOP_INSTANCE = 0x00081155
FRAMES = 0x00081160
SEGMENTS = 0x0062000B
CHANNELS = 0x0040A0B0
GRAPHIC_DATA = 0x00700022
GRAPHIC_TYPE = 0x00700023
PIXEL_ORIGIN = 0x00480301
FRAME_OF_REFERENCE = 0x30060024
RANGE_TYPE = 0x0040A130
SAMPLE_POSITIONS = 0x0040A132
TIME_OFFSETS = 0x0040A138
REF_DATETIMES = 0x0040A13A
CODE_SCHEME = 0x00080102
CODE_VALUE = 0x00080100
LONG_CODE_VALUE = 0x00080119
URN_CODE_VALUE = 0x00080120
CODE_MEANING = 0x00080104
SCHEME_VERSION = 0x00080103


# --- reading -----------------------------------------------------------------------


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _text(ds: Dataset, tag: int) -> str | None:
    v = ds.get_value(tag)
    if v is None or v == "" or v == []:
        return None
    if isinstance(v, list):
        return "\\".join(map(str, v))
    return str(v)


def read_code(item: Dataset) -> Code | None:
    value = _text(item, CODE_VALUE) or _text(item, LONG_CODE_VALUE) or _text(item, URN_CODE_VALUE)
    scheme = _text(item, CODE_SCHEME) or ("URN" if _text(item, URN_CODE_VALUE) else None)
    if value is None or scheme is None:
        return None
    return Code(scheme, value, _text(item, CODE_MEANING) or "", _text(item, SCHEME_VERSION) or "")


def _code_in(ds: Dataset, tag: int) -> Code | None:
    items = _list(ds.get_value(tag))
    return read_code(items[0]) if items else None


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def _read_value(item: ContentItem, ds: Dataset) -> None:
    if isinstance(item, Container):
        item.continuity = _text(ds, CONTINUITY) or ""
    elif isinstance(item, Text):
        item.value = _text(ds, TEXT_VALUE)
    elif isinstance(item, CodeItem):
        item.value = _code_in(ds, CONCEPT_CODE)
    elif isinstance(item, Num):
        mv = _list(ds.get_value(MEASURED_VALUE))
        if mv:
            item.value = _number(_text(mv[0], NUMERIC_VALUE))
            item.units = _code_in(mv[0], UNITS)
            fp = mv[0].get_value(FLOAT_VALUE)
            item.floating_point = float(_list(fp)[0]) if fp not in (None, []) else None
        item.qualifier = _code_in(ds, QUALIFIER)
    elif isinstance(item, DateTimeItem):
        item.value = ds.get_value(DATETIME)
    elif isinstance(item, DateItem):
        item.value = ds.get_value(DATE)
    elif isinstance(item, TimeItem):
        item.value = ds.get_value(TIME)
    elif isinstance(item, UIDRef):
        item.value = _text(ds, UID)
    elif isinstance(item, PName):
        item.value = _text(ds, PERSON_NAME)
    elif isinstance(item, Composite):
        refs = _list(ds.get_value(REFERENCED_SOP))
        if refs:
            item.sop_class_uid = _text(refs[0], SOP_CLASS)
            item.sop_instance_uid = _text(refs[0], SOP_INSTANCE)
            if isinstance(item, Image):
                item.frames = [int(x) for x in _list(refs[0].get_value(FRAMES))]
                item.segments = [int(x) for x in _list(refs[0].get_value(SEGMENTS))]
            if isinstance(item, Waveform):
                item.channels = [int(x) for x in _list(refs[0].get_value(CHANNELS))]
    elif isinstance(item, (Scoord, Scoord3D)):
        item.graphic_type = _text(ds, GRAPHIC_TYPE)
        item.data = [float(x) for x in _list(ds.get_value(GRAPHIC_DATA))]
        if isinstance(item, Scoord):
            item.pixel_origin = _text(ds, PIXEL_ORIGIN) or ""
        else:
            item.frame_of_reference_uid = _text(ds, FRAME_OF_REFERENCE)
    elif isinstance(item, Tcoord):
        item.range_type = _text(ds, RANGE_TYPE)
        item.sample_positions = [int(x) for x in _list(ds.get_value(SAMPLE_POSITIONS))]
        item.time_offsets = [float(x) for x in _list(ds.get_value(TIME_OFFSETS))]
        item.datetimes = [str(x) for x in _list(ds.get_value(REF_DATETIMES))]


def read_item(ds: Dataset, *, root: bool = False, path: str = "1") -> ContentItem:
    """The content item (and its subtree) of one Content Sequence item, or the root of a
    document when ``root``."""
    vt = _text(ds, VALUE_TYPE)
    relationship = "" if root else (_text(ds, RELATIONSHIP) or "")
    item: ContentItem
    if REFERENCED_ITEM in ds and vt is None:
        item = ReferenceItem(target=[int(x) for x in _list(ds.get_value(REFERENCED_ITEM))])
    elif vt in ITEM_CLASSES:
        item = ITEM_CLASSES[vt]()
        _read_value(item, ds)
    elif vt is None:
        raise DecodeError("content item without Value Type (0040,A040)", path=path)
    else:
        item = UnknownItem(value_type_text=vt)
    item.relationship = relationship
    item.concept_name = _code_in(ds, CONCEPT_NAME)
    templates = _list(ds.get_value(TEMPLATE_SEQUENCE))
    item.template = (_text(templates[0], TEMPLATE_ID) or "") if templates else ""
    item.observation_uid = _text(ds, OBSERVATION_UID) or ""
    item.children = [
        read_item(child, path=f"{path}.{i}")
        for i, child in enumerate(_list(ds.get_value(CONTENT_SEQUENCE)), 1)
    ]
    item.source = ds
    item.read_state = item.value_state()
    return item


def read_tree(ds: Dataset) -> ContentItem:
    """The content tree of an SR document (its root is the data set itself)."""
    if VALUE_TYPE not in ds:
        raise DecodeError("not an SR document: no Value Type (0040,A040) at the top level")
    return read_item(ds, root=True)


# --- writing -----------------------------------------------------------------------


def code_item(code: Code) -> Dataset:
    ds = Dataset()
    if len(code.value) > 16 and not code.value.startswith("urn:"):
        ds[LONG_CODE_VALUE] = DataElement(LONG_CODE_VALUE, "UC", code.value)
    elif code.value.startswith(("urn:", "http:", "https:")):
        ds[URN_CODE_VALUE] = DataElement(URN_CODE_VALUE, "UR", code.value)
    else:
        ds[CODE_VALUE] = DataElement(CODE_VALUE, "SH", code.value)
    if not code.value.startswith(("urn:", "http:", "https:")):
        ds[CODE_SCHEME] = DataElement(CODE_SCHEME, "SH", code.scheme)
    if code.scheme_version:
        ds[SCHEME_VERSION] = DataElement(SCHEME_VERSION, "SH", code.scheme_version)
    ds[CODE_MEANING] = DataElement(CODE_MEANING, "LO", code.meaning)
    return ds


def _put(ds: Dataset, tag: int, vr: str, value: Any) -> None:
    if value is None or value == []:
        if tag in ds:
            del ds[tag]
        return
    ds[tag] = DataElement(tag, vr, value)


def _put_code(ds: Dataset, tag: int, code: Code | None) -> None:
    _put(ds, tag, "SQ", [code_item(code)] if code is not None else None)


_VALUE_TAGS = (
    CONTINUITY,
    TEXT_VALUE,
    CONCEPT_CODE,
    MEASURED_VALUE,
    QUALIFIER,
    DATETIME,
    DATE,
    TIME,
    UID,
    PERSON_NAME,
    REFERENCED_SOP,
    GRAPHIC_DATA,
    GRAPHIC_TYPE,
    PIXEL_ORIGIN,
    FRAME_OF_REFERENCE,
    RANGE_TYPE,
    SAMPLE_POSITIONS,
    TIME_OFFSETS,
    REF_DATETIMES,
)


def _ds_number(v: Decimal | float) -> str:
    text = format(v, "f") if isinstance(v, Decimal) else repr(v)
    if len(text) > 16:
        text = f"{float(v):.10g}"[:16]
    return text


def _write_value(item: ContentItem, ds: Dataset) -> None:
    for tag in _VALUE_TAGS:
        if tag in ds:
            del ds[tag]
    if isinstance(item, Container):
        _put(ds, CONTINUITY, "CS", item.continuity or "SEPARATE")
    elif isinstance(item, Text):
        _put(ds, TEXT_VALUE, "UT", item.value)
    elif isinstance(item, CodeItem):
        _put_code(ds, CONCEPT_CODE, item.value)
    elif isinstance(item, Num):
        mv: list[Dataset] = []
        if item.value is not None:
            m = Dataset()
            m[NUMERIC_VALUE] = DataElement(NUMERIC_VALUE, "DS", _ds_number(item.value))
            if item.floating_point is not None:
                m[FLOAT_VALUE] = DataElement(FLOAT_VALUE, "FD", item.floating_point)
            if item.units is not None:
                _put_code(m, UNITS, item.units)
            mv.append(m)
        ds[MEASURED_VALUE] = DataElement(MEASURED_VALUE, "SQ", mv)
        _put_code(ds, QUALIFIER, item.qualifier)
    elif isinstance(item, DateTimeItem):
        _put(ds, DATETIME, "DT", item.value)
    elif isinstance(item, DateItem):
        _put(ds, DATE, "DA", item.value)
    elif isinstance(item, TimeItem):
        _put(ds, TIME, "TM", item.value)
    elif isinstance(item, UIDRef):
        _put(ds, UID, "UI", item.value)
    elif isinstance(item, PName):
        _put(ds, PERSON_NAME, "PN", item.value)
    elif isinstance(item, Composite):
        ref = Dataset()
        _put(ref, SOP_CLASS, "UI", item.sop_class_uid)
        _put(ref, SOP_INSTANCE, "UI", item.sop_instance_uid)
        if isinstance(item, Image):
            _put(ref, FRAMES, "IS", item.frames or None)
            _put(ref, SEGMENTS, "US", item.segments or None)
        if isinstance(item, Waveform):
            _put(ref, CHANNELS, "US", item.channels or None)
        _put(ds, REFERENCED_SOP, "SQ", [ref])
    elif isinstance(item, (Scoord, Scoord3D)):
        _put(ds, GRAPHIC_DATA, "FL", item.data or None)
        _put(ds, GRAPHIC_TYPE, "CS", item.graphic_type)
        if isinstance(item, Scoord):
            _put(ds, PIXEL_ORIGIN, "CS", item.pixel_origin or None)
        else:
            _put(ds, FRAME_OF_REFERENCE, "UI", item.frame_of_reference_uid)
    elif isinstance(item, Tcoord):
        _put(ds, RANGE_TYPE, "CS", item.range_type)
        _put(ds, SAMPLE_POSITIONS, "UL", item.sample_positions or None)
        _put(ds, TIME_OFFSETS, "DS", [_ds_number(x) for x in item.time_offsets] or None)
        _put(ds, REF_DATETIMES, "DT", item.datetimes or None)


def write_item(item: ContentItem, *, root: bool = False) -> Dataset:
    """The data set of ``item`` and its subtree (see the module docstring)."""
    ds = item.source.copy() if item.source is not None else Dataset()
    if item.read_state is None or item.read_state != item.value_state():
        if not root:
            _put(ds, RELATIONSHIP, "CS", item.relationship or None)
        if isinstance(item, ReferenceItem):
            _put(ds, REFERENCED_ITEM, "UL", item.target)
        elif not isinstance(item, UnknownItem):
            _put(ds, VALUE_TYPE, "CS", item.value_type)
            _put_code(ds, CONCEPT_NAME, item.concept_name)
            _write_value(item, ds)
        _put(ds, OBSERVATION_UID, "UI", item.observation_uid or None)
        if item.template:
            t = Dataset()
            t[MAPPING_RESOURCE] = DataElement(MAPPING_RESOURCE, "CS", "DCMR")
            t[TEMPLATE_ID] = DataElement(TEMPLATE_ID, "CS", item.template)
            ds[TEMPLATE_SEQUENCE] = DataElement(TEMPLATE_SEQUENCE, "SQ", [t])
        elif TEMPLATE_SEQUENCE in ds:
            del ds[TEMPLATE_SEQUENCE]
    children = [write_item(c) for c in item.children]
    if children or (CONTENT_SEQUENCE in ds and item.source is not None):
        original = item.source.get(CONTENT_SEQUENCE) if item.source is not None else None
        if original is not None and _same_items(original.value, children):
            ds[CONTENT_SEQUENCE] = original.copy()
        else:
            ds[CONTENT_SEQUENCE] = DataElement(CONTENT_SEQUENCE, "SQ", children)
    elif CONTENT_SEQUENCE in ds:
        del ds[CONTENT_SEQUENCE]
    return ds


def _same_items(a: list[Dataset], b: list[Dataset]) -> bool:
    return len(a) == len(b) and all(x == y for x, y in zip(a, b))


def write_tree(root: ContentItem, dataset: Dataset | None = None) -> Dataset:
    """The document data set with ``root``'s tree: ``dataset`` (or the one the tree was read
    from, or an empty one) with the root content item elements set."""
    if dataset is not None and root.source is None:
        root.source = dataset
    return write_item(root, root=True)
