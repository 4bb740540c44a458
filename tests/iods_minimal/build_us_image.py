"""A minimal valid US Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import USImageIOD
from dicomgen_std.uids import UltrasoundImageStorage


def build() -> USImageIOD:
    return USImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=UltrasoundImageStorage,
        sop_instance_uid=generate_uid(),
        samples_per_pixel=1,
        rows=4,
        columns=4,
        bits_allocated=8,
        bits_stored=8,
        high_bit=7,
        modality="US",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        photometric_interpretation="MONOCHROME2",
        pixel_representation=0,
        pixel_data=bytes(16),
        body_part_examined="KNEE",
        laterality="R",
        patient_orientation=("A", "F"),
    )
