"""Conditions of PS3.3 attributes and modules, as the runtime evaluates them.

PS3.3 Section 5.4 (Type 1C/2C) and PS3.3 Section A.1.3 (module usage "C") state conditions in
English. The generator parses the common forms into a small AST
(``dicomgen_codegen.parse.conditions``); generated classes write that AST as constructor calls
of the classes below (same names, same field names)::

    condition=C.Present(0x00280008)
    condition=C.And((C.Equals(0x00280004, ("RGB",)), C.Absent(0x00281041)))

Beyond presence and value tests there are numeric comparisons (:class:`Compare`; of the number
of values or items, :class:`Count`), tests of an
AT attribute's target (:class:`PointsTo`: "Frame Increment Pointer points to Frame Time"), of
a code sequence's codes (:class:`HasCode`) and of the items of a sequence (:class:`AnyItem`,
evaluated on each item's own elements only; :class:`InItem`, on the enclosing item of a named
sequence); the position of the item checked
(:class:`FirstItem`, :class:`LastItem`, decided when ``lookup`` has a ``chain`` of the item and its enclosing
data sets) and a value that changes along a sequence (:class:`Varies`); :class:`FrameLevel` marks a clause "of this
frame", whose operands not found are unknown rather than absent. The node classes live in
:mod:`.condition_nodes`, the value tests in :mod:`.condition_values`.

Anything the generator did not understand is :class:`Unparsed` (the standard's words, kept
verbatim); validation counts those as "not checked" instead of guessing.

:func:`evaluate` decides a condition with three-valued (Kleene) logic against a ``lookup(tag)``
callable that returns the element's value, :data:`ABSENT` or :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .condition_nodes import (
    ABSENT,
    UNKNOWN,
    Absent,
    And,
    AnyItem,
    Compare,
    Condition,
    Count,
    Equals,
    FirstItem,
    FrameLevel,
    HasCode,
    HasValue,
    InItem,
    LastItem,
    Not,
    NotEquals,
    Or,
    PointsTo,
    PointsToPrivate,
    Present,
    Unparsed,
    Varies,
)
from .condition_values import (
    as_values,
    compare,
    evaluate_more,
    in_item,
    item_position,
    matches,
    unknown_when_absent,
    varies,
)

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
    "evaluate",
    "is_parsed",
    "tags_of",
    "describe",
]


def is_parsed(cond: Condition | None) -> bool:
    """True when the condition (and every part of it) was understood."""
    if cond is None or isinstance(cond, Unparsed):
        return False
    if isinstance(cond, (And, Or)):
        return all(is_parsed(c) for c in cond.items)
    if isinstance(cond, (Not, AnyItem, InItem, FrameLevel)):
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
            if isinstance(c, Varies) and c.sequence not in out:
                out.append(c.sequence)
            if isinstance(c, (AnyItem, InItem)):
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
    if isinstance(cond, FirstItem):
        return f"this is the first item of {what}"
    if isinstance(cond, LastItem):
        return f"this is the last item of {what}"
    if isinstance(cond, Varies):
        return f"{what} changes from item to item of {_tag(cond.sequence, '')}"
    if isinstance(cond, Compare):
        which = f" value {cond.index}" if cond.index else ""
        return f"{what}{which} {cond.op} {_num(cond.number)}"
    if isinstance(cond, Count):
        return f"the number of values or items of {what} {cond.op} {cond.number}"
    if isinstance(cond, PointsToPrivate):
        return f"{what} points to a Private Attribute"
    if isinstance(cond, PointsTo):
        return f"{what} points to {' or '.join(_tag(t, '') for t in cond.targets)}"
    if isinstance(cond, HasCode):
        codes = " or ".join(f"({v}, {s})" for v, s in cond.codes)
        return f"{what} has an item coded {codes}"
    if isinstance(cond, AnyItem):
        return f"an item of {what} has ({describe(cond.item)})"
    if isinstance(cond, InItem):
        return f"({describe(cond.item)}) in the enclosing item of {what}"
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


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_LEAVES = (
    Present,
    Absent,
    HasValue,
    Equals,
    NotEquals,
    Compare,
    Count,
    PointsTo,
    PointsToPrivate,
    HasCode,
    AnyItem,
)


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
        return evaluate(cond.item, unknown_when_absent(lookup))
    if isinstance(cond, (FirstItem, LastItem)):
        return item_position(cond, lookup)
    if isinstance(cond, Varies):
        return varies(cond, lookup)
    if isinstance(cond, InItem):
        return in_item(cond, lookup, evaluate)
    if not isinstance(cond, _LEAVES):
        raise TypeError(f"not a condition: {cond!r}")
    try:
        value = lookup(cond.tag)
    except LookupError:
        value = ABSENT
    if value is UNKNOWN:
        return None
    present = value is not ABSENT
    if isinstance(cond, Count):
        return compare(len(as_values(value)) if present else 0, cond.op, cond.number)
    if isinstance(cond, (Compare, PointsTo, PointsToPrivate, HasCode, AnyItem)):
        return evaluate_more(cond, value, evaluate) if present else False
    if isinstance(cond, Present):
        return present
    if isinstance(cond, Absent):
        return not present
    if isinstance(cond, HasValue):
        return present and bool(as_values(value))
    if isinstance(cond, Equals):
        return present and matches(value, cond.values, cond.index)
    return present and bool(as_values(value)) and not matches(value, cond.values, cond.index)
