"""Conditions of PS3.3: "Required if ...", "Include ... if and only if ...", usage "C - ...".

PS3.3 Section 5.4 and 7.4 (Type 1C/2C, Section 7.4 of PS3.5) state conditions in English.
The common forms are regular enough to parse into a small AST:

* ``Present`` / ``Absent``: "X (gggg,eeee) is present", "... is not present", "... is absent",
  "... is sent", "... exists";
* ``HasValue``: "X (gggg,eeee) is present and has a value";
* ``Equals`` / ``NotEquals``: "X (gggg,eeee) [Value n] equals / is / has a value of A, B or C",
  "... is other than A", "... is not A" (a value list means "one of");
* ``And`` / ``Or`` / ``Not``: joined clauses; "A (..) or B (..) is present" distributes.

Anything else becomes :class:`Unparsed` (kept verbatim, counted by the parser's report).
:func:`evaluate` (from :mod:`dicomgen.core.conditions`, whose node classes these are)
decides a condition against a data set via a ``lookup(tag)`` callable, returning ``None``
when it cannot be decided.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
    "Unparsed",
    "Condition",
    "ABSENT",
    "UNKNOWN",
    "parse_condition",
    "extract_condition_text",
    "evaluate",
    "is_parsed",
    "tags_of",
]


# The AST and its evaluation are the runtime's (generated code writes these very classes);
# this module adds the parser from the standard's English.
from dicomgen.core.conditions import (  # noqa: E402
    ABSENT,
    UNKNOWN,
    Absent,
    And,
    AnyItem,
    Compare,
    Condition,
    Equals,
    HasCode,
    HasValue,
    Not,
    NotEquals,
    Or,
    PointsTo,
    Present,
    Unparsed,
    evaluate,
    is_parsed,
    tags_of,
)

# --- extraction ----------------------------------------------------------------

_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|Fig|No)\.", re.I)
_SENTENCE_END = re.compile(r"\.(?=\s|$)")
_REQUIRED = re.compile(
    r"\b(Required\s*,?\s+(?:only\s+)?if|Required\s+(?=[A-Z][^.]*\(\w{4},\w{4}\)\s+is\b)"
    r"|Shall\s+be\s+present\s+(?:only\s+)?if|Required\s+when)\b"
)


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text``; dots of abbreviations and inside quotes/UIDs do not end one."""
    masked = _ABBREV.sub(lambda m: m.group(0).replace(".", "\0"), text)
    masked = re.sub(r'"[^"]*"', lambda m: m.group(0).replace(".", "\0"), masked)
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(masked):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return spans


def extract_condition_text(description: str) -> str:
    """The "Required if ..." sentence of a Type 1C/2C description ("" if there is none).

    A following "May be present otherwise." sentence is kept with it.
    """
    for a, b in _sentences(description):
        sentence = description[a:b].strip()
        if _REQUIRED.search(sentence):
            rest = description[b:].lstrip()
            follow = re.match(r"(May|Shall|Otherwise)\b[^.]*\botherwise\.", rest)
            if follow:
                sentence += " " + follow.group(0)
            return sentence
    return ""


# --- parsing -------------------------------------------------------------------

_TAG = re.compile(r"\(\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)")
_LEAD = re.compile(
    r"^\s*(?:[CMU]\s*-\s*)?(?:(?:Required\s*,?\s+(?:only\s+)?(?:if|when)\s*:?\s+)+|Required(?=\s)"
    r"|Shall\s+be\s+present\s+(?:only\s+)?if|>*\s*Include\b.*?\bif(?:\s+and\s+only\s+if)?"
    r"|if(?:\s+and\s+only\s+if)?)\s*",
    re.I,
)
_TRAIL = re.compile(
    r"\s*(?:[,;.]\s*|\s+)(?:(?:and\s+)?may\s+(?:also\s+)?be\s+present|otherwise"
    r"|shall\s+not\s+be\s+present|in\s+which\s+case\b|[CU]\s+-\s+Optional\b"
    r"|may\s+not\s+be\s+present|see\b|this\s+is\b|\(see\b).*$",
    re.I | re.S,
)
_NAME_BAD = re.compile(r"\b(is|are|if|has|have|equals|was|were|when|not|value|either)\b")
_PREFIX = re.compile(
    r"^(?:(?:the|a|any)\s+values?\s+(?:of|for)\s+|Attributes?\s+|values?\s+of\s+|(?-i:value)\s+|the\s+|either\s*:?\s*)",
    re.I,
)
_ORDINAL = re.compile(r"^(?:the\s+)?(first|second|third|fourth|fifth)\s+value\s+of\s+", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_QUALIFIERS = re.compile(
    r"\s*(?:of\s+this\s+frame|at\s+the\s+image\s+level|in\s+this\s+(?:Sequence\s+)?Item"
    r"|of\s+this\s+[\w\- ]*?SOP\s+Instance|Attribute(?:\s+value)?|sequence"
    r"|in\s+the\s+[A-Z][\w/\- ]*?\s+(?:Module|Macro)|value)(?=\W|$)",
    re.I,
)
_NAME_BEFORE_VERB = re.compile(
    r"([A-Z0-9][^,;()]*?)(?=\s+(?:is|are|has|have|equals?|value|Value\s+\d|does|contains?"
    r"|points|includes)\b|\s*!?=|\s*\.?$)"
)
_SAME_ATTR = re.compile(r"\s*(?=Value\s+\d+\s+(?:is|equals?|has)\b)")
_VALUE_N = re.compile(r"\s*,?\s*Value\s+(\d+)\b", re.I)

_P_EQ_PRESENT = re.compile(
    r"\s*(?:is|are)\s+(?:present|provided|sent)\s+(?:and\s+(?:(?:has|have)\s+a\s+value\s+of"
    r"|equals?|is(?:\s+either)?|the\s+value\s+is|has\s+the\s+value)"
    r"|with\s+(?:a\s+)?values?(?:\s+of)?)\s+(?!other\b|not\b)",
    re.I,
)
_P_NE_PRESENT = re.compile(
    r"\s*(?:is|are)\s+present\s+(?:with\s+a\s+value\s+other\s+than"
    r"|and\s+(?:is\s+not|has\s+a\s+value\s+other\s+than))\s+",
    re.I,
)
_P_HASVALUE = re.compile(
    r"\s*(?:(?:is|are)\s+present\s+(?:and|with)\s+(?:has\s+|have\s+)?a\s+value"
    r"|(?:has|have)\s+a\s+value|(?:is|are)\s+not\s+empty|contains?\s+(?:one\s+or\s+more\s+)?"
    r"Items?)(?!\s+(?:of|other|greater|less))\b",
    re.I,
)
_P_ABSENT = re.compile(
    r"\s*(?:(?:is|are)\s+(?:not\s+present|absent|not\s+sent)|does\s+not\s+exist"
    r"|(?:is|are)\s+not\s+present)\b",
    re.I,
)
_P_EMPTY = re.compile(
    r"\s*(?:(?:is|are)\s+(?:empty|zero[\s-]+length)|do(?:es)?\s+not\s+contain\s+a\s+value)\b",
    re.I,
)
_WITHIN = re.compile(r"\s*(?:with)?in\s+(?:the\s+|an?\s+Item\s+of\s+(?:the\s+)?)?(?=\S)", re.I)
_P_NONNULL = re.compile(
    r"\s*(?:is|are)\s+(?:non-?null|non-?zero[\s-]+length|not\s+zero[\s-]+length)\b", re.I
)
_NUMBER = r"(\d+(?:\.\d+)?|zero|one|two|three)"
_P_CMP = re.compile(
    r"\s*(?:(?:is|are)\s+(?:present\s+and\s+)?)?(?:(?:has|have)\s+a\s+value\s+(?:of\s+)?)?"
    r"(greater|more|less|fewer)\s+than(\s+or\s+equal\s+to)?\s+" + _NUMBER + r"\b",
    re.I,
)
_P_NONZERO = re.compile(
    r"\s*(?:(?:is|are)\s+(?:present\s+and\s+)?)?(?:(?:has|have)\s+a\s+)?"
    r"(?:non-?zero(?:\s+value)?|not\s+zero)\b(?![\s-]+length)",
    re.I,
)
_P_ZERO = re.compile(r"\s*(?:is|are|equals?)\s+(?:zero|0)\b(?![\s-]+length)", re.I)
_P_POINTS = re.compile(
    r"\s*(?:points\s+to|(?:contains|includes|is)\s+the\s+(?:Data\s+Element\s+)?Tag\s+(?:for|of))"
    r"\s+(?:the\s+)?",
    re.I,
)
_P_IS = re.compile(r"\s*(?:is|equals?)\s+(?:the\s+)?", re.I)
_P_CODE = re.compile(
    r"\s*(?:contains|equals?|is|has)\s+(?:an?\s+Item\s+with\s+(?:the\s+)?values?(?:\s+of)?\s+"
    r"|either\s+|one\s+of\s+)?(?=\()",
    re.I,
)
_CODE = re.compile(r"\(\s*([^,()\"]+?)\s*,\s*([^,()\"]+?)\s*,\s*\"[^\"]*\"\s*\)")
_CODE_SEP = re.compile(r"\s*(?:,\s*(?:or\s+)?|\s+or\s+)")
_IN_ITEMS = re.compile(
    r"\s*in\s+(?:any\s+of\s+the\s+Items\s+(?:in|of)|any\s+Item\s+of|an\s+Item\s+of)"
    r"\s+(?:the\s+)?",
    re.I,
)
_P_PRESENT = re.compile(r"\s*(?:(?:is|are)\s+(?:present|sent|provided|used)|exists?)\b", re.I)
_P_NE = re.compile(
    r"\s*(?:(?:equals?|is|has\s+a\s+value|=)\s+other\s+than|is\s+not\s+equal\s+to"
    r"|is\s+(?:present\s+)?with\s+a\s+value\s+other\s+than|is\s+present\s+and\s+is\s+not"
    r"|(?:is\s+)?not\s+(?:any\s+of|one\s+of)|is\s+none\s+of|is\s+not"
    r"|does\s+not\s+equal|!=|has\s+a\s+value\s+other\s+than|not)\s+",
    re.I,
)
_P_EQ = re.compile(
    r"\s*(?:equals?|is\s+equal\s+to|has\s+a\s+value\s+of|has\s+the\s+value|has\s+value"
    r"|(?:is|are)\s+present\s+(?:with|and\s+has)\s+(?:a\s+)?values?(?:\s+of)?"
    r"|(?:is|are)\s+present\s+and\s+(?:the\s+value\s+is|is(?:\s+either)?)"
    r"|is\s+set\s+to|(?:has|have)\s+values?\s+of|contains\s+the\s+value|is\s+of\s+Value"
    r"|is\s+(?:either|one\s+of|any\s+of)|is\s*:|=|is|are|value\s+is)\s+",
    re.I,
)
_VALUE = re.compile(
    # a UID by name: Segmentation Storage ("1.2.840.10008.5.1.4.1.1.66.4")
    r"(?:[A-Z](?:(?!\s(?:is|are|or|and|equals?|not|if)\b)[\w\-/ ])*?\s*\(\s*)\"([0-9.]+)\"\s*\)"
    r"|\"([^\"]*)\"|'([^']*)'|“([^”]*)”"
    r"|([A-Z0-9_][A-Z0-9_.\-]*(?:\s+[A-Z0-9_][A-Z0-9_\-]*)*)(?![\w])"
)
_VSEP = re.compile(r"\s*(?:,\s*or\s+|,\s*|\s+or\s+)")
_REFSEP = re.compile(r"\s*(?:,\s*(?:(or|and)\s+)?|\s(or|and)\s+)(?:the\s+)?", re.I)
_AND = re.compile(r"\s*,?\s*and\s+(?:if\s+)?(?:the\s+value\s+of\s+)?", re.I)
_OR = re.compile(r"\s*,?\s*or\s+(?:if\s+)?", re.I)


_AFTER_VALUE = re.compile(
    r"\s*(?:$|[,.;:]|\((?!\s*[0-9A-Fa-f]{4}\s*,)|(?:or|and|nor|in|of|for|at|may|shall|[CU]\s+-)\b)",
    re.I,
)


def _value_ends(m: re.Match[str], text: str) -> bool:
    """A bare upper-case value is one only when a separator, a gloss or the end follows it
    (not "SOP Class UID is ...", not "CT Image (0008,0008)")."""
    return m.group(5) is None or bool(_AFTER_VALUE.match(text, m.end()))


class _Fail(Exception):
    pass


class _Parser:
    def __init__(self, text: str, names: Mapping[str, int] | None) -> None:
        self.s = text
        self.i = 0
        self.names = names or {}
        self.last: tuple[int, str] | None = None

    # attribute reference: Name (gggg,eeee) [Value n] [qualifiers]
    def attr(self) -> tuple[int, str, int | None]:
        m = _TAG.search(self.s, self.i)
        name = ""
        tag: int | None = None
        end = self.i
        index = None
        om = _ORDINAL.match(self.s[self.i :].lstrip())
        if om:
            index = _ORDINALS[om.group(1).lower()]
            self.i = len(self.s) - len(self.s[self.i :].lstrip()) + om.end()
        if m:
            raw = self.s[self.i : m.start()]
            cand = _PREFIX.sub("", raw.strip())
            cand = _PREFIX.sub("", cand)
            if (
                cand
                and (cand[0].isupper() or cand[0].isdigit())
                and not _NAME_BAD.search(cand)
                and "," not in cand
            ):
                name, tag, end = cand, int(m.group(1) + m.group(2), 16), m.end()
        vm = _SAME_ATTR.match(self.s, self.i)
        if tag is None and vm and self.last is not None:
            # "Image Type (0008,0008) Value 4 is X and Value 3 is Y": the same attribute
            tag, name, end = self.last[0], self.last[1], self.i
        if tag is None and self.names:
            rest = _PREFIX.sub("", self.s[self.i :].lstrip())
            off = len(self.s) - len(rest)
            cm = _NAME_BEFORE_VERB.match(rest)
            if cm and cm.group(1) in self.names:
                name, tag, end = cm.group(1), self.names[cm.group(1)], off + cm.end(1)
        if tag is None:
            raise _Fail
        self.last = (tag, name)
        self.i = end
        while True:
            vm = _VALUE_N.match(self.s, self.i)
            if vm:
                index = int(vm.group(1))
                self.i = vm.end()
                continue
            qm = _QUALIFIERS.match(self.s, self.i)
            if qm and qm.end() > self.i:
                self.i = qm.end()
                continue
            break
        return tag, name, index

    def values(self) -> tuple[str, ...]:
        out: list[str] = []
        while True:
            m = _VALUE.match(self.s, self.i)
            if not m:
                break
            val = next(g for g in m.groups() if g is not None)
            if not _value_ends(m, self.s):
                break  # an attribute name or the start of a clause, not a value
            out.append(val.rstrip("."))
            self.i = m.end()
            # a parenthesised gloss after a value, e.g. "HU (Hounsfield Units)"
            gm = re.match(r"\s*\((?![0-9A-Fa-f]{4}\s*,)[^()]*\)", self.s[self.i :])
            if gm:
                self.i += gm.end()
            sm = _VSEP.match(self.s, self.i)
            if not sm:
                break
            nxt = _VALUE.match(self.s, sm.end())
            if not nxt or not _value_ends(nxt, self.s):
                break
            self.i = sm.end()
        if not out:
            raise _Fail
        return tuple(out)

    def predicate(self, tag: int, name: str, index: int | None) -> Condition:
        cond = self.simple_predicate(tag, name, index)
        m = _IN_ITEMS.match(self.s, self.i)
        if m:
            save = self.i
            self.i = m.end()
            try:
                seq, seq_name, _ = self.attr()
            except _Fail:
                self.i = save
            else:
                return AnyItem(seq, cond, seq_name)
        return cond

    def refs(self) -> tuple[int, ...]:
        """Attribute references joined by "or" / "," (the targets of a tag-valued attribute)."""
        out = [self.attr()[0]]
        while True:
            m = _CODE_SEP.match(self.s, self.i)
            if not m:
                break
            save, self.i = self.i, m.end()
            try:
                out.append(self.attr()[0])
            except _Fail:
                self.i = save
                break
        return tuple(out)

    def codes(self) -> tuple[tuple[str, str], ...]:
        """Codes "(value, scheme, "meaning")" joined by "or" / ",": (value, scheme) pairs."""
        out: list[tuple[str, str]] = []
        while True:
            m = _CODE.match(self.s, self.i)
            if not m:
                break
            value, scheme = m.group(1), m.group(2)
            if re.fullmatch(r"[A-Za-z]+", value) and re.search(r"\d", scheme):
                value, scheme = scheme, value  # written (scheme, value, meaning)
            out.append((value, scheme))
            self.i = m.end()
            sm = _CODE_SEP.match(self.s, self.i)
            if not sm or not _CODE.match(self.s, sm.end()):
                break
            self.i = sm.end()
        if not out:
            raise _Fail
        return tuple(out)

    def special_predicate(self, tag: int, name: str, index: int | None) -> Condition | None:
        """Numbers, tag-valued attributes and coded values; None when none of these."""
        s, i = self.s, self.i
        m = _P_NONNULL.match(s, i)
        if m:
            self.i = m.end()
            return HasValue(tag, name)
        m = _P_CMP.match(s, i)
        if m:
            self.i = m.end()
            word = m.group(1).lower()
            op = ("<" if word in ("less", "fewer") else ">") + ("=" if m.group(2) else "")
            return Compare(tag, op, _number(m.group(3)), index, name)
        m = _P_NONZERO.match(s, i)
        if m:
            self.i = m.end()
            return Compare(tag, "!=", 0, index, name)
        m = _P_ZERO.match(s, i)
        if m:
            self.i = m.end()
            return Compare(tag, "==", 0, index, name)
        for rx in (_P_POINTS, _P_IS) if name.endswith("Pointer") else (_P_POINTS,):
            m = rx.match(s, i)
            if m:
                self.i = m.end()
                try:
                    return PointsTo(tag, self.refs(), name)
                except _Fail:
                    self.i = i
        m = _P_CODE.match(s, i)
        if m:
            self.i = m.end()
            try:
                return HasCode(tag, self.codes(), name)
            except _Fail:
                self.i = i
        return None

    def simple_predicate(self, tag: int, name: str, index: int | None) -> Condition:
        special = self.special_predicate(tag, name, index)
        if special is not None:
            return special
        s, i = self.s, self.i
        for rx, kind in (
            (_P_NE_PRESENT, "ne"),
            (_P_EQ_PRESENT, "eq"),
            (_P_HASVALUE, "has"),
            (_P_ABSENT, "absent"),
            (_P_EMPTY, "empty"),
            (_P_PRESENT, "present"),
            (_P_NE, "ne"),
            (_P_EQ, "eq"),
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
            except _Fail:
                self.i = i
                continue
            return (
                Equals(tag, vals, index, name)
                if kind == "eq"
                else NotEquals(tag, vals, index, name)
            )
        raise _Fail

    def container(self) -> tuple[int, str] | None:
        """The sequence of "X (..) within [an Item of] Y Sequence (..)", if written."""
        m = _WITHIN.match(self.s, self.i)
        if not m:
            return None
        save, self.i = self.i, m.end()
        try:
            seq, seq_name, index = self.attr()
        except _Fail:
            self.i = save
            return None
        if not seq_name.endswith("Sequence") or index is not None:
            self.i = save
            return None
        return seq, seq_name

    def atom(self) -> Condition:
        start = self.i
        either = bool(re.match(r"\s*either\b", self.s[start:], re.I))
        refs = [self.attr()]
        joiner = None
        while True:
            save = self.i
            m = _REFSEP.match(self.s, self.i)
            if not m:
                break
            self.i = m.end()
            try:
                ref = self.attr()
            except _Fail:
                self.i = save
                break
            # "A (..), B (..) or C (..) is present": only if a predicate follows the list,
            # else the second reference starts the next clause (decided below)
            word = (m.group(1) or m.group(2) or "").lower()
            if word and joiner not in (None, word):
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
            except _Fail:
                self.i = start
                refs = [self.attr()]
            else:
                for tag, name, index in refs[:-1]:
                    preds.append(_retarget(last, tag, name, index))
                preds.append(last)
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
            except _Fail:
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
            m = _AND.match(self.s, self.i)
            if not m:
                break
            self.i = m.end()
            try:
                items.append(self.atom())
            except _Fail:
                self.i = save
                break
        return items[0] if len(items) == 1 else And(_flat(And, items))

    def disj(self) -> Condition:
        items = [self.conj()]
        while True:
            save = self.i
            m = _OR.match(self.s, self.i)
            if not m:
                break
            self.i = m.end()
            try:
                items.append(self.conj())
            except _Fail:
                self.i = save
                break
        return items[0] if len(items) == 1 else Or(_flat(Or, items))


_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3}


def _number(text: str) -> float:
    word = _WORDS.get(text.lower())
    return float(word) if word is not None else float(text)


def _flat(op: type, items: list[Condition]) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for c in items:
        out.extend(c.items if isinstance(c, op) else (c,))  # type: ignore[attr-defined]
    return tuple(out)


def _retarget(c: Condition, tag: int, name: str, index: int | None) -> Condition:
    if isinstance(c, (Present, Absent, HasValue)):
        return type(c)(tag, name)
    if isinstance(c, Compare):
        return Compare(tag, c.op, c.number, index, name)
    if isinstance(c, PointsTo):
        return PointsTo(tag, c.targets, name)
    if isinstance(c, HasCode):
        return HasCode(tag, c.codes, name)
    if isinstance(c, (Equals, NotEquals)):
        return type(c)(tag, c.values, index, name)
    if isinstance(c, Not):
        return Not(_retarget(c.item, tag, name, index))
    return c


def _body(text: str) -> str:
    body = _LEAD.sub("", text, count=1)
    body = _TRAIL.sub("", body)
    return body.strip().rstrip(".;,: ").strip()


def parse_condition(text: str, names: Mapping[str, int] | None = None) -> Condition:
    """Parse a condition sentence into the AST; :class:`Unparsed` when it is not understood.

    ``names`` optionally maps attribute names to tags, for conditions that name an
    attribute without its tag ("Required if Rescale Intercept is present").
    """
    if not text or not text.strip():
        return Unparsed(text)
    body = _body(text)
    if not body:
        return Unparsed(text)
    whole = _parse_all(body, names)
    if whole is not None:
        return whole
    return _parse_clauses(text, body, names)


def _parse_all(
    body: str, names: Mapping[str, int] | None, *, single: bool = False
) -> Condition | None:
    p = _Parser(body, names)
    try:
        cond = p.atom() if single else p.disj()
    except _Fail:
        return None
    return None if body[p.i :].strip(" .;,") else cond


_CLAUSE_SPLIT = re.compile(r",?\s+and\s+(?:if\s+)?", re.I)


def _parse_clauses(text: str, body: str, names: Mapping[str, int] | None) -> Condition:
    """A conjunction of clauses some of which are prose: ``And`` of the parsed clauses and
    :class:`Unparsed` ones ("the patient is an animal and if X (..) is not present").
    Every parsed clause is then implied by the whole condition, so :func:`evaluate` can
    still answer False. Not done when a prose clause contains "or" (precedence unknown)."""
    if ";" in body or re.match(r"either\b", body, re.I):
        return Unparsed(text)  # a list of alternatives, not a conjunction
    parts = [x.strip(" ,;") for x in _CLAUSE_SPLIT.split(body) if x.strip(" ,;")]
    if len(parts) < 2:
        return Unparsed(text)
    out: list[Condition] = []
    for part in parts:
        # each clause must be one statement about attributes, so that an "or" in it
        # cannot be a clause-level "or" of unknown precedence
        cond = _parse_all(part, names, single=True)
        if cond is None:
            if re.search(r"\bor\b", part, re.I):
                return Unparsed(text)
            cond = Unparsed(part)
        out.append(cond)
    if all(isinstance(c, Unparsed) for c in out):
        return Unparsed(text)
    return And(_flat(And, out))
