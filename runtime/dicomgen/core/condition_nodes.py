"""The condition nodes (the AST generated code writes) and the lookup sentinels.

:mod:`dicomgen.core.conditions` is the public module: it re-exports these classes and holds
:func:`~dicomgen.core.conditions.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Union

__all__ = [
    "Present",
    "Absent",
    "HasValue",
    "Equals",
    "NotEquals",
    "And",
    "Or",
    "Not",
    "Compare",
    "Count",
    "PointsTo",
    "HasCode",
    "AnyItem",
    "InItem",
    "FrameLevel",
    "FirstItem",
    "LastItem",
    "Varies",
    "PointsToPrivate",
    "Unparsed",
    "Condition",
    "ABSENT",
    "UNKNOWN",
]


class _Node:
    """Base of the condition nodes: immutable, compared and hashed by their fields.

    Plain slotted classes rather than attrs classes: every generated module that has a
    condition imports this one, and building nine attrs classes costs more import time than
    the whole module otherwise needs.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())


_set = object.__setattr__


class _TagNode(_Node):
    __slots__ = ("tag", "name")
    _fields = ("tag", "name")

    def __init__(self, tag: int, name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "name", name)


class Present(_TagNode):
    """The attribute is present in the data set (possibly with an empty value)."""

    __slots__ = ()
    tag: int
    name: str


class Absent(_TagNode):
    """The attribute is not present in the data set."""

    __slots__ = ()
    tag: int
    name: str


class HasValue(_TagNode):
    """The attribute is present and its value is not empty."""

    __slots__ = ()
    tag: int
    name: str


class _ValuesNode(_Node):
    __slots__ = ("tag", "values", "index", "name")
    _fields = ("tag", "values", "index", "name")

    def __init__(
        self, tag: int, values: Iterable[str] = (), index: int | None = None, name: str = ""
    ) -> None:
        _set(self, "tag", tag)
        _set(self, "values", tuple(values))
        _set(self, "index", index)
        _set(self, "name", name)


class Equals(_ValuesNode):
    """The attribute's value (or its value number ``index``, 1-based) is one of ``values``."""

    __slots__ = ()
    tag: int
    values: tuple[str, ...]
    index: int | None
    name: str


class NotEquals(_ValuesNode):
    """The attribute is present and its value (number ``index``) is none of ``values``."""

    __slots__ = ()
    tag: int
    values: tuple[str, ...]
    index: int | None
    name: str


class _ItemsNode(_Node):
    __slots__ = ("items",)
    _fields = ("items",)

    def __init__(self, items: Iterable[Condition]) -> None:
        _set(self, "items", tuple(items))


class And(_ItemsNode):
    """Every item holds."""

    __slots__ = ()
    items: tuple[Condition, ...]


class Or(_ItemsNode):
    """At least one item holds."""

    __slots__ = ()
    items: tuple[Condition, ...]


class Not(_Node):
    """The item does not hold."""

    __slots__ = ("item",)
    _fields = ("item",)
    item: Condition

    def __init__(self, item: Condition) -> None:
        _set(self, "item", item)


_OPS = ("<", "<=", ">", ">=", "==", "!=")


class Compare(_Node):
    """The attribute's value (number ``index``, or any value when None) compared with a number:
    ``op`` is one of ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=`` ("greater than 1",
    "non-zero")."""

    __slots__ = ("tag", "op", "number", "index", "name")
    _fields = ("tag", "op", "number", "index", "name")
    tag: int
    op: str
    number: float
    index: int | None
    name: str

    def __init__(
        self, tag: int, op: str, number: float, index: int | None = None, name: str = ""
    ) -> None:
        if op not in _OPS:
            raise ValueError(f"Compare: unknown operator {op!r} (one of {', '.join(_OPS)})")
        _set(self, "tag", tag)
        _set(self, "op", op)
        _set(self, "number", number)
        _set(self, "index", index)
        _set(self, "name", name)


class Count(_Node):
    """The number of values of the attribute (the number of items of a sequence) compared with a
    number: "the number of Items in X Sequence (..) is greater than 1", "X (..) is
    multi-valued". An absent attribute or an empty value has none."""

    __slots__ = ("tag", "op", "number", "name")
    _fields = ("tag", "op", "number", "name")
    tag: int
    op: str
    number: int
    name: str

    def __init__(self, tag: int, op: str, number: int, name: str = "") -> None:
        if op not in _OPS:
            raise ValueError(f"Count: unknown operator {op!r} (one of {', '.join(_OPS)})")
        _set(self, "tag", tag)
        _set(self, "op", op)
        _set(self, "number", number)
        _set(self, "name", name)


class PointsTo(_Node):
    """An attribute whose values are tags (VR AT) holds one of ``targets`` ("Frame Increment
    Pointer (0028,0009) points to Frame Time (0018,1063)")."""

    __slots__ = ("tag", "targets", "name")
    _fields = ("tag", "targets", "name")
    tag: int
    targets: tuple[int, ...]
    name: str

    def __init__(self, tag: int, targets: Iterable[int], name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "targets", tuple(targets))
        _set(self, "name", name)


class HasCode(_Node):
    """A code sequence has an item whose Code Value and Coding Scheme Designator are one of
    ``codes`` (``(value, scheme)`` pairs): "contains an Item with the value (111782, DCM, ...)"."""

    __slots__ = ("tag", "codes", "name")
    _fields = ("tag", "codes", "name")
    tag: int
    codes: tuple[tuple[str, str], ...]
    name: str

    def __init__(self, tag: int, codes: Iterable[Iterable[str]], name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "codes", tuple((str(v), str(s)) for v, s in codes))
        _set(self, "name", name)


class AnyItem(_Node):
    """Some item of the sequence ``tag`` satisfies ``item`` (decided on that item's elements):
    "... is CONTINUATION in any of the Items in the Brachy Task Sequence (0074,1401)"."""

    __slots__ = ("tag", "item", "name")
    _fields = ("tag", "item", "name")
    tag: int
    item: Condition
    name: str

    def __init__(self, tag: int, item: Condition, name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "item", item)
        _set(self, "name", name)


class InItem(_Node):
    """``item`` holds in the item of the sequence ``tag`` that contains the data set checked (the
    data set itself when it is such an item), decided on that item's own elements: "Recommended
    Display CIELab Value (0062,000D) is not present in the containing Track Set Sequence
    (0066,0101) Item"."""

    __slots__ = ("tag", "item", "name")
    _fields = ("tag", "item", "name")
    tag: int
    item: Condition
    name: str

    def __init__(self, tag: int, item: Condition, name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "item", item)
        _set(self, "name", name)


class FrameLevel(_Node):
    """``item`` is about the current frame ("Frame Type (0008,9007) Value 1 of this frame"):
    its operands may sit in another functional group macro of the frame, so an operand the
    lookup does not find makes the result unknown instead of "absent"."""

    __slots__ = ("item",)
    _fields = ("item",)
    item: Condition

    def __init__(self, item: Condition) -> None:
        _set(self, "item", item)


class PointsToPrivate(_TagNode):
    """An attribute whose values are tags (VR AT) holds the tag of a Private Attribute (odd
    group, PS3.5 7.8): "Selector Attribute (0072,0026) value is the Data Element Tag of a
    Private Attribute"."""

    __slots__ = ()
    tag: int
    name: str


class _ItemPosition(_Node):
    """The position of the item being checked (or of the item that contains it) in the
    sequence ``tag``."""

    __slots__ = ("tag", "name")
    _fields = ("tag", "name")
    tag: int
    name: str

    def __init__(self, tag: int, name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "name", name)


class FirstItem(_ItemPosition):
    """The item being checked (or the item that contains it) is the first item of the sequence
    ``tag``: "Required for first Item of Control Point Sequence"."""

    __slots__ = ()


class LastItem(_ItemPosition):
    """The item being checked (or the item that contains it) is the last item of the sequence
    ``tag``: "Required for all but the last Item in this Sequence"."""

    __slots__ = ()


class Varies(_Node):
    """The attribute ``tag`` does not have one value in all the items of the sequence
    ``sequence`` that hold it (in the item or nested in it): "if Gantry Angle changes during
    Beam" (PS3.3 C.8.8.14.5: a parameter that changes at any control point is specified at all
    of them)."""

    __slots__ = ("tag", "sequence", "name")
    _fields = ("tag", "sequence", "name")
    tag: int
    sequence: int
    name: str

    def __init__(self, tag: int, sequence: int, name: str = "") -> None:
        _set(self, "tag", tag)
        _set(self, "sequence", sequence)
        _set(self, "name", name)


class Unparsed(_Node):
    """A condition in words the generator did not understand (e.g. "if contrast was used")."""

    __slots__ = ("text",)
    _fields = ("text",)
    text: str

    def __init__(self, text: str) -> None:
        _set(self, "text", text)


Condition = Union[
    Present,
    Absent,
    HasValue,
    Equals,
    NotEquals,
    Compare,
    Count,
    PointsTo,
    HasCode,
    AnyItem,
    InItem,
    FrameLevel,
    FirstItem,
    LastItem,
    Varies,
    PointsToPrivate,
    And,
    Or,
    Not,
    Unparsed,
]


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


ABSENT: Any = _Sentinel("ABSENT")
"""``lookup`` returns this for an attribute that is not in the data set."""
UNKNOWN: Any = _Sentinel("UNKNOWN")
"""``lookup`` returns this when it cannot tell."""
