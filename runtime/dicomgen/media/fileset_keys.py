"""The directory record of an instance with its keys (PS3.3 F.5), the values a File-set
Creator invents for missing Type 1 keys (as ``dcmmkdir --invent`` does), and the transfer syntax
an application profile (PS3.11) writes an instance in."""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from collections.abc import Callable
from typing import Any

from ..core.dataset import Dataset, dictionary_vr
from ..core.element import DataElement
from ..core.errors import DicomError, MediaError
from .dicomdir import RECORD_TYPE, Record
from .records import RECORD_TYPES

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"

PROFILES: dict[str, frozenset[str] | None] = {
    # PS3.11 D.3 (STD-GEN-CD, STD-GEN-DVD-RAM): Explicit VR Little Endian Uncompressed
    "STD-GEN-CD": frozenset({EXPLICIT_VR_LITTLE_ENDIAN}),
    "STD-GEN-DVD-RAM": frozenset({EXPLICIT_VR_LITTLE_ENDIAN}),
    # dicomgen extension: no transfer syntax restriction
    "ANY": None,
}
"""Application profile -> transfer syntaxes allowed for referenced files (None: any)."""

# Type 1 keys a File-set Creator may invent when the instance lacks them (as dcmtk
# dcmmkdir --invent does); others cannot be invented and make the instance unusable.
_INVENTABLE = frozenset(
    {"PatientID", "StudyDate", "StudyTime", "StudyID", "Modality", "SeriesNumber",
     "InstanceNumber", "ContentDate", "ContentTime", "ContentLabel", "StructureSetLabel",
     "RTPlanLabel", "SeriesInstanceUID", "PresentationCreationDate",
     "PresentationCreationTime", "InstanceCreationDate"}
)  # fmt: skip
_DATE_FALLBACKS = ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate",
                   "InstanceCreationDate")  # fmt: skip
_TIME_FALLBACKS = ("StudyTime", "SeriesTime", "AcquisitionTime", "ContentTime",
                   "InstanceCreationTime")  # fmt: skip


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        if not v:
            return None
        v = v[0]
    s = str(v).strip("\x00 ")
    return s or None


def _value(ds: Dataset, keyword: str) -> Any:
    """Decoded value of ``keyword``; an undecodable value counts as absent."""
    try:
        return ds.get_value(keyword)
    except DicomError:
        return None


def _has_value(ds: Dataset, keyword: str) -> bool:
    e = ds.get(keyword)
    if e is None:
        return False
    try:
        return not e.is_empty
    except DicomError:
        return False


def _uid_from(*parts: str) -> str:
    """A UID derived from ``parts`` (PS3.5 B.2: 2.25 + a name-based UUID as an integer)."""
    return f"2.25.{uuid.uuid5(uuid.NAMESPACE_OID, '|'.join(parts)).int}"


_OLD_DA = re.compile(r"(\d{4})[.-](\d{2})[.-](\d{2})")
_OLD_TM = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}(?:\.\d{1,6})?))?")


def _key_copy(e: DataElement) -> DataElement:
    """A copy of an instance element for a record key.

    DA and TM values in the ACR-NEMA forms ``yyyy.mm.dd`` and ``hh:mm:ss`` (PS3.5 6.2,
    retired, still found in old files) are rewritten in the current forms so that the
    DICOMDIR is valid even when the instance is not.
    """
    if e.vr not in ("DA", "TM"):
        return e.copy()
    try:
        text = str(e.value or "").strip()
    except DicomError:
        return e.copy()
    m = (_OLD_DA if e.vr == "DA" else _OLD_TM).fullmatch(text)
    if m is None:
        return e.copy()
    return DataElement(e.tag, e.vr, "".join(g for g in m.groups() if g))


def _tag(keyword: str) -> int:
    from ..core.dictionary import tag_for_keyword

    t = tag_for_keyword(keyword)
    if t is None:  # pragma: no cover - keywords above are all in the dictionary
        raise MediaError(f"{keyword} is not a keyword of the data dictionary")
    return t


def invented_key(level: str, ds: Dataset, parent: Record | None, sop: str) -> str:
    """The grouping key (Patient ID, Study or Series Instance UID) invented for a record of
    ``level`` when the instance has none: derived from the instance, so repeatable."""
    if level == "PATIENT":
        name = _text(_value(ds, "PatientName")) or ""
        return f"DG{uuid.uuid5(uuid.NAMESPACE_OID, 'patient|' + name).int % 10**10:010d}"
    scope = _text(parent.get("PatientID") or parent.get("StudyInstanceUID")) if parent else ""
    if level == "STUDY":
        return _uid_from("study", scope or "", _text(_value(ds, "StudyID")) or "")
    return _uid_from("series", scope or "", _text(_value(ds, "SeriesNumber")) or "", sop)


def planned_transfer_syntax(ds: Dataset, profile: str, where: str | None) -> str:
    """The transfer syntax ``ds`` is written in under ``profile`` (PS3.11)."""
    from ..encoding.transfer_syntax import resolve

    meta_ts = None
    if ds.file_meta is not None:
        meta_ts = _text(ds.file_meta.get_value(0x00020010))
    current = meta_ts or ds.read_transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
    allowed = PROFILES[profile]
    if allowed is None or current in allowed:
        return current
    try:
        encapsulated = resolve(current).encapsulated
    except DicomError:
        encapsulated = True
    if encapsulated:
        raise MediaError(
            f"transfer syntax {current} is not allowed by profile {profile} and "
            "compressed data is not re-encoded",
            path=where,
        )
    return EXPLICIT_VR_LITTLE_ENDIAN


def record_keys(
    rtype: str,
    ds: Dataset,
    invent: bool,
    invented: dict[str, str],
    parent: Record | None,
    where: str | None,
    next_number: Callable[[Record | None, str], int],
) -> Dataset:
    """The record of type ``rtype`` for instance ``ds`` with its F.5 keys."""
    spec = RECORD_TYPES[rtype]
    rds = Dataset()
    rds.add(DataElement(RECORD_TYPE, "CS", rtype))
    copied_text = False
    for kw in spec.type1:
        if _has_value(ds, kw):
            rds.add(_key_copy(ds[kw]))
            copied_text = True
            continue
        if not invent or kw not in _INVENTABLE:
            raise MediaError(
                f"the instance has no value for {kw}, a Type 1 key of the {rtype} record "
                "(PS3.3 F.5)" + ("" if invent else "; allow inventing it (invent=True, --invent)"),
                path=where,
            )
        v = invent_value(kw, ds, parent, next_number)
        invented[kw] = v
        rds.add(DataElement(_tag(kw), dictionary_vr(_tag(kw)), v))
    for kw in spec.type2:
        e = ds.get(kw)
        if e is not None:
            rds.add(_key_copy(e))
            copied_text = True
        else:
            rds.add(DataElement(_tag(kw), dictionary_vr(_tag(kw)), None))
    for kw in spec.type1c:
        if _has_value(ds, kw):
            rds.add(_key_copy(ds[kw]))
    if rtype == "SR DOCUMENT" and _text(_value(ds, "VerificationFlag")) == "VERIFIED":
        # F.5 SR Document Keys: Verification DateTime 1C, required if VERIFIED; in the
        # instance it is in the Verifying Observer Sequence (PS3.3 C.17.2): latest item
        if "VerificationDateTime" not in rds:
            times = [
                _text(it.get_value("VerificationDateTime"))
                for it in (_value(ds, "VerifyingObserverSequence") or [])
            ]
            latest = max((t for t in times if t), default=None)
            if latest is None:
                if not invent:
                    raise MediaError(
                        "VERIFIED SR document without Verification DateTime, a Type 1C key "
                        "of the SR DOCUMENT record (PS3.3 F.5)",
                        path=where,
                    )
                latest = _dt.datetime.now().strftime("%Y%m%d%H%M%S")
                invented["VerificationDateTime"] = latest
            rds.add(DataElement(_tag("VerificationDateTime"), "DT", latest))
    if spec.concept_mods:
        mods = [
            it.copy()
            for it in (_value(ds, "ContentSequence") or [])
            if _text(it.get_value("RelationshipType")) == "HAS CONCEPT MOD"
        ]
        if mods:
            rds.add(DataElement(_tag("ContentSequence"), "SQ", mods))
    cs = ds.get("SpecificCharacterSet")
    if cs is not None and copied_text:
        rds.add(cs.copy())
    return rds


def invent_value(
    kw: str, ds: Dataset, parent: Record | None, next_number: Callable[[Record | None, str], int]
) -> str:
    """A value for a missing Type 1 key (dcmmkdir ``--invent`` behaviour)."""
    now = _dt.datetime.now()
    if kw.endswith("Date"):
        for k in _DATE_FALLBACKS:
            v = _text(_value(ds, k))
            if v:
                return str(v).replace("-", "")[:8]
        return now.strftime("%Y%m%d")
    if kw.endswith("Time"):
        for k in _TIME_FALLBACKS:
            v = _text(_value(ds, k))
            if v:
                return str(v).replace(":", "")[:6]
        return now.strftime("%H%M%S")
    if kw in ("StudyID", "SeriesNumber", "InstanceNumber"):
        return str(next_number(parent, kw))
    if kw == "Modality":
        return "OT"
    if kw == "SeriesInstanceUID":
        return _uid_from("series", str(id(parent)), str(next_number(parent, kw)))
    if kw == "PatientID":
        return invented_key("PATIENT", ds, None, "")
    return "UNNAMED"  # labels: ContentLabel, StructureSetLabel, RTPlanLabel
