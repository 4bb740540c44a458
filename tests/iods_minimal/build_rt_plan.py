"""A minimal valid RT Plan IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import RTPlanIOD
from dicomgen_std.uids import RTPlanStorage


def build() -> RTPlanIOD:
    return RTPlanIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=RTPlanStorage,
        sop_instance_uid=generate_uid(),
        rt_plan_label="PLAN1",
        rt_plan_geometry="TREATMENT_DEVICE",
        modality="RTPLAN",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
    )
