"""PS3.4 parser: SOP classes of the service class annexes.

Real 2020c PS3.4 (the 2016c PS3.3 excerpt resolves IOD titles), cross-checked against PS3.6
2015b Table A-1 and pydicom's UID registry (a test oracle only).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomgen.core.errors import SpecParseError
from dicomgen_codegen.docbook.xml import load_part
from dicomgen_codegen.parse import part04, part06

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "docbook"


@pytest.fixture(scope="module")
def ps34(docbook):
    return docbook(4, "2020c")


@pytest.fixture(scope="module")
def titles(docbook):
    return part04.iod_titles(docbook(3, "2016c-excerpt"))


@pytest.fixture(scope="module")
def sops(ps34, titles):
    return part04.parse_sop_classes(ps34, titles)


@pytest.fixture(scope="module")
def by_uid(sops):
    return {r.uid: r for r in sops}


def test_storage_table_has_151_standard_sop_classes(sops) -> None:
    b51 = [r for r in sops if r.source.xml_id == "table_B.5-1"]
    assert len(b51) == 151
    assert all(r.service == "Storage" for r in b51)
    assert all(r.iod_ref.startswith("sect_A.") for r in b51)  # every row links into PS3.3
    # plus the 4 rows of Table B.6-1 "Retired Standard SOP Classes"
    assert len([r for r in sops if r.service == "Storage"]) == 155


def test_sorted_by_uid_and_unique(sops) -> None:
    keys = [tuple(int(p) for p in r.uid.split(".")) for r in sops]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_spot_checks(by_uid) -> None:
    ct = by_uid["1.2.840.10008.5.1.4.1.1.2"]
    assert (ct.name, ct.iod, ct.iod_ref, ct.service) == (
        "CT Image Storage",
        "CT Image",
        "sect_A.3",
        "Storage",
    )
    assert ct.source.part == "PS3.4" and ct.source.row
    assert by_uid["1.2.840.10008.5.1.4.1.1.4.1"].iod == ""  # PS3.3 excerpt lacks Enhanced MR
    assert by_uid["1.2.840.10008.5.1.4.1.1.4.1"].iod_ref
    assert by_uid["1.2.840.10008.5.1.4.1.1.481.2"].iod == "RT Dose"
    assert by_uid["1.2.840.10008.5.1.4.1.1.12.1.1"].iod == "Enhanced X-Ray Angiographic Image"
    v = by_uid["1.2.840.10008.1.1"]
    assert (v.name, v.service, v.source.xml_id) == (
        "Verification SOP Class",
        "Verification",
        "sect_A.4",
    )
    assert by_uid["1.2.840.10008.5.1.4.1.2.1.1"].service == "Query/Retrieve - FIND"
    assert by_uid["1.2.840.10008.5.1.4.1.2.2.2"].service == "Query/Retrieve - MOVE"
    assert by_uid["1.2.840.10008.5.1.4.31"].service == "Basic Worklist Management - FIND"
    assert by_uid["1.2.840.10008.1.20.1"].service == "Storage Commitment"
    assert by_uid["1.2.840.10008.3.1.2.3.3"].name == "Modality Performed Procedure Step SOP Class"
    assert by_uid["1.2.840.10008.5.1.1.9"].name == "Basic Grayscale Print Management Meta SOP Class"
    assert by_uid["1.2.840.10008.5.1.1.1"].service == "Print Management"
    assert by_uid["1.2.840.10008.5.1.4.34.6.5"].name == "UPS Query SOP Class"
    assert by_uid["1.2.840.10008.1.3.10"].service == "Media Storage"
    assert by_uid["1.2.840.10008.5.1.4.38.1"].service == "Non-Patient Object Storage"


def test_every_uid_is_a_sop_class_for_pydicom(sops) -> None:
    from pydicom._uid_dict import UID_dictionary  # test oracle only

    for r in sops:
        assert UID_dictionary[r.uid][1] in ("SOP Class", "Meta SOP Class"), r.uid


def test_names_agree_with_ps36(sops, docbook) -> None:
    a1 = {u.uid: u for u in part06.parse_uids(docbook(6, "2015b"))}
    differ = set()
    for r in sops:
        u = a1.get(r.uid)
        if u is None:
            continue  # newer than PS3.6 2015b
        # "Transfer" and "Query/Retrieve" are how 2015b types Color Palette Storage/FIND/...
        assert u.type in ("SOP Class", "Meta SOP Class", "Transfer", "Query/Retrieve"), r.uid
        if u.name.replace(" (Retired)", "").lower() != r.name.lower():
            differ.add(r.uid)
    # Published differences between PS3.4 2020c and PS3.6 2015b: PS3.4 abbreviates UPS and
    # drops "SOP Class" from the presentation states; PS3.6 2015b has "Media Creation
    # Management SOP Class UID"; three were renamed between the editions.
    assert differ == {
        "1.2.840.10008.5.1.1.33",
        "1.2.840.10008.5.1.4.1.1.11.1",
        "1.2.840.10008.5.1.4.1.1.11.2",
        "1.2.840.10008.5.1.4.1.1.11.3",
        "1.2.840.10008.5.1.4.1.1.11.4",
        "1.2.840.10008.5.1.4.1.1.79.1",
        "1.2.840.10008.5.1.4.1.1.88.70",
        "1.2.840.10008.5.1.4.34.6.1",
        "1.2.840.10008.5.1.4.34.6.2",
        "1.2.840.10008.5.1.4.34.6.3",
        "1.2.840.10008.5.1.4.34.6.4",
        "1.2.840.10008.5.1.4.41",
        "1.2.840.10008.5.1.4.42",
    }


def test_service_of_annex_titles(ps34) -> None:
    got = {
        c: part04.service_of_annex(ps34.by_id(c))
        for c in ("chapter_B", "chapter_F", "chapter_K", "chapter_CC")
    }
    assert got == {"chapter_B": "Storage", "chapter_F": "Procedure Step",
                   "chapter_K": "Basic Worklist Management",
                   "chapter_CC": "Unified Procedure Step"}  # fmt: skip


def test_2015b_name_conflict_between_tables_is_reported(docbook) -> None:
    doc = docbook(4, "2015b")
    tables = [t for t in part04.SOP_CLASS_TABLES if doc.find(t) is not None] + ["table_I.5-1"]
    with pytest.raises(SpecParseError) as err:
        part04.parse_sop_classes(doc, tables=tables)
    e = err.value  # "Visual Acuity Storage Measurements Storage" in the Media Storage table
    assert (e.context["table"], e.context["row"]) == ("table_I.4-1", 79)
    assert "1.2.840.10008.5.1.4.1.1.78.5" in str(e)


def test_bad_row_names_part_table_and_row() -> None:
    doc = load_part(FIX / "hand_written_part04_bad_row.xml", 4)
    with pytest.raises(SpecParseError) as err:
        part04.parse_sop_classes(doc, tables=["table_B.5-1", "table_Z.9-1"])
    e = err.value
    assert (e.context["part"], e.context["table"], e.context["row"]) == ("PS3.4", "table_B.5-1", 2)
    assert "expected 4 cells, found 2" in str(e)


def test_unlisted_and_missing_tables_are_errors() -> None:
    doc = load_part(FIX / "hand_written_part04_bad_row.xml", 4)
    with pytest.raises(SpecParseError, match="table_Z.9-1 is not in SOP_CLASS_TABLES"):
        part04.parse_sop_classes(doc, tables=["table_B.5-1"])
    with pytest.raises(SpecParseError, match="table_B.6-1 not found"):
        part04.parse_sop_classes(doc, tables=["table_B.6-1", "table_B.5-1", "table_Z.9-1"])
