"""A complete RT Dose (a 3D dose grid, PS3.3 A.18, Table A.18.3-1) built with the typed classes.

Checked by pyright in strict mode and written/checked with dciodvfy by the interop tests.
"""

from __future__ import annotations

import datetime
import struct

from dicomgen_std.iods.rt_dose import RTDoseIOD
from dicomgen_std.modules.rt_dose import RTDoseModule

RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
UID_ROOT = "1.2.826.0.1.3680043.10.1071.2"

GRID_FRAME_OFFSET_VECTOR = 0x3004000C


def build_rt_dose(rows: int = 4, columns: int = 5, frames: int = 3) -> RTDoseIOD:
    """A dose grid of ``frames`` planes of ``rows`` x ``columns`` 16-bit doses."""
    doses = [
        (r * 31 + c * 7 + f * 3) % 1000
        for f in range(frames)
        for r in range(rows)
        for c in range(columns)
    ]
    return RTDoseIOD(
        # Patient (M)
        patient_name="Doe^John",
        patient_id="PID-0002",
        patient_birth_date=datetime.date(1965, 7, 1),
        patient_sex="M",
        # General Study (M)
        study_instance_uid=f"{UID_ROOT}.1",
        study_date=datetime.date(2021, 6, 7),
        study_time=datetime.time(8, 9, 10),
        referring_physician_name="",
        study_id="RT1",
        accession_number="",
        # RT Series (M)
        modality="RTDOSE",
        series_instance_uid=f"{UID_ROOT}.2",
        series_number=1,
        operators_name=("Tech^Terry",),
        # Frame of Reference (M)
        frame_of_reference_uid=f"{UID_ROOT}.3",
        position_reference_indicator="",
        # General Equipment (M)
        manufacturer="dicomgen",
        # General Image (C: dose grid) - Image Plane (C) - Image Pixel (C) - Multi-frame (C)
        instance_number=1,
        content_date=datetime.date(2021, 6, 7),
        content_time=datetime.time(8, 9, 11),
        pixel_spacing=(2.5, 2.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(-5.0, -5.0, 0.0),
        slice_thickness=None,
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=rows,
        columns=columns,
        bits_allocated=16,
        bits_stored=16,
        high_bit=15,
        pixel_representation=0,
        pixel_data=struct.pack(f"<{len(doses)}H", *doses),
        number_of_frames=frames,
        frame_increment_pointer=(GRID_FRAME_OFFSET_VECTOR,),
        # RT Dose (M)
        dose_units="GY",
        dose_type="PHYSICAL",
        dose_summation_type="PLAN",
        grid_frame_offset_vector=tuple(2.5 * f for f in range(frames)),
        dose_grid_scaling=0.001,
        referenced_rt_plan_sequence=[
            RTDoseModule.ReferencedRTPlanSequenceItem(
                referenced_sop_class_uid=RT_PLAN_STORAGE,
                referenced_sop_instance_uid=f"{UID_ROOT}.9",
            )
        ],
        # SOP Common (M)
        sop_class_uid=RT_DOSE_STORAGE,
        sop_instance_uid=f"{UID_ROOT}.4",
    )


if __name__ == "__main__":
    print(build_rt_dose())
