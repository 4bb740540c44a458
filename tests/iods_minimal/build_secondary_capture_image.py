"""A minimal valid Secondary Capture Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import SecondaryCaptureImageIOD
from dicomgen_std.uids import SecondaryCaptureImageStorage


def build() -> SecondaryCaptureImageIOD:
    return SecondaryCaptureImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=SecondaryCaptureImageStorage,
        sop_instance_uid=generate_uid(),
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=4,
        columns=4,
        bits_allocated=16,
        bits_stored=12,
        high_bit=11,
        pixel_representation=0,
        conversion_type="WSD",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        pixel_data=bytes(32),
        body_part_examined="KNEE",
        laterality="R",
        patient_orientation=("A", "F"),
    )
