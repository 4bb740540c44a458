"""The value tests of condition evaluation: values as lists, equality of terms, numbers,
tags (VR AT), codes of a code sequence, the items of a sequence, an item's position in its
sequence and a value that changes from item to item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .condition_nodes import (
    ABSENT,
    UNKNOWN,
    AnyItem,
    Compare,
    Condition,
    FirstItem,
    HasCode,
    InItem,
    LastItem,
    PointsTo,
    PointsToPrivate,
    Varies,
)
from .errors import DicomError

Evaluate = Callable[[Condition, Callable[[int], Any]], "bool | None"]


def as_values(value: Any) -> list[Any]:
    """A value as the list of its values (a backslash-separated string split; empty = [])."""
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


def matches(value: Any, values: tuple[str, ...], index: int | None) -> bool:
    """Some value (or value number ``index``) of ``value`` is one of the terms ``values``."""
    items = as_values(value)
    want = {_norm(x) for x in values}
    if index is not None:
        if index < 1 or index > len(items):
            return False
        return _norm(items[index - 1]) in want
    return any(_norm(x) in want for x in items)


CODE_VALUE, CODING_SCHEME_DESIGNATOR = 0x00080100, 0x00080102
LONG_CODE_VALUE, URN_CODE_VALUE = 0x00080119, 0x00080120
# Coding schemes that name the same concepts under other code values (SNOMED as "SRT"/"SNM3"
# before "SCT"): an item in one of these cannot be compared with a code of the other.
_SCHEME_ALIASES = {"SCT": ("SRT", "SNM3", "99SDM"), "SRT": ("SCT",), "SNM3": ("SCT",)}


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(_norm(v))
    except (TypeError, ValueError):
        return None


def compare(a: float, op: str, b: float) -> bool:
    """``a op b`` for one of the operators of :class:`Compare`."""
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
    items = as_values(value)
    return _norm(items[0]) if items else None


def _tags(value: Any) -> list[int] | None:
    """The tags of an AT value (ints or "(gggg,eeee)" / "ggggeeee" texts); None if one is not."""
    tags = []
    for v in as_values(value):
        if isinstance(v, int):
            tags.append(v)
        else:
            text = _norm(v).strip("()").replace(",", "")
            try:
                tags.append(int(text, 16))
            except ValueError:
                return None
    return tags


def evaluate_more(
    cond: Compare | PointsTo | PointsToPrivate | HasCode | AnyItem, value: Any, evaluate: Evaluate
) -> bool | None:
    """The value tests beyond presence and equality, on a present element's ``value``."""
    if isinstance(cond, Compare):
        values = as_values(value)
        if cond.index is not None:
            if cond.index < 1 or cond.index > len(values):
                return False
            values = [values[cond.index - 1]]
        numbers = [_number(v) for v in values]
        if any(n is None for n in numbers):
            return None  # not a number: the comparison cannot be decided
        return any(compare(n, cond.op, cond.number) for n in numbers if n is not None)
    if isinstance(cond, (PointsTo, PointsToPrivate)):
        tags = _tags(value)
        if tags is None:
            return None
        if isinstance(cond, PointsToPrivate):
            return any((t >> 16) & 1 for t in tags)
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


def unknown_when_absent(lookup: Callable[[int], Any]) -> Callable[[int], Any]:
    """``lookup`` where an element not found is :data:`UNKNOWN` (operands of another level)."""

    def frame_lookup(tag: int) -> Any:
        try:
            value = lookup(tag)
        except LookupError:
            value = ABSENT
        return UNKNOWN if value is ABSENT else value

    return frame_lookup


def _sequence_items(holder: Any, tag: int) -> list[Any] | None:
    value = _item_lookup(holder)(tag)
    if value is ABSENT or value is UNKNOWN:
        return None
    return _items(value)


def _enclosing(lookup: Callable[[int], Any], tag: int) -> tuple[list[Any], Any] | None:
    """The items of the sequence ``tag`` that holds the data set checked (or a data set
    enclosing it), with the one of them on that path; None when ``lookup`` does not expose
    its ``chain`` of data sets (the item, then the data sets enclosing it) or there is none."""
    chain = getattr(lookup, "chain", None)
    if not chain:
        return None
    for k in range(1, len(chain)):
        items = _sequence_items(chain[k], tag)
        if items is None:
            continue
        inner = chain[k - 1]
        if any(item is inner for item in items):
            return items, inner
    return None


def item_position(cond: FirstItem | LastItem, lookup: Callable[[int], Any]) -> bool | None:
    """Whether the data set checked (or the item enclosing it) is the first (for
    :class:`LastItem`, the last) item of the sequence ``cond.tag``; None when that is not
    known (:func:`_enclosing`)."""
    found = _enclosing(lookup, cond.tag)
    if found is None:
        return None
    items, inner = found
    return items[-1 if isinstance(cond, LastItem) else 0] is inner


def in_item(cond: InItem, lookup: Callable[[int], Any], evaluate: Evaluate) -> bool | None:
    """``cond.item`` decided on the item of ``cond.tag`` that holds the data set checked;
    None when that item is not known (:func:`_enclosing`)."""
    found = _enclosing(lookup, cond.tag)
    if found is None:
        return None
    return evaluate(cond.item, _item_lookup(found[1]))


def _children(item: Any) -> list[Any]:
    """The items of the sequences directly in ``item`` (a Dataset or a ``{tag: value}``)."""
    from .dataset import Dataset  # imported when a condition is evaluated, not with a class

    values: list[Any] = []
    if isinstance(item, Dataset):
        for _, e in item.items():
            if e.vr == "SQ":
                try:
                    values.append(e.value)
                except DicomError:
                    continue
    elif isinstance(item, dict):
        values = list(item.values())
    out: list[Any] = []
    for v in values:
        items = _items(v) if isinstance(v, (list, tuple)) else None
        if items:
            out.extend(items)
    return out


def _values_in(item: Any, tag: int, depth: int) -> tuple[str, ...] | None:
    """The values of ``tag`` in ``item`` and in items nested in it (``depth`` levels): a tuple
    of normalised values ("" for none found); None when an occurrence cannot be decoded."""
    value = _item_lookup(item)(tag)
    if value is UNKNOWN:
        return None
    if value is not ABSENT:
        return tuple(_norm(v) for v in as_values(value))
    found: list[str] = []
    if depth > 0:
        for child in _children(item):
            inner = _values_in(child, tag, depth - 1)
            if inner is None:
                return None
            found.extend(inner)
    return tuple(found)


def varies(cond: Varies, lookup: Callable[[int], Any]) -> bool | None:
    """Whether ``cond.tag`` takes more than one value over the items of ``cond.sequence``
    (items without it do not count)."""
    try:
        value = lookup(cond.sequence)
    except LookupError:
        value = ABSENT
    if value is UNKNOWN:
        return None
    if value is ABSENT:
        return False
    items = _items(value)
    if items is None:
        return None
    seen: set[tuple[str, ...]] = set()
    for item in items:
        found = _values_in(item, cond.tag, 2)
        if found is None:
            return None
        if found:
            seen.add(found)
    return len(seen) > 1
