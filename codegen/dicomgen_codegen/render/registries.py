"""View models and rendering of the registry modules of ``dicomgen_std``.

Templates only loop and print; everything they print is prepared here.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..ir.model import DATA_ELEMENTS_SOURCE, Registry
from .env import render
from .filters import tag_value_mask

PACKAGE = "dicomgen_std"


def _sources_text(reg: Registry, parts: tuple[str, ...]) -> str:
    have = [f"{p} {reg.sources[p]}" for p in parts if p in reg.sources]
    return ", ".join(have) if have else "the committed IR"


@attrs.frozen
class _Elem:
    tag: int
    mask: int
    vrs: tuple[str, ...]
    vm: str
    keyword: str
    name: str
    retired: bool
    doc: str


def element_views(reg: Registry) -> tuple[list[_Elem], list[_Elem]]:
    """(exact entries sorted by tag, repeating-group entries most specific first).

    Rows without a keyword (published as reserved "RET - See Note" rows) are not emitted.
    """
    exact: dict[int, _Elem] = {}
    repeaters: list[_Elem] = []
    for r in reg.data_elements:
        if not r.keyword:
            continue
        value, mask = tag_value_mask(r.tag)
        vr = " or ".join(r.vrs) if r.vrs else "no VR"
        src = r.source
        where = f"{src.part} {src.xml_id}" if src else ""
        ret = " Retired." if r.retired else ""
        doc = f"{r.tag} {r.name}: VR {vr}, VM {r.vm or 'unspecified'}.{ret} ({where})"
        e = _Elem(value, mask, r.vrs, r.vm, r.keyword, r.name, r.retired, doc)
        if mask == 0xFFFFFFFF:
            exact[value] = e
        else:
            repeaters.append(e)
    repeaters.sort(key=lambda e: (-bin(e.mask).count("1"), e.tag))
    return [exact[t] for t in sorted(exact)], repeaters


def render_registries(reg: Registry) -> dict[str, str]:
    """{relative path: unformatted source} for every registry module."""
    out: dict[str, str] = {}
    exact, repeaters = element_views(reg)
    elements = DATA_ELEMENTS_SOURCE if DATA_ELEMENTS_SOURCE in reg.sources else "PS3.6"
    dict_src = _sources_text(reg, (elements, "PS3.7"))
    out["dictionary.py"] = render(
        "dictionary.py.j2",
        doc=(
            f"The DICOM data dictionary: {len(exact)} data elements and {len(repeaters)} "
            f"repeating-group entries, from {dict_src}."
        ),
        exact=exact,
        repeaters=repeaters,
    )
    out["tags.py"] = render(
        "tags.py.j2",
        doc=f"Tag constants by keyword (``Tags.PatientName == 0x00100010``), from {dict_src}.",
        entries=[e for e in exact],
    )
    out["uids.py"] = render(
        "uids.py.j2",
        doc=(
            f"Registered UIDs ({len(reg.uids)}) as named constants and the ``UIDS`` registry, "
            f"from {_sources_text(reg, ('PS3.6',))}."
        ),
        uids=[_uid_view(u) for u in reg.uids],
    )
    out["context_groups.py"] = render(
        "context_groups.py.j2",
        doc=(
            f"Context group UIDs ({len(reg.context_group_uids)}), from "
            f"{_sources_text(reg, ('PS3.6',))} Table A-3."
        ),
        groups=list(reg.context_group_uids),
    )
    return out


def _uid_view(u: Any) -> dict[str, Any]:
    parts = [u.name, f"({u.type}"]
    if u.part:
        parts[-1] += f", {u.part}"
    parts[-1] += ")."
    if u.retired:
        parts.append("Retired.")
    return {
        "uid": u.uid,
        "name": u.name,
        "keyword": u.keyword,
        "type": u.type,
        "retired": u.retired,
        "part": u.part,
        "doc": " ".join(parts) + f" UID {u.uid}.",
    }


def render_package_init(doc: str, lazy: list[tuple[str, str]]) -> str:
    """A lazy package ``__init__``: ``lazy`` pairs each public name with its submodule."""
    by_module: dict[str, list[str]] = {}
    for name, module in lazy:
        by_module.setdefault(module, []).append(name)
    grouped = [(m, sorted(names)) for m, names in sorted(by_module.items())]
    return render("package_init.py.j2", doc=doc, lazy=grouped)
