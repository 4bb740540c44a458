"""The jinja filters of the SR templates, and the runtime rows their ``row(...)`` calls build:
each PS3.16 row written once, read back into the same Row with its children."""

from __future__ import annotations

import pytest

from dicomgen.core.errors import DicomError
from dicomgen.sr.codes import Code
from dicomgen.sr.template import Row, row, template_rows, top_rows
from dicomgen_codegen.ir.part16 import CodeRecord, TemplateRow, ValueSet
from dicomgen_codegen.render.sr_filters import sr_code, sr_row, sr_value_set, sr_vm

LUNG = CodeRecord(scheme="SCT", value="39607008", meaning="Lung")


def _row(**kw: object) -> TemplateRow:
    base: dict[str, object] = {"index": 1, "parent": 0, "row": 2, "nesting": 2, "kind": "item"}
    base["value_type"] = "CODE"
    return TemplateRow(**{**base, **kw})  # type: ignore[arg-type]


def test_code_literal() -> None:
    assert sr_code(LUNG) == 'Code("SCT", "39607008", "Lung")'
    assert sr_code(LUNG, "CID244Code") == 'CID244Code("SCT", "39607008", "Lung")'
    with pytest.raises(ValueError, match="without scheme"):
        sr_code(CodeRecord(scheme="", value="x", meaning="y"))


def test_value_set_as_ps3_16_writes_it() -> None:
    assert sr_value_set(ValueSet(cid="603", strength="D")) == '"DCID 603"'
    assert sr_value_set(ValueSet(cid="12")) == '"CID 12"'
    assert sr_value_set(ValueSet(code=LUNG)) == 'Code("SCT", "39607008", "Lung")'
    assert sr_value_set(ValueSet()) is None


def test_vm() -> None:
    assert [sr_vm(_row(vm_min=a, vm_max=b)) for a, b in [(1, 1), (1, None), (2, 2), (1, 3)]] == [
        "1",
        "1-n",
        "2",
        "1-3",
    ]


def test_row_call_leaves_out_defaults() -> None:
    r = _row(relationship="HAS CONCEPT MOD", requirement="M")
    assert sr_row(r) == 'row(0, 2, "HAS CONCEPT MOD", "CODE")'
    r = _row(
        relationship="CONTAINS",
        concept=ValueSet(cid="7021"),
        requirement="U",
        vm_max=None,
        value_set=ValueSet(cid="244", strength="B"),
        by_reference=True,
    )
    assert sr_row(r) == (
        'row(0, 2, "CONTAINS", "CODE", "CID 7021", "U", vm="1-n", value_set="BCID 244", '
        "by_reference=True)"
    )
    both = _row(concept=ValueSet(cid="7021", code=LUNG))
    assert 'concept_cid="7021"' in sr_row(both) and "Code(" in sr_row(both)


def _eval(call: str) -> Row:
    made: Row = eval(call, {"row": row, "Code": Code})  # the generated call, as Python runs it
    return made


def test_generated_call_rebuilds_the_row() -> None:
    ir = _row(
        relationship="CONTAINS",
        concept=ValueSet(code=LUNG),
        requirement="UC",
        vm_min=2,
        vm_max=None,
        value_set=ValueSet(cid="244", strength="E"),
        units=ValueSet(cid="7181", strength="D"),
        include_tid="1501",
    )
    r = _eval(sr_row(ir))
    assert (r.parent, r.row, r.relationship, r.value_type) == (0, 2, "CONTAINS", "CODE")
    assert r.concept == Code("SCT", "39607008", "Lung") and r.concept_cid == ""
    assert (r.requirement, r.vm_min, r.vm_max) == ("UC", 2, None)
    assert (r.value_cid, r.value_strength, r.units_cid, r.include) == ("244", "E", "7181", "1501")


def test_template_rows_nest_children_and_number_rows() -> None:
    rows = template_rows(
        "9",
        row(-1, 1, "", "CONTAINER"),
        row(0, 2, "CONTAINS", "TEXT", requirement="U"),
        row(1, 3, "HAS PROPERTIES", "CODE"),
        row(-1, 4, "", "TEXT"),
    )
    assert [(r.tid, r.index) for r in rows] == [("9", 0), ("9", 1), ("9", 2), ("9", 3)]
    top = top_rows(rows)
    assert [r.row for r in top] == [1, 4]
    assert [c.row for c in top[0].children] == [2]
    assert [c.row for c in top[0].children[0].children] == [3]
    assert rows[1] is top[0].children[0]


def test_bad_cid_reference_is_an_error() -> None:
    with pytest.raises(DicomError, match="value set"):
        row(0, 1, "CONTAINS", "CODE", value_set="CID7021")
