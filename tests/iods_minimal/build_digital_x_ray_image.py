"""A minimal valid Digital X-Ray Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import DigitalXRayImageIOD
from dicomgen_std.uids import DigitalXRayImageStorageForPresentation


def build() -> DigitalXRayImageIOD:
    return DigitalXRayImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=DigitalXRayImageStorageForPresentation,
        sop_instance_uid=generate_uid(),
        imager_pixel_spacing=(0.1, 0.1),
        pixel_intensity_relationship="LIN",
        pixel_intensity_relationship_sign=1,
        rescale_intercept=0.0,
        rescale_slope=1.0,
        rescale_type="US",
        rows=4,
        columns=4,
        high_bit=11,
        presentation_intent_type="FOR PRESENTATION",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        modality="DX",
        image_type=("ORIGINAL", "PRIMARY"),
        burned_in_annotation="YES",
        lossy_image_compression="00",
        presentation_lut_shape="IDENTITY",
        image_laterality="R",
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        bits_stored=12,
        pixel_representation=0,
        pixel_data=bytes(32),
        patient_orientation=("A", "F"),
        window_center=(2048.0,),
        window_width=(4096.0,),
    )
