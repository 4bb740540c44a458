"""A minimal valid Enhanced SR IOD (a titled container holding one TEXT item), built with
the generated classes only: the content tree is made of the IOD's typed Content Sequence
items."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import EnhancedSRIOD
from dicomgen_std.macros.code_sequence import CodeSequenceMacro
from dicomgen_std.macros.document_relationship import DocumentRelationshipMacro
from dicomgen_std.uids import EnhancedSRStorage


def build() -> EnhancedSRIOD:
    return EnhancedSRIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        study_instance_uid=generate_uid(),
        modality="SR",
        series_instance_uid=generate_uid(),
        series_number=1,
        instance_number=1,
        content_date=datetime.date(2026, 1, 2),
        content_time=datetime.time(10, 30),
        completion_flag="COMPLETE",
        verification_flag="UNVERIFIED",
        value_type="CONTAINER",
        concept_name_code_sequence=[
            CodeSequenceMacro(
                code_value="18748-4",
                coding_scheme_designator="LN",
                code_meaning="Diagnostic Imaging Report",
            )
        ],
        continuity_of_content="SEPARATE",
        content_sequence=[
            DocumentRelationshipMacro.ContentSequenceItem(
                relationship_type="CONTAINS",
                value_type="TEXT",
                concept_name_code_sequence=[
                    CodeSequenceMacro(
                        code_value="121071", coding_scheme_designator="DCM", code_meaning="Finding"
                    )
                ],
                text_value="No abnormality.",
            )
        ],
        sop_class_uid=EnhancedSRStorage,
        sop_instance_uid=generate_uid(),
    )
