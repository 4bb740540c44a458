"""PS3.3 -> IR: the real 2016c excerpt and hand-written malformed fixtures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cattrs
import pytest
from conftest import standard_xml_dir

from dicomgen.core.errors import SpecParseError
from dicomgen_codegen.docbook.xml import load_part
from dicomgen_codegen.ir.iod import (
    AttributeRow,
    DescriptionRow,
    HeadingRow,
    IncludeRow,
    Part03Result,
    register_cattrs_hooks,
)
from dicomgen_codegen.parse.conditions import ABSENT, Equals, Unparsed, evaluate, is_parsed
from dicomgen_codegen.parse.part03 import classify_header, parse_part03, reachable_tables
from dicomgen_codegen.passes.includes import (
    FlatRow,
    RecursiveInclude,
    UnresolvedInclude,
    flatten,
    flatten_all,
    include_graph,
    recursive_tables,
    row_tree,
)

REPO = Path(__file__).resolve().parents[2]
EXCERPT = standard_xml_dir() / "2016c-excerpt" / "part03.xml"
FIXTURES = REPO / "tests" / "fixtures" / "docbook"


@pytest.fixture(scope="module")
def parsed() -> tuple[Part03Result, float]:
    if not EXCERPT.exists():
        pytest.skip(f"standard XML not found at {EXCERPT}")
    doc = load_part(EXCERPT, expected_part=3)
    start = time.perf_counter()
    result = parse_part03(doc)
    return result, time.perf_counter() - start


@pytest.fixture(scope="module")
def result(parsed: tuple[Part03Result, float]) -> Part03Result:
    return parsed[0]


def attr(result: Part03Result, table: str, tag: str) -> AttributeRow:
    t = result.table(table)
    assert t is not None, table
    rows = [r for r in t.rows if isinstance(r, AttributeRow) and r.tag == tag]
    assert len(rows) == 1, (table, tag, rows)
    return rows[0]


# --- the real excerpt -------------------------------------------------------------


def test_counts_and_report(result: Part03Result, parsed: tuple[Part03Result, float]) -> None:
    rep = result.report
    print("\n" + rep.summary() + f"\n  parse time {parsed[1]:.3f} s")
    assert [i.title for i in result.iods] == [
        "CT Image",
        "RT Dose",
        "Enhanced CT Image",
        "Enhanced X-Ray Angiographic Image",
    ]
    # 183 <table> elements: 4 IOD, 2 functional group, 153 attribute tables (+1 identical
    # duplicate of table_C.8-40), 10 term tables, 13 other shapes (reported, skipped)
    assert rep.tables_seen == 183
    assert (rep.iod_tables, rep.functional_group_tables) == (4, 2)
    assert rep.attribute_tables == len(result.tables) == 153
    assert rep.value_tables == 10
    assert len(rep.skipped_tables) == 13
    assert rep.duplicate_tables == ("table_C.8-40",)
    assert rep.conflicting_ids == ("para_59d6f4bf-a1e3-4c7a-bd58-5889b64ce38f",)
    assert (
        rep.tables_seen
        == rep.iod_tables
        + rep.functional_group_tables
        + rep.attribute_tables
        + rep.value_tables
        + len(rep.skipped_tables)
        + len(rep.duplicate_tables)
    )
    skipped = {s.xml_id for s in rep.skipped_tables}
    assert {"table_C.12-2", "table_C.7-24", "table_C.17.3-7"} <= skipped
    assert all(s.reason for s in rep.skipped_tables)
    # the excerpt does not contain every table the IODs reach
    assert {m.message.split(":")[0] for m in rep.missing_references} == {
        "Include of table_10-15",
        "Include of table_10.41-1",
        "Include of table_C.8-71b",
    }
    assert len(set(reachable_tables(result))) == rep.reachable_tables == 113
    ids = [t.xml_id for t in result.tables]
    assert len(ids) == len(set(ids))


def test_condition_parse_ratio(result: Part03Result) -> None:
    rep = result.report
    total = rep.conditions_parsed + rep.conditions_unparsed
    print(f"\nconditions parsed {rep.conditions_parsed}/{total}")
    assert total == 407  # 406 + one 'Required for first Item ...' row (no 'Required if')
    assert rep.conditions_parsed / total > 0.65
    # a floor measured on the excerpt: grammar changes must not lose a parsed condition
    assert rep.conditions_parsed >= 293
    assert rep.conditions_partial == 13
    assert len(rep.unparsed_conditions) == rep.conditions_unparsed
    # every reported one is really unparsed, and carries where it is
    for issue in rep.unparsed_conditions:
        assert issue.xml_id.startswith("table_") and issue.row
    counted = 0
    for t in result.tables:
        for r in t.rows:
            if isinstance(r, (AttributeRow, IncludeRow)) and r.condition is not None:
                counted += 1
                assert r.condition_text
    for i in result.iods:
        counted += sum(1 for m in i.modules + i.functional_groups if m.condition is not None)
    assert counted == total


def test_ct_image_iod(result: Part03Result) -> None:
    iod = result.iod("CT Image")
    assert iod is not None and iod.xml_id == "table_A.3-1" and iod.section_xml_id == "sect_A.3.3"
    got = [(m.ie, m.module, m.usage, m.table_xml_id) for m in iod.modules]
    assert got[:4] == [
        ("Patient", "Patient", "M", "table_C.7-1"),
        ("Patient", "Clinical Trial Subject", "U", "table_C.7-2b"),
        ("Study", "General Study", "M", "table_C.7-3"),
        ("Study", "Patient Study", "U", "table_C.7-4a"),
    ]
    assert [m.module for m in iod.modules] == [
        "Patient", "Clinical Trial Subject", "General Study", "Patient Study",
        "Clinical Trial Study", "General Series", "Clinical Trial Series", "Frame of Reference",
        "General Equipment", "General Image", "Image Plane", "Image Pixel", "Contrast/Bolus",
        "Device", "Specimen", "CT Image", "Overlay Plane", "VOI LUT", "SOP Common",
        "Common Instance Reference",
    ]  # fmt: skip
    ct = next(m for m in iod.modules if m.module == "CT Image")
    assert (ct.reference_xml_id, ct.table_xml_id) == ("sect_C.8.2.1", "table_C.8-3")
    contrast = next(m for m in iod.modules if m.module == "Contrast/Bolus")
    assert contrast.usage == "C"
    assert contrast.condition_text == "Required if contrast media was used in this image"
    assert isinstance(contrast.condition, Unparsed)
    # the Image Pixel row points at the section holding both Module and Macro tables
    pixel = next(m for m in iod.modules if m.module == "Image Pixel")
    assert pixel.table_xml_id == "table_C.7-11a"
    assert iod.functional_groups == () and iod.functional_groups_xml_id == ""
    assert all(m.source.xml_id == "table_A.3-1" for m in iod.modules)


def test_enhanced_iods_have_functional_groups(result: Part03Result) -> None:
    ct = result.iod("Enhanced CT Image")
    xa = result.iod("Enhanced X-Ray Angiographic Image")
    assert ct is not None and xa is not None
    assert ct.functional_groups_xml_id == "table_A.38-2" and len(ct.functional_groups) == 24
    assert xa.functional_groups_xml_id == "table_A.47-2" and len(xa.functional_groups) == 27
    fc = ct.functional_groups[1]
    assert (fc.macro, fc.table_xml_id, fc.usage) == ("Frame Content", "table_C.7.6.16-3", "M")
    assert fc.usage_text == "M - May not be used as a Shared Functional Group."
    assert all(f.table_xml_id for f in ct.functional_groups + xa.functional_groups)
    cardiac = next(f for f in ct.functional_groups if f.macro == "Cardiac Synchronization")
    assert cardiac.usage == "C" and is_parsed(cardiac.condition)
    # Supplemental Palette: "(0008,9205) in the <xref select: title> equals COLOR or MIXED"
    pal = next(m for m in ct.modules if m.module == "Supplemental Palette Color Lookup Table")
    assert pal.condition == Equals(0x00089205, ("COLOR", "MIXED"), None, "Pixel Presentation")
    mfg = result.table("table_C.7.6.16-1")
    assert mfg is not None
    fg_rows = [r for r in mfg.rows if isinstance(r, IncludeRow) and r.functional_groups]
    assert len(fg_rows) == 2 and all(r.depth == 1 and r.target == "" for r in fg_rows)


def test_patient_module(result: Part03Result) -> None:
    t = result.table("table_C.7-1")
    assert t is not None
    assert (t.title, t.kind, t.section_xml_id) == ("Patient", "module", "sect_C.7.1.1")
    name = attr(result, "table_C.7-1", "(0010,0010)")
    assert (name.name, name.type, name.depth, name.keyword) == ("Patient's Name", "2", 0, "")
    assert name.summary == "Patient's full name."
    assert name.source is not None and name.source.row == 1
    sex = attr(result, "table_C.7-1", "(0010,0040)")
    assert [(v.kind, v.values, v.meanings) for v in sex.value_sets] == [
        ("enumerated", ("M", "F", "O"), ("male", "female", "other"))
    ]
    assert sex.summary == "Sex of the named patient."
    assert "Enumerated Values: M male F female O other" in sex.description
    # Defined Terms in the referenced section, for this attribute only
    strain = attr(result, "table_C.7-1", "(0010,0213)")
    assert [(v.kind, v.values, v.source_xml_id) for v in strain.value_sets] == [
        ("defined", ("MGI_2013",), "sect_C.7.1.1.1.4")
    ]
    assert strain.references == ("sect_C.7.1.1.1.4",)


def test_ct_image_module(result: Part03Result) -> None:
    t = result.table("table_C.8-3")
    assert t is not None and t.title == "CT Image" and t.kind == "module"
    image_type = attr(result, "table_C.8-3", "(0008,0008)")
    assert image_type.type == "1"
    # its specialisation section C.8.2.1.1.1 is not part of the excerpt: reported
    assert image_type.references == ("sect_C.8.2.1.1.1",)
    assert image_type.value_sets == ()
    assert any(
        d.xml_id == "table_C.8-3" and "sect_C.8.2.1.1.1" in d.message
        for d in result.report.dangling_links
    )
    rescale = attr(result, "table_C.8-3", "(0028,1054)")
    assert rescale.type == "1C"
    assert rescale.condition_text.startswith("Required if the Rescale Type is not HU")
    assert rescale.condition is not None and is_parsed(rescale.condition)
    assert [(v.kind, v.values, v.source_xml_id) for v in rescale.value_sets] == [
        ("defined", ("OD", "HU", "US"), "sect_C.11.1.1.2")
    ]


def test_enhanced_ct_image_type_terms_from_tables(result: Part03Result) -> None:
    it = attr(result, "table_C.8-114", "(0008,0008)")
    by_source = {v.source_xml_id: v for v in it.value_sets}
    assert by_source["table_C.8-127"].kind == "enumerated"
    assert by_source["table_C.8-127"].values == ("ORIGINAL", "DERIVED", "MIXED")
    assert by_source["table_C.8-115"].kind == "defined"
    assert "ATTENUATION" in by_source["table_C.8-115"].values


def test_section_value_lists_go_to_the_attribute_they_describe(result: Part03Result) -> None:
    # C.7.2.3.1.2 (about the Consent Sequence) holds the Defined Terms of Distribution Type
    dist = attr(result, "table_C.7-4b", "(0012,0084)")
    assert [v.source_xml_id for v in dist.value_sets] == ["", "sect_C.7.2.3.1.2"]
    flag = attr(result, "table_C.7-4b", "(0012,0085)")
    assert [(v.kind, v.values, v.source_xml_id) for v in flag.value_sets] == [
        ("enumerated", ("NO", "YES", "WITHDRAWN"), "")
    ]
    # "Modality LUT and Rescale Type": both attributes, not the LUT Descriptor
    assert [v.values for v in attr(result, "table_C.11-1b", "(0028,3004)").value_sets] == [
        ("OD", "HU", "US")
    ]
    assert attr(result, "table_C.11-1b", "(0028,3002)").value_sets == ()
    # "Defined Terms for Strain Nomenclature (0010,0213)" only for that attribute
    assert attr(result, "table_C.7-1", "(0010,0212)").value_sets == ()
    meaning = attr(result, "table_C.7-1", "(0010,0213)").value_sets[0].meanings[0]
    assert "http" in meaning  # an empty <link xl:href> is spelled as its address


def test_value_index_of_term_tables(result: Part03Result) -> None:
    it = attr(result, "table_C.8-114", "(0008,0008)")
    assert [(v.source_xml_id, v.value_index) for v in it.value_sets] == [
        ("table_C.8-127", 1),
        ("table_C.8-128", 2),
        ("table_C.8-129", 3),
        ("table_C.8-130", 4),
        ("table_C.8-115", 3),
        ("table_C.8-116", 4),
    ]


def test_qualified_value_sets(result: Part03Result) -> None:
    pr = attr(result, "table_C.8-39", "(0028,0103)")
    assert [(v.values, v.qualifier) for v in pr.value_sets] == [
        (("0001H",), "when Dose Type (3004,0004) = ERROR"),
        (("0000H",), "when Dose Type (3004,0004) not ERROR"),
    ]


def test_document_content_conditional_includes(result: Part03Result) -> None:
    t = result.table("table_C.17-5")
    assert t is not None
    incs = [r for r in t.rows if isinstance(r, IncludeRow)]
    cond = [r for r in incs if r.condition is not None]
    assert len(cond) == 10
    assert all(
        r.condition_text.startswith("if and only if Value Type (0040,A040) is") for r in cond
    )
    values = [r.condition.values[0] for r in cond]  # type: ignore[union-attr]
    assert values == [
        "NUM", "CODE", "COMPOSITE", "IMAGE", "WAVEFORM", "SCOORD", "SCOORD3D", "TCOORD",
        "CONTAINER", "TABLE",
    ]  # fmt: skip
    assert [r.target for r in cond][:2] == ["table_C.18.1-1", "table_C.18.2-1"]
    assert all(isinstance(r.condition, Equals) and r.condition.tag == 0x0040A040 for r in cond)
    # with the two by-value Includes of table_C.17-6, 12 conditional Includes in all
    all_cond = [
        r for x in result.tables for r in x.rows if isinstance(r, IncludeRow) and r.condition_text
    ]
    assert len(all_cond) == 12
    code = incs[0]
    assert (code.depth, code.target, code.note) == (1, "table_8.8-1", "No Baseline CID is defined.")
    # evaluating an include condition against an item
    num = cond[0].condition
    assert evaluate(num, lambda tag: "NUM" if tag == 0x0040A040 else ABSENT) is True
    assert evaluate(num, lambda tag: "TEXT" if tag == 0x0040A040 else ABSENT) is False


def test_heading_and_description_rows(result: Part03Result) -> None:
    code = result.table("table_8.8-1a")
    assert code is not None
    assert code.rows[0] == HeadingRow("BASIC CODED ENTRY ATTRIBUTES")
    sop = result.table("table_C.12-1")
    assert sop is not None
    desc = [r for r in sop.rows if isinstance(r, DescriptionRow)]
    assert desc and desc[0].depth == 2 and desc[0].type == "1"
    assert desc[0].text.startswith("Any Attribute from the main data set")


def test_titles_and_kinds(result: Part03Result) -> None:
    code = result.table("table_8.8-1")
    assert code is not None and (code.title, code.kind) == ("Code Sequence", "macro")
    person = result.table("table_10-1")
    assert person is not None and (person.title, person.kind) == ("Person Identification", "macro")
    xa = result.table("table_C.8.19.2-1")
    assert xa is not None and (xa.title, xa.kind) == ("Enhanced XA/XRF Image", "module")
    kinds = {t.kind for t in result.tables}
    assert kinds <= {"module", "macro", "unknown"}


def test_every_row_has_provenance_and_valid_type(result: Part03Result) -> None:
    for t in result.tables:
        rows = [r.source.row for r in t.rows]
        assert rows == sorted(rows) and all(r is not None for r in rows)
        for r in t.rows:
            if isinstance(r, AttributeRow):
                assert r.type in ("1", "1C", "2", "2C", "3"), (t.xml_id, r)
                assert r.tag.startswith("(") and len(r.tag) == 11
                if r.type in ("1C", "2C") and r.condition_text:
                    assert r.condition is not None


def test_ir_round_trips_through_json(result: Part03Result) -> None:
    conv = cattrs.Converter()
    register_cattrs_hooks(conv)
    text = json.dumps(conv.unstructure(result), sort_keys=True)
    back = conv.structure(json.loads(text), Part03Result)
    assert back == result
    assert back.report == result.report


# --- includes ------------------------------------------------------------------------


def test_recursive_tables(result: Part03Result) -> None:
    tables = {t.xml_id: t for t in result.tables}
    assert recursive_tables(tables) == ("table_10-18", "table_C.17-6")
    assert "table_10-18" in include_graph(tables)["table_10-18"]


def test_flatten_recursive_include_terminates(result: Part03Result) -> None:
    tables = {t.xml_id: t for t in result.tables}
    flat = flatten(tables, "table_10-18")
    rec = [e for e in flat if isinstance(e, RecursiveInclude)]
    assert len(rec) == 1 and rec[0].target == "table_10-18" and rec[0].depth == 2
    codes = [e for e in flat if isinstance(e, FlatRow) and e.row.tag == "(0008,0100)"]
    assert codes and codes[0].via == ("table_8.8-1", "table_8.8-1a")
    assert codes[0].origin == "table_8.8-1a" and codes[0].depth == 2

    flat = flatten(tables, "table_C.17-6")
    rec = [e for e in flat if isinstance(e, RecursiveInclude)]
    assert [r.target for r in rec] == ["table_C.17-6"]
    # the Document Content Macro is expanded below Content Sequence, under its condition
    vt = [e for e in flat if isinstance(e, FlatRow) and e.row.tag == "(0040,A040)"]
    assert vt and vt[0].depth == 1 and vt[0].via[0] == "table_C.17-5"
    assert len(vt[0].conditions) == 1


def test_flatten_all_and_unresolved(result: Part03Result) -> None:
    flat = flatten_all(result)
    assert set(flat) == {t.xml_id for t in result.tables}
    mfg = flat["table_C.7.6.16-1"]
    fg = [e for e in mfg if isinstance(e, UnresolvedInclude)]
    assert [e.reason for e in fg] == ["functional_groups", "functional_groups"]
    missing = [e for e in flat["table_C.7.6.20-1"] if isinstance(e, UnresolvedInclude)]
    assert [(e.reason, e.include.target) for e in missing] == [("missing", "table_10-15")]
    # content item macro conditional includes carry their condition
    dc = flat["table_C.17-5"]
    num = [e for e in dc if isinstance(e, FlatRow) and e.origin == "table_C.18.1-1"]
    assert num and all(
        isinstance(e.conditions[-1], Equals) and e.conditions[-1].values == ("NUM",) for e in num
    )


def test_row_tree(result: Part03Result) -> None:
    t = result.table("table_10-18")
    assert t is not None
    tree = row_tree(t.rows)
    assert [n.row.name for n in tree] == [  # type: ignore[union-attr]
        "Issuer of Patient ID",
        "Issuer of Patient ID Qualifiers Sequence",
    ]
    seq = tree[1]
    names = [getattr(c.row, "name", None) for c in seq.children]
    assert names == [
        "Universal Entity ID",
        "Universal Entity ID Type",
        "Identifier Type Code",
        "Assigning Facility Sequence",
        "Assigning Jurisdiction Code Sequence",
        "Assigning Agency or Department Code Sequence",
    ]
    facility = seq.children[3]
    targets = [getattr(c.row, "target", None) for c in facility.children]
    assert targets == ["table_10-17", "table_10-18"]
    heading = result.table("table_8.8-1a")
    assert heading is not None
    assert isinstance(row_tree(heading.rows)[0].row, HeadingRow)


# --- hand-written malformed fixtures -------------------------------------------------


@pytest.fixture(scope="module")
def malformed() -> Part03Result:
    return parse_part03(load_part(FIXTURES / "hand_written_part03_malformed.xml"))


def test_malformed_tables_are_reported_and_skipped(malformed: Part03Result) -> None:
    rep = malformed.report
    assert rep.edition == "2099z"
    skipped = {s.xml_id: s.reason for s in rep.skipped_tables}
    assert set(skipped) == {"table_C.99-2", "table_C.99-3"}
    assert skipped["table_C.99-2"].endswith("header Foo | Bar")
    assert skipped["table_C.99-3"].startswith("unreadable table")
    assert rep.tables_seen == 4 and rep.attribute_tables == 1 and rep.iod_tables == 1


def test_malformed_rows_are_reported(malformed: Part03Result) -> None:
    rep = malformed.report
    issues = {(i.xml_id, i.row): i.message for i in rep.row_issues}
    assert issues[("table_C.99-1", 3)] == "expected 4 cells, found 3"
    assert issues[("table_C.99-1", 8)] == "unexpected Type '7'"
    assert issues[("table_C.99-1", 9)].startswith("unrecognised row")
    assert issues[("table_A.99-1", 3)] == "unexpected Usage 'Sometimes'"
    missing = {(i.xml_id, i.row) for i in rep.missing_references}
    assert missing == {("table_A.99-1", 2), ("table_C.99-1", 6)}
    assert [(i.xml_id, i.row) for i in rep.unparsed_conditions] == [("table_C.99-1", 10)]
    t = malformed.tables[0]
    kinds = [type(r).__name__ for r in t.rows]
    assert kinds == [
        "HeadingRow",
        "AttributeRow",
        "AttributeRow",
        "IncludeRow",
        "IncludeRow",
        "DescriptionRow",
        "AttributeRow",
        "AttributeRow",
    ]
    # rows 3 and 9 were skipped; every kept row knows its published row number
    assert [r.source.row for r in t.rows] == [1, 2, 4, 5, 6, 7, 8, 10]
    other = t.rows[2]
    assert isinstance(other, AttributeRow)
    assert other.condition == Equals(0x00100040, ("O",), None, "Patient's Sex")
    iod = malformed.iods[0]
    assert [m.table_xml_id for m in iod.modules] == ["table_C.99-1", "", "table_C.99-1"]


def test_malformed_self_include_flattens(malformed: Part03Result) -> None:
    flat = flatten_all(malformed)["table_C.99-1"]
    kinds = [type(e).__name__ for e in flat]
    assert kinds.count("RecursiveInclude") == 1 and kinds.count("UnresolvedInclude") == 1


def test_strict_mode_raises_with_location() -> None:
    doc = load_part(FIXTURES / "hand_written_part03_bad_row.xml")
    lenient = parse_part03(doc)
    assert [(i.xml_id, i.row) for i in lenient.report.row_issues] == [("table_C.98-1", 2)]
    assert [r.tag for r in lenient.tables[0].rows] == ["(0010,0010)", "(0010,0030)"]
    notype = lenient.table("table_C.98-2")
    assert notype is not None and (notype.title, notype.kind) == ("No Type Column", "macro")
    assert [(r.tag, r.type, r.depth, r.summary) for r in notype.rows] == [
        ("(0008,1199)", "", 0, "References."),
        ("(0008,1150)", "", 1, "Class of the instance."),
    ]
    with pytest.raises(SpecParseError) as err:
        parse_part03(doc, strict=True)
    assert err.value.context["table"] == "table_C.98-1"
    assert err.value.context["row"] == 2
    assert err.value.context["part"] == "PS3.3"
    with pytest.raises(SpecParseError) as err:
        parse_part03(load_part(FIXTURES / "hand_written_part03_malformed.xml"), strict=True)
    assert err.value.context["table"] in ("table_A.99-1", "table_C.99-1", "table_C.99-3")


def test_not_part3_is_rejected(tmp_path: Path) -> None:
    src = (FIXTURES / "hand_written_part03_bad_row.xml").read_text()
    other = tmp_path / "part06.xml"
    other.write_text(src.replace("PS3.3", "PS3.6"))
    with pytest.raises(SpecParseError):
        parse_part03(load_part(other))


@pytest.mark.parametrize(
    "header,kind",
    [
        (("IE", "Module", "Reference", "Usage"), "iod"),
        (("Functional Group Macro", "Section", "Usage"), "functional_groups"),
        (("Attribute Name", "Tag", "Type", "Attribute Description"), "attributes"),
        (("Attribute Name", "Tag", "Type", "Description"), "attributes"),
        (("Attribute Name", "Tag", "Attribute Description"), "attributes_notype"),
        (("Defined Term Name", "Defined Term Description"), "terms"),
        (("Enumerated Value Name", "Enumerated Value Description"), "terms"),
        (("Opcode", "Segment type"), "unknown"),
        ((), "unknown"),
    ],
)
def test_classify_header(header: tuple[str, ...], kind: str) -> None:
    assert classify_header(header) == kind
