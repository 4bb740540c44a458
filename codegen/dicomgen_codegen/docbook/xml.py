"""Loading a DocBook part and finding elements by ``xml:id``.

The published XML repeats some ``xml:id`` values (the PS3.3 excerpt has 102
duplicates). lxml's default parser rejects them, so we parse with
``collect_ids=False`` and build our own index: identical duplicates keep the
first, different duplicates are recorded in :attr:`DocBookPart.conflicting_ids`.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import StandardSourceError

from .text import clean

DB = "http://docbook.org/ns/docbook"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NS = {"db": DB}


def q(tag: str) -> str:
    """Qualified DocBook tag name."""
    return f"{{{DB}}}{tag}"


@attrs.define
class DocBookPart:
    """One parsed partNN.xml."""

    path: str
    part: int
    edition: str
    root: etree._Element
    ids: dict[str, etree._Element]
    conflicting_ids: list[str]

    def by_id(self, xml_id: str) -> etree._Element:
        """The element with this xml:id, or a :class:`StandardSourceError`."""
        el = self.ids.get(xml_id)
        if el is None:
            raise StandardSourceError(
                f"PS3.{self.part} ({self.edition}): no element with xml:id {xml_id!r}",
                path=self.path,
            )
        return el

    def find(self, xml_id: str) -> etree._Element | None:
        return self.ids.get(xml_id)


_PART_RE = re.compile(r"PS\s*3\.(\d+)")
_EDITION_RE = re.compile(r"DICOM\s+PS\s*3\.\d+\s+(\d{4}[a-z]?)", re.I)


def load_part(path: str | Path, expected_part: int | None = None) -> DocBookPart:
    """Parse a DocBook part, check it is the expected part, and index its ids."""
    path = Path(path)
    parser = etree.XMLParser(collect_ids=False, resolve_entities=False, huge_tree=True)
    try:
        tree = etree.parse(str(path), parser)
    except (etree.XMLSyntaxError, OSError) as exc:
        raise StandardSourceError(f"not well-formed XML: {exc}", path=str(path)) from None
    root = tree.getroot()
    if root.tag != q("book"):
        raise StandardSourceError(
            f"not a DocBook book (root element is {root.tag!r})", path=str(path)
        )
    part, edition = identify(root)
    if part is None:
        raise StandardSourceError("not a DICOM part: no 'PS3.N' in its title", path=str(path))
    if expected_part is not None and part != expected_part:
        raise StandardSourceError(
            f"expected PS3.{expected_part} but the file is PS3.{part}", path=str(path)
        )
    ids: dict[str, etree._Element] = {}
    conflicting: list[str] = []
    for el in root.iter():
        xml_id = el.get(XML_ID)
        if xml_id is None:
            continue
        prev = ids.get(xml_id)
        if prev is None:
            ids[xml_id] = el
        elif etree.tostring(prev) != etree.tostring(el):
            conflicting.append(xml_id)
    return DocBookPart(str(path), part, edition, root, ids, sorted(set(conflicting)))


def identify(root: etree._Element) -> tuple[int | None, str]:
    """(part number, edition) from the book's title and subtitle."""
    title = clean("".join(root.findtext(q("title")) or ""))
    subtitle = clean("".join(root.findtext(q("subtitle")) or ""))
    m = _PART_RE.search(title) or _PART_RE.search(subtitle)
    part = int(m.group(1)) if m else None
    e = _EDITION_RE.search(subtitle) or _EDITION_RE.search(title)
    return part, (e.group(1) if e else "unknown")


def text_of(el: etree._Element | None) -> str:
    """All text below ``el``, cleaned (xrefs contribute their ``linkend``-less text only)."""
    if el is None:
        return ""
    return clean("".join(el.itertext()))
