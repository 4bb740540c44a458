"""A minimal valid MR Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import MRImageIOD
from dicomgen_std.uids import MRImageStorage


def build() -> MRImageIOD:
    return MRImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=MRImageStorage,
        sop_instance_uid=generate_uid(),
        scanning_sequence=("SE",),
        sequence_variant=("NONE",),
        rows=4,
        columns=4,
        bits_stored=12,
        high_bit=11,
        pixel_representation=0,
        pixel_spacing=(0.5, 0.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(0.0, 0.0, 0.0),
        frame_of_reference_uid=generate_uid(),
        modality="MR",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        image_type=("ORIGINAL", "PRIMARY", "OTHER"),
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        pixel_data=bytes(32),
        body_part_examined="KNEE",
        laterality="R",
        patient_position="FFS",
    )
