"""PS3.6 parser against the published XML (newest edition here) and a malformed fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomgen.core.errors import SpecParseError
from dicomgen_codegen.docbook.xml import load_part
from dicomgen_codegen.parse import part06

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "docbook"


@pytest.fixture(scope="module")
def ps36(docbook):
    return docbook(6)


@pytest.fixture(scope="module")
def elements(ps36):
    return {r.tag: r for r in part06.parse_data_elements(ps36)}


def test_counts(ps36, elements) -> None:
    data = [r for r in elements.values() if r.kind == "data"]
    assert len(data) >= 3879
    assert len(part06.parse_uids(ps36)) >= 358
    assert len(part06.parse_context_group_uids(ps36)) >= 927


def test_spot_checks_against_the_xml(elements) -> None:
    pn = elements["(0010,0010)"]
    assert (pn.name, pn.keyword, pn.vrs, pn.vm, pn.retired) == (
        "Patient's Name",
        "PatientName",
        ("PN",),
        "1",
        False,
    )
    px = elements["(7FE0,0010)"]
    assert px.keyword == "PixelData" and px.vrs == ("OB", "OW")
    assert elements["(0028,0106)"].vrs == ("US", "SS")  # Smallest Image Pixel Value
    assert elements["(0008,0001)"].retired  # Length to End, RET and italic
    assert elements["(0002,0010)"].kind == "file_meta"
    assert elements["(0004,1220)"].kind == "directory"
    overlay = elements["(60xx,3000)"]
    assert overlay.keyword == "OverlayData" and overlay.vrs == ("OB", "OW")
    assert elements["(FFFE,E000)"].vrs == ()  # Item: "See Note"
    assert elements["(0018,9445)"].keyword == ""  # a reserved row with no name


def test_uids_and_context_groups(ps36) -> None:
    uids = {u.uid: u for u in part06.parse_uids(ps36)}
    ct = uids["1.2.840.10008.5.1.4.1.1.2"]
    assert (ct.name, ct.keyword, ct.type) == ("CT Image Storage", "CTImageStorage", "SOP Class")
    be = uids["1.2.840.10008.1.2.2"]
    assert be.retired and be.keyword == "ExplicitVRBigEndian"
    assert uids["1.2.840.10008.1.2"].keyword == "ImplicitVRLittleEndian"
    assert uids["1.2.840.10008.5.1.4.1.1.9.1.1"].keyword == "TwelveLeadECGWaveformStorage"
    assert uids["1.2.840.10008.1.4.1.1"].type.lower().startswith("well-known frame")
    groups = {g.uid: g for g in part06.parse_context_group_uids(ps36)}
    assert groups["1.2.840.10008.6.1.1010"].cid == "9000"


def test_provenance_is_recorded_and_not_part_of_equality(elements) -> None:
    import attrs

    pn = elements["(0010,0010)"]
    assert pn.source.part == "PS3.6" and pn.source.xml_id == "table_6-1" and pn.source.row
    assert attrs.evolve(pn, source=None) == pn


def test_row_with_unexpected_cell_count_names_part_table_and_row() -> None:
    doc = load_part(FIX / "hand_written_part06_bad_row.xml", 6)
    with pytest.raises(SpecParseError) as err:
        part06.parse_data_elements(doc)
    e = err.value
    assert (e.context["part"], e.context["table"], e.context["row"]) == ("PS3.6", "table_6-1", 2)
    assert "expected 6 cells, found 5" in str(e)


def test_missing_table_is_a_clear_error() -> None:
    doc = load_part(FIX / "hand_written_part06_bad_row.xml", 6)
    with pytest.raises(SpecParseError, match="table_A-1 not found"):
        part06.parse_uids(doc)
