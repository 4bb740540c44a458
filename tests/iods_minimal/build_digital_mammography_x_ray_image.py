"""A minimal valid Digital Mammography X-Ray Image IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import DigitalMammographyXRayImageIOD
from dicomgen_std.uids import DigitalMammographyXRayImageStorageForPresentation


def build() -> DigitalMammographyXRayImageIOD:
    return DigitalMammographyXRayImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=DigitalMammographyXRayImageStorageForPresentation,
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
        modality="MG",
        image_type=("ORIGINAL", "PRIMARY"),
        burned_in_annotation="YES",
        lossy_image_compression="00",
        presentation_lut_shape="IDENTITY",
        image_laterality="R",
        anatomic_region_sequence=[
            DigitalMammographyXRayImageIOD.AnatomicRegionSequenceItem(
                code_value="76752008", coding_scheme_designator="SCT", code_meaning="Breast"
            )
        ],
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        bits_allocated=16,
        bits_stored=12,
        pixel_representation=0,
        view_code_sequence=[
            DigitalMammographyXRayImageIOD.ViewCodeSequenceItem(
                code_value="399162004",
                coding_scheme_designator="SCT",
                code_meaning="cranio-caudal",
            )
        ],
        positioner_type="MAMMOGRAPHIC",
        organ_exposed="BREAST",
        pixel_data=bytes(32),
        patient_orientation=("L", "P"),
        window_center=(2048.0,),
        window_width=(4096.0,),
    )
