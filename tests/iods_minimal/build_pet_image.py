"""A minimal valid PET Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import PETImageIOD
from dicomgen_std.uids import PositronEmissionTomographyImageStorage


def build() -> PETImageIOD:
    return PETImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=PositronEmissionTomographyImageStorage,
        sop_instance_uid=generate_uid(),
        rescale_intercept=0.0,
        rescale_slope=1.0,
        frame_reference_time=1.0,
        image_index=1,
        rows=4,
        columns=4,
        bits_stored=16,
        high_bit=15,
        pixel_representation=0,
        pixel_spacing=(0.5, 0.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(0.0, 0.0, 0.0),
        frame_of_reference_uid=generate_uid(),
        units="BQML",
        counts_source="EMISSION",
        series_type=("STATIC", "IMAGE"),
        number_of_slices=1,
        decay_correction="START",
        modality="PT",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        series_date=datetime.date(2026, 1, 2),
        series_time=datetime.time(10, 30),
        image_type=("ORIGINAL", "PRIMARY"),
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        pixel_data=bytes(32),
        body_part_examined="KNEE",
        laterality="R",
        decay_factor=1.0,
    )
