"""The extract's HTML (description cells, referenced sections) as text blocks and value sets.

Descriptions are the standard's HTML table cells (``<td><p>…</p><div><p><strong>Enumerated
Values:</strong></p><dl><dt>…</dt><dd>…</dd></dl></div></td>``). Text goes through the project's
one cleaner (:func:`~dicomgen_codegen.docbook.text.clean`); lists of Enumerated Values and
Defined Terms become :class:`~dicomgen_codegen.ir.iod.ValueSet` s, the way the DocBook parser
reads a ``variablelist``: title "Enumerated Values" / "Defined Terms" / "Retired Defined Terms",
anything after the kind (e.g. "if Image Type (0008,0008) Value 3 is LOCALIZER") kept as
``qualifier``, values as printed (e.g. "0001H", like the DocBook path).
"""

from __future__ import annotations

import re

import attrs
import lxml.html
from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from ...docbook.text import clean
from ...ir.iod import ValueSet
from ..part03 import classify_header

_BLOCK = {"p", "div", "dl", "dt", "dd", "li", "ol", "ul", "h1", "h2", "h3", "h4", "h5", "h6"}
_KIND_RE = re.compile(
    r"^\s*(Retired\s+)?(Enumerated\s+Values?|Defined\s+Terms?)\b\s*(.*?)\s*:?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def parse_fragment(html: str) -> etree._Element:
    """The element tree of an HTML fragment (wrapped in one ``div``)."""
    if not html.strip():
        return lxml.html.fragment_fromstring("<div></div>")
    # create_parent takes a tag name too (lxml documents it); the stub reads it as bool
    parent: str = "div"
    return lxml.html.fragment_fromstring(html, create_parent=parent)  # pyright: ignore


def _raw(el: etree._Element, out: list[str]) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            _raw(child, out)
            if child.tag in _BLOCK:
                out.append(" ")
        if child.tail:
            out.append(child.tail)


def text_of(el: etree._Element | None) -> str:
    """The cleaned text of an element (blocks separated by a space)."""
    if el is None:
        return ""
    out: list[str] = []
    _raw(el, out)
    return clean("".join(out))


def cell_of(root: etree._Element) -> etree._Element:
    """The ``td`` of a description fragment, or the fragment itself."""
    td = root.find(".//td")
    return td if td is not None else root


def blocks(cell: etree._Element) -> list[tuple[etree._Element, str]]:
    """The block children of a description cell with their text (empty blocks left out)."""
    out = []
    for child in cell:
        if not isinstance(child.tag, str):
            continue
        text = text_of(child)
        if text:
            out.append((child, text))
    tail = clean(cell.text)
    if tail and not out:
        out.append((cell, tail))
    return out


def has_value_list(el: etree._Element) -> bool:
    """Whether a block is (or holds) a ``dl`` value list."""
    return el.tag == "dl" or el.find(".//dl") is not None


def value_index(qualifier: str) -> int | None:
    m = re.search(r"\bValue\s+(\d+)\b", qualifier)
    return int(m.group(1)) if m else None


def value_sets(root: etree._Element, source_xml_id: str = "") -> list[ValueSet]:
    """Every Enumerated Values / Defined Terms list in ``root``: a ``<strong>`` title whose
    paragraph is followed by a ``<dl>``."""
    return [vs for vs, _context in value_sets_in_context(root, source_xml_id)]


def _context(holder: etree._Element) -> str:
    """The text of the block before a list (or before the ``div`` wrapping it): the
    paragraph that introduces it ("The Defined Terms for Distribution Type (0012,0084) …")."""
    el: etree._Element | None = holder
    while el is not None:
        prev = el.getprevious()
        while prev is not None and not text_of(prev):
            prev = prev.getprevious()
        if prev is not None:
            return text_of(prev)
        el = el.getparent()
        if el is not None and el.tag not in ("div",):
            break
    return ""


ROW = "Table row: "
"""Prefix of the context of a list printed in a table row's description cell."""


def _row_of(el: etree._Element) -> str:
    """For a list inside a table row's description cell: ``ROW`` and the text of the row's
    earlier cells (the attribute's name and tag), which is what the list is about; its
    description may name other attributes ("Acquisition DateTime (0008,002A) synchronized
    with ...")."""
    cell: etree._Element | None = el
    while cell is not None and cell.tag != "td":
        cell = cell.getparent()
    if cell is None:
        return ""
    before = []
    prev = cell.getprevious()
    while prev is not None:
        before.insert(0, text_of(prev))
        prev = prev.getprevious()
    label = " ".join(t for t in before if t)
    return ROW + label if label else ""


def value_sets_in_context(
    root: etree._Element, source_xml_id: str = ""
) -> list[tuple[ValueSet, str]]:
    """:func:`value_sets` with the paragraph introducing each list."""
    out: list[tuple[ValueSet, str]] = []
    for strong in root.iter("strong"):
        m = _KIND_RE.match(text_of(strong))
        if not m:
            continue
        holder = strong.getparent() if strong.getparent() is not None else strong
        dl = holder.getnext()
        while dl is not None and dl.tag != "dl" and not text_of(dl):
            dl = dl.getnext()
        if dl is None or dl.tag != "dl":
            continue
        values: list[str] = []
        meanings: list[str] = []
        pending: list[str] = []
        for item in dl:
            if item.tag == "dt":
                pending.append(text_of(item))
            elif item.tag == "dd":
                meaning = text_of(item)
                for v in pending:
                    values.append(v)
                    meanings.append(meaning)
                pending = []
        for v in pending:
            values.append(v)
            meanings.append("")
        qualifier = clean(m.group(3)).rstrip(":").strip()
        context = _row_of(holder) or _context(
            holder.getparent() if holder.getparent() is not None else holder
        )
        vs = ValueSet(
            "enumerated" if m.group(2).lower().startswith("enum") else "defined",
            tuple(values),
            tuple(meanings),
            qualifier=qualifier,
            retired=bool(m.group(1)),
            source_xml_id=source_xml_id,
            value_index=value_index(qualifier),
        )
        out.append((vs, context))
    return out


_CAPTION_RE = re.compile(r"^Table\s+(\S+?)\.?\s+(.*)$")


def _caption_before(table: etree._Element) -> tuple[str, str]:
    """(table id, caption) from the ``<p><strong>Table C.8-127. Caption</strong></p>`` that
    precedes a table (or its wrapping ``div``) in the standard's HTML; ("", "") if none."""
    el: etree._Element | None = table
    while el is not None:
        prev = el.getprevious()
        while prev is not None and not text_of(prev):
            prev = prev.getprevious()
        if prev is not None:
            m = _CAPTION_RE.match(text_of(prev))
            return (f"table_{m.group(1)}", m.group(2)) if m else ("", "")
        el = el.getparent()
    return "", ""


def term_tables(root: etree._Element) -> list[tuple[str, str, ValueSet]]:
    """(table id, caption, value set) of each two-column table of terms ("Defined Term Name |
    Defined Term Description", "Enumerated Value | Definition" …) in ``root``; the caption
    is the value set's qualifier, as the DocBook parser does."""
    out = []
    for table in root.iter("table"):
        header = tuple(text_of(th) for th in table.iterfind("./thead/tr/th"))
        if classify_header(header) != "terms":
            continue
        xml_id, caption = _caption_before(table)
        values: list[str] = []
        meanings: list[str] = []
        for tr in table.iterfind("./tbody/tr"):
            cells = tr.findall("td")
            if len(cells) != 2 or not text_of(cells[0]):
                continue
            values.append(text_of(cells[0]))
            meanings.append(text_of(cells[1]))
        kind = "enumerated" if header[0].lower().startswith("enum") else "defined"
        vs = ValueSet(kind, tuple(values), tuple(meanings), caption, False, xml_id)
        out.append((xml_id, caption, attrs.evolve(vs, value_index=value_index(caption))))
    return out


def heading(root: etree._Element) -> str:
    """The first heading of a referenced section ("C.7.1.5 Alternative Calendars")."""
    for el in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        return text_of(el)
    return ""
