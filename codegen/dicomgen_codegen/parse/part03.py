"""PS3.3 (Information Object Definitions) -> IR.

Reads every ``<table>`` of a PS3.3 DocBook part and classifies it by its header:

* IOD Module Tables (PS3.3 Annex A, e.g. Table A.3-1): ``IE | Module | Reference | Usage``;
* Functional Group Macros tables of enhanced IODs (e.g. Table A.38-2):
  ``Functional Group Macro | Section | Usage``;
* Module / Macro Attributes tables (PS3.3 Annex C, Section 10):
  ``Attribute Name | Tag | Type | Attribute Description`` (also without the Type column);
* term tables (``Defined Term Name | Defined Term Description``, ``Enumerated Value ...``),
  used as the Enumerated Values / Defined Terms (PS3.3 Section 5.3) of the attributes whose
  description links to them;
* anything else is skipped and listed in the report with the reason.

Everything is located by ``xml:id``: the Reference column of an IOD links to a section
(``sect_C.7.1.1``), resolved to the module table inside it; Include rows link to the table.
A row the parser does not understand is reported (xml:id, row) and skipped, never dropped
silently; with ``strict=True`` it raises :class:`~dicomgen.core.errors.SpecParseError`.

The parser's shared state and report, cell text and the value sets of attributes are in
:mod:`.part03_values`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dicomgen.core.errors import SpecParseError

from ..docbook.tables import Cell, Row, Table, get_table
from ..docbook.text import clean
from ..docbook.xml import XML_ID, DocBookPart, q
from ..ir.iod import (
    AttributeRow,
    AttributeTableRecord,
    DescriptionRow,
    FunctionalGroupRef,
    HeadingRow,
    IncludeRow,
    IODModuleRef,
    IODRecord,
    Part03Report,
    Part03Result,
    ReportIssue,
    SkippedTable,
    TableRow,
)
from ..ir.model import Provenance
from .conditions import (
    Condition,
    extract_condition_text,
    extract_requirement_text,
    tag_int,
)
from .part03_values import Part03Base, _blocks, _section_of, render_text

__all__ = ["parse_part03", "render_text", "classify_header", "reachable_tables"]

_TAG_RE = re.compile(r"^\(\s*([0-9A-Fa-fxX]{4})\s*,\s*([0-9A-Fa-fxX]{4})\s*\)")
_TYPE_RE = re.compile(r"^(1C|2C|1|2|3)$")
_USAGE_RE = re.compile(r"^\s*([MCU])\b\s*(?:[-\u2013\u2014:]\s*)?(.*)$", re.S)
_XREF_MARK = "\x01"

TABLE = q("table")
INFORMALTABLE = q("informaltable")
SECTION = q("section")
XREF = q("xref")
VARIABLELIST = q("variablelist")
CAPTION = q("caption")


# --- classification -------------------------------------------------------------------


def classify_header(header: tuple[str, ...]) -> str:
    """ "iod", "functional_groups", "attributes", "attributes_notype", "terms" or "unknown"."""
    h = tuple(x.lower() for x in header)
    if len(h) == 4 and h[0] == "ie" and "module" in h[1] and "reference" in h[2]:
        if "usage" in h[3]:
            return "iod"
    if len(h) == 3 and "macro" in h[0] and ("section" in h[1] or "reference" in h[1]):
        if "usage" in h[2]:
            return "functional_groups"
    if len(h) == 4 and "attribute name" in h[0] and h[1] == "tag" and h[2] == "type":
        if "description" in h[3]:
            return "attributes"
    if len(h) == 3 and "attribute name" in h[0] and h[1] == "tag" and "description" in h[2]:
        return "attributes_notype"
    if len(h) == 2 and re.match(r"(defined term|enumerated value)s?( name)?$", h[0]):
        if "description" in h[1] or "meaning" in h[1]:
            return "terms"
    return "unknown"


_SUFFIXES = (
    (" Module Attributes", "module"),
    (" Module Table", "module"),
    (" Module", "module"),
    (" Macro Attributes Description", "macro"),
    (" Macro Attributes", "macro"),
    (" Macro", "macro"),
    (" Attributes Description", "unknown"),
    (" Attributes", "unknown"),
)


def _title_and_kind(caption: str) -> tuple[str, str]:
    for suffix, kind in _SUFFIXES:
        if caption.endswith(suffix):
            return caption[: -len(suffix)].strip(), kind
    return caption, "unknown"


# --- the parser ------------------------------------------------------------------------


class _Part03Parser(Part03Base):
    # pass 1: find and classify tables
    def collect(self) -> list[str]:
        order: list[str] = []
        for el in self.doc.root.iter(TABLE, INFORMALTABLE):
            self.seen += 1
            xml_id = el.get(XML_ID)
            caption = clean("".join(el.findtext(CAPTION) or ""))
            if not xml_id:
                self.skipped.append(SkippedTable("", caption, "table without xml:id"))
                continue
            if xml_id in self.kinds:
                # a repeated table: identical copies are dropped, differing ones are also
                # listed in doc.conflicting_ids; only the first is parsed
                self.duplicates.append(xml_id)
                continue
            if self.doc.find(xml_id) is not el:
                # an id that also names some other element first: not addressable
                self.skipped.append(SkippedTable(xml_id, caption, "xml:id names another element"))
                continue
            try:
                table = get_table(self.doc, xml_id)
            except (SpecParseError, ValueError) as exc:
                if self.strict:
                    raise SpecParseError(
                        f"{self.part} {self.doc.edition} table {xml_id}: {exc}",
                        part=self.part,
                        table=xml_id,
                    ) from None
                self.skipped.append(SkippedTable(xml_id, caption, f"unreadable table: {exc}"))
                self.kinds[xml_id] = "unknown"
                continue
            kind = classify_header(table.header)
            self.kinds[xml_id] = kind
            self.tables[xml_id] = table
            if kind == "unknown":
                self.skipped.append(
                    SkippedTable(
                        xml_id,
                        table.caption,
                        "not an IOD, functional group, attribute or term table: header "
                        + " | ".join(table.header or ("<none>",)),
                    )
                )
            order.append(xml_id)
        return order

    # names for conditions that omit the tag
    def collect_names(self) -> None:
        seen: dict[str, set[int]] = {}
        for xml_id, kind in self.kinds.items():
            if not kind.startswith("attributes"):
                continue
            for row in self.tables[xml_id].rows:
                if len(row.cells) < 2:
                    continue
                m = _TAG_RE.match(row.cells[1].text)
                if not m or "x" in (m.group(1) + m.group(2)).lower():
                    continue
                name = row.cells[0].text.lstrip(">").strip()
                if name:
                    seen.setdefault(name, set()).add(int(m.group(1) + m.group(2), 16))
        self.names = {n: next(iter(t)) for n, t in seen.items() if len(t) == 1}

    # term tables
    def resolve_table(self, linkend: str, prefer: str) -> str:
        """The attribute table a link names: the table itself, or the one in a section."""
        el = self.doc.find(linkend)
        if el is None:
            return ""
        if el.tag in (TABLE, INFORMALTABLE):
            return linkend if self.kinds.get(linkend, "").startswith("attributes") else ""
        candidates = [
            t.get(XML_ID, "")
            for t in el.iter(TABLE, INFORMALTABLE)
            if self.kinds.get(t.get(XML_ID, ""), "").startswith("attributes")
        ]
        if not candidates:
            return ""
        for c in candidates:
            if prefer.lower() in self.tables[c].caption.lower():
                return c
        return candidates[0]

    def parse_attribute_table(self, table: Table, notype: bool) -> AttributeTableRecord:
        rows: list[TableRow] = []
        width = 3 if notype else 4
        desc_col = width - 1
        for row in table.rows:
            entry = self.parse_attribute_row(table, row, width, desc_col, notype)
            if entry is not None:
                rows.append(entry)
        title, kind = _title_and_kind(table.caption)
        return AttributeTableRecord(
            table.xml_id,
            title,
            table.caption,
            kind,
            _section_of(table.element),
            tuple(rows),
            self.prov(table.xml_id),
        )

    def parse_attribute_row(
        self, table: Table, row: Row, width: int, desc_col: int, notype: bool
    ) -> TableRow | None:
        cells = row.cells
        if len(cells) != width:
            self.row_issue(table, row, f"expected {width} cells, found {len(cells)}")
            return None
        distinct: list[Cell] = []
        for c in cells:
            if not distinct or distinct[-1].element is not c.element:
                distinct.append(c)
        first = distinct[0]
        name_text = render_text(self.doc, first.element)
        stripped = name_text.lstrip()
        depth = len(stripped) - len(stripped.lstrip(">"))
        body = stripped.lstrip(">").strip()
        prov = self.prov(table.xml_id, row.index)
        if re.match(r"Include\b", body):
            return self.parse_include(table, row, first, distinct, depth, prov)
        if len(distinct) == 1:
            return HeadingRow(name_text, prov)
        tag_text = cells[1].text
        if first.colspan == 1 and _TAG_RE.match(tag_text):
            type_text = "" if notype else cells[2].text
            if not notype and not _TYPE_RE.match(type_text):
                self.row_issue(table, row, f"unexpected Type {type_text!r}")
            desc_cell = cells[desc_col]
            blocks = _blocks(self.doc, desc_cell.element)
            summary = blocks[0][1] if blocks and blocks[0][0].tag == q("para") else ""
            description = "\n".join(t for _, t in blocks)
            cond_text = ""
            cond = None
            if type_text in ("1C", "2C"):
                for k, (el, text) in enumerate(blocks):
                    if el.tag == VARIABLELIST:
                        continue
                    cond_text = extract_condition_text(text)
                    if cond_text:
                        if cond_text.endswith(":") and k + 1 < len(blocks):
                            # "Required if either:" followed by a list of alternatives
                            items = blocks[k + 1][0].iter(q("listitem"))
                            alts = [render_text(self.doc, li) for li in items]
                            cond_text = cond_text + " " + "; ".join(a for a in alts if a)
                        break
                for el, text in blocks if not cond_text else ():
                    if el.tag != VARIABLELIST:
                        cond_text = extract_requirement_text(text)
                        if cond_text:
                            break
            tag_m = _TAG_RE.match(tag_text)
            assert tag_m is not None
            tag = f"({tag_m.group(1).upper()},{tag_m.group(2).upper()})".replace("X", "x")
            if type_text in ("1C", "2C"):
                if cond_text:
                    number = tag_int(tag)
                    subject = None if number is None else (number, body)
                    cond = self.condition(cond_text, table.xml_id, row.index, subject)
                else:
                    self.row_issue(table, row, f"Type {type_text} without a 'Required if' sentence")
            value_sets, refs = self.value_sets(desc_cell.element, tag, body)
            for ref in refs:
                if self.doc.find(ref) is None:
                    self.dangling.append(
                        ReportIssue(table.xml_id, row.index, f"description links to {ref}")
                    )
            return AttributeRow(
                name=body,
                tag=tag,
                type=type_text,
                depth=depth,
                summary=summary,
                description=description,
                condition_text=cond_text,
                condition=cond,
                value_sets=value_sets,
                references=refs,
                source=prov,
            )
        if not _TAG_RE.match(tag_text) and first.colspan >= 2:
            type_text = "" if notype or first.colspan >= 3 else cells[2].text
            desc = render_text(self.doc, cells[desc_col].element) if len(distinct) > 1 else ""
            return DescriptionRow(depth, body, type_text, desc, prov)
        self.row_issue(table, row, f"unrecognised row: {[c.text[:40] for c in distinct]}")
        return None

    def parse_include(
        self,
        table: Table,
        row: Row,
        first: Cell,
        distinct: list[Cell],
        depth: int,
        prov: Provenance,
    ) -> IncludeRow:
        marked = render_text(self.doc, first.element, mark_xrefs=True)
        text = render_text(self.doc, first.element).lstrip(">").strip()
        links = [x.get("linkend", "") for x in first.element.iter(XREF)]
        note = ""
        if len(distinct) > 1 and distinct[-1].element is not first.element:
            note = render_text(self.doc, distinct[-1].element)
        tail = marked.split(_XREF_MARK, 1)[1] if _XREF_MARK in marked else ""
        fg = not links and bool(re.search(r"Functional\s+Group\s+Macros?", text, re.I))
        if fg:
            tail = ""
        target = ""
        if links:
            target = links[0]
            el = self.doc.find(target)
            if el is None:
                self.missing_ref(table, row, f"Include of {target}: no such xml:id")
            elif el.tag == SECTION:
                resolved = self.resolve_table(target, "Macro")
                if resolved:
                    target = resolved
                else:
                    self.missing_ref(table, row, f"Include of {target}: no attribute table there")
            elif not self.kinds.get(target, "").startswith("attributes"):
                self.missing_ref(table, row, f"Include of {target}: not an attribute table")
        elif not fg:
            self.missing_ref(table, row, "Include row without a link to a table")
        cond_text = ""
        m = re.search(r"\bif\b.*?(?:\.(?=\s|$)|$)", tail, re.S)
        if m:
            cond_text = clean(m.group(0))
        cond = self.condition(cond_text, table.xml_id, row.index) if cond_text else None
        return IncludeRow(depth, target, text, cond_text, cond, fg, note, prov)

    # IOD and functional group tables
    def usage(self, table: Table, row: Row, text: str) -> tuple[str, str, Condition | None]:
        m = _USAGE_RE.match(text)
        if not m:
            self.row_issue(table, row, f"unexpected Usage {text!r}")
            return "", "", None
        usage, rest = m.group(1), clean(m.group(2))
        if usage == "C" and rest:
            return usage, rest, self.condition(rest, table.xml_id, row.index)
        if usage == "C":
            self.row_issue(table, row, "Usage C without a condition")
        return usage, "", None

    def parse_iod(self, table: Table) -> IODRecord:
        mods: list[IODModuleRef] = []
        for row in table.rows:
            if len(row.cells) != 4:
                self.row_issue(table, row, f"expected 4 cells, found {len(row.cells)}")
                continue
            ie, module, ref, usage_cell = row.cells
            links = ref.xrefs()
            if not links:
                self.missing_ref(table, row, f"module {module.text!r} without a reference")
                continue
            table_id = self.resolve_table(links[0], "Module")
            if not table_id:
                self.missing_ref(
                    table, row, f"module {module.text!r}: no module table found at {links[0]}"
                )
            usage_text = render_text(self.doc, usage_cell.element)
            usage, cond_text, cond = self.usage(table, row, usage_text)
            mods.append(
                IODModuleRef(
                    ie.text,
                    module.text,
                    links[0],
                    table_id,
                    usage,
                    usage_text,
                    cond_text,
                    cond,
                    self.prov(table.xml_id, row.index),
                )
            )
        title = re.sub(r"\s+IOD\s+Modules?(\s+Table)?$", "", table.caption).strip()
        return IODRecord(
            title,
            table.xml_id,
            _section_of(table.element),
            tuple(mods),
            source=self.prov(table.xml_id),
        )

    def parse_functional_groups(self, table: Table) -> tuple[FunctionalGroupRef, ...]:
        out: list[FunctionalGroupRef] = []
        for row in table.rows:
            if len(row.cells) != 3:
                self.row_issue(table, row, f"expected 3 cells, found {len(row.cells)}")
                continue
            macro, ref, usage_cell = row.cells
            links = ref.xrefs()
            if not links:
                self.missing_ref(table, row, f"macro {macro.text!r} without a reference")
                continue
            table_id = self.resolve_table(links[0], "Macro")
            if not table_id:
                self.missing_ref(
                    table, row, f"macro {macro.text!r}: no macro table found at {links[0]}"
                )
            usage_text = render_text(self.doc, usage_cell.element)
            usage, cond_text, cond = self.usage(table, row, usage_text)
            out.append(
                FunctionalGroupRef(
                    macro.text,
                    links[0],
                    table_id,
                    usage,
                    usage_text,
                    cond_text,
                    cond,
                    self.prov(table.xml_id, row.index),
                )
            )
        return tuple(out)

    def run(self) -> Part03Result:
        order = self.collect()
        self.collect_names()
        for xml_id in order:
            if self.kinds[xml_id] == "terms":
                rec = self.parse_terms(self.tables[xml_id])
                if rec is not None:
                    self.value_tables[xml_id] = rec
        attr_tables: list[AttributeTableRecord] = []
        iods: list[IODRecord] = []
        fg_tables: list[tuple[str, tuple[FunctionalGroupRef, ...]]] = []
        for xml_id in order:
            kind = self.kinds[xml_id]
            table = self.tables[xml_id]
            try:
                if kind.startswith("attributes"):
                    notype = kind == "attributes_notype"
                    attr_tables.append(self.parse_attribute_table(table, notype))
                elif kind == "iod":
                    iods.append(self.parse_iod(table))
                elif kind == "functional_groups":
                    fg_tables.append((xml_id, self.parse_functional_groups(table)))
            except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
                # a shape this parser does not foresee: never a crash, always reported
                if self.strict:
                    raise table.error(f"cannot parse: {type(exc).__name__}: {exc}") from exc
                self.skipped.append(
                    SkippedTable(
                        xml_id, table.caption, f"cannot parse: {type(exc).__name__}: {exc}"
                    )
                )
        iods = self.attach_functional_groups(iods, fg_tables)
        attr_tables = self.fix_kinds(attr_tables, iods)
        reachable = _reachable(iods, attr_tables)
        report = Part03Report(
            edition=self.doc.edition,
            tables_seen=self.seen,
            iod_tables=len(iods),
            functional_group_tables=len(fg_tables),
            attribute_tables=len(attr_tables),
            value_tables=len(self.value_tables),
            reachable_tables=len(reachable),
            skipped_tables=tuple(self.skipped),
            duplicate_tables=tuple(self.duplicates),
            conflicting_ids=tuple(self.doc.conflicting_ids),
            row_issues=tuple(self.row_issues),
            missing_references=tuple(self.missing),
            dangling_links=tuple(self.dangling),
            conditions_parsed=self.conditions_parsed,
            conditions_unparsed=self.conditions_unparsed,
            conditions_partial=self.conditions_partial,
            unparsed_conditions=tuple(self.unparsed),
        )
        return Part03Result(
            self.part,
            self.doc.edition,
            tuple(iods),
            tuple(attr_tables),
            tuple(self.value_tables.values()),
            report,
        )

    def attach_functional_groups(
        self, iods: list[IODRecord], fg_tables: list[tuple[str, tuple[FunctionalGroupRef, ...]]]
    ) -> list[IODRecord]:
        """Give each Functional Group Macros table to the IOD in the same (deepest) section."""

        def sections(xml_id: str) -> list[str]:
            el = self.doc.find(xml_id)
            return [a.get(XML_ID, "") for a in el.iterancestors(SECTION)] if el is not None else []

        by_iod: dict[str, tuple[str, tuple[FunctionalGroupRef, ...]]] = {}
        for fg_id, refs in fg_tables:
            fg_secs = sections(fg_id)
            best, best_depth = None, -1
            for iod in iods:
                iod_secs = sections(iod.xml_id)
                common = [s for s in fg_secs if s in iod_secs]
                if common:
                    depth = len(sections(common[0]))
                    if depth > best_depth:
                        best, best_depth = iod, depth
            table = self.tables[fg_id]
            if best is None:
                self.skipped.append(
                    SkippedTable(fg_id, table.caption, "functional group table without an IOD")
                )
                continue
            if best.xml_id in by_iod:
                self.row_issue(table, None, f"second functional group table for {best.xml_id}")
                continue
            by_iod[best.xml_id] = (fg_id, refs)
        out = []
        for iod in iods:
            if iod.xml_id in by_iod:
                fg_id, refs = by_iod[iod.xml_id]
                iod = IODRecord(
                    iod.title,
                    iod.xml_id,
                    iod.section_xml_id,
                    iod.modules,
                    fg_id,
                    refs,
                    iod.source,
                )
            out.append(iod)
        return out

    @staticmethod
    def fix_kinds(
        tables: list[AttributeTableRecord], iods: list[IODRecord]
    ) -> list[AttributeTableRecord]:
        """A table an IOD lists as a module is a module; one included or used as a
        functional group is a macro (when the caption does not say)."""
        modules = {m.table_xml_id for i in iods for m in i.modules}
        macros = {f.table_xml_id for i in iods for f in i.functional_groups}
        for t in tables:
            macros.update(r.target for r in t.rows if isinstance(r, IncludeRow))
        out = []
        for t in tables:
            if t.kind == "unknown" and (t.xml_id in modules or t.xml_id in macros):
                kind = "module" if t.xml_id in modules else "macro"
                t = AttributeTableRecord(
                    t.xml_id, t.title, t.caption, kind, t.section_xml_id, t.rows, t.source
                )
            out.append(t)
        return out


def _reachable(iods: Iterable[IODRecord], tables: Iterable[AttributeTableRecord]) -> list[str]:
    """xml:ids of the attribute tables reachable from the IODs (modules, functional group
    macros, and everything they include), in order of discovery."""
    by_id = {t.xml_id: t for t in tables}
    todo: list[str] = []
    for iod in iods:
        todo.extend(m.table_xml_id for m in iod.modules if m.table_xml_id)
        todo.extend(f.table_xml_id for f in iod.functional_groups if f.table_xml_id)
    seen: list[str] = []
    seen_set: set[str] = set()
    while todo:
        x = todo.pop(0)
        if x in seen_set or x not in by_id:
            continue
        seen.append(x)
        seen_set.add(x)
        todo.extend(r.target for r in by_id[x].rows if isinstance(r, IncludeRow) and r.target)
    return seen


def reachable_tables(result: Part03Result) -> tuple[str, ...]:
    """xml:ids of the module/macro tables reachable from the IODs of ``result``."""
    return tuple(_reachable(result.iods, result.tables))


def parse_part03(doc: DocBookPart, *, strict: bool = False) -> Part03Result:
    """Parse a PS3.3 DocBook part (any edition) into :class:`Part03Result`.

    Unknown table shapes, malformed rows and unresolvable links are listed in
    ``result.report``; with ``strict=True`` the first of them raises
    :class:`~dicomgen.core.errors.SpecParseError` naming the part, table and row.
    """
    if doc.part != 3:
        raise SpecParseError(
            f"parse_part03 needs PS3.3, got PS3.{doc.part}", part=f"PS3.{doc.part}", path=doc.path
        )
    return _Part03Parser(doc, strict).run()
