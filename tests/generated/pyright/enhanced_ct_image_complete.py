"""A complete Enhanced CT Image (PS3.3 A.38, Table A.38-1) built with the typed classes.

A DERIVED two-frame volume: functional groups (PS3.3 C.7.6.16) for pixel measures, plane
orientation, frame anatomy, CT image frame type, pixel value transformation and irradiation
event in the Shared item; frame content and plane position per frame; one dimension (In-Stack
Position Number). Checked by pyright in strict mode and written/checked with dciodvfy by the
interop tests.
"""

from __future__ import annotations

import datetime

from dicomgen_std.iods.enhanced_ct_image import EnhancedCTImageIOD
from dicomgen_std.macros.ct_image_frame_type import CTImageFrameTypeMacro
from dicomgen_std.macros.ct_pixel_value_transformation import CTPixelValueTransformationMacro
from dicomgen_std.macros.frame_anatomy import FrameAnatomyMacro
from dicomgen_std.macros.frame_content import FrameContentMacro
from dicomgen_std.macros.general_anatomy_mandatory import GeneralAnatomyMandatoryMacro
from dicomgen_std.macros.irradiation_event_identification import (
    IrradiationEventIdentificationMacro,
)
from dicomgen_std.macros.pixel_measures import PixelMeasuresMacro
from dicomgen_std.macros.plane_orientation_patient import PlaneOrientationPatientMacro
from dicomgen_std.macros.plane_position_patient import PlanePositionPatientMacro
from dicomgen_std.modules.multi_frame_dimension import MultiFrameDimensionModule

ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
UID_ROOT = "1.2.826.0.1.3680043.10.1071.3"

IN_STACK_POSITION_NUMBER = 0x00209057
FRAME_CONTENT_SEQUENCE = 0x00209111

Item = EnhancedCTImageIOD.PerFrameFunctionalGroupsSequenceItem
Shared = EnhancedCTImageIOD.SharedFunctionalGroupsSequenceItem


def _frame(index: int) -> Item:
    return Item(
        frame_content_sequence=[
            FrameContentMacro.FrameContentSequenceItem(
                stack_id="1",
                in_stack_position_number=index,
                dimension_index_values=(index,),
            )
        ],
        plane_position_sequence=[
            PlanePositionPatientMacro.PlanePositionSequenceItem(
                image_position_patient=(-4.0, -4.0, 2.0 * index)
            )
        ],
    )


def build_enhanced_ct_image(rows: int = 8, columns: int = 8, frames: int = 2) -> EnhancedCTImageIOD:
    """A derived CT volume of ``frames`` frames of ``rows`` x ``columns`` 16-bit pixels."""
    dimension_uid = f"{UID_ROOT}.7"
    shared = Shared(
        pixel_measures_sequence=[
            PixelMeasuresMacro.PixelMeasuresSequenceItem(
                pixel_spacing=(0.5, 0.5), slice_thickness=2.0
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
                        code_value="51185008",
                        coding_scheme_designator="SCT",
                        code_meaning="Chest",
                    )
                ],
                frame_laterality="U",
            )
        ],
        ct_image_frame_type_sequence=[
            CTImageFrameTypeMacro.CTImageFrameTypeSequenceItem(
                frame_type=("DERIVED", "PRIMARY", "VOLUME", "NONE"),
                pixel_presentation="MONOCHROME",
                volumetric_properties="VOLUME",
                volume_based_calculation_technique="NONE",
            )
        ],
        pixel_value_transformation_sequence=[
            CTPixelValueTransformationMacro.PixelValueTransformationSequenceItem(
                rescale_intercept=-1024.0, rescale_slope=1.0, rescale_type="HU"
            )
        ],
        irradiation_event_identification_sequence=[
            IrradiationEventIdentificationMacro.IrradiationEventIdentificationSequenceItem(
                irradiation_event_uid=(f"{UID_ROOT}.8",)
            )
        ],
    )
    pixels = bytes((i * 3) & 0xFF for i in range(rows * columns * 2 * frames))
    return EnhancedCTImageIOD(
        # Patient (M)
        patient_name="Roe^Richard",
        patient_id="PID-0003",
        patient_birth_date=datetime.date(1980, 2, 29),
        patient_sex="M",
        # General Study (M)
        study_instance_uid=f"{UID_ROOT}.1",
        study_date=datetime.date(2022, 1, 2),
        study_time=datetime.time(12, 0, 0),
        referring_physician_name="",
        study_id="ECT1",
        accession_number="",
        # General Series (M), CT Series (M)
        modality="CT",
        series_instance_uid=f"{UID_ROOT}.2",
        series_number=3,
        patient_position="HFS",
        # Frame of Reference (M)
        frame_of_reference_uid=f"{UID_ROOT}.3",
        position_reference_indicator="",
        # General Equipment (M), Enhanced General Equipment (M)
        manufacturer="dicomgen",
        manufacturer_model_name="typed",
        device_serial_number="0001",
        software_versions=("0.1",),
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
        # Multi-frame Functional Groups (M)
        shared_functional_groups_sequence=[shared],
        per_frame_functional_groups_sequence=[_frame(i + 1) for i in range(frames)],
        instance_number=1,
        content_date=datetime.date(2022, 1, 2),
        content_time=datetime.time(12, 0, 1),
        number_of_frames=frames,
        # Multi-frame Dimension (M)
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
        # Acquisition Context (M)
        acquisition_context_sequence=[],
        # Enhanced CT Image (M)
        image_type=("DERIVED", "PRIMARY", "VOLUME", "NONE"),
        pixel_presentation="MONOCHROME",
        volumetric_properties="VOLUME",
        volume_based_calculation_technique="NONE",
        presentation_lut_shape="IDENTITY",
        content_qualification="PRODUCT",
        burned_in_annotation="NO",
        lossy_image_compression="00",
        # SOP Common (M)
        sop_class_uid=ENHANCED_CT_IMAGE_STORAGE,
        sop_instance_uid=f"{UID_ROOT}.4",
    )


if __name__ == "__main__":
    print(build_enhanced_ct_image())
