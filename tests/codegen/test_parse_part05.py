"""PS3.5 parser: VRs (Table 6.2-1) and transfer syntax encodings (Annex A, Chapter 10).

Real published XML (2020c and 2015b) plus hand-written fixtures for the derivation rules
and malformed input. pydicom is used only as a test oracle.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomgen.core.errors import SpecParseError
from dicomgen.core.vr import VR
from dicomgen_codegen.docbook.xml import load_part
from dicomgen_codegen.parse import part05

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "docbook"


@pytest.fixture(scope="module")
def ps35(docbook):
    return docbook(5, "2020c")


@pytest.fixture(scope="module")
def vrs(ps35):
    return {r.code: r for r in part05.parse_vrs(ps35)}


@pytest.fixture(scope="module")
def props(ps35):
    return part05.parse_transfer_syntax_properties(ps35)


# --------------------------------------------------------------------------- VRs


def test_vr_count_and_codes(vrs, docbook) -> None:
    assert len(vrs) == 34
    assert {"OV", "SV", "UV"} <= set(vrs)
    assert set(vrs) == {v.value for v in VR}  # the runtime enum knows the same VRs
    old = {r.code for r in part05.parse_vrs(docbook(5, "2015b"))}
    assert len(old) == 30 and not old & {"OV", "SV", "UV"} and "OL" not in old


def test_vr_spot_checks_against_the_xml(vrs) -> None:
    pn = vrs["PN"]
    assert (pn.name, pn.max_length, pn.fixed) == ("Person Name", 64, False)
    assert pn.length.startswith("64 chars maximum per component group")
    assert (vrs["AE"].max_length, vrs["AE"].fixed) == (16, False)
    assert (vrs["US"].max_length, vrs["US"].fixed) == (2, True)
    assert (vrs["AS"].max_length, vrs["AS"].fixed) == (4, True)
    da = vrs["DA"]  # "8 bytes fixed" then the query range note: the first statement counts
    assert (da.max_length, da.fixed) == (8, True) and "18 bytes maximum" in da.length
    assert vrs["OD"].length.startswith("2^32-8 bytes maximum")
    assert vrs["OD"].max_length == 2**32 - 8
    assert vrs["UT"].max_length == 2**32 - 2
    assert vrs["UI"].name == "Unique Identifier (UID)"
    for code in ("OB", "OW", "OL", "OV", "UN", "SQ"):
        assert vrs[code].max_length is None and not vrs[code].fixed, code
    assert "Default Character Repertoire" in vrs["AE"].repertoire
    assert vrs["SQ"].definition.startswith("Value is a Sequence of zero or more Items")


def test_vr_lengths_agree_with_the_runtime_vr_facts(vrs) -> None:
    for v in VR:
        rec = vrs[v.value]
        if v.max_length is not None:
            assert rec.max_length == v.max_length, v
        if rec.fixed and v.fixed_size is not None:
            assert rec.max_length == v.fixed_size, v


def test_vr_provenance(vrs) -> None:
    src = vrs["AE"].source
    assert (src.part, src.edition, src.xml_id, src.row) == ("PS3.5", "2020c", "table_6.2-1", 1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("16 bytes maximum", (16, False)),
        ("4 bytes fixed", (4, True)),
        ("64 chars maximum per component group (see note_6.1-2-1)", (64, False)),
        ("2^32-2 bytes maximum. See note_6.2-3-2", (2**32 - 2, False)),
        ("see Transfer Syntax definition", (None, False)),
        ("not applicable (see sect_7.5)", (None, False)),
    ],
)
def test_parse_length_of_value(text: str, expected: tuple) -> None:
    assert part05.parse_length_of_value(text) == expected


def test_vr_row_with_wrong_cell_count_names_part_table_and_row() -> None:
    doc = load_part(FIX / "hand_written_part05_bad_row.xml", 5)
    with pytest.raises(SpecParseError) as err:
        part05.parse_vrs(doc)
    e = err.value
    assert (e.context["part"], e.context["table"], e.context["row"]) == ("PS3.5", "table_6.2-1", 2)
    assert "expected 4 cells, found 3" in str(e)


def test_vr_row_without_code_is_an_error() -> None:
    doc = load_part(FIX / "hand_written_part05_bad_vr.xml", 5)
    with pytest.raises(SpecParseError) as err:
        part05.parse_vrs(doc)
    assert err.value.context["row"] == 2 and "VR code" in str(err.value)


# --------------------------------------------------------------------------- transfer syntaxes


def test_transfer_syntax_encodings_2020c(props) -> None:
    def facts(uid: str) -> tuple:
        p = props[uid]
        return (p.implicit_vr, p.little_endian, p.deflated, p.encapsulated, p.lossy)

    assert facts("1.2.840.10008.1.2") == (True, True, False, False, False)
    assert facts("1.2.840.10008.1.2.1") == (False, True, False, False, False)
    assert facts("1.2.840.10008.1.2.1.99") == (False, True, True, False, False)
    assert props["1.2.840.10008.1.2.1.99"].derivation == "from sect_A.2"
    assert facts("1.2.840.10008.1.2.4.50") == (False, True, False, True, True)
    assert facts("1.2.840.10008.1.2.4.51") == (False, True, False, True, True)
    assert facts("1.2.840.10008.1.2.4.57")[4] is False
    assert facts("1.2.840.10008.1.2.4.70")[4] is False
    assert facts("1.2.840.10008.1.2.4.80")[4] is False
    assert facts("1.2.840.10008.1.2.4.81")[4] is True  # near-lossless
    assert facts("1.2.840.10008.1.2.4.90")[4] is False
    assert facts("1.2.840.10008.1.2.4.91")[4] is True  # lossless or lossy
    assert facts("1.2.840.10008.1.2.4.94") == (False, True, False, False, False)  # JPIP
    assert facts("1.2.840.10008.1.2.4.95") == (False, True, True, False, False)
    assert props["1.2.840.10008.1.2.4.95"].derivation == "from sect_A.6"
    for uid in ("1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.108"):
        assert props[uid].encapsulated and props[uid].lossy is None, uid  # PS3.5 silent
    smpte = props["1.2.840.10008.1.2.7.1"]
    assert smpte.derivation == "default" and not smpte.encapsulated
    # Explicit VR Big Endian is retired; 2020c A.3 keeps only "retired in 2006"
    assert "1.2.840.10008.1.2.2" not in props
    assert props["1.2.840.10008.1.2.4.50"].source.xml_id == "sect_A.4.1"
    assert len(props) == 28


def test_transfer_syntax_2015b_still_describes_big_endian(docbook) -> None:
    old = part05.parse_transfer_syntax_properties(docbook(5, "2015b"))
    be = old["1.2.840.10008.1.2.2"]
    assert (be.implicit_vr, be.little_endian, be.derivation) == (False, False, "stated")
    assert "1.2.840.10008.1.2.4.107" not in old


def test_transfer_syntax_encodings_agree_with_pydicom(props) -> None:
    from pydicom.uid import UID  # test oracle only

    checked = 0
    for uid, p in props.items():
        u = UID(uid)
        if not u.is_transfer_syntax:
            continue
        assert (u.is_implicit_VR, u.is_little_endian) == (p.implicit_vr, p.little_endian), uid
        if uid == "1.2.840.10008.1.2.4.95":
            # pydicom 3.0 counts only 1.2.840.10008.1.2.1.99 as deflated; PS3.5 A.7 (JPIP
            # Referenced Deflate) says "The entire byte stream is then compressed using the
            # "Deflate" algorithm", so the oracle is the one that is wrong here.
            assert p.deflated and not u.is_deflated
        else:
            assert u.is_deflated == p.deflated, uid
        if p.encapsulated:
            assert u.is_encapsulated, uid
        checked += 1
    assert checked >= 25


def test_transfer_syntax_derivation_rules_on_a_hand_written_annex() -> None:
    doc = load_part(FIX / "hand_written_part05_annex_a.xml", 5)
    got = part05.parse_transfer_syntax_properties(doc)
    root = "1.2.840.10008.1.2.999."
    assert sorted(got) == [root + str(i) for i in range(1, 8)]  # .9 is only in a note
    a1 = got[root + "1"]
    assert (a1.implicit_vr, a1.little_endian, a1.derivation) == (True, False, "stated")
    a5 = got[root + "6"]  # inherits A.1 and adds Deflate
    assert (a5.implicit_vr, a5.little_endian, a5.deflated, a5.derivation) == (
        True,
        False,
        True,
        "from sect_A.1",
    )
    assert got[root + "2"].lossy is True  # "baseline" + Chapter 10 title "Lossy"
    assert got[root + "3"].lossy is False  # row says "lossless"
    assert got[root + "4"].lossy is None  # nothing said, encapsulated
    assert got[root + "5"].lossy is True  # "either lossless ... or lossy"
    assert all(got[root + str(i)].encapsulated for i in (2, 3, 4, 5))
    a8 = got[root + "7"]
    assert (a8.implicit_vr, a8.little_endian, a8.derivation, a8.lossy) == (
        False,
        True,
        "default",
        False,
    )


def test_transfer_syntax_missing_annex_and_bad_reference_are_errors() -> None:
    with pytest.raises(SpecParseError, match="chapter_A: not found"):
        part05.parse_transfer_syntax_properties(
            load_part(FIX / "hand_written_part05_bad_row.xml", 5)
        )
    with pytest.raises(SpecParseError) as err:
        part05.parse_transfer_syntax_properties(
            load_part(FIX / "hand_written_part05_bad_vr.xml", 5)
        )
    assert err.value.context["table"] == "sect_A.5" and "sect_A.9" in str(err.value)
