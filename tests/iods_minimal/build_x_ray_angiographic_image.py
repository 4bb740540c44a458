"""A minimal valid X-Ray Angiographic Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import XRayAngiographicImageIOD
from dicomgen_std.uids import XRayAngiographicImageStorage


def build() -> XRayAngiographicImageIOD:
    return XRayAngiographicImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=XRayAngiographicImageStorage,
        sop_instance_uid=generate_uid(),
        radiation_setting="SC",
        pixel_intensity_relationship="LIN",
        samples_per_pixel=1,
        rows=4,
        columns=4,
        high_bit=11,
        modality="XA",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        image_type=("ORIGINAL", "PRIMARY", "SINGLE PLANE"),
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        bits_stored=12,
        pixel_representation=0,
        pixel_data=bytes(32),
        body_part_examined="KNEE",
        laterality="R",
        patient_orientation=("A", "F"),
    )
