"""Typed SR content items, one class per value type (PS3.3 C.17.3, Table C.17-6).

Every item has a relationship type (with its parent; none at the root), a concept name,
children and, for an item read from a data set, the item's elements it was read from, so that
writing it back changes nothing that was not changed (see :mod:`.tree_io`). An item added
by reference (``ReferencedContentItemIdentifier``) is a :class:`ReferenceItem`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from .codes import Code

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset


@attrs.define(eq=False)
class ContentItem:
    """Base of the typed content items; ``value_type`` is the Value Type (0040,A040)."""

    value_type: ClassVar[str] = ""

    concept_name: Code | None = attrs.field(default=None, kw_only=True)
    relationship: str = attrs.field(default="", kw_only=True)
    children: list[ContentItem] = attrs.field(factory=list, kw_only=True)
    template: str = attrs.field(default="", kw_only=True)
    """The Template Identifier (0040,DB00) this item claims (DCMR), "" if none."""
    observation_uid: str = attrs.field(default="", kw_only=True)
    source: Dataset | None = attrs.field(default=None, kw_only=True, repr=False)
    """The item data set this item was read from (kept for a lossless write)."""
    read_state: tuple[Any, ...] | None = attrs.field(default=None, kw_only=True, repr=False)

    def value_state(self) -> tuple[Any, ...]:
        """The typed value fields (not children), compared to decide whether to re-encode."""
        names = [f.name for f in attrs.fields(type(self)) if f.name not in _COMMON]
        return (
            self.concept_name,
            self.relationship,
            self.template,
            self.observation_uid,
            *(_freeze(getattr(self, n)) for n in names),
        )

    def value_text(self) -> str:
        """The value as one line (as ``dicomgen sr dump`` prints it)."""
        return ""

    def add(self, relationship: str, item: ContentItem) -> ContentItem:
        """Append ``item`` as a child with ``relationship``; returns ``item``."""
        item.relationship = relationship
        self.children.append(item)
        return item

    def walk(self, _path: tuple[int, ...] = (1,)) -> Any:
        """(position path such as (1, 2, 1), item) for this item and every descendant."""
        yield _path, self
        for i, child in enumerate(self.children, 1):
            yield from child.walk((*_path, i))


_COMMON = {
    "concept_name",
    "relationship",
    "children",
    "template",
    "observation_uid",
    "source",
    "read_state",
}


def _freeze(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    if attrs.has(type(v)):
        return tuple(_freeze(getattr(v, f.name)) for f in attrs.fields(type(v)))
    return v


@attrs.define(eq=False)
class Container(ContentItem):
    value_type: ClassVar[str] = "CONTAINER"
    continuity: str = attrs.field(default="SEPARATE", kw_only=True)  # or "CONTINUOUS"


@attrs.define(eq=False)
class Text(ContentItem):
    value_type: ClassVar[str] = "TEXT"
    value: str | None = None

    def value_text(self) -> str:
        return "" if self.value is None else repr(self.value)


@attrs.define(eq=False)
class CodeItem(ContentItem):
    value_type: ClassVar[str] = "CODE"
    value: Code | None = None

    def value_text(self) -> str:
        return "" if self.value is None else str(self.value)


@attrs.define(eq=False)
class Num(ContentItem):
    """A NUM item; ``value`` None means no Measured Value Sequence item (the value is
    absent, optionally with ``qualifier`` saying why)."""

    value_type: ClassVar[str] = "NUM"
    value: Decimal | float | int | None = None
    units: Code | None = None
    qualifier: Code | None = attrs.field(default=None, kw_only=True)
    floating_point: float | None = attrs.field(default=None, kw_only=True)

    def value_text(self) -> str:
        if self.value is None:
            return f"(no value{', ' + str(self.qualifier) if self.qualifier else ''})"
        units = f" {self.units}" if self.units is not None else ""
        return f'"{self.value}"{units}'


@attrs.define(eq=False)
class DateTimeItem(ContentItem):
    value_type: ClassVar[str] = "DATETIME"
    value: datetime.datetime | str | None = None

    def value_text(self) -> str:
        return "" if self.value is None else str(self.value)


@attrs.define(eq=False)
class DateItem(ContentItem):
    value_type: ClassVar[str] = "DATE"
    value: datetime.date | str | None = None

    def value_text(self) -> str:
        return "" if self.value is None else str(self.value)


@attrs.define(eq=False)
class TimeItem(ContentItem):
    value_type: ClassVar[str] = "TIME"
    value: datetime.time | str | None = None

    def value_text(self) -> str:
        return "" if self.value is None else str(self.value)


@attrs.define(eq=False)
class UIDRef(ContentItem):
    value_type: ClassVar[str] = "UIDREF"
    value: str | None = None

    def value_text(self) -> str:
        return "" if self.value is None else self.value


@attrs.define(eq=False)
class PName(ContentItem):
    value_type: ClassVar[str] = "PNAME"
    value: str | None = None

    def value_text(self) -> str:
        return "" if self.value is None else repr(str(self.value))


@attrs.define(eq=False)
class Composite(ContentItem):
    value_type: ClassVar[str] = "COMPOSITE"
    sop_class_uid: str | None = None
    sop_instance_uid: str | None = None

    def value_text(self) -> str:
        return f"{self.sop_class_uid or '?'} {self.sop_instance_uid or '?'}"


@attrs.define(eq=False)
class Image(Composite):
    value_type: ClassVar[str] = "IMAGE"
    frames: list[int] = attrs.field(factory=list, kw_only=True)
    segments: list[int] = attrs.field(factory=list, kw_only=True)

    def value_text(self) -> str:
        frames = f" frames {self.frames}" if self.frames else ""
        return super().value_text() + frames


@attrs.define(eq=False)
class Waveform(Composite):
    value_type: ClassVar[str] = "WAVEFORM"
    channels: list[int] = attrs.field(factory=list, kw_only=True)


@attrs.define(eq=False)
class Scoord(ContentItem):
    """Spatial coordinates in an image: column/row pairs; its SELECTED FROM child names
    the image."""

    value_type: ClassVar[str] = "SCOORD"
    graphic_type: str | None = None
    data: list[float] = attrs.field(factory=list)
    pixel_origin: str = attrs.field(default="", kw_only=True)

    def value_text(self) -> str:
        return f"{self.graphic_type} {self.data}"


@attrs.define(eq=False)
class Scoord3D(ContentItem):
    value_type: ClassVar[str] = "SCOORD3D"
    graphic_type: str | None = None
    data: list[float] = attrs.field(factory=list)
    frame_of_reference_uid: str | None = attrs.field(default=None, kw_only=True)

    def value_text(self) -> str:
        return f"{self.graphic_type} {self.data} FoR {self.frame_of_reference_uid}"


@attrs.define(eq=False)
class Tcoord(ContentItem):
    value_type: ClassVar[str] = "TCOORD"
    range_type: str | None = None
    sample_positions: list[int] = attrs.field(factory=list, kw_only=True)
    time_offsets: list[float] = attrs.field(factory=list, kw_only=True)
    datetimes: list[str] = attrs.field(factory=list, kw_only=True)

    def value_text(self) -> str:
        vals = self.sample_positions or self.time_offsets or self.datetimes
        return f"{self.range_type} {vals}"


@attrs.define(eq=False)
class ReferenceItem(ContentItem):
    """A by-reference relationship: ``target`` is the position path of the referenced item
    (Referenced Content Item Identifier (0040,DB73), e.g. [1, 2, 1])."""

    value_type: ClassVar[str] = ""
    target: list[int] = attrs.field(factory=list)

    def value_text(self) -> str:
        return "-> " + ".".join(map(str, self.target))


@attrs.define(eq=False)
class UnknownItem(ContentItem):
    """An item whose Value Type is not one of PS3.3's (kept, written back as read)."""

    value_type_text: str = ""

    def value_text(self) -> str:
        return f"(value type {self.value_type_text!r})"


ITEM_CLASSES: dict[str, type[ContentItem]] = {
    c.value_type: c
    for c in (
        Container,
        Text,
        CodeItem,
        Num,
        DateTimeItem,
        DateItem,
        TimeItem,
        UIDRef,
        PName,
        Composite,
        Image,
        Waveform,
        Scoord,
        Scoord3D,
        Tcoord,
    )
}
"""Value Type (0040,A040) -> its content item class."""
