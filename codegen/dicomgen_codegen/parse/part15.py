"""PS3.15 Annex E: the Application Level Confidentiality Profile and its options.

* Table E.1-1 (``table_E.1-1``): every row -> :class:`DeidAttributeRecord` (tag or tag
  pattern with its mask, retired, in standard IOD, Basic Profile action, option actions).
* Table E.3.10-1 (``table_E.3.10-1``): safe private attributes -> :class:`SafePrivateRecord`.
* The profile and options -> :class:`DeidOptionRecord`: names and codes from CID 7050
  (``data/cid7050.toml``), each E.1-1 option column matched to its option by its abbreviated
  header, the describing section of E.3 matched by title.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from dicomgen.core.errors import SpecParseError

from ..docbook.tables import Row, Table, get_table
from ..docbook.text import clean
from ..docbook.xml import XML_ID, DocBookPart, q
from ..ir.deid import DeidAttributeRecord, DeidOptionRecord, Part15Result, SafePrivateRecord
from ..ir.model import Provenance

PROFILE_TABLE = "table_E.1-1"
SAFE_PRIVATE_TABLE = "table_E.3.10-1"
OPTIONS_SECTION = "sect_E.3"
PROFILE_SECTION = "sect_E.1"
CID7050 = Path(__file__).resolve().parents[1] / "data" / "cid7050.toml"

FIXED_COLUMNS = ("Attribute Name", "Tag", "Ret", "In Std", "Basic Prof")
ACTIONS = frozenset({"D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"})

_TAG = re.compile(r"^\(([0-9A-Fx]{4}),([0-9A-Fx]{4})\)$")
_PRIVATE = re.compile(r"^\(gggg,eeee\) where gggg is odd$")
_SAFE_TAG = re.compile(r"^\(([0-9A-F]{4}),XX([0-9A-F]{2})\)$")
_VR = re.compile(r"^([A-Z]{2})?$")


def _prov(table: Table, row: Row | None = None) -> Provenance:
    return Provenance(f"PS3.{table.part}", table.edition, table.xml_id, row.index if row else None)


def option_key(name: str) -> str:
    """``"Retain UIDs Option"`` -> ``"RETAIN_UIDS"``; the profile -> ``"BASIC_PROFILE"``."""
    words = re.sub(r"[^0-9A-Za-z]+", " ", name).split()
    if words and words[-1] == "Option":
        words = words[:-1]
    if words[:1] == ["Basic"] and "Profile" in words:
        return "BASIC_PROFILE"
    return "_".join(w.upper() for w in words)


def tag_value_mask(text: str) -> tuple[int, int]:
    """``"(60xx,3000)"`` -> (0x60003000, 0xFF00FFFF); x digits are zero in both."""
    m = _TAG.match(text)
    if not m:
        raise ValueError(text)
    digits = m.group(1) + m.group(2)
    value = int(digits.replace("x", "0"), 16)
    mask = int("".join("0" if d == "x" else "F" for d in digits), 16)
    return value, mask


def _abbreviation_matches(abbrev: str, name: str) -> bool:
    """Whether every word of an E.1-1 header ("Rtn. Long. Modif. Dates Opt.") abbreviates a
    word of ``name``, in order (same first letter, letters a subsequence); words of ``name``
    may be skipped, and the last word of the header must abbreviate the last of ``name``."""
    tokens = [t for t in re.split(r"[\s.]+", abbrev.lower()) if t]
    words = [w for w in re.split(r"[^0-9a-z]+", name.lower()) if w]

    def abbreviates(t: str, w: str) -> bool:
        if t[0] != w[0]:
            return False
        it = iter(w)
        return all(ch in it for ch in t)

    i = 0
    for n, t in enumerate(tokens):
        last = n == len(tokens) - 1
        while i < len(words) and not (
            abbreviates(t, words[i]) and (not last or i == len(words) - 1)
        ):
            i += 1
        if i == len(words):
            return False
        i += 1
    return True


def _yes_no(table: Table, row: Row, text: str, column: str) -> bool:
    if text not in ("Y", "N"):
        raise table.error(f"{column}: expected Y or N, found {text!r}", row)
    return text == "Y"


def _action(table: Table, row: Row, text: str, column: str) -> str:
    if text not in ACTIONS:
        raise table.error(f"{column}: unknown action {text!r}", row)
    return text


def parse_profile(doc: DocBookPart, columns: dict[str, str]) -> tuple[DeidAttributeRecord, ...]:
    """Table E.1-1, every row; ``columns`` maps each option column header to its option key."""
    table = get_table(doc, PROFILE_TABLE)
    table.expect_columns(*FIXED_COLUMNS, width=len(table.header))
    option_headers = table.header[len(FIXED_COLUMNS) :]
    out: dict[tuple[str, str], DeidAttributeRecord] = {}
    for row in table.rows:
        texts = row.texts()
        if len(texts) != len(table.header):
            raise table.error(f"expected {len(table.header)} cells, found {len(texts)}", row)
        name, tag = texts[0], texts[1]
        private = bool(_PRIVATE.match(tag))
        if private:
            value, mask = 0x00010000, 0x00010000  # odd group: the group's lowest bit set
        else:
            tag = tag.replace("X", "x") if "xx" in tag.lower() else tag.upper()
            try:
                value, mask = tag_value_mask(tag)
            except ValueError:
                raise table.error(f"malformed tag {texts[1]!r}", row) from None
        options = tuple(
            sorted(
                (columns[h], _action(table, row, cell, h))
                for h, cell in zip(option_headers, texts[len(FIXED_COLUMNS) :])
                if cell
            )
        )
        rec = DeidAttributeRecord(
            tag=tag,
            name=name,
            tag_value=value,
            tag_mask=mask,
            private=private,
            retired=_yes_no(table, row, texts[2], table.header[2]),
            in_std_iod=_yes_no(table, row, texts[3], table.header[3]),
            basic=_action(table, row, texts[4], table.header[4]),
            options=options,
            source=_prov(table, row),
        )
        key = (tag, name)
        if key in out:
            raise table.error(f"row {name} {tag} listed twice", row)
        out[key] = rec
    if not out:
        raise table.error("no rows")
    return tuple(sorted(out.values(), key=lambda r: (r.tag, r.name)))


def parse_safe_private(doc: DocBookPart) -> tuple[SafePrivateRecord, ...]:
    """Table E.3.10-1: (private creator, group, element offset) of each safe private element."""
    table = get_table(doc, SAFE_PRIVATE_TABLE)
    table.expect_columns("Data Element", "Private Creator", "VR", "VM", "Meaning")
    out: dict[tuple[str, str], SafePrivateRecord] = {}
    for row in table.rows:
        tag, creator, vr, vm, meaning = row.texts()
        tag = tag.upper()
        m = _SAFE_TAG.match(tag)
        if not m:
            raise table.error(f"malformed private tag {row.texts()[0]!r}", row)
        group = int(m.group(1), 16)
        if group % 2 == 0:
            raise table.error(f"private tag {tag} has an even group", row)
        if not _VR.match(vr):
            raise table.error(f"malformed VR {vr!r}", row)
        if not creator:
            raise table.error("no private creator", row)
        rec = SafePrivateRecord(
            tag=tag,
            creator=creator,
            group=group,
            offset=int(m.group(2), 16),
            vr=vr,
            vm=vm,
            meaning=meaning,
            source=_prov(table, row),
        )
        if (tag, creator) in out and out[(tag, creator)] != rec:
            raise table.error(f"{tag} of {creator!r} listed twice, differently", row)
        out.setdefault((tag, creator), rec)
    return tuple(sorted(out.values(), key=lambda r: (r.creator, r.group, r.offset)))


def load_cid7050(path: Path = CID7050) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecParseError(f"cannot read CID 7050 data: {exc}", path=str(path)) from None


def _first_para(doc: DocBookPart, xml_id: str) -> str:
    para = doc.by_id(xml_id).find(q("para"))
    return clean("".join(para.itertext())) if para is not None else ""


def _sections(doc: DocBookPart) -> list[tuple[str, str, str]]:
    """(xml:id, title, first paragraph) of each subsection of E.3."""
    out = []
    for sec in doc.by_id(OPTIONS_SECTION).iterchildren(q("section")):
        title = clean("".join(sec.findtext(q("title")) or ""))
        xml_id = sec.get(XML_ID) or ""
        out.append((xml_id, title, _first_para(doc, xml_id) if xml_id else ""))
    return out


def _section_for(name: str, sections: list[tuple[str, str, str]]) -> tuple[str, str]:
    """The E.3 section describing option ``name``: same title, or a title naming a family
    ("Retain Longitudinal Temporal Information Options") whose words start the name."""
    stem = name.removesuffix(" Option")
    for xml_id, title, text in sections:
        if title == name:
            return xml_id, text
    for xml_id, title, text in sections:
        family = title.removesuffix(" Options")
        if family != title and stem.startswith(family):
            return xml_id, text
    return "", ""


def parse_options(doc: DocBookPart) -> tuple[tuple[DeidOptionRecord, ...], dict[str, str]]:
    """The profile and options (CID 7050) and {E.1-1 option column header: option key}."""
    data = load_cid7050()
    table = get_table(doc, PROFILE_TABLE)
    headers = table.header[len(FIXED_COLUMNS) :]
    sections = _sections(doc)
    code_prov = Provenance(data["source"], data["edition"], data["xml_id"])
    columns: dict[str, str] = {}
    records = []
    for entry in data["codes"]:
        name = entry["meaning"]
        key = option_key(name)
        found = [h for h in headers if _abbreviation_matches(h, name)]
        if len(found) > 1:
            raise table.error(f"option {name!r} matches columns {found}")
        column = found[0] if found else ""
        if column:
            if column in columns:
                raise table.error(f"column {column!r} matches {columns[column]} and {key}")
            columns[column] = key
        if key == "BASIC_PROFILE":
            xml_id, text = PROFILE_SECTION, _first_para(doc, PROFILE_SECTION)
        else:
            xml_id, text = _section_for(name, sections)
        if not xml_id:
            if column:
                raise table.error(f"column {column!r}: no section of E.3 describes {name!r}")
            continue  # an option this edition does not have yet
        records.append(
            DeidOptionRecord(
                key=key,
                name=name,
                code_value=entry["value"],
                coding_scheme="DCM",
                code_meaning=name,
                column=column,
                section=xml_id,
                text=text,
                source=code_prov,
            )
        )
    missing = [h for h in headers if h not in columns]
    if missing:
        raise table.error(f"option columns matching no CID 7050 option: {missing}")
    return tuple(sorted(records, key=lambda r: r.code_value)), columns


def parse_part15(doc: DocBookPart) -> Part15Result:
    """Annex E of PS3.15 as IR."""
    options, columns = parse_options(doc)
    return Part15Result(
        part="PS3.15",
        edition=doc.edition,
        attributes=parse_profile(doc, columns),
        options=options,
        safe_private=parse_safe_private(doc),
    )
