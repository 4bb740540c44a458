"""PS3.7 parser: command elements (E.1-1, E.2-1), command field codes, DIMSE statuses.

Cross-checks: the per-message tables of PS3.7 9.3 / 10.3 (an independent statement of each
command field value), pydicom's data dictionary and pynetdicom's general statuses (test
oracles only).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dicomgen.core.errors import SpecParseError
from dicomgen_codegen.docbook.tables import get_table
from dicomgen_codegen.docbook.xml import XML_ID, load_part, q, text_of
from dicomgen_codegen.parse import part07

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "docbook"


@pytest.fixture(scope="module")
def ps37(docbook):
    return docbook(7, "2020c")


@pytest.fixture(scope="module")
def elements(ps37):
    return {r.tag: r for r in part07.parse_command_elements(ps37)}


@pytest.fixture(scope="module")
def fields(ps37):
    return {r.name: r for r in part07.parse_command_fields(ps37)}


@pytest.fixture(scope="module")
def statuses(ps37):
    return part07.parse_statuses(ps37)


# --------------------------------------------------------------------------- elements


def test_command_element_counts(elements) -> None:
    current = [r for r in elements.values() if not r.retired]
    retired = [r for r in elements.values() if r.retired]
    assert (len(current), len(retired)) == (24, 22)
    assert all(r.kind == "command" for r in elements.values())
    assert {r.source.xml_id for r in current} == {"table_E.1-1"}
    assert {r.source.xml_id for r in retired} == {"table_E.2-1"}


def test_command_element_spot_checks(elements) -> None:
    cf = elements["(0000,0100)"]
    assert (cf.name, cf.keyword, cf.vrs, cf.vm, cf.retired) == (
        "Command Field",
        "CommandField",
        ("US",),
        "1",
        False,
    )
    assert "C-STORE-RQ" in cf.note  # the description of field is kept
    assert elements["(0000,0901)"].vrs == ("AT",) and elements["(0000,0901)"].vm == "1-n"
    assert elements["(0000,1030)"].keyword == "MoveOriginatorApplicationEntityTitle"
    assert elements["(0000,51B0)"].retired and elements["(0000,51B0)"].vm == "1-n"
    assert elements["(0000,0001)"].keyword == "CommandLengthToEnd"
    assert all("\u200b" not in r.keyword for r in elements.values())


def test_command_elements_agree_with_pydicom(elements) -> None:
    from pydicom.datadict import DicomDictionary  # test oracle only

    for tag_text, r in elements.items():
        tag = int(tag_text[1:5] + tag_text[6:10], 16)
        vr, vm, _name, is_retired, keyword = DicomDictionary[tag]
        assert (vr, vm, keyword) == ("/".join(r.vrs), r.vm, r.keyword), tag_text
        assert bool(is_retired) == r.retired, tag_text


def test_2015b_command_elements_parse(docbook) -> None:
    old = part07.parse_command_elements(docbook(7, "2015b"))
    assert len(old) >= 40 and any(r.tag == "(0000,0100)" for r in old)


def test_bad_row_names_part_table_and_row() -> None:
    doc = load_part(FIX / "hand_written_part07_bad_row.xml", 7)
    with pytest.raises(SpecParseError) as err:
        part07.parse_command_elements(doc)
    e = err.value
    assert (e.context["part"], e.context["table"], e.context["row"]) == ("PS3.7", "table_E.1-1", 2)
    assert "expected 6 cells, found 5" in str(e)


# --------------------------------------------------------------------------- command fields


def test_command_field_codes(fields) -> None:
    assert len(fields) == 23
    assert fields["C-STORE-RQ"].code == 0x0001
    assert fields["C-STORE-RSP"].code == 0x8001
    assert fields["C-MOVE-RQ"].code == 0x0021  # written "0021HC-MOVE-RQ" in 2020c
    assert fields["C-CANCEL-RQ"].code == 0x0FFF
    assert fields["N-EVENT-REPORT-RQ"].code == 0x0100
    assert fields["N-DELETE-RSP"].code == 0x8150
    assert fields["C-ECHO-RQ"].source.xml_id == "table_E.1-1"


def test_command_fields_agree_with_the_per_message_tables(ps37, fields) -> None:
    """PS3.7 9.3 and 10.3 state each value again, in the table of each message."""
    seen = 0
    for t in ps37.root.iter(q("table")):
        m = re.match(r"^([CN]-[A-Z-]+-(RQ|RSP)) Message Fields$", text_of(t.find(q("caption"))))
        if not m or not t.get(XML_ID):
            continue
        table = get_table(ps37, t.get(XML_ID))
        row = next(r for r in table.rows if any(c.text == "(0000,0100)" for c in r.cells))
        code = int(re.search(r"([0-9A-F]{4})H", row.cells[-1].text).group(1), 16)
        name = re.sub(r"^C-CANCEL-[A-Z]+-RQ$", "C-CANCEL-RQ", m.group(1))
        assert fields[name].code == code, (t.get(XML_ID), name)
        seen += 1
    assert seen == 25


def test_command_field_without_response_is_an_error() -> None:
    doc = load_part(FIX / "hand_written_part07_bad_row.xml", 7)
    with pytest.raises(SpecParseError, match="C-ECHO-RQ 0030H has no C-ECHO-RSP") as err:
        part07.parse_command_fields(doc)
    assert err.value.context["table"] == "table_E.1-1"


# --------------------------------------------------------------------------- statuses


def _lookup(statuses, code: int, service: str = ""):
    hits = [s for s in statuses if s.service == service and s.code_min <= code <= s.code_max]
    return min(hits, key=lambda s: (s.code_max - s.code_min, s.meaning == ""), default=None)


def test_status_class_convention(statuses) -> None:
    conv = [s for s in statuses if s.service == "" and s.meaning == ""]
    # ranges of the convention never overlap
    spans = sorted((s.code_min, s.code_max) for s in conv)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
    by_code = {
        c: _lookup(conv, c).status_class
        for c in (
            0x0000,
            0x0001,
            0xA700,
            0xB000,
            0xC123,
            0x0107,
            0x0116,
            0x0110,
            0x0212,
            0xFE00,
            0xFF00,
            0xFF01,
        )
    }
    assert by_code == {
        0x0000: "Success", 0x0001: "Warning", 0xA700: "Failure", 0xB000: "Warning",
        0xC123: "Failure", 0x0107: "Warning", 0x0116: "Warning", 0x0110: "Failure",
        0x0212: "Failure", 0xFE00: "Cancel", 0xFF00: "Pending", 0xFF01: "Pending",
    }  # fmt: skip
    assert _lookup(conv, 0xFF02) is None and _lookup(conv, 0x0300) is None


def test_annex_c_status_types_agree_with_pynetdicom(statuses) -> None:
    from pynetdicom.status import GENERAL_STATUS  # test oracle only

    typed = {s.code_min: s for s in statuses if s.service == "" and s.meaning}
    assert typed[0x0122].meaning == "Refused: SOP Class not supported"
    assert typed[0x0122].source.xml_id == "sect_C.5.6 (informaltable)"
    assert set(typed) == set(GENERAL_STATUS)
    for code, (cls, _meaning) in GENERAL_STATUS.items():
        assert typed[code].status_class == cls, hex(code)


def test_per_service_statuses(statuses) -> None:
    services = {s.service for s in statuses} - {""}
    assert services == {"C-STORE", "C-FIND", "C-GET", "C-MOVE", "C-ECHO", "N-EVENT-REPORT",
                        "N-GET", "N-SET", "N-ACTION", "N-CREATE", "N-DELETE"}  # fmt: skip
    echo = {s.code_min: s.meaning for s in statuses if s.service == "C-ECHO"}
    assert echo == {0x0000: "Success", 0x0122: "Refused: SOP Class not supported",
                    0x0210: "Duplicate invocation", 0x0211: "Unrecognized operation",
                    0x0212: "Mistyped argument"}  # fmt: skip
    assert _lookup(statuses, 0xFE00, "C-FIND").status_class == "Cancel"
    assert _lookup(statuses, 0x0107, "N-SET").status_class == "Warning"
    assert _lookup(statuses, 0x0107, "N-SET").source.xml_id == "sect_10.1.3.1.9"


def test_2015b_statuses_use_annex_c_for_the_shared_class(docbook) -> None:
    old = part07.parse_statuses(docbook(7, "2015b"))
    conv = {(s.code_min, s.code_max): s.status_class for s in old if not s.meaning}
    assert conv[(0x0100, 0x01FF)] == "Annex C assigned Warning and Failure"
    typed = {s.code_min: s.status_class for s in old if s.meaning and not s.service}
    assert typed[0x0107] == "Warning" and typed[0x0110] == "Failure"


def test_missing_annex_c_is_an_error() -> None:
    doc = load_part(FIX / "hand_written_part07_bad_row.xml", 7)
    with pytest.raises(SpecParseError, match="chapter_C: not found"):
        part07.parse_statuses(doc)
