"""A minimal valid Key Object Selection Document IOD (TID 2010: a title and one referenced
image), built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import KeyObjectSelectionDocumentIOD
from dicomgen_std.macros.code_sequence import CodeSequenceMacro
from dicomgen_std.macros.container import ContainerMacro
from dicomgen_std.macros.document_content import DocumentContentMacro
from dicomgen_std.macros.document_relationship import DocumentRelationshipMacro
from dicomgen_std.macros.hierarchical_series_reference import HierarchicalSeriesReferenceMacro
from dicomgen_std.macros.hierarchical_sop_instance_reference import (
    HierarchicalSOPInstanceReferenceMacro,
)
from dicomgen_std.uids import CTImageStorage, KeyObjectSelectionDocumentStorage


def build() -> KeyObjectSelectionDocumentIOD:
    study_uid = generate_uid()
    image_uid = generate_uid()
    return KeyObjectSelectionDocumentIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        study_instance_uid=study_uid,
        modality="KO",
        series_instance_uid=generate_uid(),
        series_number=1,
        instance_number=1,
        content_date=datetime.date(2026, 1, 2),
        content_time=datetime.time(10, 30),
        value_type="CONTAINER",
        concept_name_code_sequence=[
            CodeSequenceMacro(
                code_value="113000", coding_scheme_designator="DCM", code_meaning="Of Interest"
            )
        ],
        continuity_of_content="SEPARATE",
        content_template_sequence=[
            ContainerMacro.ContentTemplateSequenceItem(
                mapping_resource="DCMR", template_identifier="2010"
            )
        ],
        content_sequence=[
            DocumentRelationshipMacro.ContentSequenceItem(
                relationship_type="CONTAINS",
                value_type="IMAGE",
                referenced_sop_sequence=[
                    DocumentContentMacro.ReferencedSOPSequenceItem(
                        referenced_sop_class_uid=CTImageStorage,
                        referenced_sop_instance_uid=image_uid,
                    )
                ],
            )
        ],
        current_requested_procedure_evidence_sequence=[
            HierarchicalSOPInstanceReferenceMacro(
                study_instance_uid=study_uid,
                referenced_series_sequence=[
                    HierarchicalSeriesReferenceMacro(
                        series_instance_uid=generate_uid(),
                        referenced_sop_sequence=[
                            HierarchicalSeriesReferenceMacro.ReferencedSOPSequenceItem(
                                referenced_sop_class_uid=CTImageStorage,
                                referenced_sop_instance_uid=image_uid,
                            )
                        ],
                    )
                ],
            )
        ],
        sop_class_uid=KeyObjectSelectionDocumentStorage,
        sop_instance_uid=generate_uid(),
    )
