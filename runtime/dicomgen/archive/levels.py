"""Query/Retrieve information models and the level of each attribute (PS3.4 C.3, C.6).

Two models are supported: Patient Root (PS3.4 C.6.1: PATIENT > STUDY > SERIES > IMAGE) and
Study Root (C.6.2: STUDY > SERIES > IMAGE, the Patient attributes are part of the STUDY level,
Table C.6-5).

The key tables list Unique (U), Required (R) and Optional (O) keys and end with "All other
Attributes at <level> Level" (O). Which level an attribute that is not in a table belongs to
follows the Information Entity of the module holding it (PS3.3 A.1.2): the Patient IE
(Patient Module C.7-1, Clinical Trial Subject C.7-2b), the Study IE (General Study C.7-3,
Patient Study C.7-4a, Clinical Trial Study C.7-4b), the Series IE (General Series C.7-5a,
Clinical Trial Series C.7-5b; Frame of Reference C.7-6 and General Equipment C.7-8 are kept
with the Series) and everything else at the Composite Object Instance (IMAGE) level. The tag
lists below were copied from those PS3.3 tables (2016c; top-level attributes only).
"""

from __future__ import annotations

import enum


class Level(enum.IntEnum):
    """Query/Retrieve Level (0008,0052) values (PS3.4 C.6.1.1.1); value = depth."""

    PATIENT = 0
    STUDY = 1
    SERIES = 2
    IMAGE = 3


class Model(enum.Enum):
    """Query/Retrieve Information Model (PS3.4 C.6.1 Patient Root, C.6.2 Study Root)."""

    PATIENT_ROOT = "PATIENT"
    STUDY_ROOT = "STUDY"

    @property
    def levels(self) -> tuple[Level, ...]:
        if self is Model.PATIENT_ROOT:
            return (Level.PATIENT, Level.STUDY, Level.SERIES, Level.IMAGE)
        return (Level.STUDY, Level.SERIES, Level.IMAGE)


# SOP Class UIDs of the models (PS3.4 Table C.6.1.3-1 and C.6.2.3-1): FIND, MOVE, GET.
MODEL_SOP_CLASSES: dict[str, tuple[Model, str]] = {
    "1.2.840.10008.5.1.4.1.2.1.1": (Model.PATIENT_ROOT, "FIND"),
    "1.2.840.10008.5.1.4.1.2.1.2": (Model.PATIENT_ROOT, "MOVE"),
    "1.2.840.10008.5.1.4.1.2.1.3": (Model.PATIENT_ROOT, "GET"),
    "1.2.840.10008.5.1.4.1.2.2.1": (Model.STUDY_ROOT, "FIND"),
    "1.2.840.10008.5.1.4.1.2.2.2": (Model.STUDY_ROOT, "MOVE"),
    "1.2.840.10008.5.1.4.1.2.2.3": (Model.STUDY_ROOT, "GET"),
}

PATIENT_ID = 0x00100020
PATIENT_NAME = 0x00100010
STUDY_INSTANCE_UID = 0x0020000D
SERIES_INSTANCE_UID = 0x0020000E
SOP_INSTANCE_UID = 0x00080018
SOP_CLASS_UID = 0x00080016
QUERY_RETRIEVE_LEVEL = 0x00080052
QUERY_RETRIEVE_VIEW = 0x00080053
SPECIFIC_CHARACTER_SET = 0x00080005
TIMEZONE_OFFSET_FROM_UTC = 0x00080201
RETRIEVE_AE_TITLE = 0x00080054

# Unique key of each level (PS3.4 Tables C.6-1..C.6-5, type U).
UNIQUE_KEY: dict[Level, int] = {
    Level.PATIENT: PATIENT_ID,
    Level.STUDY: STUDY_INSTANCE_UID,
    Level.SERIES: SERIES_INSTANCE_UID,
    Level.IMAGE: SOP_INSTANCE_UID,
}

# Required keys (type R) per level, Patient Root (Tables C.6-1..C.6-4).
REQUIRED_KEYS: dict[Level, tuple[int, ...]] = {
    Level.PATIENT: (0x00100010,),
    Level.STUDY: (0x00080020, 0x00080030, 0x00080050, 0x00200010),
    Level.SERIES: (0x00080060, 0x00200011),
    Level.IMAGE: (0x00200013,),
}

# Identifier attributes that are not keys (PS3.4 C.4.1.1.3.1): never matched.
NON_KEYS = frozenset(
    {
        QUERY_RETRIEVE_LEVEL,
        QUERY_RETRIEVE_VIEW,
        SPECIFIC_CHARACTER_SET,
        TIMEZONE_OFFSET_FROM_UTC,
        RETRIEVE_AE_TITLE,
        0x00880130,  # Storage Media File-Set ID
        0x00880140,  # Storage Media File-Set UID
        0x00080056,  # Instance Availability
    }
)

# Additional Query/Retrieve Attributes (PS3.4 Table C.3-1): computed by the SCP.
COMPUTED_LEVEL: dict[int, Level] = {
    0x00201200: Level.PATIENT,  # Number of Patient Related Studies
    0x00201202: Level.PATIENT,  # Number of Patient Related Series
    0x00201204: Level.PATIENT,  # Number of Patient Related Instances
    0x00201206: Level.STUDY,  # Number of Study Related Series
    0x00201208: Level.STUDY,  # Number of Study Related Instances
    0x00080061: Level.STUDY,  # Modalities in Study
    0x00080062: Level.STUDY,  # SOP Classes in Study
    0x00201209: Level.SERIES,  # Number of Series Related Instances
    0x00083002: Level.IMAGE,  # Available Transfer Syntax UID
}

_PATIENT_TAGS = (
    # PS3.3 Table C.7-1 Patient Module
    "00100010 00100020 00100030 00100033 00100034 00100035 00100040 00101100 00100200 00081120 "
    "00100032 00101000 00101002 00101001 00102160 00104000 00102201 00102202 00102292 00102293 "
    "00102294 00100212 00100213 00100219 00100218 00100216 00102297 00102298 00102299 00120062 "
    "00120063 00120064 00100021 00100022 00100024 00100026 00100027 00100028 "
    # PS3.3 Table C.7-2b Clinical Trial Subject Module
    "00120010 00120020 00120021 00120030 00120031 00120040 00120042 00120081 00120082"
)
_STUDY_TAGS = (
    # PS3.3 Table C.7-3 General Study Module
    "0020000D 00080020 00080030 00080090 00080096 0008009C 0008009D 00200010 00080050 00080051 "
    "00081030 00081048 00081049 00081060 00081062 00321034 00081110 00081032 00401012 "
    # PS3.4 Table C.6-2 (study level keys not in the modules above)
    "00080063 00201070 "
    # PS3.3 Table C.7-4a Patient Study Module
    "00081080 00081084 00101010 00101020 00101030 00101021 00102180 001021B0 00380010 00380014 "
    "00380060 00380064 00380062 00102203 "
    # PS3.3 Table C.7-4b Clinical Trial Study Module
    "00120050 00120051 00120083"
)
_SERIES_TAGS = (
    # PS3.3 Table C.7-5a General Series Module (+ Performed Procedure Step Summary attributes)
    "00080060 0020000E 00200011 00200060 00080021 00080031 00081050 00081052 00181030 0008103E "
    "0008103F 00081070 00081072 00081111 00081250 00180015 00185100 00280108 00280109 00400275 "
    "00102210 00400244 00400245 00400250 00400251 00400253 00400254 00400260 00400280 "
    # PS3.3 Table C.7-5b Clinical Trial Series Module
    "00120060 00120071 00120072 "
    # PS3.3 Table C.7-6 Frame of Reference Module
    "00200052 00201040 "
    # PS3.3 Table C.7-8 General Equipment Module
    "00080070 00080080 00080081 00081010 00081040 00081090 00181000 00181020 00181008 00181050 "
    "00181200 00181201 00280120"
)


def _tags(text: str) -> frozenset[int]:
    return frozenset(int(t, 16) for t in text.split())


PATIENT_LEVEL_TAGS = _tags(_PATIENT_TAGS)
STUDY_LEVEL_TAGS = _tags(_STUDY_TAGS)
SERIES_LEVEL_TAGS = _tags(_SERIES_TAGS)


def level_of(tag: int) -> Level:
    """The information model level (Patient Root) at which ``tag`` is an attribute."""
    if tag in COMPUTED_LEVEL:
        return COMPUTED_LEVEL[tag]
    if tag in PATIENT_LEVEL_TAGS:
        return Level.PATIENT
    if tag in STUDY_LEVEL_TAGS:
        return Level.STUDY
    if tag in SERIES_LEVEL_TAGS:
        return Level.SERIES
    return Level.IMAGE


def effective_level(tag: int, model: Model) -> Level:
    """``level_of`` for ``model``: in Study Root the Patient attributes are STUDY level."""
    lv = level_of(tag)
    if model is Model.STUDY_ROOT and lv is Level.PATIENT:
        return Level.STUDY
    return lv


__all__ = [
    "COMPUTED_LEVEL",
    "Level",
    "MODEL_SOP_CLASSES",
    "Model",
    "NON_KEYS",
    "REQUIRED_KEYS",
    "UNIQUE_KEY",
    "effective_level",
    "level_of",
]
