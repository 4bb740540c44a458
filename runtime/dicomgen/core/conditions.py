"""Conditions of PS3.3 attributes and modules, as the runtime evaluates them.

PS3.3 Section 5.4 (Type 1C/2C) and PS3.3 Section A.1.3 (module usage "C") state conditions in
English. The generator parses the common forms into a small AST
(``dicomgen_codegen.parse.conditions``); generated classes write that AST as constructor calls
of the classes below (same names, same field names)::

    condition=C.Present(0x00280008)
    condition=C.And((C.Equals(0x00280004, ("RGB",)), C.Absent(0x00281041)))

Beyond presence and value tests there are numeric comparisons (:class:`Compare`), tests of an
AT attribute's target (:class:`PointsTo`: "Frame Increment Pointer points to Frame Time"), of
a code sequence's codes (:class:`HasCode`) and of the items of a sequence (:class:`AnyItem`,
evaluated on each item's own elements only).

Anything the generator did not understand is :class:`Unparsed` (the standard's words, kept
verbatim); validation counts those as "not checked" instead of guessing.

:func:`evaluate` decides a condition with three-valued (Kleene) logic against a ``lookup(tag)``
callable that returns the element's value, :data:`ABSENT` or :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Union

from .errors import DicomError

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
    "PointsTo",
    "HasCode",
    "AnyItem",
    "FrameLevel",
    "Unparsed",
    "Condition",
    "ABSENT",
    "UNKNOWN",
    "evaluate",
    "is_parsed",
    "tags_of",
    "describe",
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


class FrameLevel(_Node):
    """``item`` is about the current frame ("Frame Type (0008,9007) Value 1 of this frame"):
    its operands may sit in another functional group macro of the frame, so an operand the
    lookup does not find makes the result unknown instead of "absent"."""

    __slots__ = ("item",)
    _fields = ("item",)
    item: Condition

    def __init__(self, item: Condition) -> None:
        _set(self, "item", item)


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
    PointsTo,
    HasCode,
    AnyItem,
    FrameLevel,
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


def is_parsed(cond: Condition | None) -> bool:
    """True when the condition (and every part of it) was understood."""
    if cond is None or isinstance(cond, Unparsed):
        return False
    if isinstance(cond, (And, Or)):
        return all(is_parsed(c) for c in cond.items)
    if isinstance(cond, (Not, AnyItem, FrameLevel)):
        return is_parsed(cond.item)
    return True


def tags_of(cond: Condition | None) -> tuple[int, ...]:
    """The tags a condition refers to, in order of first mention."""
    out: list[int] = []

    def walk(c: Condition | None) -> None:
        if isinstance(c, (And, Or)):
            for x in c.items:
                walk(x)
        elif isinstance(c, (Not, FrameLevel)):
            walk(c.item)
        elif c is not None and not isinstance(c, Unparsed):
            if c.tag not in out:
                out.append(c.tag)
            if isinstance(c, AnyItem):
                walk(c.item)

    walk(cond)
    return tuple(out)


def _tag(tag: int, name: str) -> str:
    t = f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
    return f"{name} {t}" if name else t


def describe(cond: Condition | None) -> str:
    """A short English rendering of a condition (for findings and docs)."""
    if cond is None:
        return "always"
    if isinstance(cond, Unparsed):
        return cond.text
    if isinstance(cond, And):
        return " and ".join(f"({describe(c)})" for c in cond.items)
    if isinstance(cond, Or):
        return " or ".join(f"({describe(c)})" for c in cond.items)
    if isinstance(cond, Not):
        return f"not ({describe(cond.item)})"
    if isinstance(cond, FrameLevel):
        return f"({describe(cond.item)}) in this frame"
    what = _tag(cond.tag, cond.name)
    if isinstance(cond, Compare):
        which = f" value {cond.index}" if cond.index else ""
        return f"{what}{which} {cond.op} {_num(cond.number)}"
    if isinstance(cond, PointsTo):
        return f"{what} points to {' or '.join(_tag(t, '') for t in cond.targets)}"
    if isinstance(cond, HasCode):
        codes = " or ".join(f"({v}, {s})" for v, s in cond.codes)
        return f"{what} has an item coded {codes}"
    if isinstance(cond, AnyItem):
        return f"an item of {what} has ({describe(cond.item)})"
    if isinstance(cond, Present):
        return f"{what} is present"
    if isinstance(cond, Absent):
        return f"{what} is absent"
    if isinstance(cond, HasValue):
        return f"{what} has a value"
    which = f" value {cond.index}" if cond.index else ""
    if isinstance(cond, Equals):
        return f"{what}{which} is one of {', '.join(cond.values)}"
    return f"{what}{which} is none of {', '.join(cond.values)}"


def _as_values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (str, bytes)):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        return text.split("\\") if text != "" else []
    return [value]


def _norm(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip().strip("\0").strip()


def _matches(value: Any, values: tuple[str, ...], index: int | None) -> bool:
    items = _as_values(value)
    want = {_norm(x) for x in values}
    if index is not None:
        if index < 1 or index > len(items):
            return False
        return _norm(items[index - 1]) in want
    return any(_norm(x) in want for x in items)


def evaluate(cond: Condition | None, lookup: Callable[[int], Any]) -> bool | None:
    """Decide ``cond`` (True, False, or None = cannot tell), PS3.3 5.4.

    ``lookup(tag)`` returns the element's value (a value, a list/tuple of values, a list of
    items for a sequence, None or "" for an empty value), :data:`ABSENT` when the element is
    not there, or :data:`UNKNOWN`. A multi-valued value without ``index`` equals a term when
    any of its values does. ``None`` is returned for :class:`Unparsed` and whenever an
    undecidable part decides the result. A ``LookupError`` from ``lookup`` counts as ABSENT.
    ``cond=None`` (no condition) is True.
    """
    if cond is None:
        return True
    if isinstance(cond, Unparsed):
        return None
    if isinstance(cond, And):
        results = [evaluate(c, lookup) for c in cond.items]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if isinstance(cond, Or):
        results = [evaluate(c, lookup) for c in cond.items]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if isinstance(cond, Not):
        r = evaluate(cond.item, lookup)
        return None if r is None else not r
    if isinstance(cond, FrameLevel):
        return evaluate(cond.item, _unknown_when_absent(lookup))
    if not isinstance(cond, _LEAVES):
        raise TypeError(f"not a condition: {cond!r}")
    try:
        value = lookup(cond.tag)
    except LookupError:
        value = ABSENT
    if value is UNKNOWN:
        return None
    present = value is not ABSENT
    if isinstance(cond, (Compare, PointsTo, HasCode, AnyItem)):
        return _evaluate_more(cond, value) if present else False
    if isinstance(cond, Present):
        return present
    if isinstance(cond, Absent):
        return not present
    if isinstance(cond, HasValue):
        return present and bool(_as_values(value))
    if isinstance(cond, Equals):
        return present and _matches(value, cond.values, cond.index)
    return present and bool(_as_values(value)) and not _matches(value, cond.values, cond.index)


_LEAVES = (Present, Absent, HasValue, Equals, NotEquals, Compare, PointsTo, HasCode, AnyItem)

CODE_VALUE, CODING_SCHEME_DESIGNATOR = 0x00080100, 0x00080102
LONG_CODE_VALUE, URN_CODE_VALUE = 0x00080119, 0x00080120
# Coding schemes that name the same concepts under other code values (SNOMED as "SRT"/"SNM3"
# before "SCT"): an item in one of these cannot be compared with a code of the other.
_SCHEME_ALIASES = {"SCT": ("SRT", "SNM3", "99SDM"), "SRT": ("SCT",), "SNM3": ("SCT",)}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(_norm(v))
    except (TypeError, ValueError):
        return None


def _compare(a: float, op: str, b: float) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    return a != b


def _items(value: Any) -> list[Any] | None:
    """The items of a sequence value (None when the value is not a sequence)."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)) and all(not isinstance(i, (str, bytes)) for i in value):
        return list(value)
    return None


def _item_lookup(item: Any) -> Callable[[int], Any]:
    """``lookup`` over one sequence item's own elements (a Dataset or a ``{tag: value}``)."""
    get = getattr(item, "get_value", None)

    def lookup(tag: int) -> Any:
        try:
            if get is not None:
                return get(tag, ABSENT)
            if isinstance(item, dict):
                return item.get(tag, ABSENT)
        except DicomError:  # an element that cannot be decoded: cannot tell
            return UNKNOWN
        return UNKNOWN

    return lookup


def _text(value: Any) -> str | None:
    if value is ABSENT or value is UNKNOWN:
        return None
    items = _as_values(value)
    return _norm(items[0]) if items else None


def _evaluate_more(cond: Compare | PointsTo | HasCode | AnyItem, value: Any) -> bool | None:
    """The value tests beyond presence and equality, on a present element's ``value``."""
    if isinstance(cond, Compare):
        values = _as_values(value)
        if cond.index is not None:
            if cond.index < 1 or cond.index > len(values):
                return False
            values = [values[cond.index - 1]]
        numbers = [_number(v) for v in values]
        if any(n is None for n in numbers):
            return None  # not a number: the comparison cannot be decided
        return any(_compare(n, cond.op, cond.number) for n in numbers if n is not None)
    if isinstance(cond, PointsTo):
        tags = []
        for v in _as_values(value):
            if isinstance(v, int):
                tags.append(v)
            else:
                text = _norm(v).strip("()").replace(",", "")
                try:
                    tags.append(int(text, 16))
                except ValueError:
                    return None
        return any(t in cond.targets for t in tags)
    items = _items(value)
    if items is None:
        return None
    if isinstance(cond, AnyItem):
        results = [evaluate(cond.item, _item_lookup(i)) for i in items]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    unsure = False
    for item in items:
        look = _item_lookup(item)
        scheme = _text(look(CODING_SCHEME_DESIGNATOR))
        code = None
        for tag in (CODE_VALUE, LONG_CODE_VALUE, URN_CODE_VALUE):
            code = _text(look(tag))
            if code is not None:
                break
        if code is None or scheme is None:
            unsure = True
            continue
        for want_value, want_scheme in cond.codes:
            if (code, scheme) == (want_value, want_scheme):
                return True
            if scheme in _SCHEME_ALIASES.get(want_scheme, ()):
                unsure = True
    return None if unsure else False


def _unknown_when_absent(lookup: Callable[[int], Any]) -> Callable[[int], Any]:
    def frame_lookup(tag: int) -> Any:
        try:
            value = lookup(tag)
        except LookupError:
            value = ABSENT
        return UNKNOWN if value is ABSENT else value

    return frame_lookup
