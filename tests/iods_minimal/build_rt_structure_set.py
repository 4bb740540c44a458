"""A minimal valid RT Structure Set IOD, built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import RTStructureSetIOD
from dicomgen_std.modules.roi_contour import ROIContourModule
from dicomgen_std.modules.rt_roi_observations import RTROIObservationsModule
from dicomgen_std.modules.structure_set import StructureSetModule
from dicomgen_std.uids import RTStructureSetStorage


def build() -> RTStructureSetIOD:
    frame_of_reference_uid = generate_uid()
    return RTStructureSetIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        sop_class_uid=RTStructureSetStorage,
        sop_instance_uid=generate_uid(),
        rtroi_observations_sequence=[
            RTROIObservationsModule.RTROIObservationsSequenceItem(
                observation_number=1, referenced_roi_number=1
            )
        ],
        roi_contour_sequence=[ROIContourModule.ROIContourSequenceItem(referenced_roi_number=1)],
        structure_set_label="SET1",
        structure_set_roi_sequence=[
            StructureSetModule.StructureSetROISequenceItem(
                roi_number=1,
                referenced_frame_of_reference_uid=frame_of_reference_uid,
                roi_name="BODY",
            )
        ],
        modality="RTSTRUCT",
        series_instance_uid=generate_uid(),
        study_instance_uid=generate_uid(),
    )
