"""Keywords, VRs and VMs of PS3.3 attributes from the PS3.6 data dictionary, by tag.

PS3.3 tables publish an attribute's name and tag but not its keyword, VR or VM; those are in
PS3.6 (Tables 6-1, 7-1, 8-1). :func:`fill_keywords` looks every :class:`AttributeRow` up by
tag - exact tags first, then the repeating-group entries such as ``(60xx,3000)`` (PS3.5
Section 7.6) - fills ``AttributeRow.keyword`` and returns an :class:`ElementInfo` per tag.

An attribute that the dictionary does not have (PS3.3 of a newer edition than PS3.6, or an
error in either) is *reported*, never guessed silently: it still gets an ElementInfo with
``known=False``, a keyword made from its name with the rule PS3.6 uses for keywords, VR
``SQ`` when its rows have nested items and ``UN`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from ..ir.iod import AttributeRow, AttributeTableRecord, Part03Result, ReportIssue
from ..ir.model import DataElementRecord
from ..render.filters import tag_value_mask

__all__ = [
    "ElementInfo",
    "KeywordResult",
    "DictionaryIndex",
    "keyword_from_name",
    "tag_number",
    "fill_keywords",
]


@attrs.frozen
class ElementInfo:
    """What the dictionary says about one tag of PS3.3 (``tag`` as PS3.3 prints it)."""

    tag: str
    keyword: str
    name: str
    vrs: tuple[str, ...]
    vm: str
    retired: bool
    known: bool
    """False when PS3.6 has no entry (keyword made from the name, VR guessed)."""
    repeating: bool = False
    """A repeating-group tag such as ``(60xx,0010)``: the class field maps the first group."""

    @property
    def value(self) -> int:
        """The tag number (repeating groups: the first group, ``x`` read as 0)."""
        return tag_number(self.tag)


@attrs.frozen
class KeywordResult:
    """:func:`fill_keywords` output: the IR with keywords, per-tag facts, the missing tags."""

    result: Part03Result
    elements: dict[str, ElementInfo]
    missing: tuple[ReportIssue, ...]


def tag_number(tag: str) -> int:
    """``"(0010,0010)"`` -> 0x00100010; ``"(60xx,3000)"`` -> 0x60003000."""
    value, _mask = tag_value_mask(tag)
    return value


class DictionaryIndex:
    """Exact entries by tag and repeating-group entries by (value, mask), for PS3.6 records."""

    def __init__(self, records: Iterable[DataElementRecord]) -> None:
        self.exact: dict[int, DataElementRecord] = {}
        self.repeaters: list[tuple[int, int, DataElementRecord]] = []
        rank = {"data": 0, "file_meta": 1, "directory": 2, "command": 3}
        for r in sorted(records, key=lambda r: (r.tag, rank.get(r.kind, 9))):
            if not r.keyword:  # reserved rows ("RET - See Note") name no attribute
                continue
            value, mask = tag_value_mask(r.tag)
            if mask == 0xFFFFFFFF:
                self.exact.setdefault(value, r)
            else:
                self.repeaters.append((value, mask, r))
        # most specific mask first, as the runtime matches them
        self.repeaters.sort(key=lambda e: (-bin(e[1]).count("1"), e[0]))

    def lookup(self, tag: str) -> DataElementRecord | None:
        """The entry for a tag as PS3.3 prints it (repeating groups match their mask)."""
        value, mask = tag_value_mask(tag)
        if mask == 0xFFFFFFFF:
            hit = self.exact.get(value)
            if hit is not None:
                return hit
        for rv, rm, r in self.repeaters:
            # the PS3.3 tag may itself be a pattern: it matches an entry with the same pattern
            if rm == mask and rv == value:
                return r
            if mask == 0xFFFFFFFF and value & rm == rv:
                return r
        return None


_POSSESSIVE = re.compile(r"['\u2019]s\b")


def keyword_from_name(name: str) -> str:
    """A keyword made from an attribute name with the rule of PS3.6 Section 6 (the keyword is
    the name without spaces and punctuation, each word capitalised, a possessive "'s"
    dropped): ``"Consulting Physician's Name"`` -> ``"ConsultingPhysicianName"``,
    ``"STOW-RS Storage Sequence"`` -> ``"STOWRSStorageSequence"``."""
    text = _POSSESSIVE.sub("", name)
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    kw = "".join(w[0].upper() + w[1:] for w in words)
    if kw and kw[0].isdigit():
        kw = "_" + kw
    return kw


def _has_items(table: AttributeTableRecord, index: int) -> bool:
    row = table.rows[index]
    assert isinstance(row, AttributeRow)
    for nxt in table.rows[index + 1 :]:
        depth = getattr(nxt, "depth", None)
        if depth is None:  # a heading row ends nothing; keep looking
            continue
        return depth > row.depth
    return False


def fill_keywords(result: Part03Result, records: Iterable[DataElementRecord]) -> KeywordResult:
    """Fill ``keyword`` of every attribute row of ``result`` from the PS3.6 ``records``.

    Returns the updated result, an :class:`ElementInfo` per tag, and one
    :class:`ReportIssue` per (table, row) whose tag the dictionary does not have.
    """
    index = DictionaryIndex(records)
    elements: dict[str, ElementInfo] = {}
    missing: list[ReportIssue] = []
    tables = []
    for table in result.tables:
        rows = list(table.rows)
        changed = False
        for i, row in enumerate(rows):
            if not isinstance(row, AttributeRow):
                continue
            info = elements.get(row.tag)
            if info is None:
                entry = index.lookup(row.tag)
                repeating = "x" in row.tag
                if entry is not None:
                    info = ElementInfo(
                        row.tag,
                        entry.keyword,
                        entry.name,
                        tuple(entry.vrs),
                        entry.vm,
                        entry.retired,
                        True,
                        repeating,
                    )
                else:
                    sq = _has_items(table, i) or row.name.endswith(" Sequence")
                    info = ElementInfo(
                        row.tag,
                        keyword_from_name(row.name),
                        row.name,
                        ("SQ",) if sq else ("UN",),
                        "1",
                        False,
                        False,
                        repeating,
                    )
                elements[row.tag] = info
            if not info.known:
                where = row.source.row if row.source is not None else None
                missing.append(
                    ReportIssue(
                        table.xml_id,
                        where,
                        f"{row.tag} {row.name}: not in the PS3.6 dictionary (keyword "
                        f"{info.keyword} made from the name, VR {info.vrs[0]})",
                    )
                )
            if row.keyword != info.keyword:
                rows[i] = attrs.evolve(row, keyword=info.keyword)
                changed = True
        tables.append(attrs.evolve(table, rows=tuple(rows)) if changed else table)
    return KeywordResult(attrs.evolve(result, tables=tuple(tables)), elements, tuple(missing))
