"""PS3.4 Service Class Specifications: the SOP classes each service class defines.

Two sources, both read from the annexes (one annex per service class):

* SOP class tables, located by xml:id (:data:`SOP_CLASS_TABLES`): "SOP Class Name | SOP Class
  UID [| IOD Specification | Specialization]" - Table B.5-1 (Storage, 151 rows in 2020c),
  B.6-1 (retired Storage), C.6.1.3-1/C.6.2.3-1 (Query/Retrieve), I.4-1 (Media Storage),
  K.6.1.4-1 (Modality Worklist), Q.4-3, U.6.1.4-1, V.6.x.4-1, X.6.1.4-1, Y.6.1.3-1,
  Z.6.1.3-1, BB.6.1.4-1, GG.3-1, HH.6.1.4-1, II.6.1.4-1. A table of that shape that is not
  in the list is an error too, so a new edition cannot drop SOP classes silently.
* The service classes that state their UIDs in prose (Verification A.4, MPPS F.7.3,
  Print Management H.x, Storage Commitment J.3.4, ...): a paragraph that names a
  "<Name> SOP Class" and says its "SOP Class UID shall be / has the value / is "<uid>"", or a
  list item "<uid> (<Name> SOP Class)" (Unified Procedure Step, CC.3.1).

The service is the annex title without "Service Class(es)"/"(Normative)" ("Storage Service
Class (Normative)" -> "Storage"); a SOP class name ending in " - FIND", " - MOVE" or " - GET"
adds that suffix ("Query/Retrieve - FIND").

The IOD column is only an ``<olink targetdoc="PS3.3" targetptr="sect_A.3">`` whose text
PS3.3 supplies: ``iod_ref`` keeps the target, ``iod`` is filled from ``iod_titles`` (see
:func:`iod_titles`, built from a PS3.3 document) and stays "" when the title is not known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import SpecParseError

from ..docbook.tables import Table, get_table
from ..docbook.xml import XML_ID, DocBookPart, q
from ..ir.model import Provenance, SOPClassRecord
from .part05 import rich_text

SOP_CLASS_TABLES: tuple[str, ...] = (
    "table_B.5-1",
    "table_B.6-1",
    "table_C.6.1.3-1",
    "table_C.6.2.3-1",
    "table_I.4-1",
    "table_K.6.1.4-1",
    "table_Q.4-3",
    "table_U.6.1.4-1",
    "table_V.6.1.4-1",
    "table_V.6.2.4-1",
    "table_X.6.1.4-1",
    "table_Y.6.1.3-1",
    "table_Z.6.1.3-1",
    "table_BB.6.1.4-1",
    "table_GG.3-1",
    "table_HH.6.1.4-1",
    "table_II.6.1.4-1",
)
"""The SOP class tables of PS3.4 2020c, by xml:id."""

STORAGE_TABLE = "table_B.5-1"

_UID = re.compile(r"^1\.2\.840\.10008(\.\d+)+$")
_UID_IN_TEXT = r"1\.2\.840\.10008(?:\.\d+)+"
_OPTIONAL_COLUMNS = ("IOD Specification", "Specialization", "Root Template")
_QR_SUFFIX = re.compile(r" - (FIND|MOVE|GET)$")
# "... SOP Class UID shall be "1.2..."", "... has the value "1.2..."", "... UID is "1.2...""
_STATES_UID = re.compile(
    r"(?:SOP Class UID|uniquely identified by)[^.]*?\b(?:shall (?:be|have)|has|is)\b[^\"0-9]*\"\s*"
    r"(" + _UID_IN_TEXT + r")\s*\""
)
_LIST_ITEM = re.compile(r"^(" + _UID_IN_TEXT + r")\s*\(([^()]+ SOP Class)\)$")
_NAME = re.compile(r"((?:[A-Z0-9][\w/&-]*\s+)+)SOP Class\b")


def _annex(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors(q("chapter")):
        return anc
    return None


def service_of_annex(chapter: etree._Element) -> str:
    """ "Storage Service Class (Normative)" -> "Storage"; "Procedure Step SOP Classes
    (Normative)" -> "Procedure Step"; "Unified Procedure Step Service and SOP Classes
    (Normative)" -> "Unified Procedure Step"."""
    title = rich_text(chapter.find(q("title")))
    title = re.sub(r"\s*\((Normative|Informative)\)\s*$", "", title)
    title = re.sub(
        r"\s+(Service and SOP Classes|Service Class(es)?|SOP Classes|Service)$", "", title
    )
    return title


def _service(chapter: etree._Element | None, name: str) -> str:
    base = service_of_annex(chapter) if chapter is not None else ""
    m = _QR_SUFFIX.search(name)
    return f"{base} - {m.group(1)}" if m else base


def _iod_ref(cell_el: etree._Element) -> str:
    for ol in cell_el.iter(q("olink")):
        if ol.get("targetdoc") == "PS3.3" and ol.get("targetptr"):
            return ol.get("targetptr", "")
    for x in cell_el.iter(q("xref")):
        if x.get("linkend", "").startswith(("sect_A", "chapter_A")):
            return x.get("linkend", "")
    return ""


def _check_header(table: Table) -> None:
    h = table.header
    if len(h) < 2 or h[0] != "SOP Class Name" or h[1] != "SOP Class UID":
        raise table.error(f"expected columns ('SOP Class Name', 'SOP Class UID', ...), found {h}")
    for extra in h[2:]:
        if not extra.startswith(_OPTIONAL_COLUMNS):
            raise table.error(f"unexpected column {extra!r}")


def _from_table(
    doc: DocBookPart, xml_id: str, iod_titles: Mapping[str, str]
) -> list[SOPClassRecord]:
    table = get_table(doc, xml_id)
    _check_header(table)
    iod_col = next((i for i, h in enumerate(table.header) if h.startswith("IOD")), None)
    spec_col = next((i for i, h in enumerate(table.header) if h == "Specialization"), None)
    chapter = _annex(table.element)
    out = []
    if not table.rows:
        raise table.error("no rows")
    for row in table.rows:
        if len(row.cells) != len(table.header):
            raise table.error(f"expected {len(table.header)} cells, found {len(row.cells)}", row)
        name, uid = row.cells[0].text, row.cells[1].text.replace(" ", "")
        if not name or not _UID.match(uid):
            raise table.error(f"expected a SOP class name and UID, found {name!r} {uid!r}", row)
        if spec_col is not None and row.cells[spec_col].text:
            raise table.error(f"Specialization {row.cells[spec_col].text!r} is not supported", row)
        ref = _iod_ref(row.cells[iod_col].element) if iod_col is not None else ""
        out.append(
            SOPClassRecord(
                uid=uid,
                name=name,
                iod=iod_titles.get(ref, ""),
                iod_ref=ref,
                service=_service(chapter, name),
                source=Provenance(f"PS3.{doc.part}", doc.edition, xml_id, row.index),
            )
        )
    return out


def _from_prose(doc: DocBookPart) -> list[SOPClassRecord]:
    out = []
    for chapter in doc.root.iter(q("chapter")):
        if not re.fullmatch(r"chapter_[A-Z]{1,2}", chapter.get(XML_ID, "")):
            continue  # annexes only: one per service class
        for para in chapter.iter(q("para")):
            if any(
                a.tag in (q("note"), q("table"), q("informaltable")) for a in para.iterancestors()
            ):
                continue
            text = rich_text(para)
            m = _LIST_ITEM.match(text)
            if m:
                uid, name = m.group(1), m.group(2).strip()
            else:
                m = _STATES_UID.search(text)
                if not m:
                    continue
                uid = m.group(1)
                names = [re.sub(r"^The\s+", "", n.group(1)).strip() for n in _NAME.finditer(text)]
                names = [n for n in names if n]
                if not names:
                    continue  # "The SOP Class UID shall be set to ... by SCP": no name here
                name = f"{names[0]} SOP Class"
            section = next(para.iterancestors(q("section")), chapter)
            out.append(
                SOPClassRecord(
                    uid=uid,
                    name=name,
                    iod="",
                    iod_ref="",
                    service=_service(chapter, name),
                    source=Provenance(f"PS3.{doc.part}", doc.edition, section.get(XML_ID, "")),
                )
            )
    return out


def _uid_key(uid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in uid.split("."))


def parse_sop_classes(
    doc: DocBookPart,
    iod_titles: Mapping[str, str] | None = None,
    tables: Sequence[str] = SOP_CLASS_TABLES,
) -> tuple[SOPClassRecord, ...]:
    """Every SOP class PS3.4 defines, sorted by UID (see module doc).

    ``iod_titles`` maps PS3.3 xml:ids to IOD titles (:func:`iod_titles`); ``tables`` are the
    SOP class tables of the edition (default: those of 2020c).
    """
    titles = iod_titles or {}
    listed = set(tables)
    for t in doc.root.iter(q("table")):
        tid = t.get(XML_ID)
        head = t.find(q("thead"))
        if tid and tid not in listed and head is not None:
            cols = [rich_text(c) for c in head.iter(q("td"), q("th"))]
            if cols[:2] == ["SOP Class Name", "SOP Class UID"]:
                raise SpecParseError(
                    f"PS3.{doc.part} {doc.edition}: SOP class table {tid} is not in "
                    "SOP_CLASS_TABLES",
                    part=f"PS3.{doc.part}",
                    table=tid,
                )
    out: dict[str, SOPClassRecord] = {}
    for xml_id in tables:
        for rec in _from_table(doc, xml_id, titles):
            prev = out.get(rec.uid)
            if prev is not None and prev.name != rec.name:
                raise SpecParseError(
                    f"PS3.{doc.part} {doc.edition}: {rec.uid} is {prev.name!r} in "
                    f"{prev.source.xml_id if prev.source else '?'} but {rec.name!r} in {xml_id}",
                    part=f"PS3.{doc.part}",
                    table=xml_id,
                    row=rec.source.row if rec.source else None,
                )
            out.setdefault(rec.uid, rec)
    for rec in _from_prose(doc):
        out.setdefault(rec.uid, rec)  # a table entry wins; prose repeats are expected
    return tuple(out[k] for k in sorted(out, key=_uid_key))


def iod_titles(part03: DocBookPart) -> dict[str, str]:
    """PS3.3 IOD section xml:id -> IOD title, e.g. ``"sect_A.3" -> "CT Image"``.

    An IOD section is a section of Annex A whose title ends in " IOD". Its title is the
    caption of its "<title> IOD Modules" table (the name the SOP class tables use: "CT Image"),
    or, when it has none, the section title without " IOD" ("Computed Tomography Image").
    """
    out: dict[str, str] = {}
    for sect in part03.root.iter(q("section")):
        sid = sect.get(XML_ID, "")
        if not sid.startswith("sect_A."):
            continue
        title = rich_text(sect.find(q("title")))
        if not title.endswith(" IOD"):
            continue
        caption = ""
        for t in sect.iter(q("table")):
            cap = rich_text(t.find(q("caption")))
            if cap.endswith(" IOD Modules"):
                caption = cap[: -len(" IOD Modules")]
                break
        out[sid] = caption or title[: -len(" IOD")]
    return out
