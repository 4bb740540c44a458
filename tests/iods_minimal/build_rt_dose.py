"""A minimal valid RT Dose IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import RTDoseIOD
from dicomgen_std.modules.rt_dose import RTDoseModule
from dicomgen_std.uids import RTDoseStorage, RTPlanStorage


def build() -> RTDoseIOD:
    return RTDoseIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=RTDoseStorage,
        sop_instance_uid=generate_uid(),
        dose_units="GY",
        dose_type="PHYSICAL",
        dose_summation_type="PLAN",
        frame_of_reference_uid=generate_uid(),
        modality="RTDOSE",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
        pixel_data=bytes(32),
        instance_number=1,
        pixel_spacing=(2.5, 2.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(0.0, 0.0, 0.0),
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=4,
        columns=4,
        bits_allocated=16,
        bits_stored=16,
        high_bit=15,
        pixel_representation=0,
        dose_grid_scaling=0.001,
        referenced_rt_plan_sequence=[
            RTDoseModule.ReferencedRTPlanSequenceItem(
                referenced_sop_class_uid=RTPlanStorage, referenced_sop_instance_uid=generate_uid()
            )
        ],
    )
