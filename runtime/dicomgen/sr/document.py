"""SR documents as typed IOD objects: the SR Document Content fields of a content tree, the
evidence an SR document lists for the instances its tree references, and the tree of a
typed SR document.

``ComprehensiveSRIOD(**sr_content(report), patient_name=..., ...)`` builds a typed document
(every generated SR IOD, Key Object Selection included, carries the SR Document Content
module); :func:`content_tree` reads the tree back. Both directions go through the tree's
data set, so a tree read from a document and written again is the same, element for element.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypedDict, TypeVar

import attrs

from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import InvalidValueError
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset

from .content import Composite, ContentItem
from .template import Template
from .tree_io import VALUE_TYPE, read_tree, write_item

if TYPE_CHECKING:
    import datetime

    from dicomgen.core.typed import DicomObject
    from dicomgen_std.macros.code_sequence import CodeSequenceMacro
    from dicomgen_std.macros.container import ContainerMacro
    from dicomgen_std.macros.document_relationship import DocumentRelationshipMacro
    from dicomgen_std.macros.hierarchical_sop_instance_reference import (
        HierarchicalSOPInstanceReferenceMacro,
    )

_D = TypeVar("_D", bound="DicomObject")
EXPLICIT_LE = "1.2.840.10008.1.2.1"


class SRContent(TypedDict):
    """The SR Document Content module fields (PS3.3 C.17.3) of a content tree, as keyword
    arguments of a generated SR IOD class."""

    value_type: Literal["CONTAINER"]
    concept_name_code_sequence: list[CodeSequenceMacro] | None
    continuity_of_content: Literal["SEPARATE", "CONTINUOUS"] | None
    content_template_sequence: list[ContainerMacro.ContentTemplateSequenceItem] | None
    observation_date_time: datetime.datetime | None
    observation_uid: str | None
    content_sequence: list[DocumentRelationshipMacro.ContentSequenceItem] | None


def _root(content: Template | ContentItem) -> ContentItem:
    root = content.to_tree() if isinstance(content, Template) else content
    if root.value_type != "CONTAINER":
        raise InvalidValueError(
            f"the root of an SR document is a CONTAINER, not {root.value_type or 'a reference'}"
        )
    return root


def sr_content(content: Template | ContentItem) -> SRContent:
    """The SR Document Content fields of ``content`` (a root template such as TID 1500, or a
    root CONTAINER item): Value Type, Concept Name, Continuity, Content Template Sequence,
    Observation DateTime/UID and the Content Sequence with the whole subtree."""
    from dicomgen_std.modules.sr_document_content import SRDocumentContentModule

    # through the encoding, so the typed values are the ones a file read gives (DS, tuples)
    data = encode_dataset(write_item(_root(content), root=True), EXPLICIT_LE)
    m = SRDocumentContentModule.from_dataset(decode_dataset(data, EXPLICIT_LE))
    return SRContent(
        value_type="CONTAINER",
        concept_name_code_sequence=m.concept_name_code_sequence,
        continuity_of_content=m.continuity_of_content,
        content_template_sequence=m.content_template_sequence,
        observation_date_time=m.observation_date_time,
        observation_uid=m.observation_uid,
        content_sequence=m.content_sequence,
    )


def with_content(document: _D, content: Template | ContentItem) -> _D:
    """A copy of the typed SR ``document`` whose SR Document Content fields are ``content``'s."""
    return attrs.evolve(document, **sr_content(content))


def content_tree(document: DicomObject | Dataset) -> ContentItem:
    """The content tree of a typed SR document (or its data set); its root is the document."""
    ds = document if isinstance(document, Dataset) else document.to_dataset()
    if VALUE_TYPE not in ds:
        raise InvalidValueError(
            f"{type(document).__name__} has no Value Type (0040,A040): not an SR document"
        )
    return read_tree(ds)


def referenced_instances(content: Template | ContentItem) -> list[tuple[str, str]]:
    """(SOP Class UID, SOP Instance UID) of every COMPOSITE / IMAGE / WAVEFORM item of the
    tree, in tree order, each once."""
    out: dict[str, str] = {}
    for _, item in _root(content).walk():
        if isinstance(item, Composite) and item.sop_instance_uid:
            out.setdefault(item.sop_instance_uid, item.sop_class_uid or "")
    return [(c, i) for i, c in out.items()]


def sr_evidence(
    content: Template | ContentItem, locations: Mapping[str, tuple[str, str]]
) -> list[HierarchicalSOPInstanceReferenceMacro]:
    """The Hierarchical SOP Instance Reference items (Current Requested Procedure Evidence or
    Pertinent Other Evidence Sequence, PS3.3 C.17.2.3) listing every instance the tree
    references; ``locations`` maps each SOP Instance UID to its (Study, Series Instance UID)."""
    from dicomgen_std.macros.hierarchical_sop_instance_reference import (
        HierarchicalSOPInstanceReferenceMacro,
    )

    studies: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for sop_class, sop_instance in referenced_instances(content):
        where = locations.get(sop_instance)
        if where is None:
            raise InvalidValueError(
                f"SR evidence: no (study, series) given for SOP Instance {sop_instance}"
            )
        studies.setdefault(where[0], {}).setdefault(where[1], []).append((sop_class, sop_instance))
    out: list[HierarchicalSOPInstanceReferenceMacro] = []
    for study, series in studies.items():
        ds = Dataset()
        ds.StudyInstanceUID = study
        ds.ReferencedSeriesSequence = [_series(uid, sops) for uid, sops in series.items()]
        out.append(HierarchicalSOPInstanceReferenceMacro.from_dataset(ds))
    return out


def _series(uid: str, sops: list[tuple[str, str]]) -> Dataset:
    ds = Dataset()
    ds.SeriesInstanceUID = uid
    refs: list[Dataset] = []
    for sop_class, sop_instance in sops:
        ref = Dataset()
        ref.ReferencedSOPClassUID = sop_class
        ref.ReferencedSOPInstanceUID = sop_instance
        refs.append(ref)
    ds.ReferencedSOPSequence = refs
    return ds
