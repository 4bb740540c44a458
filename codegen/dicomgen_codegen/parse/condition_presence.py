"""Module and functional group presence in conditions: "Required if Graphic Annotation Module
is present", "Derivation Image Functional Group (C.7.6.16.2.6) is not present".

A module is present in a data set when one of its own attributes is. The rule used here:
the module's top-level attributes of Type 1 or 2 (always present in a present module,
PS3.3 5.4) that no other module of an IOD including this module has at its top level (the
standard names a module in the conditions of IODs and modules used with it); a module
without such an attribute cannot be told apart from the others and stays unparsed. A functional group macro (PS3.3
C.7.6.16) is present when its sequence is in an item of the Shared, Per-frame or Current Frame
Functional Groups Sequence.

:func:`presence_conditions` builds the table (title -> condition) from the module and macro
tables; :func:`presence_clause` reads a clause of the grammar against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dicomgen.core.conditions import AnyItem, Condition, Not, Or, Present

__all__ = ["FUNCTIONAL_GROUP_SEQUENCES", "presence_conditions", "presence_key", "presence_clause"]

FUNCTIONAL_GROUP_SEQUENCES = (
    (0x52009229, "Shared Functional Groups Sequence"),
    (0x52009230, "Per-Frame Functional Groups Sequence"),
    (0x00060001, "Current Frame Functional Groups Sequence"),
)
_ALWAYS_PRESENT = ("1", "2")


def presence_key(kind: str, title: str) -> str:
    """The key of a module ("module") or functional group macro ("fg") by its title."""
    title = re.sub(r"\s+(?:Module|Macro|Functional\s+Group)$", "", title.strip(), flags=re.I)
    return kind + ":" + re.sub(r"\s+", " ", title).lower()


def presence_conditions(
    modules: Mapping[str, Iterable[tuple[int, str, str]]],
    functional_groups: Mapping[str, tuple[int, str]],
    together: Mapping[str, set[str]],
) -> dict[str, Condition]:
    """Presence conditions by :func:`presence_key`.

    ``modules``: module title -> its top-level rows (tag, Type, name); ``functional_groups``:
    functional group macro title -> its sequence (tag, name); ``together``: module title ->
    the titles of the modules that some IOD has beside it.
    """
    rows = {title: list(r) for title, r in modules.items()}
    owners: dict[int, set[str]] = {}
    for title, top in rows.items():
        for tag, _type, _name in top:
            owners.setdefault(tag, set()).add(title)
    out: dict[str, Condition] = {}
    for title, top in rows.items():
        seen: dict[int, str] = {}
        for tag, typ, name in top:
            others = owners[tag] - {title}
            if typ.strip().upper() in _ALWAYS_PRESENT and not others & together.get(title, set()):
                seen.setdefault(tag, name)
        items = [Present(tag, name) for tag, name in seen.items()]
        if items:
            out[presence_key("module", title)] = items[0] if len(items) == 1 else Or(items)
    for title, (tag, name) in functional_groups.items():
        out[presence_key("fg", title)] = Or(
            tuple(
                AnyItem(fg, Present(tag, name), fg_name)
                for fg, fg_name in FUNCTIONAL_GROUP_SEQUENCES
            )
        )
    return out


_TAG = re.compile(r"\(\s*[0-9A-Fa-f]{4}\s*,\s*[0-9A-Fa-f]{4}\s*\)")
_CLAUSE = re.compile(
    r"\s*(?P<body>(?:[^;.]|\.(?=\d))+?)\s+(?P<verb>(?:is|are)\s+(?P<neg>not\s+)?(?:present|included)|exists?"
    r"|(?-i:Present))\b",
    re.I,
)
_SECTION = re.compile(r"\s*\((?:Section\s+)?C\.[\d.]+\s*\)$", re.I)
_SUFFIX = re.compile(
    r"\s+(?P<suffix>Functional\s+Group(?:\s+(?:Macros?|Modules?))?|Modules?|Macros?)$", re.I
)
_SPLIT = re.compile(r"\s*,\s*(?:or\s+)?|\s+or\s+", re.I)


def presence_clause(
    text: str, at: int, presence: Mapping[str, Condition]
) -> tuple[Condition, int] | None:
    """A clause "[the] A Module [or B Module] is [not] present" at ``at`` of ``text``: its
    condition and where it ends; None when the clause is not of that form or names a module
    without a presence rule."""
    m = _CLAUSE.match(text, at)
    if not m or _TAG.search(m.group("body")):
        return None
    parts = [p for p in _SPLIT.split(m.group("body")) if p]
    if not parts:
        return None
    last = _SUFFIX.search(_SECTION.sub("", parts[-1]))
    if last is None:
        return None
    default = "fg" if re.match(r"Functional|Macro", last.group("suffix"), re.I) else "module"
    found: list[Condition] = []
    for part in parts:
        part = _SECTION.sub("", re.sub(r"^the\s+", "", part.strip(), flags=re.I))
        sm = _SUFFIX.search(part)
        kind = default
        if sm:
            kind = "fg" if re.match(r"Functional|Macro", sm.group("suffix"), re.I) else "module"
            part = part[: sm.start()]
        if not part or not part[0].isupper():
            return None
        cond = presence.get(presence_key(kind, part))
        if cond is None:
            return None
        found.append(cond)
    cond = found[0] if len(found) == 1 else Or(tuple(found))
    if m.group("neg"):
        cond = Not(cond)
    return cond, m.end()
