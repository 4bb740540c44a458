"""Clauses of the condition grammar beyond attribute predicates: counts ("the number of Items
in X is greater than 1"), "a value is present in X or Y", an attribute present in named modules,
the enclosing item of a named sequence, the row's own attribute changing along control points,
the sequence a position clause names, "all but the last Item", "either one or both of A or B
are required" on A or B, "the pair of A and B are not present", "X is present and there exists any value other than A", "the SOP Class is [other than] X".
Each reader takes the
:class:`~.condition_grammar.Parser` at its position and returns the condition it read (moving
the parser on), or None (leaving it where it was)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dicomgen.core.conditions import (
    Absent,
    And,
    AnyItem,
    Condition,
    Count,
    Equals,
    HasValue,
    InItem,
    LastItem,
    Not,
    NotEquals,
    Or,
    Present,
    Varies,
)

from .condition_patterns import (
    ALL_BUT_LAST,
    ANY_VALUE_OTHER,
    COUNT_OF,
    EITHER_END,
    EITHER_OR,
    EITHER_REQUIRED,
    IN_ITEM_OF,
    IN_MODULES,
    ITEM_WORD,
    MODULE_SEP,
    MORE_ITEMS,
    OWN_CHANGE,
    P_ABSENT,
    P_CMP,
    PAIR_AND,
    PAIR_OF,
    PREFIX,
    SOP_CLASS_IS,
    TAG,
    VALUE_IN,
)
from .condition_presence import held_anywhere, held_key, sop_class_key

if TYPE_CHECKING:
    from .condition_grammar import Parser

__all__ = [
    "Fail",
    "flat",
    "number",
    "enclosing",
    "held",
    "own_change",
    "counted",
    "value_in",
    "enclosing_sequence",
    "all_but_last",
    "either_required",
    "absent_with_pair",
    "any_value_other",
    "sop_class",
    "READERS",
]


class Fail(Exception):
    """The text at the parser's position is not of the form being read."""


_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3}


def number(text: str) -> float:
    """A number written in digits or as a word ("one")."""
    word = _WORDS.get(text.lower())
    return float(word) if word is not None else float(text)


def flat(op: type, items: list[Condition]) -> tuple[Condition, ...]:
    """``items`` with the items of nested ``op`` nodes (And in And) lifted."""
    out: list[Condition] = []
    for c in items:
        out.extend(c.items if isinstance(c, op) else (c,))  # type: ignore[attr-defined]
    return tuple(out)


def enclosing(p: Parser, cond: Condition, nor: bool = False) -> Condition | None:
    """ "... in this Item of the Y Sequence (..)", "... in the containing Y Sequence (..)
    Item" after a predicate: ``cond`` in that enclosing item; with ``nor``, "[is not
    present in this Item] nor in the containing ..." of a negative ``cond``."""
    m = IN_ITEM_OF.match(p.s, p.i)
    if not m or bool(m.group("nor")) != nor or (nor and not isinstance(cond, Absent)):
        return None
    save, p.i = p.i, m.end()
    try:
        seq, seq_name, index = p.attr()
    except Fail:
        p.i = save
        return None
    item = ITEM_WORD.match(p.s, p.i)
    if not seq_name.endswith("Sequence") or index is not None or bool(item) != bool(m.group("c")):
        p.i = save
        return None
    if item:
        p.i = item.end()
    return InItem(seq, cond, seq_name)


def held(p: Parser, tag: int) -> Condition | None:
    """ "... is present in the A Module or B Module": where those modules hold ``tag``
    (:func:`~.condition_presence.held_conditions`); None when not of that form or a module
    does not hold it."""
    m = IN_MODULES.match(p.s, p.i)
    if not m:
        return None
    found: list[Condition] = []
    for title in MODULE_SEP.split(m.group("list")):
        cond = p.presence.get(held_key(title, tag))
        if cond is None:
            return None
        found.append(cond)
    p.i = m.end()
    return found[0] if len(found) == 1 else Or(flat(Or, found))


def own_change(p: Parser) -> Condition | None:
    """ "or if Gantry Pitch Rotation Angle changes during Beam" after "for first Item of
    X Sequence", with words that name no attribute: the attribute the condition is of
    changes (PS3.3 C.8.8.14.5: a parameter that changes is given at every control point;
    the condition of an attribute's own row can only be about that attribute).
    Sequences are left out: their values are items, not values to compare."""
    if p.sequence is None or p.subject is None:
        return None
    m = OWN_CHANGE.match(p.s, p.i)
    if not m or TAG.search(m.group("words")):
        return None
    if PREFIX.sub("", m.group("words")) in p.names or m.group("words") in p.names:
        return None  # an attribute named: the general rule reads it
    tag, name = p.subject
    if name.endswith("Sequence"):
        return None
    p.i = m.end()
    return Varies(tag, p.sequence, name)


def counted(p: Parser) -> Condition | None:
    """ "the number of Items in X (..) is greater than 1", "there is more than one Item in
    X (..)": a :class:`Count`; None when the clause is not of that form."""
    start = p.i
    m = MORE_ITEMS.match(p.s, start)
    cm = COUNT_OF.match(p.s, start)
    if not m and not cm:
        return None
    p.i = (m or cm).end()  # type: ignore[union-attr]
    try:
        tag, name, index = p.attr()
    except Fail:
        p.i = start
        return None
    if m:
        return Count(tag, ">", int(number(m.group(1))), name)
    cmp = P_CMP.match(p.s, p.i)
    if cmp is None or index is not None or not number(cmp.group(3)).is_integer():
        p.i = start
        return None
    p.i = cmp.end()
    word = cmp.group(1).lower()
    op = ("<" if word in ("less", "fewer") else ">") + ("=" if cmp.group(2) else "")
    return Count(tag, op, int(number(cmp.group(3))), name)


def value_in(p: Parser) -> Condition | None:
    """ "a value is present in X (..) or Y (..)": one of them has a value."""
    m = VALUE_IN.match(p.s, p.i)
    if not m:
        return None
    save, p.i = p.i, m.end()
    found: list[Condition] = []
    while True:
        try:
            tag, name, index = p.attr()
        except Fail:
            p.i = save
            return None
        if index is not None:
            p.i = save
            return None
        found.append(HasValue(tag, name))
        om = re.match(r"\s*,?\s*or\s+(?:the\s+)?", p.s[p.i :])
        if not om:
            break
        p.i += om.end()
    return found[0] if len(found) == 1 else Or(tuple(found))


def enclosing_sequence(p: Parser, seq: int, name: str) -> tuple[int, str]:
    """The sequence a position clause names, read against the sequences enclosing the row:
    one that does not enclose it could never be decided there, so the nearest enclosing
    sequence whose name has all the words of the named one is meant (the RT Ion modules
    reuse the RT Beams wording "first Item of Control Point Sequence" for the Ion Control
    Point Sequence and the Ion Control Point Delivery Sequence)."""
    if not p.within or any(tag == seq for tag, _ in p.within):
        return seq, name
    words = set(re.findall(r"[a-z]+", name.lower()))
    for tag, outer in reversed(p.within):
        if words <= set(re.findall(r"[a-z]+", outer.lower())):
            return tag, outer
    return seq, name


def all_but_last(p: Parser) -> Condition | None:
    """ "for all but the last Item in this Sequence and for the last Item if X": not the
    last item of the sequence enclosing the row, or X."""
    m = ALL_BUT_LAST.match(p.s, p.i)
    if not m or not p.within:
        return None
    save, p.i = p.i, m.end()
    try:
        cond = p.conj()
    except Fail:
        p.i = save
        return None
    seq, name = p.within[-1]
    return Or((Not(LastItem(seq, name)), cond))


def _plain(p: Parser) -> tuple[int, str]:
    """An attribute reference without a Value index or a qualifier; Fail otherwise."""
    tag, name, index = p.attr()
    if index is not None or p.frame:
        raise Fail
    return tag, name


def _two(
    p: Parser, between: re.Pattern[str], after: re.Pattern[str]
) -> tuple[tuple[int, str], tuple[int, str], re.Match[str]]:
    """Two plain attribute references joined by ``between`` and followed by ``after`` (its
    match is returned, not consumed); Fail otherwise."""
    first = _plain(p)
    m = between.match(p.s, p.i)
    if not m:
        raise Fail
    p.i = m.end()
    second = _plain(p)
    end = after.match(p.s, p.i)
    if not end:
        raise Fail
    return first, second, end


def either_required(p: Parser) -> Condition | None:
    """ "Either one or both of A (..) or B (..) are required" on the row of A (or of B): the
    row is required when the other one is absent. None when the row is neither of them."""
    m = EITHER_REQUIRED.match(p.s, p.i)
    if not m or p.subject is None:
        return None
    save, p.i = p.i, m.end()
    try:
        first, second, em = _two(p, EITHER_OR, EITHER_END)
    except Fail:
        p.i = save
        return None
    own = p.subject[0]
    if own not in (first[0], second[0]) or first[0] == second[0]:
        p.i = save
        return None
    p.i = em.end()
    other = second if own == first[0] else first
    return Absent(*other)


def absent_with_pair(p: Parser) -> Condition | None:
    """ "A (..), B (..), and the pair of C (..) and D (..) are not present": A and B absent,
    and C and D not both present (the pair is present only as the two together)."""
    save = p.i
    try:
        singles = [_plain(p)]
        while True:
            m = PAIR_OF.match(p.s, p.i)
            if m:
                p.i = m.end()
                break
            sm = re.match(r"\s*,\s*(?:the\s+)?", p.s[p.i :])
            if not sm:
                raise Fail
            p.i += sm.end()
            singles.append(_plain(p))
        first, second, end = _two(p, PAIR_AND, P_ABSENT)
    except Fail:
        p.i = save
        return None
    p.i = end.end()
    pair = Or((Absent(*first), Absent(*second)))
    return And((*(Absent(*one) for one in singles), pair))


def _in_place(where: Condition, cond: Condition) -> Condition | None:
    """``cond`` at the place ``where`` (a :class:`Present` in items of sequences) tests."""
    if isinstance(where, Present):
        return cond
    if isinstance(where, AnyItem):
        inner = _in_place(where.item, cond)
        return None if inner is None else AnyItem(where.tag, inner, where.name)
    return None


def any_value_other(p: Parser) -> Condition | None:
    """ "X (..) is present and there exists any value other than A" (or "is present with a
    value other than A"): X, where the modules hold it (in the items of a sequence: in any
    item), has a value other than A. None when the modules do not hold X in one place."""
    save = p.i
    try:
        tag, name = _plain(p)
    except Fail:
        p.i = save
        return None
    m = ANY_VALUE_OTHER.match(p.s, p.i)
    where = held_anywhere(p.presence, tag) if m else None
    if m is None or where is None:
        p.i = save
        return None
    p.i = m.end()
    try:
        values = p.values()
    except Fail:
        p.i = save
        return None
    found = _in_place(where, NotEquals(tag, values, None, name))
    if found is None:
        p.i = save
    return found


def sop_class(p: Parser) -> Condition | None:
    """ "the SOP Class is [other than] Grayscale Softcopy Presentation State Storage": SOP
    Class UID (0008,0016) [not] that class's UID, the class named as the registry names it
    (the longest name that the words start with); None when no SOP Class is named so."""
    m = SOP_CLASS_IS.match(p.s, p.i)
    if not m:
        return None
    words = p.s[m.end() :]
    best: tuple[int, Condition] | None = None
    for n in range(len(words), 0, -1):
        if n < len(words) and words[n].isalnum():
            continue  # a name ends at a word boundary
        cond = p.presence.get(sop_class_key(words[:n]))
        if cond is not None:
            best = (n, cond)
            break
    if best is None:
        return None
    p.i = m.end() + best[0]
    cond = best[1]
    if m.group("neg") and isinstance(cond, Equals):
        return NotEquals(cond.tag, cond.values, cond.index, cond.name)
    return cond


# the readers tried, in this order, before a clause is read as attribute predicates
READERS = (
    own_change,
    counted,
    value_in,
    either_required,
    absent_with_pair,
    any_value_other,
    sop_class,
)
