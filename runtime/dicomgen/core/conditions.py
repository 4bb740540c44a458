"""Conditions of PS3.3 attributes and modules, as the runtime evaluates them.

PS3.3 Section 5.4 (Type 1C/2C) and PS3.3 Section A.1.3 (module usage "C") state conditions in
English. The generator parses the common forms into a small AST
(``dicomgen_codegen.parse.conditions``); generated classes write that AST as constructor calls
of the classes below (same names, same field names)::

    condition=C.Present(0x00280008)
    condition=C.And((C.Equals(0x00280004, ("RGB",)), C.Absent(0x00281041)))

Anything the generator did not understand is :class:`Unparsed` (the standard's words, kept
verbatim); validation counts those as "not checked" instead of guessing.

:func:`evaluate` decides a condition with three-valued (Kleene) logic against a ``lookup(tag)``
callable that returns the element's value, :data:`ABSENT` or :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import attrs

__all__ = [
    "Present",
    "Absent",
    "HasValue",
    "Equals",
    "NotEquals",
    "And",
    "Or",
    "Not",
    "Unparsed",
    "Condition",
    "ABSENT",
    "UNKNOWN",
    "evaluate",
    "is_parsed",
    "tags_of",
    "describe",
]


@attrs.frozen
class Present:
    """The attribute is present in the data set (possibly with an empty value)."""

    tag: int
    name: str = ""


@attrs.frozen
class Absent:
    """The attribute is not present in the data set."""

    tag: int
    name: str = ""


@attrs.frozen
class HasValue:
    """The attribute is present and its value is not empty."""

    tag: int
    name: str = ""


@attrs.frozen
class Equals:
    """The attribute's value (or its value number ``index``, 1-based) is one of ``values``."""

    tag: int
    values: tuple[str, ...] = attrs.field(converter=tuple)
    index: int | None = None
    name: str = ""


@attrs.frozen
class NotEquals:
    """The attribute is present and its value (number ``index``) is none of ``values``."""

    tag: int
    values: tuple[str, ...] = attrs.field(converter=tuple)
    index: int | None = None
    name: str = ""


@attrs.frozen
class And:
    """Every item holds."""

    items: tuple[Condition, ...] = attrs.field(converter=tuple)


@attrs.frozen
class Or:
    """At least one item holds."""

    items: tuple[Condition, ...] = attrs.field(converter=tuple)


@attrs.frozen
class Not:
    """The item does not hold."""

    item: Condition


@attrs.frozen
class Unparsed:
    """A condition in words the generator did not understand (e.g. "if contrast was used")."""

    text: str


Condition = Union[Present, Absent, HasValue, Equals, NotEquals, And, Or, Not, Unparsed]


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
    if isinstance(cond, Not):
        return is_parsed(cond.item)
    return True


def tags_of(cond: Condition | None) -> tuple[int, ...]:
    """The tags a condition refers to, in order of first mention."""
    out: list[int] = []

    def walk(c: Condition | None) -> None:
        if isinstance(c, (And, Or)):
            for x in c.items:
                walk(x)
        elif isinstance(c, Not):
            walk(c.item)
        elif c is not None and not isinstance(c, Unparsed):
            if c.tag not in out:
                out.append(c.tag)

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
    what = _tag(cond.tag, cond.name)
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
    if not isinstance(cond, (Present, Absent, HasValue, Equals, NotEquals)):
        raise TypeError(f"not a condition: {cond!r}")
    try:
        value = lookup(cond.tag)
    except LookupError:
        value = ABSENT
    if value is UNKNOWN:
        return None
    present = value is not ABSENT
    if isinstance(cond, Present):
        return present
    if isinstance(cond, Absent):
        return not present
    if isinstance(cond, HasValue):
        return present and bool(_as_values(value))
    if isinstance(cond, Equals):
        return present and _matches(value, cond.values, cond.index)
    return present and bool(_as_values(value)) and not _matches(value, cond.values, cond.index)
