"""The base of the PS3.3 parser: cell text with its cross-references, the report the parser
keeps, and the Enumerated Values / Defined Terms of attributes (PS3.3 5.3) read from term tables,
variable lists and value lists in descriptions and sections."""

from __future__ import annotations

import re

from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from ..docbook.tables import Row, Table
from ..docbook.text import clean
from ..docbook.xml import XML_ID, DocBookPart, q
from ..ir.iod import (
    ReportIssue,
    SkippedTable,
    ValueSet,
    ValueTableRecord,
)
from ..ir.model import Provenance
from .conditions import And, Condition, is_parsed, parse_condition

_XREF_MARK = "\x01"
_TERMS_RE = re.compile(r"defined\s+terms?|enumerated\s+values?", re.I)
_QUALIFIER_FOR_RE = re.compile(r"for\s+[^()]*?\(\s*[0-9A-Fa-f]{4}\s*,\s*[0-9A-Fa-f]{4}\s*\)", re.I)
_TERMS_FOR_RE = re.compile(
    r"(?:defined\s+terms?|enumerated\s+values?)\s+(?:for|of)\s+[^()]*?"
    r"\(\s*[0-9A-Fa-f]{4}\s*,\s*[0-9A-Fa-f]{4}\s*\)",
    re.I,
)

TABLE = q("table")
SECTION = q("section")
XREF = q("xref")
OLINK = q("olink")
LINK = q("link")
XL_HREF = "{http://www.w3.org/1999/xlink}href"
VARIABLELIST = q("variablelist")
TITLE = q("title")
CAPTION = q("caption")


# --- text ------------------------------------------------------------------------


def _label_of(el: etree._Element | None, linkend: str) -> tuple[str, str]:
    """(label with its noun, title) of an xref target: ("Table C.7-1", "Patient Module...")."""
    if el is None:
        m = re.match(r"(sect|table|figure|chapter|biblio)_(.*)$", linkend)
        noun = {"sect": "Section", "table": "Table", "figure": "Figure", "chapter": "Chapter"}
        if m and m.group(1) in noun:
            return f"{noun[m.group(1)]} {m.group(2)}", ""
        return linkend, ""
    local = etree.QName(el).localname
    label = el.get("label", "")
    noun = {
        "table": "Table",
        "informaltable": "Table",
        "section": "Section",
        "figure": "Figure",
        "chapter": "Chapter",
        "appendix": "Annex",
        "equation": "Equation",
    }.get(local, "")
    title_el = el.find(CAPTION if local in ("table", "informaltable") else TITLE)
    title = clean("".join(title_el.itertext())) if title_el is not None else ""
    return (f"{noun} {label}".strip() if label else linkend), title


def _xref_text(doc: DocBookPart, x: etree._Element) -> str:
    linkend = x.get("linkend", "")
    target = doc.find(linkend)
    labelled, title = _label_of(target, linkend)
    style = x.get("xrefstyle", "")
    number = labelled.split(" ", 1)[1] if " " in labelled else labelled
    if "labelnumber" in style:
        out = number
    elif "title" in style and "label" not in style:
        out = title or labelled
    else:
        out = labelled
    if "quotedtitle" in style and title:
        out = f"{out} \u201c{title}\u201d"
    elif "label title" in style and title:
        out = f"{out} {title}"
    return out


def _olink_text(x: etree._Element) -> str:
    ptr = x.get("targetptr", "")
    doc = x.get("targetdoc", "")
    m = re.match(r"sect_CID_(\d+)$", ptr)
    if m:
        return f"CID {m.group(1)}"
    m = re.match(r"(sect|table|chapter)_(.*)$", ptr)
    if m:
        noun = {"sect": "Section", "table": "Table", "chapter": "Chapter"}[m.group(1)]
        return f"{doc} {noun} {m.group(2)}".strip()
    return f"{doc} {ptr}".strip()


def _render_raw(doc: DocBookPart, el: etree._Element, out: list[str], mark: bool) -> None:
    if el.tag == XREF:
        out.append(_XREF_MARK if mark else _xref_text(doc, el))
    elif el.tag == OLINK:
        out.append(_olink_text(el))
    elif el.tag == LINK and not "".join(el.itertext()).strip():
        out.append(el.get(XL_HREF, ""))
    elif isinstance(el.tag, str):
        if el.text:
            out.append(el.text)
        block = el.tag in (q("para"), q("listitem"), q("term"), q("title"), q("varlistentry"))
        for child in el:
            _render_raw(doc, child, out, mark)
            if child.tail:
                out.append(child.tail)
        if block:
            out.append(" ")


def render_text(doc: DocBookPart, el: etree._Element | None, *, mark_xrefs: bool = False) -> str:
    """Text of ``el`` with cross references spelled as published ("Section C.7.6.1.1.2",
    "Table 8.8-1 “Code Sequence Macro Attributes”", the title for ``select: title``),
    cleaned with the one cleaner. ``mark_xrefs`` replaces each xref by ``\\x01``."""
    if el is None:
        return ""
    out: list[str] = []
    _render_raw(doc, el, out, mark_xrefs)
    return clean("".join(out))


def _blocks(doc: DocBookPart, cell: etree._Element) -> list[tuple[etree._Element, str]]:
    """The block children of a table cell (para, variablelist, note, lists) with their text."""
    blocks = []
    for child in cell:
        if not isinstance(child.tag, str):
            continue
        text = render_text(doc, child)
        if text:
            blocks.append((child, text))
    return blocks


# --- value sets --------------------------------------------------------------------

_KIND_RE = re.compile(
    r"^\s*(Retired\s+)?(Enumerated\s+Values?|Defined\s+Terms?)\b\s*(.*?)\s*:?\s*$", re.I | re.S
)


def _value_set_from_list(
    doc: DocBookPart, vl: etree._Element, source_xml_id: str
) -> ValueSet | None:
    title_el = vl.find(TITLE)
    title = render_text(doc, title_el) if title_el is not None else ""
    m = _KIND_RE.match(title)
    if not m:
        return None
    kind = "enumerated" if m.group(2).lower().startswith("enum") else "defined"
    values, meanings = [], []
    for entry in vl.iterchildren(q("varlistentry")):
        terms = [render_text(doc, t) for t in entry.iterchildren(q("term"))]
        meaning = render_text(doc, entry.find(q("listitem")))
        for term in terms:
            values.append(term)
            meanings.append(meaning)
    qualifier = clean(m.group(3)).rstrip(":").strip()
    return ValueSet(
        kind,
        tuple(values),
        tuple(meanings),
        qualifier=qualifier,
        retired=bool(m.group(1)),
        source_xml_id=source_xml_id,
        value_index=_value_index(qualifier),
    )


def _value_index(qualifier: str) -> int | None:
    m = re.search(r"\bValue\s+(\d+)\b", qualifier)
    return int(m.group(1)) if m else None


def _section_of(el: etree._Element) -> str:
    for a in el.iterancestors():
        if a.tag == SECTION or etree.QName(a).localname in ("chapter", "appendix"):
            return a.get(XML_ID, "")
    return ""


# --- the parser's state, report and value sets -----------------------------------------


class Part03Base:
    """What every step of the PS3.3 parser shares: the part, the report, the value sets."""

    def __init__(self, doc: DocBookPart, strict: bool) -> None:
        self.doc = doc
        self.strict = strict
        self.part = f"PS3.{doc.part}"
        self.row_issues: list[ReportIssue] = []
        self.missing: list[ReportIssue] = []
        self.dangling: list[ReportIssue] = []
        self.unparsed: list[ReportIssue] = []
        self.skipped: list[SkippedTable] = []
        self.duplicates: list[str] = []
        self.seen = 0  # every <table>/<informaltable> element met
        self.conditions_parsed = 0
        self.conditions_unparsed = 0
        self.conditions_partial = 0
        self.kinds: dict[str, str] = {}  # xml_id -> classification
        self.tables: dict[str, Table] = {}
        self.value_tables: dict[str, ValueTableRecord] = {}
        self.names: dict[str, int] = {}
        self._section_values: dict[str, tuple[tuple[ValueSet, str, str], ...]] = {}

    # reporting
    def prov(self, xml_id: str, row: int | None = None) -> Provenance:
        return Provenance(self.part, self.doc.edition, xml_id, row)

    def row_issue(self, table: Table, row: Row | int | None, message: str) -> None:
        if self.strict:
            raise table.error(message, row)
        idx = row.index if isinstance(row, Row) else row
        self.row_issues.append(ReportIssue(table.xml_id, idx, message))

    def missing_ref(self, table: Table, row: Row | None, message: str) -> None:
        if self.strict:
            raise table.error(message, row)
        self.missing.append(ReportIssue(table.xml_id, row.index if row else None, message))

    def condition(
        self, text: str, xml_id: str, row: int | None, subject: tuple[int, str] | None = None
    ) -> Condition | None:
        """The condition of ``text`` (of the attribute ``subject``, (tag, name), if a row's)."""
        if not text:
            return None
        cond = parse_condition(text, self.names, subject=subject)
        if is_parsed(cond):
            self.conditions_parsed += 1
        else:
            self.conditions_unparsed += 1
            self.unparsed.append(ReportIssue(xml_id, row, text))
            if isinstance(cond, And):
                self.conditions_partial += 1
        return cond

    def parse_terms(self, table: Table) -> ValueTableRecord | None:
        kind = "enumerated" if table.header[0].lower().startswith("enum") else "defined"
        values, meanings = [], []
        for row in table.rows:
            if len(row.cells) != 2:
                self.row_issue(table, row, f"expected 2 cells, found {len(row.cells)}")
                continue
            if not row.cells[0].text:
                continue
            values.append(row.cells[0].text)
            meanings.append(render_text(self.doc, row.cells[1].element))
        vs = ValueSet(
            kind,
            tuple(values),
            tuple(meanings),
            table.caption,
            False,
            table.xml_id,
            _value_index(table.caption),
        )
        return ValueTableRecord(table.xml_id, table.caption, vs, self.prov(table.xml_id))

    # value sets in a referenced section
    def section_values(self, sect_id: str) -> tuple[tuple[ValueSet, str, str], ...]:
        """Value lists and term tables inside a description section, each with the titles
        of the sections from the list up to ``sect_id`` and the paragraph introducing it."""
        if sect_id in self._section_values:
            return self._section_values[sect_id]
        sect = self.doc.find(sect_id)
        out: list[tuple[ValueSet, str, str]] = []
        if sect is not None and sect.tag == SECTION:
            has_attr_table = any(
                self.kinds.get(t.get(XML_ID, ""), "").startswith("attributes")
                or self.kinds.get(t.get(XML_ID, ""), "") in ("iod", "functional_groups")
                for t in sect.iter(TABLE)
            )
            if not has_attr_table:
                for el in sect.iter(VARIABLELIST, TABLE):
                    vs: ValueSet | None = None
                    if el.tag == VARIABLELIST:
                        vs = _value_set_from_list(self.doc, el, _section_of(el) or sect_id)
                        context = el.getprevious()
                    else:
                        vt = self.value_tables.get(el.get(XML_ID, ""))
                        vs = vt.value_set if vt is not None else None
                        context = self._citing_paragraph(sect, el.get(XML_ID, ""))
                    if vs is None:
                        continue
                    titles = []
                    for a in el.iterancestors(SECTION):
                        titles.append(render_text(self.doc, a.find(TITLE)))
                        if a is sect:
                            break
                    out.append((vs, " | ".join(titles), render_text(self.doc, context)))
        self._section_values[sect_id] = tuple(out)
        return self._section_values[sect_id]

    def _citing_paragraph(self, sect: etree._Element, table_id: str) -> etree._Element | None:
        for x in sect.iter(XREF):
            if x.get("linkend") == table_id:
                para = next(x.iterancestors(q("para")), None)
                if para is not None:
                    return para
        return None

    def value_sets(
        self, cell: etree._Element, tag: str, name: str
    ) -> tuple[tuple[ValueSet, ...], tuple[str, ...]]:
        """Enumerated Values / Defined Terms of an attribute: the lists in its description
        cell, the term tables it links to, and the lists and term tables of the sections
        it links to when they are about this attribute (the section, the list title or the
        paragraph introducing the list names it or its tag, or the description says the
        section holds its Defined Terms / Enumerated Values)."""
        out: list[ValueSet] = []
        for vl in cell.iter(VARIABLELIST):
            vs = _value_set_from_list(self.doc, vl, "")
            if vs is not None:
                out.append(vs)
        refs: list[str] = []
        for x in cell.iter(XREF):
            linkend = x.get("linkend", "")
            if linkend and linkend not in refs:
                refs.append(linkend)
        # links whose sentence says "... for Defined Terms" / "Enumerated Values are in ..."
        says_terms: set[str] = set()
        links = [x.get("linkend", "") for x in cell.iter(XREF)]
        sect_links = any(x.startswith("sect_") for x in links)
        pieces = (
            render_text(self.doc, cell, mark_xrefs=True).split(_XREF_MARK) if sect_links else []
        )
        for k, linkend in enumerate(links[: max(len(pieces) - 1, 0)]):
            before = re.split(r"\.\s", pieces[k])[-1]
            after = re.split(r"\.(\s|$)", pieces[k + 1])[0]
            if _TERMS_RE.search(before + " " + after):
                says_terms.add(linkend)
        words = set(re.findall(r"[a-z0-9]+", name.lower()))
        for linkend in refs:
            if linkend in self.value_tables:
                out.append(self.value_tables[linkend].value_set)
            elif linkend.startswith("sect_"):
                for vs, titles, context in self.section_values(linkend):
                    if not self._about(
                        vs, titles, context, name, tag, words, linkend in says_terms
                    ):
                        continue
                    if vs not in out:
                        out.append(vs)
        return tuple(out), tuple(refs)

    @staticmethod
    def _about(
        vs: ValueSet,
        titles: str,
        context: str,
        name: str,
        tag: str,
        words: set[str],
        says_terms: bool,
    ) -> bool:
        """Whether a value list found in a linked section is about this attribute."""
        # "Defined Terms for Strain Nomenclature (0010,0213):" names its attribute
        own = _QUALIFIER_FOR_RE.match(vs.qualifier) or _TERMS_FOR_RE.search(context)
        m = re.search(r"\(([0-9A-Fa-f]{4},[0-9A-Fa-f]{4})\)", own.group(0)) if own else None
        if m and f"({m.group(1)})".upper() != tag.upper():
            return False
        if m or says_terms:
            return True
        evidence = f"{titles} | {vs.qualifier} | {context}".lower()
        if name.lower() in evidence or tag.lower() in evidence:
            return True
        # "Modality LUT and Rescale Type" is about Modality LUT Type and Rescale Type
        return bool(words) and words <= set(re.findall(r"[a-z0-9]+", titles.lower()))

    # attribute tables
