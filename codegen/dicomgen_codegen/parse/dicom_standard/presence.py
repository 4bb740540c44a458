"""Presence tests of the extract's modules and functional group macros, for the conditions
that name a module ("Required if Mask Module is present"), see
:mod:`~dicomgen_codegen.parse.condition_presence` for the rule."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from dicomgen.core.conditions import Condition

from ..condition_presence import held_conditions, presence_conditions

__all__ = ["extract_presence"]

_TOP = re.compile(r"^[^:]+:([0-9A-Fa-f]{8})$")
_PATH = re.compile(r"^[^:]+((?::[0-9A-Fa-f]{8})+)$")


def _top_rows(
    rows: Iterable[Mapping[str, Any]], field: str, names: Mapping[int, str]
) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    for r in rows:
        m = _TOP.match(str(r.get("path", "")))
        if not m:
            continue
        tag = int(m.group(1), 16)
        out.setdefault(str(r[field]), []).append((tag, str(r.get("type", "")), names.get(tag, "")))
    return out


def _paths(
    rows: Iterable[Mapping[str, Any]], title: Mapping[str, str]
) -> dict[str, list[tuple[int, ...]]]:
    """Module title -> the tag paths of its rows (rows of a repeating group, ``60xx``, left out)."""
    out: dict[str, list[tuple[int, ...]]] = {}
    for r in rows:
        m = _PATH.match(str(r.get("path", "")))
        module = title.get(str(r.get("moduleId", "")))
        if m and module:
            out.setdefault(module, []).append(tuple(int(t, 16) for t in m.group(1)[1:].split(":")))
    return out


def extract_presence(
    data: Mapping[str, Any], names: Mapping[str, int] | None = None
) -> dict[str, Condition]:
    """The presence conditions of every module and functional group macro of the extract
    (``data``: file name without ``.json`` -> parsed JSON); ``names``: attribute name -> tag,
    to name the attributes in the conditions."""
    by_tag = {t: n for n, t in (names or {}).items()}
    module_tops = _top_rows(data["module_to_attributes"], "moduleId", by_tag)
    macro_tops = _top_rows(data["macro_to_attributes"], "macroId", by_tag)
    modules = {m["name"]: module_tops.get(m["id"], []) for m in data["modules"]}
    fg_ids = {str(f["macroId"]) for f in data["ciod_to_fg_macros"]}
    groups: dict[str, tuple[int, str]] = {}
    for m in data["macros"]:
        top = macro_tops.get(m["id"], [])
        if m["id"] in fg_ids and len(top) == 1:
            tag, _type, name = top[0]
            groups[m["name"]] = (tag, name)
    title = {m["id"]: m["name"] for m in data["modules"]}
    per_iod: dict[str, set[str]] = {}
    for u in data["ciod_to_modules"]:
        if u["moduleId"] in title:
            per_iod.setdefault(str(u["ciodId"]), set()).add(title[u["moduleId"]])
    together: dict[str, set[str]] = {}
    for members in per_iod.values():
        for name in members:
            together.setdefault(name, set()).update(members - {name})
    out = presence_conditions(modules, groups, together)
    out.update(held_conditions(_paths(data["module_to_attributes"], title), by_tag))
    return out
