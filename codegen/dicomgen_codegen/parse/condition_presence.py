"""Module and functional group presence in conditions: "Required if Graphic Annotation Module
is present", "Derivation Image Functional Group (C.7.6.16.2.6) is not present".

A module is present in a data set when one of its own attributes is. The rule used here:
the module's top-level attributes of Type 1 or 2 (always present in a present module,
PS3.3 5.4) that no other module of an IOD including this module has at its top level (the
standard names a module in the conditions of IODs and modules used with it); a module
without such an attribute cannot be told apart from the others and stays unparsed. Two modules
named together ("the Display Shutter Module or Bitmap Display Shutter Module is present") are
told by the same rule applied to both (an attribute of either that no third module of their IODs
has). A functional group macro (PS3.3 C.7.6.16) is present when its sequence is in an item of
the Shared, Per-frame or Current Frame Functional Groups Sequence. An attribute "present in the
X Module" is present where X's table puts it: at the top level, or in an item of each sequence
of its path.

:func:`presence_conditions` builds the table (title -> condition) from the module and macro
tables; :func:`presence_clause` reads a clause of the grammar against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dicomgen.core.conditions import AnyItem, Condition, Equals, Not, Or, Present

__all__ = [
    "FUNCTIONAL_GROUP_SEQUENCES",
    "presence_conditions",
    "presence_key",
    "presence_clause",
    "group_key",
    "held_key",
    "held_conditions",
    "held_anywhere",
    "sop_class_key",
    "sop_class_conditions",
    "SOP_CLASS_UID",
]

FUNCTIONAL_GROUP_SEQUENCES = (
    (0x52009229, "Shared Functional Groups Sequence"),
    (0x52009230, "Per-Frame Functional Groups Sequence"),
    (0x00060001, "Current Frame Functional Groups Sequence"),
)
_ALWAYS_PRESENT = ("1", "2")
SOP_CLASS_UID = (0x00080016, "SOP Class UID")


def presence_key(kind: str, title: str) -> str:
    """The key of a module ("module") or functional group macro ("fg") by its title."""
    title = re.sub(r"\s+(?:Module|Macro|Functional\s+Group)$", "", title.strip(), flags=re.I)
    return kind + ":" + re.sub(r"\s+", " ", title).lower()


def group_key(keys: Iterable[str]) -> str:
    """The key of "A Module or B Module is present" (both :func:`presence_key` of a module)."""
    return "|".join(sorted(keys))


def held_key(module: str, tag: int) -> str:
    """The key of "X (tag) is present in the <module> Module" (``module``: its title)."""
    return f"{presence_key('module', module)}@{tag:08X}"


def held_conditions(
    paths: Mapping[str, Iterable[tuple[int, ...]]], names: Mapping[int, str] | None = None
) -> dict[str, Condition]:
    """Where a module holds each of its attributes (by :func:`held_key`): ``paths`` maps a
    module title to its rows' tag paths (sequence tags, then the attribute's tag); ``names``
    names the attributes (tag -> name)."""
    names = names or {}
    found: dict[str, dict[tuple[int, ...], None]] = {}
    for title, rows in paths.items():
        for path in rows:
            found.setdefault(held_key(title, path[-1]), {})[path] = None
    out: dict[str, Condition] = {}
    for key, ways in found.items():
        conds: list[Condition] = []
        for path in ways:
            cond: Condition = Present(path[-1], names.get(path[-1], ""))
            for seq in reversed(path[:-1]):
                cond = AnyItem(seq, cond, names.get(seq, ""))
            conds.append(cond)
        out[key] = conds[0] if len(conds) == 1 else Or(tuple(conds))
    return out


def sop_class_key(name: str) -> str:
    """The key of a SOP Class by its name, with or without the words "SOP Class"."""
    name = re.sub(r"\s+SOP\s+Class$", "", name.strip(), flags=re.I)
    return "sop:" + re.sub(r"\s+", " ", name).lower()


def sop_class_conditions(sop_classes: Mapping[str, str]) -> dict[str, Condition]:
    """ "The SOP Class is X": SOP Class UID (0008,0016) equals X's UID, by
    :func:`sop_class_key`; ``sop_classes`` maps the registry's SOP Class names to UIDs."""
    tag, name = SOP_CLASS_UID
    return {
        sop_class_key(title): Equals(tag, (uid,), None, name) for title, uid in sop_classes.items()
    }


def held_anywhere(presence: Mapping[str, Condition], tag: int) -> Condition | None:
    """Where the modules hold ``tag`` (:func:`held_conditions`), when every module that holds
    it holds it in the same place; None when none holds it or they differ."""
    suffix = f"@{tag:08X}"
    found = {cond for key, cond in presence.items() if key.endswith(suffix)}
    return next(iter(found)) if len(found) == 1 else None


def _rule(
    titles: set[str],
    rows: Mapping[str, list[tuple[int, str, str]]],
    owners: Mapping[int, set[str]],
    together: Mapping[str, set[str]],
) -> Condition | None:
    """The presence test of one of ``titles``: their Type 1/2 top-level attributes that no
    other module of an IOD including one of them has; None when there is none."""
    beside = set().union(*(together.get(t, set()) for t in titles)) - titles
    seen: dict[int, str] = {}
    for title in sorted(titles):
        for tag, typ, name in rows[title]:
            if typ.strip().upper() in _ALWAYS_PRESENT and not (owners[tag] - titles) & beside:
                seen.setdefault(tag, name)
    items = [Present(tag, name) for tag, name in seen.items()]
    if not items:
        return None
    return items[0] if len(items) == 1 else Or(tuple(items))


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
    for title in rows:
        rule = _rule({title}, rows, owners, together)
        if rule is not None:
            out[presence_key("module", title)] = rule
    # a module without a rule of its own, named together with one that shares its attributes
    for title, top in rows.items():
        if presence_key("module", title) in out:
            continue
        for tag, typ, _name in top:
            for other in owners[tag] & together.get(title, set()):
                key = group_key((presence_key("module", title), presence_key("module", other)))
                if key in out or typ.strip().upper() not in _ALWAYS_PRESENT:
                    continue
                rule = _rule({title, other}, rows, owners, together)
                if rule is not None:
                    out[key] = rule
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
    keys: list[str] = []
    for part in parts:
        part = _SECTION.sub("", re.sub(r"^the\s+", "", part.strip(), flags=re.I))
        sm = _SUFFIX.search(part)
        kind = default
        if sm:
            kind = "fg" if re.match(r"Functional|Macro", sm.group("suffix"), re.I) else "module"
            part = part[: sm.start()]
        if not part or not part[0].isupper():
            return None
        keys.append(presence_key(kind, part))
        cond = presence.get(keys[-1])
        if cond is not None:
            found.append(cond)
    if len(found) < len(keys):
        together = presence.get(group_key(keys)) if len(keys) > 1 else None
        if together is None:
            return None
        found = [together]
    cond = found[0] if len(found) == 1 else Or(tuple(found))
    if m.group("neg"):
        cond = Not(cond)
    return cond, m.end()
