"""Directory record types of the Basic Directory IOD and the keys each requires.

PS3.3 Annex F (Basic Directory Information Object Definition) is not part of the
shared standard excerpt this project builds from. The tables below therefore come
from, and are documented against:

* PS3.3 F.3.2.2 (Directory Record Type defined terms) and F.5 (the "Keys" tables of
  each record type), as recalled and cross-checked against two independent
  implementations used as test oracles only: dcmtk ``dcmmkdir`` 3.6.7 (its "Missing
  attribute or value that would be needed to build DICOMDIR" checks, see
  ``dciodvfy``/``dcmmkdir`` runs in ``tests/interop/test_dicomdir_interop.py``) and
  pydicom 3.0 ``pydicom.fileset`` (the keys its record builders require);
* PS3.11 (part11.xml, e.g. STD-XABC-CD "Additional DICOMDIR Keys") for
  profile-specific additional keys;
* PS3.10 8.5 / 8.6 (DICOMDIR file and its transfer syntax).

``type1``: keys that must be present with a value (F.5 "Type 1"). ``type2``: keys
that must be present, possibly empty. ``type1c``: keys copied when the instance has
them (F.5 "Type 1C": required under a condition that an instance meeting it always
satisfies by carrying the attribute, e.g. Study Instance UID, Verification DateTime).
Every record may carry Specific Character Set (0008,0005) (F.5 "1C: required if an
extended or replacement character set is used in one of the keys"): it is copied
from the instance whenever one of its text keys is copied.

Checked against dciodvfy (dicom3tools, whose Basic Directory tables are derived from
PS3.3 F.5) in ``tests/interop/test_dicomdir_interop.py``: no error for PATIENT, STUDY,
SERIES, IMAGE, RT DOSE, RT STRUCTURE SET, RT PLAN, RT TREAT RECORD, PRESENTATION,
WAVEFORM, SR DOCUMENT, KEY OBJECT DOC, SPECTROSCOPY, RAW DATA, REGISTRATION, FIDUCIAL,
VALUE MAP, SURFACE, STEREOMETRIC, ENCAP DOC. Known disagreements between the oracles:
STEREOMETRIC (pydicom: no keys; dciodvfy: Content Identification Macro without Content
Date/Time -- we follow dciodvfy); MEASUREMENT and PALETTE (pydicom's keys, which
dciodvfy reports as "not in the IOD" warnings -- kept); SPECTROSCOPY Referenced Image
Evidence Sequence (dciodvfy: Type 1; here 1C, copied when the instance has it); SURFACE
SCAN, TRACT, ASSESSMENT, RADIOTHERAPY are newer than the installed dciodvfy (pydicom's
keys, unchecked). Retired record types are read but never created.

``concept_mods``: for SR DOCUMENT and KEY OBJECT DOC, F.5 requires the Content
Sequence (0040,A730) only with the root content item's HAS CONCEPT MOD items; only
those items are copied.
"""

from __future__ import annotations

from typing import NamedTuple

from ..core.errors import MediaError


class RecordType(NamedTuple):
    """One Directory Record Type (PS3.3 F.3.2.2) and its keys (PS3.3 F.5)."""

    name: str
    type1: tuple[str, ...] = ()
    type2: tuple[str, ...] = ()
    type1c: tuple[str, ...] = ()
    concept_mods: bool = False
    top_level: bool = False  # may appear in the root directory entity (F.4)


_CONTENT_ID = ("InstanceNumber", "ContentDate", "ContentTime", "ContentLabel")
_CONTENT_ID2 = ("ContentDescription", "ContentCreatorName")

RECORD_TYPES: dict[str, RecordType] = {
    r.name: r
    for r in (
        # F.5.1 Patient Keys
        RecordType("PATIENT", ("PatientID",), ("PatientName",), top_level=True),
        # F.5.2 Study Keys (Study Instance UID is 1C: required unless absent from the
        # referenced instances, which a conformant composite instance never is)
        RecordType(
            "STUDY",
            ("StudyDate", "StudyTime", "StudyID"),
            ("StudyDescription", "AccessionNumber"),
            ("StudyInstanceUID",),
        ),
        # F.5.3 Series Keys
        RecordType("SERIES", ("Modality", "SeriesInstanceUID", "SeriesNumber")),
        # F.5.4 Image Keys
        RecordType("IMAGE", ("InstanceNumber",)),
        # F.5.5 RT Dose Keys
        RecordType("RT DOSE", ("InstanceNumber", "DoseSummationType")),
        # F.5.6 RT Structure Set Keys
        RecordType(
            "RT STRUCTURE SET",
            ("InstanceNumber", "StructureSetLabel"),
            ("StructureSetDate", "StructureSetTime"),
        ),
        # F.5.7 RT Plan Keys
        RecordType("RT PLAN", ("InstanceNumber", "RTPlanLabel"), ("RTPlanDate", "RTPlanTime")),
        # F.5.8 RT Treatment Record Keys
        RecordType("RT TREAT RECORD", ("InstanceNumber",), ("TreatmentDate", "TreatmentTime")),
        # F.5.9 Presentation Keys (Content Identification Macro + creation date/time)
        RecordType(
            "PRESENTATION",
            (
                "PresentationCreationDate",
                "PresentationCreationTime",
                "InstanceNumber",
                "ContentLabel",
            ),
            _CONTENT_ID2,
            ("ReferencedSeriesSequence", "BlendingSequence"),
        ),
        # F.5.10 Waveform Keys
        RecordType("WAVEFORM", ("InstanceNumber", "ContentDate", "ContentTime")),
        # F.5.11 SR Document Keys
        RecordType(
            "SR DOCUMENT",
            (
                "InstanceNumber",
                "CompletionFlag",
                "VerificationFlag",
                "ContentDate",
                "ContentTime",
                "ConceptNameCodeSequence",
            ),
            (),
            ("VerificationDateTime",),
            concept_mods=True,
        ),
        # F.5.12 Key Object Document Keys
        RecordType(
            "KEY OBJECT DOC",
            ("InstanceNumber", "ContentDate", "ContentTime", "ConceptNameCodeSequence"),
            concept_mods=True,
        ),
        # F.5.13 Spectroscopy Keys
        RecordType(
            "SPECTROSCOPY",
            (
                "ImageType",
                "ContentDate",
                "ContentTime",
                "InstanceNumber",
                "NumberOfFrames",
                "Rows",
                "Columns",
                "DataPointRows",
                "DataPointColumns",
            ),
            (),
            ("ReferencedImageEvidenceSequence",),
        ),
        # F.5.14 Raw Data Keys
        RecordType("RAW DATA", ("ContentDate", "ContentTime"), ("InstanceNumber",)),
        # F.5.15 Registration Keys, F.5.16 Fiducial Keys, F.5.24 Value Map Keys,
        # Measurement, Surface, Tractography: Content Identification Macro
        RecordType("REGISTRATION", _CONTENT_ID, _CONTENT_ID2),
        RecordType("FIDUCIAL", _CONTENT_ID, _CONTENT_ID2),
        RecordType("VALUE MAP", _CONTENT_ID, _CONTENT_ID2),
        RecordType("MEASUREMENT", _CONTENT_ID, _CONTENT_ID2),
        RecordType("SURFACE", _CONTENT_ID, _CONTENT_ID2),
        RecordType("TRACT", _CONTENT_ID, _CONTENT_ID2),
        # F.5.17 Hanging Protocol Keys
        RecordType(
            "HANGING PROTOCOL",
            (
                "HangingProtocolName",
                "HangingProtocolDescription",
                "HangingProtocolLevel",
                "HangingProtocolCreator",
                "HangingProtocolCreationDateTime",
                "HangingProtocolDefinitionSequence",
                "NumberOfPriorsReferenced",
            ),
            ("HangingProtocolUserIdentificationCodeSequence",),
            top_level=True,
        ),
        # F.5.18 Encapsulated Document Keys
        RecordType(
            "ENCAP DOC",
            ("InstanceNumber", "MIMETypeOfEncapsulatedDocument"),
            ("ContentDate", "ContentTime", "DocumentTitle", "ConceptNameCodeSequence"),
            ("HL7InstanceIdentifier",),
        ),
        # Stereometric: the Content Identification Macro without Content Date/Time
        # (dciodvfy's Basic Directory tables; pydicom 3.0 requires no key here)
        RecordType("STEREOMETRIC", ("InstanceNumber", "ContentLabel"), _CONTENT_ID2),
        RecordType("PALETTE", ("ContentLabel",), ("ContentDescription",), top_level=True),
        RecordType(
            "IMPLANT",
            ("Manufacturer", "ImplantName", "ImplantPartNumber"),
            (),
            ("ImplantSize",),
            top_level=True,
        ),
        RecordType(
            "IMPLANT ASSY",
            ("ImplantAssemblyTemplateName", "Manufacturer", "ProcedureTypeCodeSequence"),
            top_level=True,
        ),
        RecordType(
            "IMPLANT GROUP",
            ("ImplantTemplateGroupName", "ImplantTemplateGroupIssuer"),
            top_level=True,
        ),
        RecordType("PLAN"),
        RecordType("SURFACE SCAN", ("ContentDate", "ContentTime")),
        RecordType(
            "ASSESSMENT", ("InstanceNumber", "InstanceCreationDate"), ("InstanceCreationTime",)
        ),
        RecordType(
            "RADIOTHERAPY",
            ("InstanceNumber",),
            ("ContentDescription", "ContentCreatorName"),
            ("UserContentLabel", "UserContentLongLabel"),
        ),
        # Retired record types (PS3.3 2004 F.3.2.2): read, never created.
        RecordType("OVERLAY"),
        RecordType("MODALITY LUT"),
        RecordType("VOI LUT"),
        RecordType("CURVE"),
        RecordType("TOPIC", top_level=True),
        RecordType("VISIT"),
        RecordType("RESULTS"),
        RecordType("INTERPRETATION"),
        RecordType("STUDY COMPONENT"),
        RecordType("STORED PRINT"),
        RecordType("MRDR", top_level=True),
        RecordType("PRIVATE", top_level=True),
    )
}
"""Every Directory Record Type (0004,1430) defined term a reader accepts."""

_RETIRED = "OVERLAY|MODALITY LUT|VOI LUT|CURVE|TOPIC|VISIT|RESULTS|INTERPRETATION|STUDY COMPONENT"
RETIRED_RECORD_TYPES = frozenset((_RETIRED + "|STORED PRINT|MRDR").split("|"))
"""Record types retired from PS3.3 F.3.2.2: accepted when reading, never created."""

# Four-level (PATIENT/STUDY/SERIES/leaf) record type by SOP Class keyword (PS3.3 F.4 and
# Table F.4-1; the same choice dcmtk dcmmkdir and pydicom make). Storage SOP classes not
# listed here and not matched by _KEYWORD_RULES get an IMAGE record.
_BY_KEYWORD: dict[str, str] = {
    "RTDoseStorage": "RT DOSE",
    "RTStructureSetStorage": "RT STRUCTURE SET",
    "RTPlanStorage": "RT PLAN",
    "RTIonPlanStorage": "RT PLAN",
    "RTBeamsTreatmentRecordStorage": "RT TREAT RECORD",
    "RTBrachyTreatmentRecordStorage": "RT TREAT RECORD",
    "RTTreatmentSummaryRecordStorage": "RT TREAT RECORD",
    "RTIonBeamsTreatmentRecordStorage": "RT TREAT RECORD",
    "KeyObjectSelectionDocumentStorage": "KEY OBJECT DOC",
    "MRSpectroscopyStorage": "SPECTROSCOPY",
    "RawDataStorage": "RAW DATA",
    "SpatialRegistrationStorage": "REGISTRATION",
    "DeformableSpatialRegistrationStorage": "REGISTRATION",
    "SpatialFiducialsStorage": "FIDUCIAL",
    "RealWorldValueMappingStorage": "VALUE MAP",
    "StereometricRelationshipStorage": "STEREOMETRIC",
    "BasicStructuredDisplayStorage": "PRESENTATION",
    "SurfaceSegmentationStorage": "SURFACE",
    "SurfaceScanMeshStorage": "SURFACE SCAN",
    "SurfaceScanPointCloudStorage": "SURFACE SCAN",
    "TractographyResultsStorage": "TRACT",
    "ContentAssessmentResultsStorage": "ASSESSMENT",
    "HangingProtocolStorage": "HANGING PROTOCOL",
    "ColorPaletteStorage": "PALETTE",
    "GenericImplantTemplateStorage": "IMPLANT",
    "ImplantAssemblyTemplateStorage": "IMPLANT ASSY",
    "ImplantTemplateGroupStorage": "IMPLANT GROUP",
}

# (substring of the SOP Class keyword, record type), first match wins.
_KEYWORD_RULES: tuple[tuple[str, str], ...] = (
    ("PresentationState", "PRESENTATION"),
    ("Waveform", "WAVEFORM"),
    ("SRStorage", "SR DOCUMENT"),
    ("ReportStorage", "SR DOCUMENT"),  # Macular Grid Thickness..., Spectacle Prescription
    ("ProcedureLogStorage", "SR DOCUMENT"),
    ("Encapsulated", "ENCAP DOC"),  # PDF, CDA, STL, OBJ, MTL
    ("MeasurementsStorage", "MEASUREMENT"),
    ("RTRadiation", "RADIOTHERAPY"),  # 2nd generation RT objects
)

SINGLE_LEVEL = frozenset(
    {"HANGING PROTOCOL", "PALETTE", "IMPLANT", "IMPLANT ASSY", "IMPLANT GROUP"}
)
"""Record types placed directly in the root directory entity (no PATIENT above)."""


def sop_class_keyword(sop_class_uid: str) -> str:
    """The keyword of ``sop_class_uid`` from the generated UID registry ("" if unknown)."""
    from dicomgen_std.uids import UIDS  # lazy: generated registry

    entry = UIDS.get(str(sop_class_uid).strip("\x00 "))
    return entry.keyword if entry is not None else ""


def record_type_for(sop_class_uid: str) -> str:
    """The Directory Record Type for an instance of ``sop_class_uid`` (PS3.3 F.4)."""
    kw = sop_class_keyword(sop_class_uid)
    if kw in _BY_KEYWORD:
        return _BY_KEYWORD[kw]
    for needle, rtype in _KEYWORD_RULES:
        if needle in kw:
            return rtype
    if str(sop_class_uid).strip("\x00 ") == "1.2.840.10008.1.3.10":
        raise MediaError("a DICOMDIR (Media Storage Directory Storage) cannot be a File-set member")
    return "IMAGE"


def record_type(name: str) -> RecordType:
    """The :class:`RecordType` called ``name``; MediaError for an undefined term."""
    r = RECORD_TYPES.get(name.strip())
    if r is None:
        raise MediaError(f"unknown Directory Record Type {name!r} (PS3.3 F.3.2.2)")
    return r


__all__ = [
    "RECORD_TYPES",
    "RETIRED_RECORD_TYPES",
    "RecordType",
    "SINGLE_LEVEL",
    "record_type",
    "record_type_for",
    "sop_class_keyword",
]
