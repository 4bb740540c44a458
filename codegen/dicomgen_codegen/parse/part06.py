"""PS3.6 Data Dictionary: data elements (Tables 6-1, 7-1, 8-1) and UIDs (Tables A-1, A-2, A-3).

Tables are located by xml:id. Columns are checked against the header the parser
was written for, so a reshaped table in a new edition fails with a clear error
instead of producing wrong data. Newer editions add a Keyword column to Table A-1:
it is used when present, otherwise keywords are derived by :mod:`..passes.naming`.
"""

from __future__ import annotations

import re

from ..docbook.tables import Row, Table, get_table
from ..docbook.text import clean, strip_retired_marker
from ..docbook.xml import DocBookPart
from ..ir.model import ContextGroupUIDRecord, DataElementRecord, Provenance, UIDRecord
from ..passes.naming import uid_keyword

ELEMENT_TABLES = {"table_6-1": "data", "table_7-1": "file_meta", "table_8-1": "directory"}
_TAG_TEXT = re.compile(r"^\([0-9A-Fa-fx]{4},[0-9A-Fa-fx]{4}\)$")
_VR_CODE = re.compile(r"^[A-Z]{2}$")
_VM = re.compile(r"^(\d+(-(\d+|n|\d+n))?|\d*n)$")


def _prov(table: Table, row: Row | None = None) -> Provenance:
    return Provenance(f"PS3.{table.part}", table.edition, table.xml_id, row.index if row else None)


def parse_vrs_cell(text: str, table: Table, row: Row) -> tuple[str, ...]:
    """``"US or SS or OW"`` -> ``("US", "SS", "OW")``; ``"See Note"`` or empty -> ``()``."""
    if not text or text.lower().startswith("see note"):
        return ()
    parts = tuple(p.strip() for p in text.split(" or "))
    for p in parts:
        if not _VR_CODE.match(p):
            raise table.error(f"unexpected VR {text!r}", row)
    return parts


def parse_data_elements(doc: DocBookPart) -> tuple[DataElementRecord, ...]:
    """All rows of Tables 6-1, 7-1 and 8-1, sorted by tag text."""
    out: list[DataElementRecord] = []
    for xml_id, kind in ELEMENT_TABLES.items():
        table = get_table(doc, xml_id)
        table.expect_columns("Tag", "Name", "Keyword", "VR", "VM", width=6)
        for row in table.rows:
            if len(row.cells) != 6:
                raise table.error(f"expected 6 cells, found {len(row.cells)}", row)
            tag, name, keyword, vr, vm, note = row.texts()
            if not _TAG_TEXT.match(tag):
                raise table.error(f"malformed tag {tag!r}", row)
            if vm and not all(_VM.match(v.strip()) for v in vm.split(" or ")):
                raise table.error(f"malformed VM {vm!r}", row)
            retired = "RET" in note.split() or row.cells[0].italic
            name, ret_in_name = strip_retired_marker(name)
            out.append(
                DataElementRecord(
                    tag=tag.upper().replace("X", "x"),
                    name=name,
                    keyword=keyword,
                    vrs=parse_vrs_cell(vr, table, row),
                    vm=vm,
                    retired=retired or ret_in_name,
                    kind=kind,
                    note=note,
                    source=_prov(table, row),
                )
            )
    return tuple(sorted(out, key=lambda r: r.tag))


def parse_uids(doc: DocBookPart) -> tuple[UIDRecord, ...]:
    """Table A-1 (all UIDs) and Table A-2 (well-known frames of reference), sorted by UID."""
    out: dict[str, UIDRecord] = {}
    a1 = get_table(doc, "table_A-1")
    has_keyword = any("keyword" in h.lower() for h in a1.header)
    if has_keyword:
        a1.expect_columns("UID Value", "UID Name", "UID Keyword", "UID Type", "Part", width=5)
    else:
        a1.expect_columns("UID Value", "UID Name", "UID Type", "Part", width=4)
    for row in a1.rows:
        texts = row.texts()
        if len(texts) != len(a1.header):
            raise a1.error(f"expected {len(a1.header)} cells, found {len(texts)}", row)
        if has_keyword:
            uid, name, keyword, uid_type, part = texts
        else:
            (uid, name, uid_type, part), keyword = texts, ""
        rec = _uid_record(a1, row, uid, name, keyword, uid_type, part)
        out[rec.uid] = rec
    a2 = get_table(doc, "table_A-2")
    a2.expect_columns("UID Value", "UID Name", width=len(a2.header))
    for row in a2.rows:
        uid, name = row.texts()[:2]
        if uid in out:
            continue  # A-1 lists them too in newer editions
        out[uid] = _uid_record(a2, row, uid, name, "", "Well-known frame of reference", "")
    return tuple(out[k] for k in sorted(out, key=_uid_sort_key))


_UID_TEXT = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def _uid_record(
    table: Table, row: Row, uid: str, name: str, keyword: str, uid_type: str, part: str
) -> UIDRecord:
    uid = uid.replace(" ", "")
    if not _UID_TEXT.match(uid):
        raise table.error(f"malformed UID {uid!r}", row)
    retired = bool(re.search(r"\(Retired\)", name, re.I)) or row.cells[0].italic
    return UIDRecord(
        uid=uid,
        name=name,
        keyword=keyword or uid_keyword(name),
        type=clean(uid_type),
        part=clean(part),
        retired=retired,
        source=_prov(table, row),
    )


def _uid_sort_key(uid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in uid.split("."))


_CID_REF = re.compile(r"sect_CID_(\d+)")


def parse_context_group_uids(doc: DocBookPart) -> tuple[ContextGroupUIDRecord, ...]:
    """Table A-3: context group UIDs. The CID comes from the cell text or, when the cell is
    only an olink into PS3.16, from the link target (``sect_CID_7222``). Names need PS3.16
    and stay empty when the cell has no text; rows with no CID at all are kept with cid ""."""
    table = get_table(doc, "table_A-3")
    table.expect_columns("Context UID", "Context Identifier", "Context Group Name", width=3)
    out = []
    for row in table.rows:
        if len(row.cells) != 3:
            raise table.error(f"expected 3 cells, found {len(row.cells)}", row)
        uid, cid_text, name = row.texts()
        cid = re.sub(r"^CID\s*", "", cid_text)
        if not cid:
            targets = [o.get("targetptr", "") for o in row.cells[1].element.iter("{*}olink")]
            m = next((m for t in targets if (m := _CID_REF.search(t))), None)
            cid = m.group(1) if m else ""
        # A few published rows carry only the UID (no CID, no name): kept as they are.
        out.append(
            ContextGroupUIDRecord(
                uid=uid,
                cid=cid,
                name=name,
                keyword=f"CID{cid}" if cid else "",
                source=_prov(table, row),
            )
        )
    return tuple(sorted(out, key=lambda r: _uid_sort_key(r.uid)))
