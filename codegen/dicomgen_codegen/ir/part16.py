"""IR records for PS3.16: context groups (CIDs), templates (TIDs) and the SR IODs'
relationship content constraints (PS3.3 A.35.x-2).

Every record carries a :class:`Origin` (source, edition, identifier) excluded from equality,
so the same content from PixelMed's extract, pydicom's tables or the DocBook compares equal.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Origin:
    """Where a PS3.16 record came from: ``pixelmed`` ``20220618`` ``TID_1500``."""

    source: str  # "docbook" | "pixelmed" | "pydicom"
    edition: str
    ident: str


def _origin() -> Origin | None:
    """An origin field, never part of equality or hashing (typed as its value, like
    ``attrs.field``)."""
    return attrs.field(eq=False, hash=False, default=None)


@attrs.frozen
class CodeRecord:
    """A coded concept: coding scheme designator, code value, code meaning."""

    scheme: str
    value: str
    meaning: str


@attrs.frozen
class ContextGroupRecord:
    """A context group: its codes in published order and the groups it includes.

    ``extensible`` is None when the source does not say (pydicom's tables).
    """

    cid: str  # "7021", or a private identifier such as "RPH_7001"
    name: str  # CamelCase name as published by the extract ("MeasurementReportDocumentTitles")
    version: str
    uid: str
    extensible: bool | None
    codes: tuple[CodeRecord, ...]
    includes: tuple[str, ...] = ()
    origin: Origin | None = _origin()


@attrs.frozen
class ValueSet:
    """A value set constraint: a CID with its strength (B baseline, D defined, E enumerated)
    or a single fixed code (``EV``/``DT`` in the published table)."""

    cid: str = ""
    strength: str = ""  # "B" | "D" | "E" | ""
    code: CodeRecord | None = None


@attrs.frozen
class TemplateRow:
    """One row of a template table: a content item or an INCLUDE of another template.

    ``index`` is the position in the template (0-based), ``parent`` the index of the row
    this one is nested under (-1 at the top); ``row`` the published row number (None where
    the source does not give one, as for INCLUDE rows of the PixelMed extract).
    """

    index: int
    parent: int
    row: int | None
    nesting: int  # 1 at the top, one more per ">"
    kind: str  # "item" | "include"
    relationship: str = ""  # "CONTAINS", "HAS CONCEPT MOD", ... ("" at the root)
    by_reference: bool = False
    value_type: str = ""  # "CONTAINER", "CODE", ... ("" for an INCLUDE)
    concept: ValueSet = ValueSet()  # the concept name: a fixed code or a CID
    vm_min: int = 1
    vm_max: int | None = 1  # None = n
    requirement: str = "M"  # "M" | "MC" | "U" | "UC"
    condition: str = ""
    value_set: ValueSet = ValueSet()
    units: ValueSet = ValueSet()
    graphic_type: str = ""
    include_tid: str = ""
    text: str = ""  # the row as published (PixelMed's description path or the DocBook cells)


@attrs.frozen
class TemplateRecord:
    """A template (TID): its rows in published order."""

    tid: str
    name: str
    root: bool
    rows: tuple[TemplateRow, ...]
    parameters: tuple[str, ...] = ()
    origin: Origin | None = _origin()


@attrs.frozen
class RelationshipConstraint:
    """One permitted (source value type, relationship, target value type) of an SR IOD."""

    source_value_type: str
    relationship: str
    target_value_type: str
    by_reference: bool


@attrs.frozen
class IODConstraintsRecord:
    """The relationship content constraints of one SR IOD (PS3.3 Table A.35.x-2)."""

    iod: str  # "ComprehensiveSR", "EnhancedSR", ...
    constraints: tuple[RelationshipConstraint, ...]
    origin: Origin | None = _origin()


@attrs.frozen
class Part16Result:
    """The PS3.16 IR: sorted by identifier; ``sources`` names each front-end's edition."""

    sources: dict[str, str] = attrs.field(factory=dict)
    context_groups: tuple[ContextGroupRecord, ...] = ()
    templates: tuple[TemplateRecord, ...] = ()
    iod_constraints: tuple[IODConstraintsRecord, ...] = ()
