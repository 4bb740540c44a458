"""A minimal valid Segmentation IOD (one BINARY frame of one segment), built with the
generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import SegmentationIOD
from dicomgen_std.macros.code_sequence import CodeSequenceMacro
from dicomgen_std.macros.frame_content import FrameContentMacro
from dicomgen_std.macros.pixel_measures import PixelMeasuresMacro
from dicomgen_std.macros.plane_orientation_patient import PlaneOrientationPatientMacro
from dicomgen_std.macros.plane_position_patient import PlanePositionPatientMacro
from dicomgen_std.macros.segment_description import SegmentDescriptionMacro
from dicomgen_std.macros.segmentation import SegmentationMacro
from dicomgen_std.modules.multi_frame_dimension import MultiFrameDimensionModule
from dicomgen_std.modules.segmentation_image import SegmentationImageModule
from dicomgen_std.uids import SegmentationStorage

SEGMENT_IDENTIFICATION_SEQUENCE = 0x0062000A
REFERENCED_SEGMENT_NUMBER = 0x0062000B


def build() -> SegmentationIOD:
    dimension_uid = generate_uid()
    shared = SegmentationIOD.SharedFunctionalGroupsSequenceItem(
        pixel_measures_sequence=[
            PixelMeasuresMacro.PixelMeasuresSequenceItem(
                pixel_spacing=(0.5, 0.5), slice_thickness=1.0
            )
        ],
        plane_orientation_sequence=[
            PlaneOrientationPatientMacro.PlaneOrientationSequenceItem(
                image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
            )
        ],
        segment_identification_sequence=[
            SegmentationMacro.SegmentIdentificationSequenceItem(referenced_segment_number=(1,))
        ],
    )
    frame = SegmentationIOD.PerFrameFunctionalGroupsSequenceItem(
        frame_content_sequence=[
            FrameContentMacro.FrameContentSequenceItem(dimension_index_values=(1,))
        ],
        plane_position_sequence=[
            PlanePositionPatientMacro.PlanePositionSequenceItem(
                image_position_patient=(0.0, 0.0, 0.0)
            )
        ],
    )
    return SegmentationIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        study_instance_uid=generate_uid(),
        modality="SEG",
        series_instance_uid=generate_uid(),
        series_number=1,
        frame_of_reference_uid=generate_uid(),
        position_reference_indicator="",
        manufacturer="dicomgen",
        manufacturer_model_name="tests",
        device_serial_number="1",
        software_versions=("1.0",),
        instance_number=1,
        content_date=datetime.date(2026, 1, 2),
        content_time=datetime.time(10, 30),
        content_label="SEGMENT",
        image_type=("DERIVED", "PRIMARY"),
        lossy_image_compression="00",
        segmentation_type="BINARY",
        segment_sequence=[
            SegmentationImageModule.SegmentSequenceItem(
                segment_number=1,
                segment_label="lesion",
                segment_algorithm_type="MANUAL",
                segmented_property_category_code_sequence=[
                    CodeSequenceMacro(
                        code_value="49755003",
                        coding_scheme_designator="SCT",
                        code_meaning="Morphologically Altered Structure",
                    )
                ],
                segmented_property_type_code_sequence=[
                    SegmentDescriptionMacro.SegmentedPropertyTypeCodeSequenceItem(
                        code_value="4147007", coding_scheme_designator="SCT", code_meaning="Mass"
                    )
                ],
            )
        ],
        dimension_organization_sequence=[
            MultiFrameDimensionModule.DimensionOrganizationSequenceItem(
                dimension_organization_uid=dimension_uid
            )
        ],
        dimension_index_sequence=[
            MultiFrameDimensionModule.DimensionIndexSequenceItem(
                dimension_organization_uid=dimension_uid,
                dimension_index_pointer=REFERENCED_SEGMENT_NUMBER,
                functional_group_pointer=SEGMENT_IDENTIFICATION_SEQUENCE,
            )
        ],
        shared_functional_groups_sequence=[shared],
        per_frame_functional_groups_sequence=[frame],
        number_of_frames=1,
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=4,
        columns=4,
        bits_allocated=1,
        bits_stored=1,
        high_bit=0,
        pixel_representation=0,
        pixel_data=b"\x0f\xf0",
        sop_class_uid=SegmentationStorage,
        sop_instance_uid=generate_uid(),
    )
