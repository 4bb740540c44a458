"""The base of generated template classes (TIDs) and their conversion to content items.

A generated template class is an attrs class whose fields are the template's top-level rows;
a row with children is a nested :class:`RowGroup` class whose fields are its children (plus
``concept_name`` when the row's concept is chosen from a CID or given as a parameter, and
``value`` when the row is not a CONTAINER). Each field's metadata holds its :class:`Row`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar, dataclass_transform

import attrs

from dicomgen.core.errors import InvalidValueError

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
    Scoord,
    Scoord3D,
    Tcoord,
    Text,
    TimeItem,
    UIDRef,
    Waveform,
)


@attrs.frozen
class Row:
    """One row of a template as the generator read it (see ``TemplateRow`` of the IR)."""

    tid: str
    index: int
    row: int | None
    relationship: str = ""
    value_type: str = ""
    concept: Code | None = None
    concept_cid: str = ""
    vm_min: int = 1
    vm_max: int | None = 1
    requirement: str = "M"
    value_cid: str = ""
    value_strength: str = ""
    value_code: Code | None = None
    units_cid: str = ""
    units_code: Code | None = None
    include: str = ""
    by_reference: bool = False
    children: tuple[Row, ...] = ()
    parent: int = -1
    """The index of the parent row, -1 for a top-level row."""

    def cite(self) -> str:
        where = f"row {self.row}" if self.row is not None else f"row #{self.index + 1}"
        return f"TID {self.tid} {where}"

    def label(self) -> str:
        if self.include:
            return f"INCLUDE TID {self.include}"
        concept = (
            str(self.concept)
            if self.concept
            else (f"CID {self.concept_cid}" if self.concept_cid else "(no concept)")
        )
        return f"{self.relationship or '(root)'} {self.value_type} {concept}"


def _cid(ref: str, what: str) -> tuple[str, str]:
    """(CID, strength) of ``"DCID 603"`` / ``"BCID 244"`` / ``"ECID 7"`` / ``"CID 12"``."""
    kind, _, cid = ref.partition(" ")
    if kind not in ("BCID", "DCID", "ECID", "CID") or not cid:
        raise InvalidValueError(f"template row {what}: {ref!r} is not 'BCID|DCID|ECID|CID n'")
    return cid, kind[:-3]


def row(
    parent: int,
    number: int | None,
    relationship: str,
    value_type: str,
    concept: Code | str | None = None,
    requirement: str = "M",
    *,
    vm: str = "1",
    value_set: Code | str | None = None,
    units: Code | str | None = None,
    include: str = "",
    by_reference: bool = False,
    concept_cid: str = "",
) -> Row:
    """A template row written as PS3.16 writes it: the parent row's index (-1 at the top),
    the row number, relationship, value type, concept (a code or ``"DCID n"``), requirement
    type, VM (``"1"``, ``"1-n"``...), value set and units (a code or ``"DCID n"``);
    ``concept_cid`` for a row that gives both a concept code and a CID.
    :func:`template_rows` gives it its TID, index and children."""
    lo, _, hi = vm.partition("-")
    concept_cid = _cid(concept, "concept")[0] if isinstance(concept, str) else concept_cid
    value_cid, strength = _cid(value_set, "value set") if isinstance(value_set, str) else ("", "")
    return Row(
        "",
        -1,
        number,
        relationship,
        value_type,
        concept if isinstance(concept, Code) else None,
        concept_cid,
        int(lo),
        (None if hi == "n" else int(hi)) if hi else int(lo),
        requirement,
        value_cid,
        strength,
        value_set if isinstance(value_set, Code) else None,
        _cid(units, "units")[0] if isinstance(units, str) else "",
        units if isinstance(units, Code) else None,
        include,
        by_reference,
        parent=parent,
    )


def template_rows(tid: str, *rows: Row) -> tuple[Row, ...]:
    """The rows of TID ``tid`` in table order, each with its TID, index and children (the
    rows whose ``parent`` is its index)."""
    out: list[Row] = [attrs.evolve(r, tid=tid, index=i) for i, r in enumerate(rows)]
    for i in range(len(out) - 1, -1, -1):  # children come after their parent
        kids = tuple(r for r in out[i + 1 :] if r.parent == i)
        if kids:
            out[i] = attrs.evolve(out[i], children=kids)
    return tuple(out)


def top_rows(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    """The top-level rows of :func:`template_rows`' result (the template's ``ROWS``)."""
    return tuple(r for r in rows if r.parent == -1)


@attrs.frozen
class Quantity:
    """A NUM value: the number and its units."""

    value: Decimal | float | int
    units: Code


@attrs.frozen
class Reference:
    """A COMPOSITE / IMAGE / WAVEFORM value: the SOP instance referenced."""

    sop_class_uid: str
    sop_instance_uid: str
    frames: tuple[int, ...] = ()


@attrs.frozen
class Graphic:
    """A SCOORD value (column/row pairs) or, with ``frame_of_reference_uid``, a SCOORD3D one."""

    graphic_type: str
    data: tuple[float, ...]
    frame_of_reference_uid: str | None = None


@attrs.frozen
class TemporalRange:
    """A TCOORD value."""

    range_type: str
    sample_positions: tuple[int, ...] = ()
    time_offsets: tuple[float, ...] = ()


_NO_DEFAULT: Any = attrs.NOTHING


def row_field(row: Row, *, default: Any = _NO_DEFAULT, factory: Any = None) -> Any:
    """The attrs field of a generated row: required unless ``default`` (None) or ``factory``
    (list) is given; its metadata holds the :class:`Row`."""
    meta = {"sr_row": row}
    if factory is not None:
        return attrs.field(factory=factory, metadata=meta, kw_only=True)
    return attrs.field(default=default, metadata=meta, kw_only=True)


_T = TypeVar("_T")


@dataclass_transform(kw_only_default=True, field_specifiers=(attrs.field, row_field))
def sr_class(cls: type[_T]) -> type[_T]:
    """The class decorator of generated templates and rows (attrs, keyword-only)."""
    return attrs.define(kw_only=True)(cls)


class RowGroup:
    """Base of a generated row with children (fields: its child rows)."""

    ROW: ClassVar[Row]


class Template:
    """Base of a generated template class."""

    TID: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    ROOT: ClassVar[bool] = False
    ROWS: ClassVar[tuple[Row, ...]] = ()

    def to_items(self) -> list[ContentItem]:
        """The content items of the template's top-level rows, with their subtrees."""
        items = _items_of(self)
        # Content Template Sequence (PS3.3 C.18.8): a template made of one CONTAINER claims
        # its TID on it
        if len(items) == 1 and isinstance(items[0], Container) and not items[0].template:
            items[0].template = self.TID
        return items

    def to_tree(self) -> ContentItem:
        """The root content item of a root template (TID 1500, 2000...)."""
        items = self.to_items()
        if len(items) != 1:
            raise InvalidValueError(
                f"TID {self.TID} gives {len(items)} top-level content items, not one root"
            )
        items[0].relationship = ""
        items[0].template = self.TID
        return items[0]


def _items_of(obj: Any) -> list[ContentItem]:
    out: list[ContentItem] = []
    for f in attrs.fields(type(obj)):
        row: Row | None = f.metadata.get("sr_row")
        if row is None:
            continue
        value = getattr(obj, f.name)
        for v in value if isinstance(value, list) else [value]:
            if v is None:
                continue
            if isinstance(v, ContentItem):  # an item built by hand where a row allows it
                v.relationship = v.relationship or row.relationship
                out.append(v)
            elif row.include:
                if not isinstance(v, Template):
                    raise InvalidValueError(f"{row.cite()}: {f.name} needs TID {row.include}")
                for item in v.to_items():
                    # a top-level row of the included template without a relationship takes
                    # the INCLUDE row's; PixelMed's extract has none there, then CONTAINS
                    item.relationship = item.relationship or row.relationship or "CONTAINS"
                    out.append(item)
            else:
                out.append(_build(row, v, f.name))
    return out


def _build(row: Row, v: Any, name: str) -> ContentItem:
    concept = row.concept
    value = v
    children: list[ContentItem] = []
    if isinstance(v, RowGroup):
        concept = getattr(v, "concept_name", None) or concept
        value = getattr(v, "value", None)
        children = _items_of(v)
    elif row.concept is None and isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], Code):
        concept, value = v  # (concept name, value) for a row whose concept is a parameter
    item = _item(row, value, name)
    item.concept_name = concept
    item.relationship = row.relationship
    item.children = children + item.children
    return item


def _item(row: Row, v: Any, name: str) -> ContentItem:
    vt = row.value_type
    cls = ITEM_CLASSES.get(vt)
    if cls is None:
        raise InvalidValueError(f"{row.cite()}: value type {vt!r} cannot be built")
    if cls is Container:
        return Container()
    if v is None:
        raise InvalidValueError(f"{row.cite()}: {name} has no value")
    if cls in (Text, UIDRef, PName):
        return cls(str(v))  # type: ignore[call-arg]
    if cls is CodeItem:
        if not isinstance(v, Code):
            raise InvalidValueError(f"{row.cite()}: {name} needs a Code, got {v!r}")
        return CodeItem(v)
    if cls is Num:
        if isinstance(v, Quantity):
            return Num(v.value, v.units)
        if row.units_code is not None and isinstance(v, (int, float, Decimal)):
            return Num(v, row.units_code)
        raise InvalidValueError(f"{row.cite()}: {name} needs a Quantity, got {v!r}")
    if cls in (DateTimeItem, DateItem, TimeItem):
        kinds = {DateTimeItem: datetime.datetime, DateItem: datetime.date, TimeItem: datetime.time}
        if not isinstance(v, kinds[cls]):
            raise InvalidValueError(f"{row.cite()}: {name} needs a {kinds[cls].__name__}")
        return cls(v)  # type: ignore[call-arg]
    if cls in (Composite, Image, Waveform):
        if not isinstance(v, Reference):
            raise InvalidValueError(f"{row.cite()}: {name} needs a Reference, got {v!r}")
        item = cls(v.sop_class_uid, v.sop_instance_uid)  # type: ignore[call-arg]
        if isinstance(item, Image):
            item.frames = list(v.frames)
        return item
    if cls in (Scoord, Scoord3D):
        if not isinstance(v, Graphic):
            raise InvalidValueError(f"{row.cite()}: {name} needs a Graphic, got {v!r}")
        if cls is Scoord3D:
            return Scoord3D(
                v.graphic_type, list(v.data), frame_of_reference_uid=v.frame_of_reference_uid
            )
        return Scoord(v.graphic_type, list(v.data))
    if not isinstance(v, TemporalRange):
        raise InvalidValueError(f"{row.cite()}: {name} needs a TemporalRange, got {v!r}")
    return Tcoord(
        v.range_type,
        sample_positions=list(v.sample_positions),
        time_offsets=list(v.time_offsets),
    )
