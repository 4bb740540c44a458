"""The helpers users reach for first: UIDs, pixels of typed objects, the validation result,
and DA/TM/DT errors that say what is wrong (PS3.5 9.1, B.2, 6.2)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dicomgen
from dicomgen.core.errors import InvalidValueError
from dicomgen.core.validation import ERROR, INFO, WARNING, Finding, ValidationResult
from dicomgen.core.values.datetime_values import DA, DT, TM, DateRange

UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
ROOT = "1.2.826.0.1.3680043.10.1071."


# --- generate_uid --------------------------------------------------------------------------


def test_default_uid_is_the_2_25_form_of_a_random_uuid() -> None:
    uids = {dicomgen.generate_uid() for _ in range(200)}
    assert len(uids) == 200
    for uid in uids:
        assert uid.startswith("2.25.") and UID_RE.match(uid) and len(uid) <= 64
        value = int(uid[5:])
        assert value < 2**128
        assert (value >> 76) & 0xF == 4  # version 4 UUID (RFC 4122 4.1.3)
        assert uid.is_valid


def test_entropy_sources_make_the_uid_deterministic() -> None:
    a = dicomgen.generate_uid(entropy_srcs=["1.2.3", "ct.dcm"])
    assert a == dicomgen.generate_uid(entropy_srcs=["1.2.3", "ct.dcm"])
    assert a != dicomgen.generate_uid(entropy_srcs=["1.2.3", "ct2.dcm"])
    assert a != dicomgen.generate_uid(entropy_srcs=["1.2.3c", "t.dcm"])  # sources kept apart
    assert (int(a[5:]) >> 76) & 0xF == 5
    under = dicomgen.generate_uid(ROOT, ["x"])
    assert under == dicomgen.generate_uid(ROOT, ["x"]) != dicomgen.generate_uid(ROOT, ["y"])


def test_uid_under_a_root_fills_64_characters_without_leading_zero() -> None:
    for _ in range(200):
        uid = dicomgen.generate_uid(ROOT)
        assert uid.startswith(ROOT) and len(uid) == 64 and UID_RE.match(uid), uid
    assert len({dicomgen.generate_uid(ROOT) for _ in range(100)}) == 100


@pytest.mark.parametrize(
    "root, words",
    [
        ("1.2.3", "does not end in '.'"),
        ("1.02.3.", "digits and dots"),
        ("1.2.x.", "digits and dots"),
        ("1." + "2" * 55 + ".", "at least 10"),
    ],
)
def test_bad_roots_are_refused_with_the_reason(root: str, words: str) -> None:
    with pytest.raises(InvalidValueError, match=re.escape(words)):
        dicomgen.generate_uid(root)


# --- pixel_array / frames of typed objects --------------------------------------------------


def _testdata(name: str) -> str:
    data = pytest.importorskip("pydicom.data", reason="pydicom's test files are the input")
    path = data.get_testdata_file(name)
    if path is None:
        pytest.skip(f"pydicom test file {name} not available")
    return str(path)


def test_pixel_array_and_frames_accept_typed_objects() -> None:
    from dicomgen.core.typed import load
    from dicomgen.pixels import describe, frames, pixel_array

    path = _testdata("CT_small.dcm")
    ds = dicomgen.read(path)
    obj = load(path)
    assert type(obj).__name__ == "CTImageIOD"
    expected = pixel_array(ds)
    assert expected.shape == (128, 128)
    np.testing.assert_array_equal(pixel_array(obj), expected)
    assert len(frames(obj)) == 1
    np.testing.assert_array_equal(frames(obj)[0], expected)
    assert describe(obj) == describe(ds)


# --- ValidationResult ----------------------------------------------------------------------


def _finding(severity: str, rule: str) -> Finding:
    return Finding(severity, rule, "CT Image", "Patient", "PatientID", 0x00100020, "m", "Type 2")


def test_validation_result_keeps_the_kinds_apart_and_is_true_without_errors() -> None:
    info, warn, err = _finding(INFO, "condition-not-checked"), _finding(WARNING, "x"), None
    only_notes = ValidationResult([info, warn, info])
    assert only_notes and only_notes.ok and len(only_notes) == 3
    assert only_notes.errors == [] and only_notes.warnings == [warn]
    assert only_notes.not_checked == [info, info]
    err = _finding(ERROR, "type1-missing")
    broken = ValidationResult([info, err])
    assert not broken and broken.errors == [err] and list(broken) == [info, err]
    assert broken.summary() == "1 error(s), 0 warning(s), 1 rule(s) not checked"
    assert ValidationResult() and ValidationResult() == []


def test_a_valid_ct_validates_true_and_a_broken_one_false() -> None:
    from dicomgen.core.typed import load

    ct = load(_testdata("CT_small.dcm"))
    result = ct.validate()
    assert isinstance(result, ValidationResult)
    assert result.errors == [] and bool(result) is True
    assert len(result) > 0  # the informational findings are still listed
    ct.sop_instance_uid = None  # type: ignore[assignment]
    broken = ct.validate()
    assert not broken
    assert [(f.rule, f.path) for f in broken.errors] == [("type1-missing", "SOPInstanceUID")]


# --- DA / TM / DT messages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "parse, text, message",
    [
        (DA, "2004-01-19", "DA value '2004-01-19' uses '-' separators; DICOM DA is YYYYMMDD"),
        (DA, "19/01/2004", "DA value '19/01/2004' uses '/' separators; DICOM DA is YYYYMMDD"),
        (DA, "2004011", "DA value '2004011' has 7 digits; DICOM DA is YYYYMMDD (8 digits)"),
        (DA, "2004O119", "DA value '2004O119' has the character(s) 'O'; DICOM DA is YYYYMMDD"),
        (DA, "20041319", "DA value '20041319' is not a calendar date (month must be in 1..12)"),
        (TM, "10-11-12", "TM value '10-11-12' uses '-' separators; DICOM TM is HHMMSS.FFFFFF"),
        (TM, "1011121", "TM value '1011121' has 7 digits before any fraction"),
        (TM, "251010", "TM value '251010' is not a time of day (hour must be in 0..23)"),
        (DT, "2004-01-19T10:11:12", "DT value '2004-01-19T10:11:12' is written as ISO 8601"),
        (DT, "20040119+1500", "DT value '20040119+1500' has the UTC offset +1500, outside"),
        (DateRange.parse, "2004-01-19", "DA value '2004-01-19' uses '-' separators"),
        (
            DateRange.parse,
            "20040101-20040102-2005",
            "DA value '20040101-20040102-2005' has 2 '-'; a DA range is A-B",
        ),
    ],
)
def test_date_time_errors_say_what_is_wrong(parse: object, text: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        parse(text)  # type: ignore[operator]
    assert str(info.value).startswith(message), str(info.value)


def test_validation_of_an_iso_date_reports_it() -> None:
    from dicomgen.encoding.values import validate_value

    assert validate_value("DA", "2004-01-19") == [
        "DA value '2004-01-19' uses '-' separators; DICOM DA is YYYYMMDD"
    ]
    assert validate_value("DA", "20040119") == []
