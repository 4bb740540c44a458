"""A complete CT Image built with the generated typed classes (PS3.3 2020a A.3, Table A.3-1).

Checked by pyright in strict mode (``tests/generated/test_pyright.py``): every Type 1 attribute
of the Mandatory modules is a required keyword argument, dates are ``datetime.date``, and
Enumerated Values are ``Literal`` types. The same function builds the CT Image that
``tests/interop/test_dciodvfy.py`` writes and checks with dciodvfy, and that
``bench/bench_typed_encode.py`` encodes.
"""

from __future__ import annotations

import datetime

from dicomgen_std.iods.ct_image import CTImageIOD
from dicomgen_std.modules.general_reference import GeneralReferenceModule

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
UID_ROOT = "1.2.826.0.1.3680043.10.1071"


def build_ct_image(index: int = 1, rows: int = 16, columns: int = 16) -> CTImageIOD:
    """CT slice number ``index`` of a small synthetic series (16-bit unsigned pixels)."""
    pixels = bytes((i * 7 + index) & 0xFF for i in range(rows * columns * 2))
    return CTImageIOD(
        # Patient (M)
        patient_name="Doe^Jane",
        patient_id="PID-0001",
        patient_birth_date=datetime.date(1970, 1, 31),
        patient_sex="F",
        # General Study (M)
        study_instance_uid=f"{UID_ROOT}.1",
        study_date=datetime.date(2020, 3, 4),
        study_time=datetime.time(10, 11, 12),
        referring_physician_name="House^Gregory",
        study_id="S1",
        accession_number="A0001",
        study_description="Synthetic CT",
        # General Series (M)
        modality="CT",
        series_instance_uid=f"{UID_ROOT}.1.2",
        series_number=2,
        patient_position="HFS",
        series_description="axial",
        body_part_examined="CHEST",
        # Frame of Reference (M)
        frame_of_reference_uid=f"{UID_ROOT}.1.3",
        position_reference_indicator="",
        # General Equipment (M)
        manufacturer="dicomgen",
        institution_name="Test Hospital",
        # General Image (M)
        instance_number=index,
        content_date=datetime.date(2020, 3, 4),
        content_time=datetime.time(10, 11, 13),
        # General Reference (U; holds Referenced Image Sequence since it left General Image)
        referenced_image_sequence=[
            GeneralReferenceModule.ReferencedImageSequenceItem(
                referenced_sop_class_uid=CT_IMAGE_STORAGE,
                referenced_sop_instance_uid=f"{UID_ROOT}.1.2.99",
            )
        ],
        # Image Plane (M)
        pixel_spacing=(0.5, 0.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(-4.0, -4.0, 2.5 * index),
        slice_thickness=2.5,
        slice_location=2.5 * index,
        # Image Pixel (M)
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=rows,
        columns=columns,
        bits_allocated=16,
        bits_stored=16,
        high_bit=15,
        pixel_representation=0,
        pixel_data=pixels,
        # CT Image (M)
        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
        rescale_intercept=-1024.0,
        rescale_slope=1.0,
        kvp=120.0,
        acquisition_number=1,
        # SOP Common (M)
        sop_class_uid=CT_IMAGE_STORAGE,
        sop_instance_uid=f"{UID_ROOT}.1.2.{index}",
        specific_character_set=("ISO_IR 100",),
    )


def write_and_check(path: str) -> list[str]:
    """Write the CT Image as Part 10, read it back as a typed object, list its errors."""
    ct = build_ct_image()
    ct.to_file(path)
    back = CTImageIOD.from_file(path)
    assert back.rows == ct.rows
    return [str(f) for f in back.validate() if f.severity == "error"]


if __name__ == "__main__":
    print(build_ct_image())
