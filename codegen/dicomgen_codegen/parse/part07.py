"""PS3.7 Message Exchange: command elements, command field codes and DIMSE statuses.

* :func:`parse_command_elements`: Table E.1-1 "Command Fields" (``table_E.1-1``) and
  Table E.2-1 "Retired Command Fields" (``table_E.2-1``) of Annex E.
* :func:`parse_command_fields`: the values listed in the "Description of Field" of Command
  Field (0000,0100) in Table E.1-1 ("0001H C-STORE-RQ" ... "0FFFH C-CANCEL-RQ").
* :func:`parse_statuses`: Annex C (``chapter_C``) and the "Status" parameter sections of the
  DIMSE services (Sections 9.1.x and 10.1.x), see its docstring.
"""

from __future__ import annotations

import re

from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import SpecParseError

from ..docbook.tables import Cell, Row, Table, get_table
from ..docbook.text import clean
from ..docbook.xml import XML_ID, DocBookPart, q
from ..ir.model import CommandFieldRecord, DataElementRecord, Provenance, StatusRecord
from .part05 import rich_text

COMMAND_TABLE = "table_E.1-1"
RETIRED_COMMAND_TABLE = "table_E.2-1"
COMMAND_FIELD_TAG = "(0000,0100)"

_TAG = re.compile(r"^\(0000,[0-9A-F]{4}\)$")
_VR = re.compile(r"^[A-Z]{2}$")
_VM = re.compile(r"^(\d+(-(\d+|n))?)$")


def _prov(table: Table, row: Row | None = None) -> Provenance:
    return Provenance(f"PS3.{table.part}", table.edition, table.xml_id, row.index if row else None)


# --------------------------------------------------------------------------- command elements


def _command_rows(doc: DocBookPart, xml_id: str, width: int) -> tuple[Table, list[Row]]:
    table = get_table(doc, xml_id)
    names = ("Tag", "Message Field", "Keyword", "VR", "VM", "Description of Field")[:width]
    table.expect_columns(*names)
    for row in table.rows:
        if len(row.cells) != width:
            raise table.error(f"expected {width} cells, found {len(row.cells)}", row)
    if not table.rows:
        raise table.error("no rows")
    return table, list(table.rows)


def parse_command_elements(doc: DocBookPart) -> tuple[DataElementRecord, ...]:
    """Command elements of Tables E.1-1 (current) and E.2-1 (retired), sorted by tag.

    ``kind="command"``; the "Description of Field" of E.1-1 is kept in ``note``.
    """
    out: dict[str, DataElementRecord] = {}
    for xml_id, width, retired in ((COMMAND_TABLE, 6, False), (RETIRED_COMMAND_TABLE, 5, True)):
        table, rows = _command_rows(doc, xml_id, width)
        for row in rows:
            texts = row.texts()
            tag, name, keyword, vr, vm = texts[:5]
            tag = tag.upper()
            if not _TAG.match(tag):
                raise table.error(f"malformed command tag {texts[0]!r}", row)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", keyword):
                raise table.error(f"malformed keyword {keyword!r}", row)
            vrs = tuple(v.strip() for v in vr.split(" or "))
            if not all(_VR.match(v) for v in vrs):
                raise table.error(f"malformed VR {vr!r}", row)
            if not _VM.match(vm):
                raise table.error(f"malformed VM {vm!r}", row)
            if tag in out:
                raise table.error(f"tag {tag} listed twice", row)
            out[tag] = DataElementRecord(
                tag=tag,
                name=name,
                keyword=keyword,
                vrs=vrs,
                vm=vm,
                retired=retired,
                kind="command",
                note=rich_text(row.cells[5].element) if width == 6 else "",
                source=_prov(table, row),
            )
    return tuple(out[k] for k in sorted(out))


# --------------------------------------------------------------------------- command fields

_CODE_LINE = re.compile(r"^(?P<code>[0-9A-F]{4})H\s*(?P<name>[CN]-[A-Z-]+-(?:RQ|RSP))$")


def parse_command_fields(doc: DocBookPart) -> tuple[CommandFieldRecord, ...]:
    """The Command Field (0000,0100) values of Table E.1-1, sorted by code.

    Each value is one paragraph "0001H C-STORE-RQ" of the row's "Description of Field".
    Every request must have its response at ``code | 0x8000`` except C-CANCEL-RQ (PS3.7
    9.3.2.3: C-CANCEL has no response).
    """
    table = get_table(doc, COMMAND_TABLE)
    row = next((r for r in table.rows if r.cells and r.cells[0].text == COMMAND_FIELD_TAG), None)
    if row is None:
        raise table.error(f"no row for Command Field {COMMAND_FIELD_TAG}")
    if len(row.cells) != 6:
        raise table.error(f"expected 6 cells, found {len(row.cells)}", row)
    out: dict[str, CommandFieldRecord] = {}
    for para in row.cells[5].element.iter(q("para")):
        text = clean("".join(para.itertext()))
        m = _CODE_LINE.match(text)
        if not m:
            continue  # the introductory sentence
        name, code = m.group("name"), int(m.group("code"), 16)
        if name in out or any(r.code == code for r in out.values()):
            raise table.error(f"command field {text!r} listed twice", row)
        out[name] = CommandFieldRecord(name=name, code=code, source=_prov(table, row))
    if not out:
        raise table.error("no command field values in the description of (0000,0100)", row)
    codes = {r.code for r in out.values()}
    for r in out.values():
        if r.name.endswith("-RQ") and r.name != "C-CANCEL-RQ":
            rsp = r.name[:-3] + "-RSP"
            if rsp not in out or out[rsp].code != r.code | 0x8000:
                raise table.error(
                    f"{r.name} {r.code:04X}H has no {rsp} at {r.code | 0x8000:04X}H", row
                )
        if r.name.endswith("-RSP") and (r.code & 0x7FFF) not in codes:
            raise table.error(f"{r.name} has no request", row)
    return tuple(sorted(out.values(), key=lambda r: (r.code, r.name)))


# --------------------------------------------------------------------------- statuses

ANNEX_C = "chapter_C"
STATUS_CLASSES = ("Success", "Warning", "Failure", "Cancel", "Pending")
DIMSE_CHAPTERS = ("chapter_9", "chapter_10")
_HEX_PATTERN = re.compile(r"^[0-9A-Fa-fx]{4}$")
_SET_TO = re.compile(r"shall be set to ([0-9A-F]{4})H")
_ITEM = re.compile(
    r"^(?P<meaning>.+?)\s*\((?:(?P<code>[0-9A-F]{4})H|(?P<specific>Status value is Service "
    r"Class specific))\)\s*(?:[-:]\s*.*)?$",
    re.S,
)
_SERVICE = re.compile(r"^([CN]-[A-Z-]+) Service$")


def _section_error(doc: DocBookPart, xml_id: str, message: str, row: int | None = None):
    return SpecParseError(
        f"PS3.{doc.part} {doc.edition} {xml_id}: {message}",
        part=f"PS3.{doc.part}",
        table=xml_id,
        row=row,
        path=doc.path,
    )


def informal_table(doc: DocBookPart, section: etree._Element, label: str) -> Table:
    """The one ``informaltable`` directly inside ``section`` (these tables carry no xml:id,
    so they are found through their section's). Spanning cells are not expected here."""
    tables = list(section.iterchildren(q("informaltable"), q("table")))
    if len(tables) != 1:
        raise _section_error(doc, label, f"expected one table, found {len(tables)}")
    el = tables[0]

    def rows_of(part: etree._Element | None) -> list[tuple[etree._Element, tuple[Cell, ...]]]:
        out = []
        for tr in part.iterchildren(q("tr")) if part is not None else ():
            cells = []
            for td in tr.iterchildren(q("td"), q("th")):
                if int(td.get("colspan") or 1) != 1 or int(td.get("rowspan") or 1) != 1:
                    raise _section_error(doc, label, "unexpected spanning cell", len(out) + 1)
                cells.append(Cell(td, clean("".join(td.itertext())), 1, 1, True))
            out.append((tr, tuple(cells)))
        return out

    head = rows_of(el.find(q("thead")))
    header = tuple(c.text for c in head[-1][1]) if head else ()
    body = rows_of(el.find(q("tbody")))
    rows = tuple(Row(i + 1, cells, tr) for i, (tr, cells) in enumerate(body))
    return Table(doc.part, doc.edition, label, "", header, rows, el)


def _code_range(token: str) -> tuple[int, int]:
    """``"0107"`` -> (0x0107, 0x0107); ``"A7xx"`` -> (0xA700, 0xA7FF)."""
    return int(token.replace("x", "0").replace("X", "0"), 16), int(
        token.replace("x", "F").replace("X", "F"), 16
    )


def _convention(doc: DocBookPart) -> tuple[StatusRecord, ...]:
    """The Status Class convention table at the start of Annex C."""
    annex = doc.find(ANNEX_C)
    if annex is None:
        raise _section_error(doc, ANNEX_C, "not found")
    table = informal_table(doc, annex, f"{ANNEX_C} (informaltable)")
    out: list[StatusRecord] = []
    for row in table.rows:
        if len(row.cells) != 2:
            raise table.error(f"expected 2 cells, found {len(row.cells)}", row)
        cls, codes = row.texts()
        ranges: list[tuple[int, int]] = []
        excepted: list[int] = []
        for token in re.split(r"\s+or\s+", codes):
            m = re.fullmatch(r"(.+?)(?:\s*\(except (.+)\))?", token.strip())
            values = re.split(r"\s+and\s+", m.group(1)) if m else []
            if not values or not all(_HEX_PATTERN.match(v) for v in values):
                raise table.error(f"unexpected status code text {codes!r}", row)
            ranges.extend(_code_range(v) for v in values)
            if m and m.group(2):
                for ex in re.split(r"\s+and\s+|,\s*", m.group(2)):
                    if not re.fullmatch(r"[0-9A-F]{4}", ex.strip()):
                        raise table.error(f"unexpected exception {ex!r} in {codes!r}", row)
                    excepted.append(int(ex, 16))
        for lo, hi in ranges:
            # "01xx (except 0107 and 0116)": split the range around the exceptions
            start = lo
            for ex in sorted(e for e in excepted if lo <= e <= hi and hi > lo):
                if ex > start:
                    out.append(StatusRecord(start, ex - 1, cls, "", "", _prov(table, row)))
                start = ex + 1
            if start <= hi:
                out.append(StatusRecord(start, hi, cls, "", "", _prov(table, row)))
    return tuple(out)


def _class_of(code: int, convention: tuple[StatusRecord, ...]) -> str | None:
    hits = [r for r in convention if r.code_min <= code <= r.code_max]
    return min(hits, key=lambda r: r.code_max - r.code_min).status_class if hits else None


def _annex_c_types(doc: DocBookPart) -> tuple[list[StatusRecord], dict[str, str]]:
    """Status Types of Annex C: records for those with a fixed code; meaning -> class."""
    annex = doc.find(ANNEX_C)
    assert annex is not None  # checked by _convention
    records: list[StatusRecord] = []
    classes: dict[str, str] = {}
    for class_sect in annex.iterchildren(q("section")):
        cid = class_sect.get(XML_ID, "")
        title = rich_text(class_sect.find(q("title")))
        m = re.fullmatch(r"(.+) Status Class", title)
        if not m:
            raise _section_error(doc, cid, f"expected '<class> Status Class', found {title!r}")
        cls = m.group(1)
        for type_sect in class_sect.iterchildren(q("section")):
            tid = type_sect.get(XML_ID, "")
            meaning = rich_text(type_sect.find(q("title")))
            classes[meaning] = cls
            table = informal_table(doc, type_sect, f"{tid} (informaltable)")
            table.expect_columns("Status Field", "Tag", "VR", "VM", "Description of Field")
            status_rows = [r for r in table.rows if r.cells and r.cells[1].text == "(0000,0900)"]
            if len(status_rows) != 1:
                raise table.error(f"expected one Status (0000,0900) row, found {len(status_rows)}")
            row = status_rows[0]
            if len(row.cells) != 5:
                raise table.error(f"expected 5 cells, found {len(row.cells)}", row)
            desc = row.cells[4].text
            m = _SET_TO.search(desc)
            if m:
                code = int(m.group(1), 16)
                records.append(StatusRecord(code, code, cls, meaning, "", _prov(table, row)))
            elif "Service Class specific" not in desc:
                raise table.error(f"no status code in {desc!r}", row)
    return records, classes


def _service_of(section: etree._Element) -> str | None:
    for anc in section.iterancestors(q("section")):
        m = _SERVICE.match(rich_text(anc.find(q("title"))))
        if m:
            return m.group(1)
    return None


def parse_statuses(doc: DocBookPart) -> tuple[StatusRecord, ...]:
    """DIMSE status codes from PS3.7, sorted by (service, code_min, code_max, meaning).

    Three kinds of record:

    * the Status Class convention of Annex C: ``service=""``, ``meaning=""``, one record per
      code range ("Axxx" -> 0xA000-0xAFFF; "01xx (except 0107 and 0116)" becomes the ranges
      around the exceptions, so ranges of different classes never overlap);
    * the Annex C Status Types with a fixed code (C.x.y "shall be set to 0122H"):
      ``service=""``, ``meaning`` = the section title ("Refused: SOP Class not supported");
    * the statuses each DIMSE service lists in its "Status" parameter section (9.1.x, 10.1.x)
      with a code, e.g. ``service="C-STORE"``, ``meaning="Duplicate invocation"``, 0x0210.

    Status Types whose value "is Service Class specific" (Pending, Warning, Refused: Out of
    resources, Error: Cannot understand...) have no code in PS3.7 and give no record; their
    codes (A7xx, Cxxx...) are in the PS3.4 service class tables. The class of every coded
    status is checked against the convention (and against Annex C for a known meaning).
    """
    convention = _convention(doc)
    typed, classes = _annex_c_types(doc)
    out: list[StatusRecord] = list(convention)
    for rec in typed:
        cls = _class_of(rec.code_min, convention)
        if cls in STATUS_CLASSES and cls != rec.status_class:
            raise _section_error(
                doc,
                rec.source.xml_id if rec.source else ANNEX_C,
                f"{rec.meaning} {rec.code_min:04X}H is class {rec.status_class} in Annex C "
                f"but {cls} by the Status Class convention",
            )
        out.append(rec)
    services_seen: set[str] = set()
    for chap_id in DIMSE_CHAPTERS:
        chapter = doc.find(chap_id)
        if chapter is None:
            raise _section_error(doc, chap_id, "not found")
        for sect in chapter.iter(q("section")):
            if rich_text(sect.find(q("title"))) != "Status":
                continue
            sid = sect.get(XML_ID, "")
            service = _service_of(sect)
            if service is None:
                continue  # e.g. a "Status" section outside a DIMSE service
            services_seen.add(service)
            for n, item in enumerate(sect.iter(q("listitem")), start=1):
                text = rich_text(item)
                m = _ITEM.match(text)
                if not m:
                    if re.search(r"\b[0-9A-F]{4}H\b", text):
                        raise _section_error(doc, sid, f"unreadable status item {text[:80]!r}", n)
                    continue  # a Status Type named without a code (2015b wording)
                if m.group("specific"):
                    continue
                code = int(m.group("code"), 16)
                meaning = m.group("meaning").strip()
                cls = _class_of(code, convention)
                if cls not in STATUS_CLASSES and meaning in classes:
                    cls = classes[meaning]  # 2015b: "Annex C assigned Warning and Failure"
                if cls not in STATUS_CLASSES:
                    raise _section_error(doc, sid, f"{code:04X}H has no single status class", n)
                if meaning in classes and classes[meaning] != cls:
                    raise _section_error(
                        doc, sid, f"{meaning} {code:04X}H: Annex C says {classes[meaning]}", n
                    )
                prov = Provenance(f"PS3.{doc.part}", doc.edition, sid, n)
                out.append(StatusRecord(code, code, cls, meaning, service, prov))
    expected = {c.name[:-3] for c in parse_command_fields(doc) if c.name.endswith("-RQ")}
    expected.discard("C-CANCEL")  # C-CANCEL has no response, hence no Status
    missing = sorted(expected - services_seen)
    if missing:
        raise _section_error(doc, "chapter_9/chapter_10", f"no Status section for {missing}")
    return tuple(
        sorted(
            set(out), key=lambda r: (r.service, r.code_min, r.code_max, r.meaning, r.status_class)
        )
    )
