"""Every row of Table E.1-1, under the Basic Profile and under each option whose cell differs:
an element of that tag (at the top level and inside a sequence item) gets an outcome the
published action allows (PS3.15 E.1.1: D dummy, Z empty, X removed, K kept, C cleaned, U
UID replaced; compound actions allow any of their branches). The cases are generated from
the committed IR, not from the runtime's tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.dictionary import entry_for
from dicomgen.core.element import DataElement
from dicomgen.deid.profile import Profile, row_for
from dicomgen.deid.values import Keys
from dicomgen.deid.walker import Deidentifier
from dicomgen_codegen.ir.deid import DeidAttributeRecord, Part15Result
from dicomgen_codegen.ir.io import load_collection
from dicomgen_codegen.passes.errata import apply_errata, load_errata

IR = Path(__file__).resolve().parents[3] / "standard_xml" / "ir" / "part15"
_IR, _ = apply_errata(load_collection(Part15Result, IR), load_errata())  # as generated
RECORDS = _IR.attributes
KEY = b"row-test-key-0123456789"
CONTAINER = 0x00283000  # Modality LUT Sequence: not in Table E.1-1, kept, items walked
SECRET_TEXT = "SECRETWORD"
SECRET_UID = "1.2.3.4.5.6.7.8.9"
SECRET_DATE = "20010203"

ORIGINAL: dict[str, Any] = {
    "AE": "SECRETAE",
    "AS": "042Y",
    "AT": 0x00100010,
    "CS": "SECRETCODE",
    "DA": SECRET_DATE,
    "DS": "12.5",
    "DT": SECRET_DATE + "101112",
    "FD": 12.5,
    "FL": 12.5,
    "IS": "42",
    "LO": SECRET_TEXT,
    "LT": SECRET_TEXT,
    "OB": b"\x01\x02\x03\x04",
    "OW": b"\x01\x02\x03\x04",
    "OF": b"\x01\x02\x03\x04",
    "PN": "SECRET^PERSON",
    "SH": SECRET_TEXT,
    "SL": 42,
    "SS": 42,
    "ST": SECRET_TEXT,
    "TM": "101112",
    "UC": SECRET_TEXT,
    "UI": SECRET_UID,
    "UL": 42,
    "UN": b"\x01\x02\x03\x04",
    "UR": "http://secret.example/",
    "US": 42,
    "UT": SECRET_TEXT,
}


def concrete_tag(rec: DeidAttributeRecord) -> int:
    """A tag the row applies to: x digits of a pattern set to 2 (an even overlay/curve
    group), an odd group's element for the private row."""
    if rec.private:
        return 0x00091010
    free = ~rec.tag_mask & 0xFFFFFFFF
    return rec.tag_value | (0x00020000 & free) | (0x00001000 & free)


def vr_of(tag: int, name: str) -> str:
    """The dictionary's VR; for an attribute newer than the dictionary, the VR its name
    implies (UID, Sequence, DateTime, Date, Time), else LO."""
    e = entry_for(tag)
    if tag >> 16 & 1:
        return "LO"
    if e is None:
        for suffix, vr in (("UID", "UI"), ("Sequence", "SQ"), ("DateTime", "DT")):
            if name.endswith(suffix):
                return vr
        return "DA" if name.endswith("Date") else "TM" if name.endswith("Time") else "LO"
    vr = e.vrs[0]
    return "OW" if vr in ("OB or OW", "xs") else vr


def make_element(tag: int, vr: str) -> DataElement:
    if vr == "SQ":
        item = Dataset()
        item.add(DataElement(0x00081155, "UI", SECRET_UID))  # Referenced SOP Instance UID: U
        item.add(DataElement(0x00100010, "PN", "SECRET^PERSON"))  # Patient's Name: Z
        return DataElement(tag, "SQ", [item])
    return DataElement(tag, vr, ORIGINAL[vr])


def run_one(tag: int, vr: str, options: list[str], nested: bool, creator: str = "ACME") -> Any:
    ds = Dataset()
    target = ds
    if nested:
        inner = Dataset()
        ds.add(DataElement(CONTAINER, "SQ", [inner]))
        target = inner
    if tag >> 16 & 1:
        target.add(DataElement((tag & 0xFFFF0000) | 0x0010, "LO", creator))
    target.add(make_element(tag, vr))
    ds.add(DataElement(0x00100020, "LO", "PATIENT-7"))
    ds.add(DataElement(0x00100010, "PN", f"{SECRET_TEXT}^PERSON"))  # words C must take out
    out, entries = Deidentifier(Profile([*options, "clean-pixel-data"]), Keys(KEY)).dataset(ds)
    where = out[CONTAINER].value[0] if nested else out
    return where.get(tag), entries


def _empty(e: DataElement) -> bool:
    v = e.value
    return v is None or v == "" or v == [] or v == b""


def _text(e: DataElement) -> str:
    v = e.value
    if isinstance(v, (list, tuple)):
        return "\\".join(str(x) for x in v)
    return "" if v is None else str(v)


def outcome(e: DataElement | None, vr: str) -> str:
    """What happened, from the output alone: removed, empty, kept, uid, dummy, cleaned."""
    if e is None:
        return "removed"
    if _empty(e):
        return "empty"
    if vr == "SQ":
        items = e.value
        item = items[0]
        uid = item.get(0x00081155)
        name = item.get(0x00100010)
        if uid is not None and str(uid.value) != SECRET_UID and name is not None and _empty(name):
            return "items cleaned"
        return "kept"
    if vr == "UI":
        return "kept" if _text(e) == SECRET_UID else "uid"
    if e.value == ORIGINAL[vr] or _text(e) == str(ORIGINAL[vr]):
        return "kept"
    return "dummy"


ALLOWED = {
    "X": {"removed"},
    "Z": {"empty"},
    "D": {"dummy", "uid", "items cleaned"},
    "U": {"uid", "items cleaned"},
    "K": {"kept", "items cleaned"},
    "Z/D": {"empty", "dummy", "uid", "items cleaned"},
    "X/Z": {"removed", "empty"},
    "X/D": {"removed", "dummy", "uid", "items cleaned"},
    "X/Z/D": {"removed", "empty", "dummy", "uid", "items cleaned"},
    "X/Z/U*": {"removed", "empty", "uid", "items cleaned"},
}


def check_clean(rec: DeidAttributeRecord, option: str, e: DataElement | None, vr: str) -> None:
    """Action C: the value keeps its meaning without identifying content."""
    if option.startswith("RETAIN_LONGITUDINAL") and vr in ("DA", "DT"):
        assert e is not None
        shifted = dt.datetime.strptime(_text(e)[:8], "%Y%m%d").date()
        back = (dt.date(2001, 2, 3) - shifted).days
        assert 1 <= back <= 3650, back
        return
    if vr == "SQ":
        assert outcome(e, vr) == "items cleaned"
        return
    if rec.private:
        assert e is None  # "ACME" is not a safe private creator
        return
    if vr in ("OB", "OW", "OF", "UN"):
        assert e is not None  # graphics stated clean (Clean Pixel Data Option in the run)
        return
    if vr == "TM":
        assert e is not None and _text(e) == ORIGINAL["TM"]
        return
    assert e is None or SECRET_TEXT not in _text(e) or vr in ("CS", "AE")


@pytest.mark.parametrize("rec", RECORDS, ids=[f"{r.tag}-{r.source.row}" for r in RECORDS])
def test_row(rec: DeidAttributeRecord) -> None:
    tag = concrete_tag(rec)
    assert row_for(tag) is not None and row_for(tag).row == rec.source.row
    vr = vr_of(tag, rec.name)
    for nested in (False, True):
        e, _ = run_one(tag, vr, [], nested)
        assert outcome(e, vr) in ALLOWED[rec.basic], (rec.basic, nested, e)
        for option, action in rec.options:
            if action == rec.basic:
                continue
            e, entries = run_one(tag, vr, [option], nested)
            if action == "C":
                if vr in ("DA", "DT", "TM") and not option.startswith("RETAIN_LONG"):
                    continue  # cleaning a date outside the date options: checked below
                check_clean(rec, option, e, vr)
            else:
                assert outcome(e, vr) in ALLOWED[action], (option, action, nested, e)
            assert any(x.row == rec.source.row for x in entries)


def test_a_safe_private_element_is_kept_under_retain_safe_private_only() -> None:
    safe = _IR.safe_private[0]
    creator, group, offset = safe.creator, safe.group, safe.offset
    tag = group << 16 | 0x1000 | offset
    for nested in (False, True):
        e, _ = run_one(tag | 0x10, "LO", ["retain-safe-private"], nested, creator)
        assert e is None or offset == 0x10  # another element of the same creator: not safe
        e, _ = run_one(tag, "LO", ["retain-safe-private"], nested, creator)
        assert e is not None and _text(e) == SECRET_TEXT
        e, _ = run_one(tag, "LO", [], nested, creator)
        assert e is None


def test_text_cleaning_removes_words_of_removed_elements() -> None:
    ds = Dataset()
    ds.add(DataElement(0x00100010, "PN", "Doe^Johnathan"))
    ds.add(DataElement(0x00081030, "LO", "CT head of Johnathan Doe"))  # Study Description
    out, _ = Deidentifier(Profile(["clean-descriptors"]), Keys(KEY)).dataset(ds)
    assert _text(out[0x00081030]) == "CT head of * *"
