"""IR records for PS3.3: IODs, modules, macros, their rows, value sets and the parse report.

Every record is a frozen attrs class with plain fields (str, int, bool, None, tuples and
nested records) and a :class:`~.model.Provenance` excluded from equality.

The shapes follow PS3.3 as published:

* an IOD Module Table (e.g. PS3.3 Table A.3-1 "CT Image IOD Modules") has the columns
  IE | Module | Reference | Usage -> :class:`IODRecord` with :class:`IODModuleRef` s;
* an enhanced IOD also has a Functional Group Macros table (e.g. Table A.38-2,
  Functional Group Macro | Section | Usage) -> :class:`FunctionalGroupRef` s;
* a Module or Macro Attributes table (PS3.3 Section 5.4 "Attribute Macro notation"):
  Attribute Name | Tag | Type | Attribute Description -> :class:`AttributeTableRecord`
  with rows :class:`AttributeRow`, :class:`IncludeRow`, :class:`DescriptionRow`,
  :class:`HeadingRow`;
* Enumerated Values / Defined Terms (PS3.3 Section 5.3) -> :class:`ValueSet`.

Conditions are :mod:`dicomgen_codegen.parse.conditions` nodes; the row and condition
unions need tagged (de)serialisation: :func:`register_cattrs_hooks` configures a cattrs
converter for them.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import attrs

from ..parse.conditions import (
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
)
from .model import Provenance, _prov

__all__ = [
    "ValueSet",
    "AttributeRow",
    "IncludeRow",
    "DescriptionRow",
    "HeadingRow",
    "TableRow",
    "AttributeTableRecord",
    "IODModuleRef",
    "FunctionalGroupRef",
    "IODRecord",
    "ValueTableRecord",
    "ReportIssue",
    "SkippedTable",
    "Part03Report",
    "Part03Result",
    "register_cattrs_hooks",
    "Provenance",
]


@attrs.frozen
class ValueSet:
    """Enumerated Values or Defined Terms of an attribute (PS3.3 Section 5.3).

    ``values`` and ``meanings`` are parallel (a meaning is "" when none is given).
    ``qualifier`` keeps what the list's title says beyond the kind, e.g.
    ``"when Dose Type (3004,0004) = ERROR"`` or a term table's caption.
    ``source_xml_id`` is "" when the list is in the attribute's description cell, else
    the xml:id of the section or table it was found in.
    """

    kind: str  # "enumerated" | "defined"
    values: tuple[str, ...]
    meanings: tuple[str, ...]
    qualifier: str = ""
    retired: bool = False
    source_xml_id: str = ""
    value_index: int | None = None  # "Value 3" in the qualifier: the terms of that value


@attrs.frozen
class AttributeRow:
    """A row naming one attribute: ``>>Code Value | (0008,0100) | 1C | ...``.

    ``depth`` is the number of leading ``>`` (sequence nesting). ``keyword`` is not
    published in PS3.3 and is left "" (filled from the PS3.6 dictionary by tag).
    ``summary`` is the first paragraph of the description, ``description`` the full
    text with one line per block. ``condition_text`` is the "Required if ..." sentence
    for types 1C/2C ("" otherwise) and ``condition`` its parse (None when no text).
    ``references`` are the xml:ids the description links to.
    """

    name: str
    tag: str
    type: str
    depth: int
    summary: str
    description: str
    keyword: str = ""
    condition_text: str = ""
    condition: Condition | None = None
    value_sets: tuple[ValueSet, ...] = ()
    references: tuple[str, ...] = ()
    source: Provenance | None = _prov()


@attrs.frozen
class IncludeRow:
    """``>Include Table 8.8-1 "Code Sequence Macro Attributes" ...`` (PS3.3 Section 5.4).

    ``target`` is the xml:id of the included table ("" for the
    ``functional_groups`` form "Include one or more Functional Group Macros ...").
    ``condition_text`` holds the "if and only if ..." / "if ..." clause, if any.
    ``note`` is the description cell (e.g. "Baseline CID 19", "No Baseline CID is defined.").
    """

    depth: int
    target: str
    text: str
    condition_text: str = ""
    condition: Condition | None = None
    functional_groups: bool = False
    note: str = ""
    source: Provenance | None = _prov()


@attrs.frozen
class DescriptionRow:
    """A row describing attributes in words, without a tag
    (``>>Any Attribute from the main data set that was modified or removed.``)."""

    depth: int
    text: str
    type: str
    description: str
    source: Provenance | None = _prov()


@attrs.frozen
class HeadingRow:
    """A full-width heading row (``BASIC CODED ENTRY ATTRIBUTES``)."""

    text: str
    source: Provenance | None = _prov()


TableRow = Union[AttributeRow, IncludeRow, DescriptionRow, HeadingRow]


@attrs.frozen
class AttributeTableRecord:
    """A Module or Macro Attributes table.

    ``title`` is the caption without its suffix ("Patient Module Attributes" ->
    "Patient"); ``kind`` is "module", "macro" or "unknown" (caption says neither and no
    IOD references it); ``section_xml_id`` the enclosing section.
    """

    xml_id: str
    title: str
    caption: str
    kind: str
    section_xml_id: str
    rows: tuple[TableRow, ...]
    source: Provenance | None = _prov()


@attrs.frozen
class IODModuleRef:
    """One row of an IOD Module Table (PS3.3 Annex A): IE | Module | Reference | Usage.

    ``usage`` is "M", "C" or "U"; ``usage_text`` the whole cell ("C - Required if ...");
    ``reference_xml_id`` the section the Reference column links to and ``table_xml_id``
    the module table found in it ("" when it cannot be resolved; reported).
    """

    ie: str
    module: str
    reference_xml_id: str
    table_xml_id: str
    usage: str
    usage_text: str
    condition_text: str = ""
    condition: Condition | None = None
    source: Provenance | None = _prov()


@attrs.frozen
class FunctionalGroupRef:
    """One row of a Functional Group Macros table (e.g. PS3.3 Table A.38-2)."""

    macro: str
    reference_xml_id: str
    table_xml_id: str
    usage: str
    usage_text: str
    condition_text: str = ""
    condition: Condition | None = None
    source: Provenance | None = _prov()


@attrs.frozen
class IODRecord:
    """An IOD: ``title`` from the caption ("CT Image IOD Modules" -> "CT Image")."""

    title: str
    xml_id: str
    section_xml_id: str
    modules: tuple[IODModuleRef, ...]
    functional_groups_xml_id: str = ""
    functional_groups: tuple[FunctionalGroupRef, ...] = ()
    source: Provenance | None = _prov()


@attrs.frozen
class ValueTableRecord:
    """A table of terms ("Defined Term Name | Defined Term Description", "Enumerated
    Value Name | Enumerated Value Description"), e.g. PS3.3 Table C.8-127."""

    xml_id: str
    caption: str
    value_set: ValueSet
    source: Provenance | None = _prov()


@attrs.frozen
class ReportIssue:
    """Something the parser noticed: where (table/section xml:id, row) and what."""

    xml_id: str
    row: int | None
    message: str


@attrs.frozen
class SkippedTable:
    """A table not parsed into the IR, with the reason."""

    xml_id: str
    caption: str
    reason: str


@attrs.frozen
class Part03Report:
    """Coverage of a PS3.3 parse, as numbers and lists of xml:ids.

    ``missing_references``: Include rows, IOD modules and functional groups whose link
    cannot be resolved to an attribute table. ``dangling_links``: links in descriptions
    to ids absent from the document (normal for an excerpt). ``row_issues``: rows that
    were skipped or are suspicious (e.g. Type 1C without a condition).
    ``conditions_unparsed`` counts every condition not fully understood;
    ``conditions_partial`` those among them that are an ``And`` of parsed and prose clauses.
    """

    edition: str
    tables_seen: int
    iod_tables: int
    functional_group_tables: int
    attribute_tables: int
    value_tables: int
    reachable_tables: int
    skipped_tables: tuple[SkippedTable, ...]
    duplicate_tables: tuple[str, ...]
    conflicting_ids: tuple[str, ...]
    row_issues: tuple[ReportIssue, ...]
    missing_references: tuple[ReportIssue, ...]
    dangling_links: tuple[ReportIssue, ...]
    conditions_parsed: int
    conditions_unparsed: int
    conditions_partial: int
    unparsed_conditions: tuple[ReportIssue, ...]

    def summary(self) -> str:
        """A few lines for humans (the generator's log)."""
        total = self.conditions_parsed + self.conditions_unparsed
        ratio = self.conditions_parsed / total if total else 1.0
        return "\n".join(
            [
                f"PS3.3 {self.edition}: {self.tables_seen} tables seen",
                f"  IOD tables {self.iod_tables}, functional group tables "
                f"{self.functional_group_tables}, attribute tables {self.attribute_tables}"
                f" ({self.reachable_tables} reachable from IODs), value tables "
                f"{self.value_tables}",
                f"  skipped tables {len(self.skipped_tables)}, duplicate tables "
                f"{len(self.duplicate_tables)}, conflicting ids {len(self.conflicting_ids)}",
                f"  row issues {len(self.row_issues)}, missing references "
                f"{len(self.missing_references)}, description links to absent ids "
                f"{len(self.dangling_links)}",
                f"  conditions parsed {self.conditions_parsed}/{total} ({ratio:.1%}),"
                f" unparsed {self.conditions_unparsed} (of which {self.conditions_partial}"
                " partly: parsed clauses and prose clauses)",
            ]
        )


@attrs.frozen
class Part03Result:
    """Everything :func:`dicomgen_codegen.parse.part03.parse_part03` produces."""

    part: str
    edition: str
    iods: tuple[IODRecord, ...]
    tables: tuple[AttributeTableRecord, ...]
    value_tables: tuple[ValueTableRecord, ...]
    report: Part03Report

    def table(self, xml_id: str) -> AttributeTableRecord | None:
        for t in self.tables:
            if t.xml_id == xml_id:
                return t
        return None

    def iod(self, title: str) -> IODRecord | None:
        for i in self.iods:
            if i.title == title:
                return i
        return None


_CONDITION_CLASSES = (
    Present,
    Absent,
    HasValue,
    Equals,
    NotEquals,
    Compare,
    Count,
    PointsTo,
    HasCode,
    AnyItem,
    InItem,
    FrameLevel,
    FirstItem,
    LastItem,
    Varies,
    PointsToPrivate,
    And,
    Or,
    Not,
    Unparsed,
)
_ROW_CLASSES = (AttributeRow, IncludeRow, DescriptionRow, HeadingRow)


def condition_to_json(cond: Condition) -> dict[str, Any]:
    """A condition node as plain data: its fields (nested nodes too) and a ``"_type"`` key."""
    data: dict[str, Any] = {"_type": type(cond).__name__}
    for name in cond._fields:
        value = getattr(cond, name)
        if isinstance(value, tuple):
            value = [condition_to_json(v) if hasattr(v, "_fields") else v for v in value]
        elif hasattr(value, "_fields"):
            value = condition_to_json(value)
        data[name] = value
    return data


def condition_from_json(data: dict[str, Any]) -> Condition:
    """Inverse of :func:`condition_to_json`."""
    cls = _CONDITIONS_BY_NAME.get(data.get("_type", ""))
    if cls is None:
        raise ValueError(f"not a condition: {data!r}")
    args: dict[str, Any] = {}
    for name, value in data.items():
        if name == "_type":
            continue
        if isinstance(value, list):
            value = tuple(condition_from_json(v) if isinstance(v, dict) else v for v in value)
        elif isinstance(value, dict):
            value = condition_from_json(value)
        args[name] = value
    return cls(**args)


_CONDITIONS_BY_NAME = {c.__name__: c for c in _CONDITION_CLASSES}


def register_cattrs_hooks(converter) -> None:  # type: ignore[no-untyped-def]
    """Configure ``converter`` (a :class:`cattrs.Converter`) for the unions of this IR.

    Condition nodes and table rows are written as dicts with a ``"_type"`` key naming the
    class, so JSON round-trips exactly. Table rows are attrs classes; condition nodes are the
    runtime's plain classes (:mod:`dicomgen.core.conditions`), converted by the functions above.
    """

    def cond_un(obj):  # type: ignore[no-untyped-def]
        return None if obj is None else condition_to_json(obj)

    def cond_st(data, _type):  # type: ignore[no-untyped-def]
        return None if data is None else condition_from_json(data)

    for t in (Condition, Optional[Condition]):  # type: ignore[valid-type]
        converter.register_unstructure_hook_func(lambda x, t=t: x == t, cond_un)
        converter.register_structure_hook_func(lambda x, t=t: x == t, cond_st)
    for cls in _CONDITION_CLASSES:
        converter.register_unstructure_hook(cls, cond_un)
        converter.register_structure_hook(cls, cond_st)

    by_name = {c.__name__: c for c in _ROW_CLASSES}

    def unstructure(obj, _conv=converter):  # type: ignore[no-untyped-def]
        data = _conv.unstructure(obj, unstructure_as=type(obj))
        data["_type"] = type(obj).__name__
        return data

    def structure(data, _type, _conv=converter):  # type: ignore[no-untyped-def]
        fields = {k: v for k, v in data.items() if k != "_type"}
        return _conv.structure(fields, by_name[data["_type"]])

    def unstructure_opt(obj):  # type: ignore[no-untyped-def]
        return None if obj is None else unstructure(obj)

    def structure_opt(data, _type):  # type: ignore[no-untyped-def]
        return None if data is None else structure(data, _type)

    optional = Optional[TableRow]  # type: ignore[valid-type]
    converter.register_unstructure_hook_func(lambda t: t == TableRow, unstructure)
    converter.register_structure_hook_func(lambda t: t == TableRow, structure)
    converter.register_unstructure_hook_func(lambda t: t == optional, unstructure_opt)
    converter.register_structure_hook_func(lambda t: t == optional, structure_opt)
