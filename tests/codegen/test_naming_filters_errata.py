"""Pure helpers of the generator: names, template filters, errata."""

from __future__ import annotations

from pathlib import Path

import attrs
import black
import pytest

from dicomgen.core.errors import GenerationError
from dicomgen_codegen.ir.model import UIDRecord
from dicomgen_codegen.passes.errata import apply_errata, load_errata
from dicomgen_codegen.passes.naming import (
    check_unique,
    disambiguate_retired,
    snake_case,
    uid_keyword,
)
from dicomgen_codegen.render.filters import docstring, filled, py, tag_value_mask, unsplit


@pytest.mark.parametrize(
    ("name", "keyword"),
    [
        ("Implicit VR Little Endian: Default Transfer Syntax for DICOM", "ImplicitVRLittleEndian"),
        ("Explicit VR Big Endian (Retired)", "ExplicitVRBigEndian"),
        ("12-lead ECG Waveform Storage", "TwelveLeadECGWaveformStorage"),
        ("JPEG Extended (Process 2 & 4)", "JPEGExtendedProcess2And4"),
        ("Enhanced XA Image Storage", "EnhancedXAImageStorage"),
    ],
)
def test_uid_keyword(name: str, keyword: str) -> None:
    assert uid_keyword(name) == keyword


@pytest.mark.parametrize(
    ("keyword", "snake"),
    [
        ("PatientName", "patient_name"),
        ("SOPInstanceUID", "sop_instance_uid"),
        ("ImagePositionPatient", "image_position_patient"),
        ("XRay3DFrameTypeSequence", "x_ray_3d_frame_type_sequence"),
        ("OtherPatientIDs", "other_patient_ids"),
        ("Type", "type_"),
    ],
)
def test_snake_case(keyword: str, snake: str) -> None:
    assert snake_case(keyword) == snake


def _uid(uid: str, keyword: str, retired: bool) -> UIDRecord:
    return UIDRecord(uid, keyword, keyword, "SOP Class", "", retired)


def test_retired_twin_gets_suffix_and_other_collisions_fail() -> None:
    out = disambiguate_retired(
        (_uid("1.1", "USImageStorage", True), _uid("1.2", "USImageStorage", False)), "UID"
    )
    assert [u.keyword for u in out] == ["USImageStorageRetired", "USImageStorage"]
    with pytest.raises(GenerationError, match="name collision for UID 'A'"):
        disambiguate_retired((_uid("1.1", "A", False), _uid("1.2", "A", False)), "UID")
    check_unique([("a", "x"), ("a", "x")], "same source twice is fine")


def test_py_literals_round_trip() -> None:
    for value in [
        "abc",
        'a"b',
        "it's",
        "\u00b5m",
        "a\\b",
        "x'y\"z",
        "tab\there",
        ("US", "SS"),
        ("OB",),
        5,
        True,
        None,
    ]:
        assert eval(py(value)) == value


def test_tag_masks() -> None:
    assert tag_value_mask("(60xx,3000)") == (0x60003000, 0xFF00FFFF)
    assert tag_value_mask("(0028,04x0)") == (0x00280400, 0xFFFFFF0F)
    assert tag_value_mask("(0010,0010)") == (0x00100010, 0xFFFFFFFF)


def test_docstring_is_valid_python_for_hostile_text() -> None:
    for text in ['ends with a quote "x"', 'has """ inside', "back\\slash", "x" * 300]:
        src = docstring(text)
        assert isinstance(eval(src), str)


def test_errata_apply_only_to_the_published_value(tmp_path: Path) -> None:
    (tmp_path / "e.toml").write_text(
        '[[uids]]\nkey = "1.2"\nfield = "type"\npublished = "Transfer"\n'
        'corrected = "SOP Class"\nreason = "typo"\n'
    )
    errata = load_errata(tmp_path)

    @attrs.frozen
    class Coll:
        uids: tuple[UIDRecord, ...]

    wrong = UIDRecord("1.2", "Color Palette Storage", "ColorPaletteStorage", "Transfer", "", False)
    fixed, result = apply_errata(Coll((wrong,)), errata)
    assert fixed.uids[0].type == "SOP Class" and len(result.applied) == 1
    again, result = apply_errata(fixed, errata)
    assert again == fixed and not result.applied
    assert "not the published 'Transfer'" in result.obsolete[0][1]


def test_errata_without_reason_are_refused(tmp_path: Path) -> None:
    (tmp_path / "e.toml").write_text(
        '[[uids]]\nkey = "1.2"\nfield = "type"\npublished = "a"\ncorrected = "b"\nreason = ""\n'
    )
    with pytest.raises(GenerationError, match="lacks"):
        load_errata(tmp_path)


def test_shipped_errata_load() -> None:
    assert all(e.reason for e in load_errata())


def test_filled_packs_items_into_lines_of_the_width() -> None:
    names = [f'"N{i:02d}"' for i in range(12)]
    names = names * 10
    lines = filled(names, "    ").split("\n")
    assert all(len(line) <= 100 and line.startswith("    ") for line in lines)
    # full: the first item of each next line would not have fitted on the line before
    assert all(len(a) + 1 + len(b.split()[0]) > 100 for a, b in zip(lines, lines[1:]))
    assert " ".join(line.strip() for line in lines) == ", ".join(names) + ","
    assert filled([], "    ") == ""


def test_unsplit_marks_only_long_lines() -> None:
    short = '    Left: Final = Code("SCT", "7771000", "Left")'
    assert unsplit(short) == short
    long = f'    Long: Final = Code("SCT", "1", "{"x" * 90}")'
    assert unsplit(long) == long + "  # fmt: skip"
    src = f"class G:\n{unsplit(long)}\n{short}\n"
    assert black.format_str(src, mode=black.Mode(line_length=100)) == src
