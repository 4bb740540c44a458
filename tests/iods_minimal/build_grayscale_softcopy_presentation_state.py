"""A minimal valid Grayscale Softcopy Presentation State IOD (the whole of one CT image shown
scaled to fit), built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import GrayscaleSoftcopyPresentationStateIOD
from dicomgen_std.macros.image_sop_instance_reference import ImageSOPInstanceReferenceMacro
from dicomgen_std.macros.presentation_state_relationship import (
    PresentationStateRelationshipMacro,
)
from dicomgen_std.modules.displayed_area import DisplayedAreaModule
from dicomgen_std.uids import CTImageStorage, GrayscaleSoftcopyPresentationStateStorageSOPClass


def build() -> GrayscaleSoftcopyPresentationStateIOD:
    return GrayscaleSoftcopyPresentationStateIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        study_instance_uid=generate_uid(),
        modality="PR",
        series_instance_uid=generate_uid(),
        series_number=1,
        manufacturer="dicomgen",
        instance_number=1,
        content_label="WHOLE",
        presentation_creation_date=datetime.date(2026, 1, 2),
        presentation_creation_time=datetime.time(10, 30),
        referenced_series_sequence=[
            PresentationStateRelationshipMacro.ReferencedSeriesSequenceItem(
                series_instance_uid=generate_uid(),
                referenced_image_sequence=[
                    ImageSOPInstanceReferenceMacro(
                        referenced_sop_class_uid=CTImageStorage,
                        referenced_sop_instance_uid=generate_uid(),
                    )
                ],
            )
        ],
        displayed_area_selection_sequence=[
            DisplayedAreaModule.DisplayedAreaSelectionSequenceItem(
                displayed_area_top_left_hand_corner=(1, 1),
                displayed_area_bottom_right_hand_corner=(512, 512),
                presentation_size_mode="SCALE TO FIT",
                presentation_pixel_aspect_ratio=(1, 1),
            )
        ],
        presentation_lut_shape="IDENTITY",
        sop_class_uid=GrayscaleSoftcopyPresentationStateStorageSOPClass,
        sop_instance_uid=generate_uid(),
        body_part_examined="KNEE",
        laterality="R",
    )
