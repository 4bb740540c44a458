"""A minimal valid Enhanced MR Image IOD (one DERIVED frame; the functional groups a derived
image needs), built with the generated classes only."""

from __future__ import annotations

import datetime

from dicomgen import generate_uid
from dicomgen_std.iods import EnhancedMRImageIOD
from dicomgen_std.macros.frame_anatomy import FrameAnatomyMacro
from dicomgen_std.macros.frame_content import FrameContentMacro
from dicomgen_std.macros.general_anatomy_mandatory import GeneralAnatomyMandatoryMacro
from dicomgen_std.macros.mr_image_frame_type import MRImageFrameTypeMacro
from dicomgen_std.macros.pixel_measures import PixelMeasuresMacro
from dicomgen_std.macros.pixel_value_transformation import PixelValueTransformationMacro
from dicomgen_std.macros.plane_orientation_patient import PlaneOrientationPatientMacro
from dicomgen_std.macros.plane_position_patient import PlanePositionPatientMacro
from dicomgen_std.modules.multi_frame_dimension import MultiFrameDimensionModule
from dicomgen_std.uids import EnhancedMRImageStorage

FRAME_CONTENT_SEQUENCE = 0x00209111
IN_STACK_POSITION_NUMBER = 0x00209057
IMAGE_TYPE = ("DERIVED", "PRIMARY", "VOLUME", "NONE")


def build() -> EnhancedMRImageIOD:
    dimension_uid = generate_uid()
    shared = EnhancedMRImageIOD.SharedFunctionalGroupsSequenceItem(
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
        frame_anatomy_sequence=[
            FrameAnatomyMacro.FrameAnatomySequenceItem(
                anatomic_region_sequence=[
                    GeneralAnatomyMandatoryMacro.AnatomicRegionSequenceItem(
                        code_value="12738006", coding_scheme_designator="SCT", code_meaning="Brain"
                    )
                ],
                frame_laterality="U",
            )
        ],
        pixel_value_transformation_sequence=[
            PixelValueTransformationMacro.PixelValueTransformationSequenceItem(
                rescale_intercept=0.0, rescale_slope=1.0, rescale_type="US"
            )
        ],
        mr_image_frame_type_sequence=[
            MRImageFrameTypeMacro.MRImageFrameTypeSequenceItem(
                frame_type=IMAGE_TYPE,
                pixel_presentation="MONOCHROME",
                volumetric_properties="VOLUME",
                volume_based_calculation_technique="NONE",
                complex_image_component="MAGNITUDE",
                acquisition_contrast="T1",
            )
        ],
    )
    frame = EnhancedMRImageIOD.PerFrameFunctionalGroupsSequenceItem(
        frame_content_sequence=[
            FrameContentMacro.FrameContentSequenceItem(
                stack_id="1", in_stack_position_number=1, dimension_index_values=(1,)
            )
        ],
        plane_position_sequence=[
            PlanePositionPatientMacro.PlanePositionSequenceItem(
                image_position_patient=(0.0, 0.0, 0.0)
            )
        ],
    )
    return EnhancedMRImageIOD(
        patient_name="Doe^Jane",
        patient_id="42",
        study_date=datetime.date(2026, 1, 2),
        study_time=datetime.time(9, 30),
        study_id="S1",
        study_instance_uid=generate_uid(),
        modality="MR",
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
        image_type=IMAGE_TYPE,
        pixel_presentation="MONOCHROME",
        volumetric_properties="VOLUME",
        volume_based_calculation_technique="NONE",
        complex_image_component="MAGNITUDE",
        acquisition_contrast="T1",
        content_qualification="PRODUCT",
        applicable_safety_standard_agency="IEC",
        patient_position="HFS",
        burned_in_annotation="NO",
        lossy_image_compression="00",
        presentation_lut_shape="IDENTITY",
        acquisition_context_sequence=[],
        dimension_organization_sequence=[
            MultiFrameDimensionModule.DimensionOrganizationSequenceItem(
                dimension_organization_uid=dimension_uid
            )
        ],
        dimension_index_sequence=[
            MultiFrameDimensionModule.DimensionIndexSequenceItem(
                dimension_organization_uid=dimension_uid,
                dimension_index_pointer=IN_STACK_POSITION_NUMBER,
                functional_group_pointer=FRAME_CONTENT_SEQUENCE,
            )
        ],
        shared_functional_groups_sequence=[shared],
        per_frame_functional_groups_sequence=[frame],
        number_of_frames=1,
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=4,
        columns=4,
        bits_allocated=16,
        bits_stored=12,
        high_bit=11,
        pixel_representation=0,
        pixel_data=bytes(32),
        sop_class_uid=EnhancedMRImageStorage,
        sop_instance_uid=generate_uid(),
    )
