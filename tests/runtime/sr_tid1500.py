"""A TID 1500 Measurement Report built from the generated template classes, as an SR
Comprehensive document data set (shared by the SR tests)."""

from __future__ import annotations

import datetime

from dicomgen.core.dataset import Dataset
from dicomgen.sr import Code, Graphic, Quantity, Reference, write_tree
from dicomgen.sr.document import sr_content, sr_evidence
from dicomgen.sr.template import Template
from dicomgen_std.iods import ComprehensiveSRIOD
from dicomgen_std.sr.cids import CID7021
from dicomgen_std.sr.templates import (
    TID300,
    TID1001,
    TID1005,
    TID1006,
    TID1204,
    TID1500,
    TID1501,
    TID1600,
    TID1601,
    TID2000,
    TID2002,
)

CT = "1.2.840.10008.5.1.4.1.1.2"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
IMAGE_UID = "1.2.826.0.1.3680043.8.498.1"
LENGTH = Code("SCT", "410668003", "Length")
MM = Code("UCUM", "mm", "millimeter")


def build_report(length_mm: float = 12.5) -> TID1500:
    image = Reference(CT, IMAGE_UID)
    group = TID1501.MeasurementGroup(
        tracking_identifier="lesion 1",
        tracking_unique_identifier="1.2.826.0.1.3680043.8.498.2",
        finding=Code("SCT", "52988006", "Lesion"),
        finding_site=[TID1501.MeasurementGroup.FindingSite(value=Code("SCT", "39607008", "Lung"))],
        measurement=[TID300(num=TID300.Num(concept_name=LENGTH, value=Quantity(length_mm, MM)))],
        scoord=[
            TID1501.MeasurementGroup.Scoord(
                concept_name=Code("DCM", "111030", "Image Region"),
                value=Graphic("POLYLINE", (10.0, 10.0, 20.0, 20.0)),
                image=image,
            )
        ],
    )
    return TID1500(
        measurement_report_document_title=TID1500.MeasurementReportDocumentTitle(
            concept_name=CID7021.ImagingMeasurementReport,
            observation_context=TID1001(procedure_context=TID1005(), subject_context=TID1006()),
            image_library=TID1600(
                image_library=TID1600.ImageLibrary(
                    image_library_group=[
                        TID1600.ImageLibrary.ImageLibraryGroup(
                            image_library_entry=TID1601(image=[TID1601.Image(value=image)])
                        )
                    ]
                )
            ),
            imaging_measurements=TID1500.MeasurementReportDocumentTitle.ImagingMeasurements(
                measurement_group=[TID1501(measurement_group=[group])]
            ),
        )
    )


def document(report: TID1500) -> Dataset:
    """The report as an SR Comprehensive data set with the modules' other attributes set."""
    return write_tree(report.to_tree(), document_header())


def document_header() -> Dataset:
    """The SR document's attributes but its content (Patient, Study, Series, Equipment,
    SR Document General, SOP Common), for a Comprehensive SR."""
    ds = Dataset()
    ds.SOPClassUID = COMPREHENSIVE_SR
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.10"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.11"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.12"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "42"
    ds.PatientBirthDate = ""
    ds.PatientSex = "F"
    ds.StudyDate = datetime.date(2026, 12, 6)
    ds.StudyTime = datetime.time(12, 0)
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.AccessionNumber = ""
    ds.Modality = "SR"
    ds.SeriesNumber = 1
    ds.ReferencedPerformedProcedureStepSequence = []
    ds.Manufacturer = "dicomgen"
    ds.InstanceNumber = 1
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ContentDate = datetime.date(2026, 12, 6)
    ds.ContentTime = datetime.time(12, 0)
    ds.PerformedProcedureCodeSequence = []
    evidence = Dataset()
    evidence.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.20"
    series = Dataset()
    series.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.21"
    sop = Dataset()
    sop.ReferencedSOPClassUID = CT
    sop.ReferencedSOPInstanceUID = IMAGE_UID
    series.ReferencedSOPSequence = [sop]
    evidence.ReferencedSeriesSequence = [series]
    ds.CurrentRequestedProcedureEvidenceSequence = [evidence]
    return ds


ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"


def build_basic_report(text: str = "No abnormality.") -> TID2000:
    """A TID 2000 Basic Diagnostic Imaging Report: one Findings heading with one TEXT."""
    element = TID2002.DiagnosticImagingReportElementRow3(
        concept_name=Code("DCM", "121071", "Finding"), value=text
    )
    heading = TID2000.DiagnosticImagingReportDocumentTitle.DiagnosticImagingReportHeading(
        concept_name=Code("DCM", "121070", "Findings"),
        report_narrative=TID2002(diagnostic_imaging_report_element_row_3=[element]),
    )
    return TID2000(
        diagnostic_imaging_report_document_title=TID2000.DiagnosticImagingReportDocumentTitle(
            concept_name=Code("LN", "18748-4", "Diagnostic Imaging Report"),
            language_of_content_item_and_descendants=TID1204(
                language_of_content_item_and_descendants=(
                    TID1204.LanguageOfContentItemAndDescendants(
                        value=Code("RFC5646", "en-US", "English (United States)")
                    )
                )
            ),
            observation_context=TID1001(procedure_context=TID1005(), subject_context=TID1006()),
            diagnostic_imaging_report_heading=[heading],
        )
    )


def basic_document(report: TID2000) -> Dataset:
    """The TID 2000 report as an Enhanced SR data set."""
    ds = document_header()
    ds.SOPClassUID = ENHANCED_SR
    return write_tree(report.to_tree(), ds)


EVIDENCE = {IMAGE_UID: ("1.2.826.0.1.3680043.8.498.20", "1.2.826.0.1.3680043.8.498.21")}


def typed_document(report: Template) -> ComprehensiveSRIOD:
    """The report (a root template) as a typed Comprehensive SR object: the attributes of
    :func:`document_header`, the content and evidence from the report."""
    day, noon = datetime.date(2026, 12, 6), datetime.time(12, 0)
    return ComprehensiveSRIOD(
        **sr_content(report),
        current_requested_procedure_evidence_sequence=sr_evidence(report, EVIDENCE),
        sop_class_uid=COMPREHENSIVE_SR,
        sop_instance_uid="1.2.826.0.1.3680043.8.498.10",
        study_instance_uid="1.2.826.0.1.3680043.8.498.11",
        series_instance_uid="1.2.826.0.1.3680043.8.498.12",
        patient_name="Doe^Jane",
        patient_id="42",
        patient_birth_date=None,
        patient_sex="F",
        study_date=day,
        study_time=noon,
        referring_physician_name=None,
        study_id="1",
        accession_number=None,
        modality="SR",
        series_number=1,
        referenced_performed_procedure_step_sequence=[],
        manufacturer="dicomgen",
        instance_number=1,
        completion_flag="COMPLETE",
        verification_flag="UNVERIFIED",
        content_date=day,
        content_time=noon,
        performed_procedure_code_sequence=[],
    )
