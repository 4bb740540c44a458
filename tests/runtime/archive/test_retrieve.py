"""C-MOVE / C-GET selection: which instances an Identifier selects (PS3.4 C.4.2, C.4.3)."""

from __future__ import annotations

import pytest

from dicomgen.archive.matching import QueryOptions
from dicomgen.media.part10 import read

from .conftest import CT, make_instance, query

PATIENT_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.1.2"
STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3"


@pytest.fixture
def store(scp):
    for pid, study, series, sops in [
        ("PA", "1.3.1", "1.3.1.1", ["1.3.1.1.1", "1.3.1.1.2"]),
        ("PA", "1.3.1", "1.3.1.2", ["1.3.1.2.1"]),
        ("PA", "1.3.2", "1.3.2.1", ["1.3.2.1.1"]),
        ("PB", "1.3.3", "1.3.3.1", ["1.3.3.1.1", "1.3.3.1.2"]),
    ]:
        for sop in sops:
            assert scp.store_dataset(
                make_instance(sop, study, series, patient_id=pid, PatientName=pid)
            ).ok
    return scp


def _uids(sel):
    assert sel.status == 0, sel
    return sorted(r.sop_instance_uid for r in sel.records)


def test_patient_level(store):
    """C.4.2.2.1: "a single value for one unique key if the level of retrieve is above the
    STUDY level"; all instances of the patient are selected (C.4.2.3.1)."""
    sel = store.retrieve(query("PATIENT", PatientID="PA"), PATIENT_ROOT_MOVE)
    assert _uids(sel) == ["1.3.1.1.1", "1.3.1.1.2", "1.3.1.2.1", "1.3.2.1.1"]
    for r in sel.records:
        assert r.path.is_file() and str(read(r.path).SOPInstanceUID) == r.sop_instance_uid
        assert r.sop_class_uid == CT and r.patient_id == "PA"
    bad = store.retrieve(query("PATIENT", PatientID=["PA", "PB"]), PATIENT_ROOT_MOVE)
    assert bad.status == 0xA900


def test_study_level_list_of_uids(store):
    """C.4.2.2.1: "one UID, or a list of UIDs ... [at] STUDY, SERIES or IMAGE"."""
    sel = store.retrieve(query("STUDY", StudyInstanceUID=["1.3.2", "1.3.3"]), STUDY_ROOT_GET)
    assert _uids(sel) == ["1.3.2.1.1", "1.3.3.1.1", "1.3.3.1.2"]
    # Patient Root: the Patient ID above the study level is required (baseline)
    sel = store.retrieve(
        query("STUDY", PatientID="PA", StudyInstanceUID=["1.3.2", "1.3.3"]), PATIENT_ROOT_MOVE
    )
    assert _uids(sel) == ["1.3.2.1.1"]  # 1.3.3 belongs to PB


def test_series_and_image_levels(store):
    sel = store.retrieve(
        query("SERIES", StudyInstanceUID="1.3.1", SeriesInstanceUID="1.3.1.1"), STUDY_ROOT_GET
    )
    assert _uids(sel) == ["1.3.1.1.1", "1.3.1.1.2"]
    sel = store.retrieve(
        query(
            "IMAGE",
            StudyInstanceUID="1.3.1",
            SeriesInstanceUID="1.3.1.1",
            SOPInstanceUID=["1.3.1.1.2", "1.3.9.9"],
        ),
        STUDY_ROOT_GET,
    )
    assert _uids(sel) == ["1.3.1.1.2"]


def test_unique_keys_above_the_level_are_required_unless_relational(store):
    """C.4.2.2.1 baseline: "a single value in the Unique Key Attribute for each level above
    the Query/Retrieve level"; relational retrieve (C.4.2.2.2) lifts this."""
    ident = query("SERIES", SeriesInstanceUID="1.3.3.1")
    assert store.retrieve(ident, STUDY_ROOT_GET).status == 0xA900
    assert _uids(store.retrieve(ident, STUDY_ROOT_GET, relational=True)) == [
        "1.3.3.1.1",
        "1.3.3.1.2",
    ]
    ident = query("SERIES", StudyInstanceUID=["1.3.1", "1.3.2"], SeriesInstanceUID="1.3.1.1")
    assert store.retrieve(ident, STUDY_ROOT_GET).status == 0xA900  # not a single value


def test_required_keys_are_ignored(store):
    """C.2.2.1.2: Required Keys "shall not be contained in the Identifier of C-MOVE and
    C-GET"; if they are, selection is by Unique Keys only."""
    ident = query("STUDY", StudyInstanceUID="1.3.2", StudyDate="19000101")
    assert _uids(store.retrieve(ident, STUDY_ROOT_GET)) == ["1.3.2.1.1"]


@pytest.mark.parametrize(
    "ident",
    [
        query("STUDY", StudyInstanceUID=None),  # missing unique key value
        query("STUDY", StudyInstanceUID="1.3.*"),  # no wild cards in retrieve
        query("PATIENT", PatientID="PA"),  # no Patient level in Study Root
    ],
)
def test_invalid_identifiers(store, ident):
    assert store.retrieve(ident, STUDY_ROOT_GET).status == 0xA900


def test_nothing_matches_is_success_with_no_instances(store):
    sel = store.retrieve(query("STUDY", StudyInstanceUID="9.9"), STUDY_ROOT_GET)
    assert sel.status == 0 and sel.records == []


def test_find_then_move_round_trip(store):
    """The Identifiers a C-FIND returns select the same entities in a C-MOVE."""
    found = [
        r
        for st, r in store.find(
            query("SERIES", StudyInstanceUID="1.3.1", SeriesInstanceUID=None),
            "STUDY",
            options=QueryOptions(strict=True),
        )
        if st == 0xFF00
    ]
    assert len(found) == 2
    total = []
    for r in found:
        sel = store.retrieve(r, STUDY_ROOT_GET)
        total += _uids(sel)
    assert sorted(total) == ["1.3.1.1.1", "1.3.1.1.2", "1.3.1.2.1"]
