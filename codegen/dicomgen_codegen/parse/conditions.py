"""Conditions of PS3.3: "Required if ...", "Include ... if and only if ...", usage "C - ...".

PS3.3 Section 5.4 and 7.4 (Type 1C/2C, Section 7.4 of PS3.5) state conditions in English.
The common forms are regular enough to parse into a small AST:

* ``Present`` / ``Absent``: "X (gggg,eeee) is present", "... is not present", "... is absent",
  "... is sent", "... exists";
* ``HasValue``: "X (gggg,eeee) is present and has a value";
* ``Equals`` / ``NotEquals``: "X (gggg,eeee) [Value n] equals / is / has a value of A, B or C",
  "... is other than A", "... is not A" (a value list means "one of");
* ``And`` / ``Or`` / ``Not``: joined clauses; "A (..) or B (..) is present" distributes;
* ``Compare``: "greater than 1", "is non-zero", "is zero";
* ``Count``: "the number of Items in X (..) is greater than 1", "X (..) is multi-valued";
* ``PointsTo``: "Frame Increment Pointer (0028,0009) points to / includes the Tag for X (..)";
* ``HasCode``: "X Code Sequence (..) contains an Item with the value (111782, DCM, "...")";
* ``AnyItem``: "A (..) within Y Sequence (..) is ...", "... in any of the Items in Y (..)";
* ``InItem``: "... is present in this Item of the Y Sequence (..)", "... in the containing Y
  Sequence (..) Item" (the enclosing item of Y);
* ``FrameLevel``: a clause "of this frame", whose operands may be in another functional group;
* ``FirstItem`` / ``Varies``: "for first Item of Control Point Sequence, or if Gantry Angle
  changes during Beam" (the item's position; a value that differs between the items);
* ``LastItem``: "for all but the last Item in this Sequence" (this Sequence: the one that
  encloses the row);
* module and functional group presence ("Mask Module is present", :mod:`.condition_presence`);
* fixed phrases of the standard with a meaning in the data set (:data:`PHRASES`, each with
  its reason), e.g. "the Target Content Item is included by-value" = Referenced Content Item
  Identifier (0040,DB73) absent.

Attributes named without a tag are resolved through ``names`` (name -> tag), e.g. from the
attribute tables or the data dictionary.

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
    "parse_condition",
    "PHRASES",
    "extract_condition_text",
    "extract_requirement_text",
    "tag_int",
    "evaluate",
    "is_parsed",
    "tags_of",
]


# The AST and its evaluation are the runtime's (generated code writes these very classes);
# this module adds the parser from the standard's English.
from dicomgen.core.conditions import (
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
    evaluate,
    is_parsed,
    tags_of,
)

from .condition_grammar import Fail, Parser, flat
from .condition_patterns import LEAD, PHRASES, TRAIL

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
        found = _REQUIRED.search(sentence)
        if found:
            # a list or a gloss run into the sentence ("Defined Terms: A B Required if ...")
            sentence = sentence[found.start() :]
            rest = description[b:].lstrip()
            follow = re.match(r"(May|Shall|Otherwise)\b[^.]*\botherwise\.", rest)
            if follow:
                sentence += " " + follow.group(0)
            return sentence
    return ""


# requirement sentences in other forms than "Required if ..."
_OTHER_REQUIREMENT = re.compile(
    r"\b(?:Required\s+(?:for|only\s+for|in)\b|shall\s+be\s+present\b|(?:is|are)\s+required\b"
    r"|Mutually\s+exclusive\b|May\s+be\s+present\s+(?:only\s+)?if\b)",
    re.I,
)


def extract_requirement_text(text: str) -> str:
    """A requirement of a Type 1C/2C description stated in another form than "Required if"
    ("Required for the first Item ...", "Either ... are required", "Mutually exclusive with
    ..."): the text from the sentence that states it; "" when there is none."""
    m = _OTHER_REQUIREMENT.search(text)
    if not m:
        return ""
    start = max(text.rfind(". ", 0, m.start()) + 2, 0) if ". " in text[: m.start()] else 0
    return text[start:].strip()


# --- parsing (the grammar: .condition_grammar, its expressions: .condition_patterns) ----


def tag_int(tag: str) -> int | None:
    """A normalized tag ``"(0010,0010)"`` as 0x00100010 (a condition's subject, an enclosing
    sequence); None for a repeating group such as ``"(60xx,3000)"``."""
    return None if "x" in tag else int(tag[1:5] + tag[6:10], 16)


def _body(text: str) -> str:
    body = LEAD.sub("", text, count=1)
    body = TRAIL.sub("", body)
    return body.strip().rstrip(".;,: ").strip()


def parse_condition(
    text: str,
    names: Mapping[str, int] | None = None,
    presence: Mapping[str, Condition] | None = None,
    subject: tuple[int, str] | None = None,
    within: tuple[tuple[int, str], ...] = (),
) -> Condition:
    """Parse a condition sentence into the AST; :class:`Unparsed` when it is not understood.

    ``names`` optionally maps attribute names to tags, for conditions that name an
    attribute without its tag ("Required if Rescale Intercept is present"); ``presence``
    maps modules and functional group macros to the test of their presence
    (:func:`~.condition_presence.presence_conditions`), for "Required if X Module is present";
    ``subject`` is the attribute (tag, name) the condition is of, which "for first Item of
    Control Point Sequence, or if <it, in other words> changes during Beam" refers to;
    ``within`` are the sequences (tag, name) that enclose its row, outermost first: "for first
    Item of Control Point Sequence" in a row of the Ion Control Point Sequence means that one.
    """
    if not text or not text.strip():
        return Unparsed(text)
    body = _body(text)
    if not body:
        return Unparsed(text)
    whole = _parse_all(body, names, presence, subject=subject, within=within)
    if whole is not None:
        return whole
    listed = _parse_alternatives(body, names, presence)
    if listed is not None:
        return listed
    return _parse_clauses(text, body, names, presence)


_EITHER_LIST = re.compile(r"^either\s*:\s*(.*)$", re.I | re.S)
_ALTERNATIVE_END = re.compile(r"[\s,;]*(?:\bor)?[\s,;.]*$", re.I)


def _parse_alternatives(
    body: str, names: Mapping[str, int] | None, presence: Mapping[str, Condition] | None
) -> Condition | None:
    """ "either: A; B; C" (a list of alternatives, one per list item): ``Or`` of them, only
    when every alternative parses."""
    m = _EITHER_LIST.match(body)
    if not m or ";" not in m.group(1):
        return None
    out: list[Condition] = []
    for alt in m.group(1).split(";"):
        alt = _ALTERNATIVE_END.sub("", alt).strip()
        if not alt:
            continue
        cond = _parse_all(alt, names, presence)
        if cond is None:
            return None
        out.append(cond)
    return Or(flat(Or, out)) if len(out) > 1 else None


def _parse_all(
    body: str,
    names: Mapping[str, int] | None,
    presence: Mapping[str, Condition] | None = None,
    *,
    single: bool = False,
    subject: tuple[int, str] | None = None,
    within: tuple[tuple[int, str], ...] = (),
) -> Condition | None:
    p = Parser(body, names, presence, subject, within)
    try:
        cond = p.atom() if single else p.disj()
    except Fail:
        return None
    return None if body[p.i :].strip(" .;,") else cond


_CLAUSE_SPLIT = re.compile(r",?\s+and\s+(?:if\s+)?", re.I)


def _parse_clauses(
    text: str,
    body: str,
    names: Mapping[str, int] | None,
    presence: Mapping[str, Condition] | None,
) -> Condition:
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
        cond = _parse_all(part, names, presence, single=True)
        if cond is None:
            if re.search(r"\bor\b", part, re.I):
                return Unparsed(text)
            cond = Unparsed(part)
        out.append(cond)
    if all(isinstance(c, Unparsed) for c in out):
        return Unparsed(text)
    return And(flat(And, out))
