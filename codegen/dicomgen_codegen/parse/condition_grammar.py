"""The recursive-descent parser of condition sentences: attribute references, predicates,
"and" / "or" / "either", lists of attributes sharing one predicate, values of an item of a
sequence. :func:`~dicomgen_codegen.parse.conditions.parse_condition` is its entry point."""

from __future__ import annotations

import re
from collections.abc import Mapping

from dicomgen.core.conditions import (
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
    Not,
    NotEquals,
    Or,
    PointsTo,
    PointsToPrivate,
    Present,
    Varies,
)

from . import condition_clauses as clauses
from .condition_clauses import Fail, flat, number
from .condition_patterns import (
    AND,
    AND_IF,
    CODE,
    CODE_SEP,
    FOR_ITEMS,
    FRAME,
    IN_FUNCTIONAL_GROUPS,
    IN_ITEMS,
    IN_THIS_ITEM,
    LAST_AND,
    NAME_BAD,
    NAME_BEFORE_VERB,
    OF_THE_REFERENCED,
    OR,
    ORDINAL,
    ORDINALS,
    P_ABSENT,
    P_CHANGES,
    P_CMP,
    P_CODE,
    P_EMPTY,
    P_EQ,
    P_EQ_PRESENT,
    P_HASVALUE,
    P_IS,
    P_ITEMS_N,
    P_MULTI,
    P_NE,
    P_NE_PRESENT,
    P_NONNULL,
    P_NONZERO,
    P_NOT_CODE,
    P_POINTS,
    P_PRESENT,
    P_PRIVATE,
    P_ZERO,
    PHRASES,
    POSITION,
    POSITION_IF,
    PREFIX,
    QUALIFIERS,
    REFERENCE_TAGS,
    REFSEP,
    SAME_ATTR,
    SEQUENCE_NAME,
    TAG,
    VALUE,
    VALUE_N,
    VSEP,
    WITHIN,
    value_ends,
)
from .condition_presence import FUNCTIONAL_GROUP_SEQUENCES, presence_clause


class Parser:
    def __init__(
        self,
        text: str,
        names: Mapping[str, int] | None,
        presence: Mapping[str, Condition] | None = None,
        subject: tuple[int, str] | None = None,
        within: tuple[tuple[int, str], ...] = (),
    ) -> None:
        self.s = text
        self.subject = subject  # the attribute the condition is of
        self.within = within  # the sequences enclosing its row, outermost first
        self.i = 0
        self.names = names or {}
        self.presence = presence or {}
        self.last: tuple[int, str] | None = None
        self.frame = False  # the clause being read is qualified "of this frame"
        self.sequence: int | None = None  # the sequence of a "first Item of ..." clause
        self.after_or = False  # reading an alternative after "or": "and if" ends it

    # attribute reference: Name (gggg,eeee) [Value n] [qualifiers]
    def attr(self) -> tuple[int, str, int | None]:
        m = TAG.search(self.s, self.i)
        name = ""
        tag: int | None = None
        end = self.i
        index = None
        om = ORDINAL.match(self.s[self.i :].lstrip())
        if om:
            index = ORDINALS[om.group(1).lower()] if om.group(1) else int(om.group(2))
            self.i = len(self.s) - len(self.s[self.i :].lstrip()) + om.end()
        if m:
            raw = self.s[self.i : m.start()]
            cand = PREFIX.sub("", raw.strip())
            cand = PREFIX.sub("", cand)
            if (
                cand
                and (cand[0].isupper() or cand[0].isdigit())
                and not NAME_BAD.search(cand)
                and "," not in cand
            ):
                name, tag, end = cand, int(m.group(1) + m.group(2), 16), m.end()
        vm = SAME_ATTR.match(self.s, self.i)
        if tag is None and vm and self.last is not None:
            # "Image Type (0008,0008) Value 4 is X and Value 3 is Y": the same attribute
            tag, name, end = self.last[0], self.last[1], self.i
        if tag is None and self.names:
            rest = PREFIX.sub("", self.s[self.i :].lstrip())
            off = len(self.s) - len(rest)
            cm = NAME_BEFORE_VERB.match(rest)
            if cm and cm.group(1) in self.names:
                name, tag, end = cm.group(1), self.names[cm.group(1)], off + cm.end(1)
        if tag is None:
            raise Fail
        self.last = (tag, name)
        self.i = end
        rm = OF_THE_REFERENCED.match(self.s, self.i) if tag in REFERENCE_TAGS else None
        if rm:
            self.i = rm.end()
        while True:
            vm = VALUE_N.match(self.s, self.i)
            if vm:
                index = int(vm.group(1))
                self.i = vm.end()
                continue
            qm = QUALIFIERS.match(self.s, self.i)
            if qm and qm.end() > self.i:
                if FRAME.search(qm.group(0)):
                    self.frame = True
                self.i = qm.end()
                continue
            break
        return tag, name, index

    def values(self) -> tuple[str, ...]:
        out: list[str] = []
        while True:
            m = VALUE.match(self.s, self.i)
            if not m:
                break
            val = next(g for g in m.groups() if g is not None)
            if not value_ends(m, self.s):
                break  # an attribute name or the start of a clause, not a value
            out.append(val.rstrip("."))
            self.i = m.end()
            # a parenthesised gloss after a value, e.g. "HU (Hounsfield Units)"
            gm = re.match(r"\s*\((?![0-9A-Fa-f]{4}\s*,)[^()]*\)", self.s[self.i :])
            if gm:
                self.i += gm.end()
            sm = VSEP.match(self.s, self.i)
            if not sm:
                break
            nxt = VALUE.match(self.s, sm.end())
            if not nxt or not value_ends(nxt, self.s):
                break
            self.i = sm.end()
        if not out:
            raise Fail
        return tuple(out)

    def predicate(self, tag: int, name: str, index: int | None) -> Condition:
        cond = self.simple_predicate(tag, name, index)
        for rx, (seq, seq_name) in FOR_ITEMS:
            m = rx.match(self.s, self.i)
            if m:
                self.i = m.end()
                return AnyItem(seq, cond, seq_name)
        if isinstance(cond, Present):
            held = clauses.held(self, tag)
            if held is not None:
                return held
        m = IN_THIS_ITEM.match(self.s, self.i)
        if m:
            self.i = m.end()
            nor = clauses.enclosing(self, cond, nor=True)
            return cond if nor is None else And((cond, nor))
        enclosing = clauses.enclosing(self, cond)
        if enclosing is not None:
            return enclosing
        m = IN_FUNCTIONAL_GROUPS.match(self.s, self.i)
        if m:
            self.i = m.end()
            return Or(
                tuple(AnyItem(fg, cond, fg_name) for fg, fg_name in FUNCTIONAL_GROUP_SEQUENCES)
            )
        m = IN_ITEMS.match(self.s, self.i)
        if m:
            save = self.i
            self.i = m.end()
            try:
                seq, seq_name, _ = self.attr()
            except Fail:
                self.i = save
            else:
                return AnyItem(seq, cond, seq_name)
        return cond

    def refs(self) -> tuple[int, ...]:
        """Attribute references joined by "or" / "," (the targets of a tag-valued attribute)."""
        out = [self.attr()[0]]
        while True:
            m = CODE_SEP.match(self.s, self.i)
            if not m:
                break
            save, self.i = self.i, m.end()
            try:
                out.append(self.attr()[0])
            except Fail:
                self.i = save
                break
        return tuple(out)

    def codes(self) -> tuple[tuple[str, str], ...]:
        """Codes "(value, scheme, "meaning")" joined by "or" / ",": (value, scheme) pairs."""
        out: list[tuple[str, str]] = []
        while True:
            m = CODE.match(self.s, self.i)
            if not m:
                break
            value, scheme = m.group(1), m.group(2)
            if re.fullmatch(r"[A-Za-z]+", value) and re.search(r"\d", scheme):
                value, scheme = scheme, value  # written (scheme, value, meaning)
            out.append((value, scheme))
            self.i = m.end()
            sm = CODE_SEP.match(self.s, self.i)
            if not sm or not CODE.match(self.s, sm.end()):
                break
            self.i = sm.end()
        if not out:
            raise Fail
        return tuple(out)

    def special_predicate(self, tag: int, name: str, index: int | None) -> Condition | None:
        """Numbers, tag-valued attributes and coded values; None when none of these."""
        s, i = self.s, self.i
        m = P_CHANGES.match(s, i)
        if m:
            if self.sequence is None:
                raise Fail  # "changes" along which sequence?
            self.i = m.end()
            return Varies(tag, self.sequence, name)
        m = P_PRIVATE.match(s, i)
        if m:
            self.i = m.end()
            return PointsToPrivate(tag, name)
        m = P_MULTI.match(s, i)
        if m:
            self.i = m.end()
            return Count(tag, ">", 1, name)
        m = P_ITEMS_N.match(s, i)
        if m:
            self.i = m.end()
            return Count(tag, "==", int(number(m.group(1))), name)
        m = P_NONNULL.match(s, i)
        if m:
            self.i = m.end()
            return HasValue(tag, name)
        m = P_CMP.match(s, i)
        if m:
            self.i = m.end()
            word = m.group(1).lower()
            op = ("<" if word in ("less", "fewer") else ">") + ("=" if m.group(2) else "")
            return Compare(tag, op, number(m.group(3)), index, name)
        m = P_NONZERO.match(s, i)
        if m:
            self.i = m.end()
            return Compare(tag, "!=", 0, index, name)
        m = P_ZERO.match(s, i)
        if m:
            self.i = m.end()
            return Compare(tag, "==", 0, index, name)
        for rx in (P_POINTS, P_IS) if name.endswith("Pointer") else (P_POINTS,):
            m = rx.match(s, i)
            if m:
                self.i = m.end()
                try:
                    return PointsTo(tag, self.refs(), name)
                except Fail:
                    self.i = i
        m = P_CODE.match(s, i)
        if m:
            self.i = m.end()
            try:
                return HasCode(tag, self.codes(), name)
            except Fail:
                self.i = i
        m = P_NOT_CODE.match(s, i)
        if m:
            self.i = m.end()
            try:
                return Not(HasCode(tag, self.codes(), name))
            except Fail:
                self.i = i
        return None

    def simple_predicate(self, tag: int, name: str, index: int | None) -> Condition:
        special = self.special_predicate(tag, name, index)
        if special is not None:
            return special
        s, i = self.s, self.i
        for rx, kind in (
            (P_NE_PRESENT, "ne"),
            (P_EQ_PRESENT, "eq"),
            (P_HASVALUE, "has"),
            (P_ABSENT, "absent"),
            (P_EMPTY, "empty"),
            (P_PRESENT, "present"),
            (P_NE, "ne"),
            (P_EQ, "eq"),
        ):
            m = rx.match(s, i)
            if not m:
                continue
            self.i = m.end()
            if kind == "has":
                return HasValue(tag, name)
            if kind == "absent":
                return Absent(tag, name)
            if kind == "empty":
                return Not(HasValue(tag, name))
            if kind == "present":
                return Present(tag, name)
            try:
                vals = self.values()
            except Fail:
                self.i = i
                continue
            return (
                Equals(tag, vals, index, name)
                if kind == "eq"
                else NotEquals(tag, vals, index, name)
            )
        raise Fail

    def container(self) -> tuple[int, str] | None:
        """The sequence of "X (..) within [an Item of] Y Sequence (..)", if written."""
        m = WITHIN.match(self.s, self.i)
        if not m:
            return None
        save, self.i = self.i, m.end()
        try:
            seq, seq_name, index = self.attr()
        except Fail:
            self.i = save
            return None
        if not seq_name.endswith("Sequence") or index is not None:
            self.i = save
            return None
        return seq, seq_name

    def phrase(self) -> Condition | None:
        """One of the standard's fixed phrases (:data:`PHRASES`) at the current position."""
        rest = self.s[self.i :]
        lead = len(rest) - len(rest.lstrip())
        for rx, cond, _reason in PHRASES:
            m = rx.match(rest, lead)
            if m:
                self.i += m.end()
                return cond
        return None

    def position(self) -> Condition | None:
        """ "for first Item of X Sequence [if ...]": the item's position (and the condition);
        the sequence is then the one a later "changes during Beam" refers to."""
        m = POSITION.match(self.s, self.i)
        if not m:
            return None
        sm = SEQUENCE_NAME.match(self.s, m.end())
        if not sm:
            return None
        seq_name = sm.group(1)
        if sm.group(2):
            seq = int(sm.group(2) + sm.group(3), 16)
        elif seq_name in self.names:
            seq = self.names[seq_name]
        else:
            return None
        self.i = sm.end()
        seq, seq_name = clauses.enclosing_sequence(self, seq, seq_name)
        self.sequence = seq
        cond: Condition = FirstItem(seq, seq_name)
        m = POSITION_IF.match(self.s, self.i)
        if m:
            self.i = m.end()
            cond = And(flat(And, [cond, self.conj()]))
        return cond

    def atom(self) -> Condition:
        """One clause; a clause about "this frame" is a :class:`FrameLevel` test."""
        outer, self.frame = self.frame, False
        try:
            cond = self.clause()
            return FrameLevel(cond) if self.frame else cond
        finally:
            self.frame = outer

    def clause(self) -> Condition:
        known = self.phrase()
        if known is not None:
            return known
        position = self.position()
        if position is not None:
            return position
        last = clauses.all_but_last(self)
        if last is not None:
            return last
        for special in clauses.READERS:
            found_special = special(self)
            if found_special is not None:
                return found_special
        if self.presence:
            found = presence_clause(self.s, self.i, self.presence)
            if found is not None:
                self.i = found[1]
                return found[0]
        start = self.i
        either = bool(re.match(r"\s*either\b", self.s[start:], re.I))
        refs = [self.attr()]
        joiner = None
        split = 0  # "A (..) or B (..), and C (..) are present": refs[:split] are the "or" group
        while True:
            save = self.i
            m = REFSEP.match(self.s, self.i)
            if not m:
                break
            self.i = m.end()
            try:
                ref = self.attr()
            except Fail:
                self.i = save
                break
            # "A (..), B (..) or C (..) is present": only if a predicate follows the list,
            # else the second reference starts the next clause (decided below)
            word = (m.group(1) or m.group(2) or "").lower()
            if word == "and" and m.group(1) and joiner == "or" and not split and not either:
                split, joiner = len(refs), "and"
            elif word and joiner not in (None, word):
                self.i = save
                break
            joiner = word or joiner
            refs.append(ref)
        if len(refs) > 1:
            if joiner is None:
                joiner = "and"
            try:
                preds = []
                # the shared predicate: parse once, re-apply to every reference
                tag, name, index = refs[-1]
                last = self.predicate(tag, name, index)
            except Fail:
                self.i = start
                refs = [self.attr()]
            else:
                for tag, name, index in refs[:-1]:
                    preds.append(retarget(last, tag, name, index))
                preds.append(last)
                if split:
                    if not isinstance(last, Present):
                        raise Fail  # "A or B, and C are not present": grouping unclear
                    return And((Or(tuple(preds[:split])), *preds[split:]))
                if joiner == "or" and isinstance(last, Absent) and not either:
                    # "A (..) or B (..) are not sent": neither is there
                    joiner = "and"
                return And(tuple(preds)) if joiner == "and" else Or(tuple(preds))
        tag, name, index = refs[0]
        seq = self.container()
        first = self.predicate(tag, name, index)
        if seq is not None:
            # "X (..) within Y Sequence (..) is A": decided on the items of Y
            first = AnyItem(seq[0], first, seq[1])
        # "X (..) is absent or has a value of A": several predicates on one attribute
        preds, op = [first], None
        while True:
            save = self.i
            m = re.match(
                r"\s*,?\s*(or|and)\b(?=\s+(?:is|are|has|have|equals?|does|not)\b)",
                self.s[self.i :],
            )
            if not m or (op is not None and m.group(1).lower() != op):
                break
            self.i += m.end()
            try:
                preds.append(self.predicate(tag, name, index))
            except Fail:
                self.i = save
                break
            op = m.group(1).lower()
        if len(preds) == 1:
            return first
        return Or(tuple(preds)) if op == "or" else And(tuple(preds))

    def conj(self) -> Condition:
        items = [self.atom()]
        while True:
            save = self.i
            m = AND.match(self.s, self.i)
            if not m:
                break
            if self.sequence is not None and m.group(0).lstrip().startswith(","):
                break  # "first Item of X, or if Y changes, and Z": ", and" binds last
            if self.after_or and AND_IF.match(m.group(0)):
                break  # "A or B and if C": "and if" starts a new clause of the whole
            self.i = m.end()
            try:
                items.append(self.atom())
            except Fail:
                self.i = save
                break
        return items[0] if len(items) == 1 else And(flat(And, items))

    def disj(self) -> Condition:
        items = [self.conj()]
        while True:
            save = self.i
            m = OR.match(self.s, self.i)
            if not m:
                break
            self.i = m.end()
            outer, self.after_or = self.after_or, True
            try:
                items.append(self.conj())
            except Fail:
                self.i = save
                break
            finally:
                self.after_or = outer
        cond = items[0] if len(items) == 1 else Or(flat(Or, items))
        m = AND_IF.match(self.s, self.i) if len(items) > 1 else None
        if m:
            save, self.i = self.i, m.end()
            try:
                return And(flat(And, [cond, self.disj()]))
            except Fail:
                self.i = save
        m = LAST_AND.match(self.s, self.i) if self.sequence is not None else None
        if m:
            save, self.i = self.i, m.end()
            try:
                cond = And(flat(And, [cond, self.conj()]))
            except Fail:
                self.i = save
        return cond


def retarget(c: Condition, tag: int, name: str, index: int | None) -> Condition:
    if isinstance(c, (Present, Absent, HasValue, PointsToPrivate)):
        return type(c)(tag, name)
    if isinstance(c, Compare):
        return Compare(tag, c.op, c.number, index, name)
    if isinstance(c, Count):
        return Count(tag, c.op, c.number, name)
    if isinstance(c, PointsTo):
        return PointsTo(tag, c.targets, name)
    if isinstance(c, HasCode):
        return HasCode(tag, c.codes, name)
    if isinstance(c, (Equals, NotEquals)):
        return type(c)(tag, c.values, index, name)
    if isinstance(c, Varies):
        return Varies(tag, c.sequence, name)
    if isinstance(c, Not):
        return Not(retarget(c.item, tag, name, index))
    if isinstance(c, FrameLevel):
        return FrameLevel(retarget(c.item, tag, name, index))
    return c
