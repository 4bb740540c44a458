"""PS3.5 Data Structures and Encoding: Value Representations and transfer syntax encodings.

* :func:`parse_vrs` reads PS3.5 Table 6.2-1 (``table_6.2-1``, Section 6.2).
* :func:`parse_transfer_syntax_properties` reads Annex A (``chapter_A``: A.1 Implicit VR
  Little Endian, A.2 Explicit VR Little Endian, A.3 Explicit VR Big Endian, A.4 and its
  sub-sections for encapsulated pixel data, A.5 Deflated, A.6/A.7 JPIP, A.8-A.10 SMPTE
  ST 2110) and Chapter 10 (``chapter_10``), and returns the encoding facts of every transfer
  syntax UID that PS3.5 states.

Rules used for transfer syntaxes (each record's :attr:`TSProps.derivation` says which applied):

* UIDs are the ``1.2.840.10008.1.2...`` values written in a section's own content (its
  paragraphs, lists and tables; notes and sub-sections excluded).
* Implicit/explicit VR and byte order come from the section's own requirement sentences
  ("shall be encoded with Implicit VR", "shall be in Little Endian"). A section without them
  that says "The entire Data Set is first encoded according to the rules specified in <ref>"
  (A.5, A.7) takes them from the referenced section; sub-sections of A.4 take them from A.4.
  A section stating none of these (A.8-A.10, SMPTE ST 2110: PS3.5 only describes the
  accompanying flow) is given Explicit VR Little Endian, recorded as ``"default"``.
* ``deflated``: the section says the byte stream is compressed with the "Deflate" algorithm.
* ``encapsulated``: the section is a sub-section of A.4 "Transfer Syntaxes For Encapsulation
  of Encoded Pixel Data".
* ``lossy`` is read from the text describing the UID (the table row, list item or paragraph
  that holds it) plus the titles of the Chapter 10 sections that name the UID: a mention of
  "lossy", "near-lossless" or "irreversible" -> True (a syntax that *allows* lossy coding is
  lossy: e.g. JPEG 2000 1.2.840.10008.1.2.4.91 "either lossless or lossy"); otherwise
  "lossless"/"reversible" -> False; otherwise a non-encapsulated syntax -> False (the pixel
  data is not compressed by the transfer syntax); otherwise ``None``: PS3.5 does not say
  (RLE, MPEG-2, H.264, HEVC); :mod:`..passes.transfer_syntaxes` decides with the PS3.6 name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs
from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import SpecParseError

from ..docbook.tables import Row, Table, get_table
from ..docbook.text import clean
from ..docbook.xml import XML_ID, DocBookPart, q
from ..ir.model import Provenance, TransferSyntaxRecord, VRRecord

# --------------------------------------------------------------------------- rich text


def rich_text(el: etree._Element | None) -> str:
    """Text of ``el`` for fields where markup carries meaning, then :func:`clean`-ed.

    ``<superscript>`` becomes ``^`` + its text ("2<superscript>32</superscript>-8" ->
    "2^32-8"), an empty ``<xref>``/``<olink>`` becomes its target ("(see note_6.1-2-1)"),
    and block elements (para, listitem...) are separated by a space.
    """
    if el is None:
        return ""
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        tag = etree.QName(e).localname if isinstance(e.tag, str) else ""
        if tag == "superscript":
            parts.append("^")
        if tag in ("xref", "olink") and not "".join(e.itertext()).strip():
            parts.append(e.get("linkend") or e.get("targetptr") or "")
        elif isinstance(e.tag, str):
            if e.text:
                parts.append(e.text)
            for child in e:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
        if tag in ("para", "listitem", "td", "th", "title", "entry"):
            parts.append(" ")

    walk(el)
    return clean("".join(parts))


def _prov(table: Table, row: Row | None = None) -> Provenance:
    return Provenance(f"PS3.{table.part}", table.edition, table.xml_id, row.index if row else None)


# --------------------------------------------------------------------------- VRs (6.2)

VR_TABLE = "table_6.2-1"
_VR_CODE = re.compile(r"^[A-Z]{2}$")
# "16 bytes maximum", "64 chars maximum per component group", "4 bytes fixed",
# "2^32-8 bytes maximum"
_LENGTH = re.compile(
    r"^(?:(?P<base>\d+)\^(?P<exp>\d+)\s*-\s*(?P<minus>\d+)|(?P<n>\d+))\s+"
    r"(?P<unit>bytes?|chars?|characters?)\s+(?P<kind>maximum|fixed)\b",
    re.I,
)


def parse_length_of_value(text: str) -> tuple[int | None, bool]:
    """``(max_length, fixed)`` from the "Length of Value" text of Table 6.2-1.

    Only the first statement counts ("8 bytes fixed In the context of a Query with range
    matching ... 18 bytes maximum" -> ``(8, True)``). Text that states no number of bytes
    or characters ("see Transfer Syntax definition", "not applicable") -> ``(None, False)``.
    """
    m = _LENGTH.match(text)
    if not m:
        return None, False
    if m.group("n") is not None:
        n = int(m.group("n"))
    else:
        n = int(m.group("base")) ** int(m.group("exp")) - int(m.group("minus"))
    return n, m.group("kind").lower() == "fixed"


def parse_vrs(doc: DocBookPart) -> tuple[VRRecord, ...]:
    """The Value Representations of PS3.5 Table 6.2-1, sorted by code."""
    table = get_table(doc, VR_TABLE)
    table.expect_columns("VR Name", "Definition", "Character Repertoire", "Length of Value")
    out: dict[str, VRRecord] = {}
    for row in table.rows:
        if len(row.cells) != 4:
            raise table.error(f"expected 4 cells, found {len(row.cells)}", row)
        paras = [clean("".join(p.itertext())) for p in row.cells[0].element.iter(q("para"))]
        paras = [p for p in paras if p]
        if len(paras) < 2:
            # Some renderings put "AE Application Entity" in one paragraph.
            head = row.cells[0].text.split(" ", 1)
            paras = head if len(head) == 2 else paras
        if len(paras) < 2 or not _VR_CODE.match(paras[0]):
            raise table.error(f"expected a VR code and name, found {row.cells[0].text!r}", row)
        code, name = paras[0], " ".join(paras[1:])
        if code in out:
            raise table.error(f"VR {code} listed twice", row)
        length = rich_text(row.cells[3].element)
        max_length, fixed = parse_length_of_value(length)
        out[code] = VRRecord(
            code=code,
            name=name,
            definition=rich_text(row.cells[1].element),
            repertoire=rich_text(row.cells[2].element),
            length=length,
            max_length=max_length,
            fixed=fixed,
            source=_prov(table, row),
        )
    if not out:
        raise table.error("no rows")
    return tuple(out[k] for k in sorted(out))


# --------------------------------------------------------------------------- transfer syntaxes


@attrs.frozen
class TSProps:
    """Encoding facts of one transfer syntax UID as PS3.5 states them (see module doc)."""

    uid: str
    implicit_vr: bool
    little_endian: bool
    deflated: bool
    encapsulated: bool
    lossy: bool | None  # None: PS3.5 does not say
    title: str  # title of the PS3.5 section that defines the UID
    description: str  # the text that describes this UID (row, list item or paragraph)
    derivation: str  # "stated" | "from sect_X" | "default" (how VR/byte order were found)
    source: Provenance | None = attrs.field(default=None, eq=False)


TS_UID = re.compile(r"(?<![\d.])1\.2\.840\.10008\.1\.2(?:\.\d+)*(?!\d)")
_IMPLICIT = re.compile(r"shall be encoded with (Implicit|Explicit) VR", re.I)
_ENDIAN = re.compile(r"shall be in (Little|Big) Endian", re.I)
_INHERIT = re.compile(
    r"first encoded according to the rules specified in (sect_[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)"
)
_DEFLATE = re.compile(r"compressed using the \W*Deflate\W* algorithm", re.I)
_LOSSY = re.compile(r"\b(lossy|near-lossless|irreversible)\b", re.I)
_LOSSLESS = re.compile(r"\b(lossless|reversible)\b", re.I)

ANNEX_A = "chapter_A"
ENCAPSULATION_SECTION = "sect_A.4"
CHAPTER_10 = "chapter_10"


def _own_blocks(section: etree._Element) -> list[etree._Element]:
    """Children of a section that are its own content: no title, notes or sub-sections."""
    skip = {q("title"), q("section"), q("note")}
    return [c for c in section if isinstance(c.tag, str) and c.tag not in skip]


def _own_text(section: etree._Element) -> str:
    return " ".join(rich_text(b) for b in _own_blocks(section))


def _uid_mentions(section: etree._Element) -> list[tuple[str, str]]:
    """``(uid, describing text)`` for each TS UID written in the section's own content.

    The describing text is the innermost table row or list item holding the UID, or its
    paragraph. Paragraphs inside notes are not read.
    """
    out: list[tuple[str, str]] = []
    for block in _own_blocks(section):
        for para in block.iter(q("para")):
            if any(a.tag == q("note") for a in para.iterancestors()):
                continue
            text = rich_text(para)
            uids = TS_UID.findall(text)
            if not uids:
                continue
            context = para
            for anc in para.iterancestors():
                if anc.tag in (q("tr"), q("listitem")):
                    context = anc
                    break
                if anc is section:
                    break
            described = rich_text(context)
            for uid in uids:
                out.append((uid, described))
    return out


def _title(el: etree._Element) -> str:
    return rich_text(el.find(q("title")))


def _encoding(
    doc: DocBookPart, section: etree._Element, seen: tuple[str, ...] = ()
) -> tuple[bool, bool, str] | None:
    """(implicit_vr, little_endian, derivation) stated by ``section`` or what it refers to."""
    sid = section.get(XML_ID, "")
    text = _own_text(section)
    vr, endian = _IMPLICIT.findall(text), _ENDIAN.findall(text)
    if vr or endian:
        if len({v.lower() for v in vr}) != 1 or len({e.lower() for e in endian}) != 1:
            raise _section_error(doc, sid, f"unclear VR/byte order statements {vr} {endian}")
        return vr[0].lower() == "implicit", endian[0].lower() == "little", "stated"
    m = _INHERIT.search(text)
    if m:
        target = doc.find(m.group(1))
        if target is None or m.group(1) in seen:
            raise _section_error(doc, sid, f"refers to missing or circular {m.group(1)}")
        got = _encoding(doc, target, seen + (sid,))
        if got is None:
            raise _section_error(doc, sid, f"{m.group(1)} states no encoding")
        return got[0], got[1], f"from {m.group(1)}"
    return None


def _section_error(doc: DocBookPart, xml_id: str, message: str) -> SpecParseError:
    return SpecParseError(
        f"PS3.{doc.part} {doc.edition} section {xml_id}: {message}",
        part=f"PS3.{doc.part}",
        table=xml_id,
        path=doc.path,
    )


def _chapter10_titles(doc: DocBookPart) -> dict[str, list[str]]:
    """UID -> titles of the Chapter 10 sections whose own content names it."""
    out: dict[str, list[str]] = {}
    ch = doc.find(CHAPTER_10)
    if ch is None:
        raise _section_error(doc, CHAPTER_10, "not found")
    for sect in ch.iter(q("section")):
        for uid in set(TS_UID.findall(_own_text(sect))):
            out.setdefault(uid, []).append(_title(sect))
    return out


def _lossy(evidence: list[str], encapsulated: bool) -> bool | None:
    text = " ".join(evidence)
    if _LOSSY.search(text):
        return True
    if _LOSSLESS.search(text):
        return False
    return False if not encapsulated else None


def parse_transfer_syntax_properties(doc: DocBookPart) -> dict[str, TSProps]:
    """Encoding facts of every transfer syntax UID defined in PS3.5 Annex A, by UID."""
    annex = doc.find(ANNEX_A)
    if annex is None:
        raise _section_error(doc, ANNEX_A, "not found")
    if doc.find(ENCAPSULATION_SECTION) is None:
        raise _section_error(doc, ENCAPSULATION_SECTION, "not found")
    ch10 = _chapter10_titles(doc)
    out: dict[str, TSProps] = {}
    for top in annex.iterchildren(q("section")):
        top_id = top.get(XML_ID, "")
        encapsulating = top_id == ENCAPSULATION_SECTION
        targets = list(top.iterchildren(q("section"))) if encapsulating else [top]
        parent_enc = _encoding(doc, top) if encapsulating else None
        if encapsulating and parent_enc is None:
            raise _section_error(doc, top_id, "states no VR/byte order for encapsulation")
        for sect in targets:
            sid = sect.get(XML_ID, "")
            mentions = _uid_mentions(sect)
            if not mentions:
                continue  # e.g. A.3 in 2020c: "This Transfer Syntax was retired in 2006."
            enc = parent_enc if encapsulating else _encoding(doc, sect)
            if enc is None:
                implicit, little, how = False, True, "default"
            else:
                implicit, little, how = enc
                if encapsulating:
                    how = f"from {ENCAPSULATION_SECTION}"
            deflated = bool(_DEFLATE.search(_own_text(sect)))
            by_uid: dict[str, list[str]] = {}
            for uid, described in mentions:
                by_uid.setdefault(uid, []).append(described)
            for uid, texts in by_uid.items():
                evidence = texts + ch10.get(uid, [])
                props = TSProps(
                    uid=uid,
                    implicit_vr=implicit,
                    little_endian=little,
                    deflated=deflated,
                    encapsulated=encapsulating,
                    lossy=_lossy(evidence, encapsulating),
                    title=_title(sect),
                    description=texts[0],
                    derivation=how,
                    source=Provenance(f"PS3.{doc.part}", doc.edition, sid),
                )
                prev = out.get(uid)
                if prev is not None and (
                    attrs.evolve(prev, title="", description="", derivation="")
                    != attrs.evolve(props, title="", description="", derivation="")
                ):
                    raise _section_error(
                        doc,
                        sid,
                        f"{uid} also defined differently in {prev.source.xml_id if prev.source else '?'}",
                    )
                out.setdefault(uid, props)
    if not out:
        raise _section_error(doc, ANNEX_A, "no transfer syntax UID found")
    return {k: out[k] for k in sorted(out, key=lambda u: tuple(int(p) for p in u.split(".")))}


def properties_from_records(records: Iterable[TransferSyntaxRecord]) -> dict[str, TSProps]:
    """The :class:`TSProps` that previously built transfer syntax records carry.

    Used when a registry is regenerated from the committed IR without re-reading PS3.5:
    the facts (already cross-checked when the records were built) are taken as they are,
    with ``derivation="from IR"`` and the records' provenance.
    """
    out: dict[str, TSProps] = {}
    for r in records:
        out[r.uid] = TSProps(
            uid=r.uid,
            implicit_vr=r.implicit_vr,
            little_endian=r.little_endian,
            deflated=r.deflated,
            encapsulated=r.encapsulated,
            lossy=r.lossy,
            title=r.name,
            description="",
            derivation="from IR",
            source=r.source,
        )
    return out
