"""C-FIND over the index: levels, both information models, hierarchical and relational
search, response identifiers (PS3.4 C.4.1, C.6)."""

from __future__ import annotations

import pytest

from dicomgen.archive import StorageSCP
from dicomgen.archive.matching import QueryOptions
from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset

from .conftest import CT, EXPLICIT_LE, IMPLICIT_LE, MR, make_instance, query, results

PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"
STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"

S1, S2, S3, S4 = "1.2.1", "1.2.2", "1.2.3", "1.2.4"


def _code(value: str) -> Dataset:
    it = Dataset()
    it.add(DataElement(0x00080100, "SH", value))
    it.add(DataElement(0x00080102, "SH", "DCM"))
    it.add(DataElement(0x00080104, "LO", f"meaning {value}"))
    return it


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Three patients, four studies, six series, nine instances."""
    scp = StorageSCP(tmp_path_factory.mktemp("archive"), fsync=False, retrieve_ae_title="ARCHIVE")
    p1 = dict(
        patient_id="PAT1", PatientName="Doe^John", PatientBirthDate="19700101", PatientSex="M"
    )
    p2 = dict(
        patient_id="PAT2", PatientName="Smith^Jane", PatientBirthDate="19800202", PatientSex="F"
    )
    p3 = dict(patient_id="PAT3", PatientName="Müller^Hans", SpecificCharacterSet="ISO_IR 192")
    s1 = dict(
        study_uid=S1,
        StudyDate="20200101",
        StudyTime="1000",
        AccessionNumber="ACC1",
        StudyID="ST1",
        StudyDescription="Head CT",
        ProcedureCodeSequence=[_code("P1"), _code("P2")],
    )
    s2 = dict(
        study_uid=S2,
        StudyDate="20210615",
        StudyTime="1430",
        AccessionNumber="ACC2",
        StudyID="ST2",
        StudyDescription="Knee MR",
    )
    s3 = dict(
        study_uid=S3, StudyDate="20200101", StudyTime="0800", AccessionNumber="", StudyID="ST3"
    )
    s4 = dict(
        study_uid=S4, StudyDate="20220303", StudyTime="1200", AccessionNumber="ACC4", StudyID="ST4"
    )
    plan = [
        (p1, s1, "1.2.1.1", "CT", "1", ["1.2.1.1.1", "1.2.1.1.2", "1.2.1.1.3"], CT),
        (p1, s2, "1.2.2.1", "MR", "1", ["1.2.2.1.1"], MR),
        (p2, s3, "1.2.3.1", "CT", "1", ["1.2.3.1.1", "1.2.3.1.2"], CT),
        (p2, s3, "1.2.3.2", "MR", "2", ["1.2.3.2.1"], MR),
        (p3, s4, "1.2.4.1", "CT", "", ["1.2.4.1.1"], CT),
        (p3, s4, "1.2.4.2", "SR", "3", ["1.2.4.2.1"], "1.2.840.10008.5.1.4.1.1.88.11"),
    ]
    for p, s, series, modality, number, instances, cls in plan:
        for n, sop in enumerate(instances, 1):
            kw = {**p, **s}
            ds = make_instance(
                sop,
                series_uid=series,
                sop_class=cls,
                Modality=modality,
                InstanceNumber=str(n),
                **kw,
            )
            if number:
                ds.SeriesNumber = number
            ts = IMPLICIT_LE if sop.endswith(".2") else EXPLICIT_LE
            r = scp.store_dataset(ds, ts)
            assert r.ok, r
    yield scp
    scp.close()


def _values(rs, kw):
    return sorted(str(getattr(r, kw)) for r in rs)


# --- levels and models --------------------------------------------------------------------


def test_patient_level_wildcard(archive):
    """C.6.1.1.2 Patient level, Wild Card Matching (C.2.2.2.4) on Patient's Name."""
    rs = results(archive, query("PATIENT", PatientName="*o*", PatientID=None), PATIENT_ROOT_FIND)
    assert _values(rs, "PatientID") == ["PAT1"]  # Doe^John; "Smith^Jane" has no lower "o"
    rs = results(archive, query("PATIENT", PatientName="S*", PatientID=None), "PATIENT")
    assert _values(rs, "PatientID") == ["PAT2"]


def test_response_holds_only_requested_keys(archive):
    """C.4.1.1.3.2: "The C-FIND response shall not contain Attributes that were not in the
    request or specified in this section"."""
    rs = results(archive, query("PATIENT", PatientID="PAT1", PatientName=None), "PATIENT")
    assert len(rs) == 1
    r = rs[0]
    assert sorted(r.keys()) == [0x00080052, 0x00080054, 0x00100010, 0x00100020]
    assert r.QueryRetrieveLevel == "PATIENT" and r.RetrieveAETitle == "ARCHIVE"
    assert str(r.PatientName) == "Doe^John"
    assert 0x00080005 not in r  # all ASCII: no Specific Character Set


def test_specific_character_set_in_response(archive):
    """C.4.1.1.3.2: Specific Character Set is included if expanded character sets are used."""
    rs = results(archive, query("PATIENT", PatientID="PAT3", PatientName=None), "PATIENT")
    assert rs[0].SpecificCharacterSet == "ISO_IR 192"
    assert str(rs[0].PatientName) == "Müller^Hans"
    # and it encodes: the UTF-8 bytes of the name are in the encoded identifier
    assert "Müller".encode() in encode_dataset(rs[0], EXPLICIT_LE)


def test_study_level_patient_root_hierarchical(archive):
    """C.4.1.3.1 Hierarchical Search, Patient Root (Table C.6-2) with a DA range."""
    rs = results(
        archive,
        query("STUDY", PatientID="PAT1", StudyInstanceUID=None, StudyDate="20200101-20201231"),
        "PATIENT",
    )
    assert _values(rs, "StudyInstanceUID") == [S1]
    # the Identifier contains the Unique Keys at higher levels
    assert rs[0].PatientID == "PAT1"
    assert 0x00100010 not in rs[0]


def test_study_root_study_level_patient_keys(archive):
    """Table C.6-5: Patient's Name and Patient ID are Required Keys at the Study level."""
    rs = results(
        archive,
        query("STUDY", PatientName="doe^john", StudyInstanceUID=None, PatientID=None),
        STUDY_ROOT_FIND,
    )
    assert _values(rs, "StudyInstanceUID") == [S1, S2]
    assert {r.PatientID for r in rs} == {"PAT1"}
    rs = results(
        archive, query("STUDY", PatientBirthDate="-19750101", StudyInstanceUID=None), "STUDY"
    )
    # PAT3 has no birth date: unknown, so it matches too (C.2.2.1.2)
    assert _values(rs, "StudyInstanceUID") == [S1, S2, S4]


def test_patient_level_is_not_in_study_root(archive):
    """C.6.2.1: the Study Root model has no Patient level -> A900."""
    assert list(archive.find(query("PATIENT", PatientID=None), STUDY_ROOT_FIND)) == [(0xA900, None)]


@pytest.mark.parametrize("level", [None, "FOO"])
def test_bad_query_level(archive, level):
    ident = Dataset()
    if level is not None:
        ident.QueryRetrieveLevel = level
    ident.PatientID = None
    assert list(archive.find(ident, "PATIENT")) == [(0xA900, None)]


def test_series_level(archive):
    """Table C.6-3: Modality and Series Number are Required Keys."""
    rs = results(
        archive,
        query(
            "SERIES", StudyInstanceUID=S3, SeriesInstanceUID=None, Modality="MR", SeriesNumber=None
        ),
        "STUDY",
    )
    assert _values(rs, "SeriesInstanceUID") == ["1.2.3.2"]
    assert str(rs[0].SeriesNumber) == "2"
    assert rs[0].StudyInstanceUID == S3


def test_image_level_list_of_uids(archive):
    """Table C.6-4 and List of UID Matching (C.2.2.2.2) on SOP Instance UID."""
    rs = results(
        archive,
        query(
            "IMAGE",
            PatientID="PAT1",
            StudyInstanceUID=S1,
            SeriesInstanceUID="1.2.1.1",
            SOPInstanceUID=["1.2.1.1.1", "1.2.1.1.3", "9.9"],
            InstanceNumber=None,
        ),
        "PATIENT",
    )
    assert _values(rs, "SOPInstanceUID") == ["1.2.1.1.1", "1.2.1.1.3"]
    assert _values(rs, "InstanceNumber") == ["1", "3"]
    assert {r.PatientID for r in rs} == {"PAT1"}


def test_required_key_without_value_is_returned_empty(archive):
    """C.4.1.1.3.2: Required Keys "will have zero length if the SCP has no value to send";
    C.2.2.1.2: an entity whose Required Key is zero length matches any key."""
    rs = results(archive, query("STUDY", StudyInstanceUID=S3, AccessionNumber=None), "STUDY")
    assert len(rs) == 1 and 0x00080050 in rs[0] and rs[0].AccessionNumber is None
    rs = results(
        archive,
        query("SERIES", StudyInstanceUID=S4, SeriesInstanceUID=None, SeriesNumber="7"),
        "STUDY",
    )
    assert _values(rs, "SeriesInstanceUID") == ["1.2.4.1"]  # its Series Number is empty


def test_keys_of_lower_levels_are_not_returned(archive):
    rs = results(
        archive, query("STUDY", StudyInstanceUID=S1, Modality=None, SOPClassUID=None), "STUDY"
    )
    assert len(rs) == 1 and 0x00080060 not in rs[0] and 0x00080016 not in rs[0]


def test_unique_key_of_the_level_is_always_returned(archive):
    rs = results(archive, query("STUDY", StudyID="ST2"), "STUDY")
    assert [r.StudyInstanceUID for r in rs] == [S2]


# --- Additional Query/Retrieve Attributes (Table C.3-1) ------------------------------------


def test_computed_attributes(archive):
    rs = results(
        archive,
        query(
            "PATIENT",
            PatientID="PAT2",
            NumberOfPatientRelatedStudies=None,
            NumberOfPatientRelatedSeries=None,
            NumberOfPatientRelatedInstances=None,
        ),
        "PATIENT",
    )
    r = rs[0]
    assert (
        int(r.NumberOfPatientRelatedStudies),
        int(r.NumberOfPatientRelatedSeries),
        int(r.NumberOfPatientRelatedInstances),
    ) == (1, 2, 3)
    rs = results(
        archive,
        query(
            "STUDY",
            StudyInstanceUID=S3,
            ModalitiesInStudy=None,
            SOPClassesInStudy=None,
            NumberOfStudyRelatedSeries=None,
            NumberOfStudyRelatedInstances=None,
        ),
        "STUDY",
    )
    r = rs[0]
    assert list(r.ModalitiesInStudy) == ["CT", "MR"]
    assert sorted(map(str, r.SOPClassesInStudy)) == sorted([CT, MR])
    assert (int(r.NumberOfStudyRelatedSeries), int(r.NumberOfStudyRelatedInstances)) == (2, 3)
    rs = results(
        archive,
        query(
            "SERIES",
            StudyInstanceUID=S1,
            SeriesInstanceUID=None,
            NumberOfSeriesRelatedInstances=None,
        ),
        "STUDY",
    )
    assert int(rs[0].NumberOfSeriesRelatedInstances) == 3
    # Study Root: the Patient level counts are Study level attributes (Table C.6-5 has the
    # Patient attributes at the Study level; Table C.3-1 defines the counts)
    rs = results(
        archive,
        query(
            "STUDY",
            StudyInstanceUID=S1,
            NumberOfPatientRelatedStudies=None,
            NumberOfPatientRelatedInstances=None,
        ),
        "STUDY",
    )
    assert int(rs[0].NumberOfPatientRelatedStudies) == 2
    assert int(rs[0].NumberOfPatientRelatedInstances) == 4
    ident = query(
        "IMAGE", StudyInstanceUID=S1, SeriesInstanceUID="1.2.1.1", SOPInstanceUID="1.2.1.1.2"
    )
    # Available Transfer Syntax UID (0008,3002) is newer than the PS3.6 2015b dictionary
    ident.add(DataElement(0x00083002, "UI", None))
    rs = results(archive, ident, "STUDY")
    assert str(rs[0][0x00083002].value) == IMPLICIT_LE


def test_matching_on_modalities_in_study(archive):
    """Modalities in Study (Table C.3-1) as a key: studies with an MR series."""
    rs = results(archive, query("STUDY", StudyInstanceUID=None, ModalitiesInStudy="MR"), "STUDY")
    assert _values(rs, "StudyInstanceUID") == [S2, S3]


# --- hierarchical vs relational ------------------------------------------------------------


def test_strict_hierarchical_rejects_missing_unique_key_above(archive):
    """C.4.1.2.1: "shall contain a single value in the Unique Key Attribute for each level
    above the Query/Retrieve level"."""
    strict = QueryOptions(strict=True)
    ident = query("SERIES", SeriesInstanceUID=None, Modality="CT")
    errors: list[str] = []
    assert list(archive.find(ident, "STUDY", options=strict, errors=errors)) == [(0xA900, None)]
    assert errors and "STUDY level" in errors[0]
    ident = query("STUDY", PatientID=["PAT1", "PAT2"], StudyInstanceUID=None)
    assert list(archive.find(ident, "PATIENT", options=strict)) == [(0xA900, None)]


def test_strict_hierarchical_rejects_keys_of_higher_levels(archive):
    """C.4.1.2.1: "No Required or Optional Keys shall be specified that are associated with
    levels above the Query/Retrieve level"."""
    strict = QueryOptions(strict=True)
    ident = query("STUDY", PatientID="PAT1", PatientName="Doe*", StudyInstanceUID=None)
    assert list(archive.find(ident, "PATIENT", options=strict)) == [(0xA900, None)]
    ok = query("STUDY", PatientID="PAT1", StudyInstanceUID=None)
    assert len(results(archive, ok, "PATIENT", options=strict)) == 2


def test_relational_search_any_level_keys(archive):
    """C.4.1.3.2 Relational Search: keys at any level, no Unique Keys above needed."""
    rel = QueryOptions(relational=True, strict=True)
    ident = query("IMAGE", PatientName="Smith*", Modality="CT", SOPInstanceUID=None)
    rs = results(archive, ident, "PATIENT", options=rel)
    assert _values(rs, "SOPInstanceUID") == ["1.2.3.1.1", "1.2.3.1.2"]
    # "all of the Attributes generated by this procedure at higher levels" are returned
    assert {str(r.PatientName) for r in rs} == {"Smith^Jane"}
    assert {r.Modality for r in rs} == {"CT"}
    assert 0x0020000D not in rs[0]  # not requested, not a key at a level that was matched
    ident = query("SERIES", StudyDate="20200101", Modality="MR", SeriesInstanceUID=None)
    rs = results(archive, ident, "STUDY", options=rel)
    assert _values(rs, "SeriesInstanceUID") == ["1.2.3.2"]


def test_lenient_hierarchical_matches_like_relational(archive):
    ident = query("SERIES", SeriesInstanceUID=None, Modality="SR")
    rs = results(archive, ident, "STUDY")
    assert _values(rs, "SeriesInstanceUID") == ["1.2.4.2"]


def test_hierarchical_unknown_parent_gives_no_match(archive):
    """C.4.1.3.1: no entity matches the Unique Key above -> Success without Identifiers."""
    ident = query("SERIES", StudyInstanceUID="9.9.9", SeriesInstanceUID=None)
    assert list(archive.find(ident, "STUDY")) == [(0x0000, None)]


# --- sequences, wire identifiers, cancel, errors -------------------------------------------


def test_sequence_key_returns_matching_items_reduced(archive):
    """C.2.2.2.6: "A sequence of matching Items containing only the requested Attributes
    is returned"."""
    item = Dataset()
    item.add(DataElement(0x00080100, "SH", "P2"))
    ident = query("STUDY", StudyInstanceUID=None)
    ident.add(DataElement(0x00081032, "SQ", [item]))
    rs = results(archive, ident, "STUDY")
    # S1 has P2; the other studies have no Procedure Code Sequence (unknown -> match)
    by_uid = {r.StudyInstanceUID: r for r in rs}
    assert set(by_uid) == {S1, S2, S3, S4}
    seq = by_uid[S1].ProcedureCodeSequence
    assert len(seq) == 1 and list(seq[0].keys()) == [0x00080100] and seq[0].CodeValue == "P2"
    assert by_uid[S2].ProcedureCodeSequence == []
    # empty item: the entire sequence is returned
    ident = query("STUDY", StudyInstanceUID=S1)
    ident.add(DataElement(0x00081032, "SQ", [Dataset()]))
    rs = results(archive, ident, "STUDY")
    seq = rs[0].ProcedureCodeSequence
    assert [it.CodeValue for it in seq] == ["P1", "P2"] and 0x00080104 in seq[0]


@pytest.mark.parametrize("ts", [EXPLICIT_LE, IMPLICIT_LE])
def test_identifier_decoded_from_the_wire(archive, ts):
    """Identifiers arrive encoded (PS3.7 C-FIND-RQ): range keys decode to range values."""
    ident = query(
        "STUDY", StudyInstanceUID=None, StudyDate="20200101-", StudyTime="-1200", PatientName="D?e*"
    )
    wire = decode_dataset(encode_dataset(ident, ts), ts)
    rs = results(archive, wire, "STUDY")
    assert _values(rs, "StudyInstanceUID") == [S1]


def test_cancel(archive):
    """C.4.1.3.1: on C-FIND-CANCEL "interrupt the matching process and return ... Canceled"."""
    seen = []

    def cancelled():
        return len(seen) >= 1

    out = []
    for st, ident in archive.find(
        query("IMAGE", StudyInstanceUID=S1, SeriesInstanceUID="1.2.1.1", SOPInstanceUID=None),
        "STUDY",
        cancelled=cancelled,
    ):
        out.append(st)
        if st == 0xFF00:
            seen.append(ident)
    assert out == [0xFF00, 0xFE00]


def test_invalid_range_key_fails(archive):
    ident = query("STUDY", StudyInstanceUID=None)
    ident.add(DataElement(0x00080020, "DA", "2020-2021-2022"))
    out = list(archive.find(ident, "STUDY"))
    assert len(out) == 1 and out[0][1] is None and out[0][0] & 0xF000 in (0xA000, 0xC000)


def test_response_identifier_reads_in_pydicom(archive):
    """Oracle: pydicom (test-only) decodes an encoded response identifier, including the
    UTF-8 name under Specific Character Set ISO_IR 192."""
    pydicom = pytest.importorskip("pydicom")
    from io import BytesIO

    rs = results(
        archive,
        query(
            "STUDY", PatientName="m*", StudyInstanceUID=None, StudyDate=None, ModalitiesInStudy=None
        ),
        "STUDY",
    )
    assert len(rs) == 1
    raw = encode_dataset(rs[0], EXPLICIT_LE)
    p = pydicom.filereader.read_dataset(BytesIO(raw), is_implicit_VR=False, is_little_endian=True)
    assert str(p.PatientName) == "Müller^Hans"
    assert p.StudyInstanceUID == S4 and p.StudyDate == "20220303"
    assert list(p.ModalitiesInStudy) == ["CT", "SR"]
    assert p.QueryRetrieveLevel == "STUDY" and p.RetrieveAETitle == "ARCHIVE"
