"""DocBook helpers: loading, ids, text cleaning, tables with spans (hand-written fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomgen.core.errors import SpecParseError, StandardSourceError
from dicomgen_codegen.docbook.tables import get_table
from dicomgen_codegen.docbook.text import clean, is_retired_marker, strip_retired_marker
from dicomgen_codegen.docbook.xml import load_part

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "docbook"


def test_clean_removes_invisible_characters_and_folds_space() -> None:
    assert clean("Patient\u200bName") == "PatientName"
    assert clean("Ultra\u00adsound") == "Ultrasound"
    assert clean("  Clinical\u00ad  Trial\n Subject ") == "Clinical Trial Subject"
    assert clean("10 \u00b5m") == "10 \u03bcm"
    assert clean(None) == ""


@pytest.mark.parametrize("text", ["RET", "RET (2007)", "RET - See Note", " RET  (2011) "])
def test_retired_markers(text: str) -> None:
    assert is_retired_marker(text)


def test_strip_retired_marker() -> None:
    assert strip_retired_marker("Overlay Planes RET") == ("Overlay Planes", True)
    assert strip_retired_marker("Retention Period") == ("Retention Period", False)


def test_spans_are_expanded_into_every_position() -> None:
    doc = load_part(FIX / "hand_written_spans.xml", 3)
    assert (doc.part, doc.edition) == (3, "2099a")
    t = get_table(doc, "table_X-1")
    assert t.header == ("IE", "Module", "Reference", "Usage")
    assert [r.texts() for r in t.rows] == [
        ["Patient", "Patient", "", "M"],
        ["Patient", "Clinical Trial Subject", "", "U"],
        ["Include all of it"] * 4,
        ["Image", "10 \u03bcm", "10 \u03bcm", "C"],
        ["Frame", "10 \u03bcm", "10 \u03bcm", "U"],
    ]
    assert t.rows[0].cells[2].xrefs() == ["sect_C.7.1.1"]
    assert t.rows[2].spans_all and t.rows[2].cells[0].italic
    assert t.rows[1].cells[0].origin is False and t.rows[0].cells[0].origin is True


def test_duplicate_ids_identical_kept_once_different_reported() -> None:
    doc = load_part(FIX / "hand_written_spans.xml", 3)
    assert doc.conflicting_ids == ["para_diff"]
    assert doc.by_id("para_same").text == "same"
    with pytest.raises(StandardSourceError, match="no element with xml:id 'nope'"):
        doc.by_id("nope")


def test_missing_table_names_part_and_id() -> None:
    doc = load_part(FIX / "hand_written_spans.xml", 3)
    with pytest.raises(SpecParseError) as err:
        get_table(doc, "table_Z-9")
    assert err.value.context["table"] == "table_Z-9" and "PS3.3" in str(err.value)
    with pytest.raises(SpecParseError, match="not a table"):
        get_table(doc, "sect_C.7.1.1")


def test_not_xml_and_wrong_part(tmp_path: Path) -> None:
    bad = tmp_path / "part06.xml"
    bad.write_text("<html><body>404</body")
    with pytest.raises(StandardSourceError, match="not well-formed XML"):
        load_part(bad, 6)
    with pytest.raises(StandardSourceError, match="expected PS3.6 but the file is PS3.3"):
        load_part(FIX / "hand_written_spans.xml", 6)
    other = tmp_path / "other.xml"
    other.write_text('<article xmlns="http://docbook.org/ns/docbook"/>')
    with pytest.raises(StandardSourceError, match="not a DocBook book"):
        load_part(other)
