"""A minimal valid Encapsulated PDF IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import EncapsulatedPDFIOD
from dicomgen_std.uids import EncapsulatedPDFStorage

# The smallest well-formed PDF: one empty page (even length, as an OB value must be).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def build() -> EncapsulatedPDFIOD:
    return EncapsulatedPDFIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=EncapsulatedPDFStorage,
        sop_instance_uid=generate_uid(),
        burned_in_annotation="YES",
        mime_type_of_encapsulated_document="application/pdf",
        encapsulated_document=PDF,
        conversion_type="WSD",
        series_instance_uid=generate_uid(),
        series_number=1,
        study_instance_uid=generate_uid(),
        modality="DOC",
        instance_number=1,
    )
