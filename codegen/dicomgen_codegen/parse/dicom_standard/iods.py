"""IODs of the extract: ``ciods.json`` + ``ciod_to_modules.json`` + ``ciod_to_fg_macros.json``
-> :class:`~dicomgen_codegen.ir.iod.IODRecord` s.

Ids are the standard's: an IOD's ``xml_id`` is the fragment of its ``linkToStandard``
(``…/sect_A.3.3.html#table_A.3-1`` -> ``table_A.3-1``), its ``section_xml_id`` the page
(``sect_A.3.3``); a module's or macro's table id likewise. The Usage cell is rebuilt as
published ("C - Required if …").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...ir.iod import (
    FunctionalGroupRef,
    IODModuleRef,
    IODRecord,
    Provenance,
    ReportIssue,
)
from ..conditions import Condition

_PART_PREFIX_RE = re.compile(r"^table_PS3\.\d+_")


def table_id(link: str) -> str:
    """``"…/sect_C.7.html#table_C.7-1"`` -> ``"table_C.7-1"``. Some anchors of the HTML carry
    the part (``#table_PS3.3_A.75-1``); the DocBook id, which the IR keeps, does not."""
    return _PART_PREFIX_RE.sub("table_", link.rsplit("#", 1)[-1])


def page_id(link: str) -> str:
    """``"…/sect_C.7.html#table_C.7-1"`` -> ``"sect_C.7"`` (the page holding the table)."""
    return link.split("#", 1)[0].rsplit("/", 1)[-1].removesuffix(".html")


def _usage(row: dict[str, Any]) -> tuple[str, str, str]:
    usage = (row.get("usage") or "").strip()
    cond = (row.get("conditionalStatement") or "").strip()
    return usage, (f"{usage} - {cond}" if cond else usage), cond


def build_iods(
    files: dict[str, Any],
    condition: Callable[[str, str, int], Condition | None],
    prov: Callable[[str, int | None], Provenance],
    missing: list[ReportIssue],
    row_issues: list[ReportIssue],
) -> list[IODRecord]:
    """Every IOD of ``ciods.json`` with its modules and functional group macros, in the
    extract's order; unknown module/macro ids are listed in ``missing``."""
    modules = {m["id"]: m for m in files["modules"]}
    macros = {m["id"]: m for m in files["macros"]}
    by_iod: dict[str, list[dict[str, Any]]] = {}
    for r in files["ciod_to_modules"]:
        by_iod.setdefault(r["ciodId"], []).append(r)
    fg_by_iod: dict[str, list[dict[str, Any]]] = {}
    for r in files["ciod_to_fg_macros"]:
        fg_by_iod.setdefault(r["ciodId"], []).append(r)
    out: list[IODRecord] = []
    for ciod in files["ciods"]:
        xml_id = table_id(ciod["linkToStandard"])
        refs: list[IODModuleRef] = []
        for n, r in enumerate(by_iod.get(ciod["id"], ()), start=1):
            mod = modules.get(r["moduleId"])
            if mod is None:
                missing.append(ReportIssue(xml_id, n, f"module {r['moduleId']!r} not in modules"))
                continue
            usage, text, cond_text = _usage(r)
            if usage == "C" and not cond_text:
                row_issues.append(ReportIssue(xml_id, n, "Usage C without a condition"))
            refs.append(
                IODModuleRef(
                    ie=r.get("informationEntity") or "",
                    module=mod["name"],
                    reference_xml_id=page_id(mod["linkToStandard"]),
                    table_xml_id=table_id(mod["linkToStandard"]),
                    usage=usage,
                    usage_text=text,
                    condition_text=cond_text,
                    condition=condition(cond_text, xml_id, n) if cond_text else None,
                    source=prov(xml_id, n),
                )
            )
        groups: list[FunctionalGroupRef] = []
        for n, r in enumerate(fg_by_iod.get(ciod["id"], ()), start=1):
            mac = macros.get(r["macroId"])
            if mac is None:
                missing.append(ReportIssue(xml_id, n, f"macro {r['macroId']!r} not in macros"))
                continue
            usage, text, cond_text = _usage(r)
            groups.append(
                FunctionalGroupRef(
                    macro=mac["name"],
                    reference_xml_id=page_id(mac["linkToStandard"]),
                    table_xml_id=table_id(mac["linkToStandard"]),
                    usage=usage,
                    usage_text=text,
                    condition_text=cond_text,
                    condition=condition(cond_text, xml_id, n) if cond_text else None,
                    source=prov(xml_id, n),
                )
            )
        out.append(
            IODRecord(
                title=ciod["name"],
                xml_id=xml_id,
                section_xml_id=page_id(ciod["linkToStandard"]),
                modules=tuple(refs),
                functional_groups=tuple(groups),
                source=prov(xml_id, None),
            )
        )
    return out
