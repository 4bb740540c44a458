"""A minimal valid CT Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import CTImageIOD
from dicomgen_std.uids import CTImageStorage


def build() -> CTImageIOD:
    return CTImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=CTImageStorage,
        sop_instance_uid=generate_uid(),
        rescale_intercept=0.0,
        rescale_slope=1.0,
        rows=4,
        columns=4,
        high_bit=11,
        pixel_representation=0,
        pixel_spacing=(0.5, 0.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(0.0, 0.0, 0.0),
        frame_of_reference_uid=generate_uid(),
        modality="CT",
        body_part_examined="KNEE",
        laterality="R",
        patient_position="FFS",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        bits_stored=12,
        pixel_data=bytes(32),
    )
