"""pydicom's test files through the Basic Profile: no protected element keeps its value
(checked by an independent pydicom walk), UIDs stay linked across files and references,
pixels are byte-identical, the same key gives the same UIDs, Burned In Annotation guards."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from deid_check import leftovers

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.deid import files
from dicomgen.deid.profile import DeidError, Profile
from dicomgen.deid.values import Keys
from dicomgen.deid.walker import Deidentifier
from dicomgen.media import part10

KEY = b"corpus-test-key-0123456789abcdef"
pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, files.RunResult]:
    src = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    out = tmp_path_factory.mktemp("deid") / "out"
    mapping = out.parent / "map.jsonl"
    result = files.run([src], out, Profile(["clean-pixel-data"]), Keys(KEY), mapping=mapping)
    return src, out, result


def _pairs(corpus) -> list[tuple[Path, Path]]:
    src, out, result = corpus
    return [(src / rel, out / rel) for rel in result.written]


def test_most_of_the_corpus_is_written_and_failures_are_reported(corpus) -> None:
    _, _, result = corpus
    assert len(result.written) >= 140
    assert all(f.message for f in result.failed)


def test_no_protected_element_keeps_its_value(corpus) -> None:
    bad = {}
    for a, b in _pairs(corpus):
        found = leftovers(a, b)
        if found:
            bad[b.name] = found
    assert bad == {}


def test_uids_stay_linked_across_files_and_references(corpus) -> None:
    pairs = _pairs(corpus)
    mapping: dict[str, str] = {}
    studies: dict[str, set[str]] = {}
    for a, b in pairs:
        x, y = pydicom.dcmread(a, force=True), pydicom.dcmread(b, force=True)
        for kw in (
            "StudyInstanceUID",
            "SeriesInstanceUID",
            "SOPInstanceUID",
            "FrameOfReferenceUID",
        ):
            old, new = str(x.get(kw, "") or ""), str(y.get(kw, "") or "")
            if old:
                assert new and new != old and new.startswith("2.25."), (b.name, kw)
                assert mapping.setdefault(old, new) == new, (b.name, kw)
        if x.get("StudyInstanceUID"):
            studies.setdefault(str(x.StudyInstanceUID), set()).add(str(y.StudyInstanceUID))
    assert all(len(v) == 1 for v in studies.values())
    assert len({next(iter(v)) for v in studies.values()}) == len(studies)
    # every UI value anywhere that names a UID of the corpus now names its replacement
    linked = 0
    for a, b in pairs:
        x, y = pydicom.dcmread(a, force=True), pydicom.dcmread(b, force=True)
        todo = [(x, y)]
        while todo:
            p, q = todo.pop()
            for e in p:
                o = q.get(e.tag) if q is not None else None
                if e.VR == "SQ" and o is not None:
                    todo.extend(zip(e.value, o.value))
                elif e.VR == "UI" and o is not None and str(e.value) in mapping:
                    assert str(o.value) == mapping[str(e.value)], (b.name, e.tag)
                    linked += 1
    assert linked > len(pairs)
    # the mapping file holds the same replacements
    lines = [json.loads(x) for x in (corpus[1].parent / "map.jsonl").read_text().splitlines()]
    written = {d["original"]: d["replacement"] for d in lines}
    assert all(written[k] == v for k, v in mapping.items())


def test_pixels_are_byte_identical(corpus) -> None:
    n = 0
    for a, b in _pairs(corpus):
        x, y = pydicom.dcmread(a, force=True), pydicom.dcmread(b, force=True)
        if "PixelData" in x:
            assert y.PixelData == x.PixelData, b.name
            n += 1
    assert n >= 90


def test_the_same_key_gives_the_same_uids_and_another_key_others() -> None:
    path = pydicom.data.get_testdata_file("MR_small.dcm")
    ds = part10.read(path)
    p = Profile(["clean-pixel-data"])
    one, _ = Deidentifier(p, Keys(KEY)).dataset(ds)
    two, _ = Deidentifier(p, Keys(KEY)).dataset(ds)
    other, _ = Deidentifier(p, Keys(KEY[::-1])).dataset(ds)
    for tag in (0x00080018, 0x0020000D, 0x0020000E):
        assert str(one[tag].value) == str(two[tag].value) != str(other[tag].value)


def test_burned_in_annotation_yes_or_unknown_is_refused_unless_pixels_are_clean() -> None:
    ds = part10.read(pydicom.data.get_testdata_file("CT_small.dcm"))
    assert 0x00280301 not in ds
    with pytest.raises(DeidError, match=r"Burned In Annotation.*absent"):
        Deidentifier(Profile(), Keys(KEY)).dataset(ds)
    ds.add(DataElement(0x00280301, "CS", "YES"))
    with pytest.raises(DeidError, match=r"Burned In Annotation.*YES"):
        Deidentifier(Profile(), Keys(KEY)).dataset(ds)
    out, _ = Deidentifier(Profile(["clean-pixel-data"]), Keys(KEY)).dataset(ds)
    assert out[0x00280301].value == "NO"
    assert [i[0x00080100].value for i in out[0x00120064].value] == ["113100", "113101"]
    ds.add(DataElement(0x00280301, "CS", "NO"))
    out, _ = Deidentifier(Profile(), Keys(KEY)).dataset(ds)
    assert out[0x00120062].value == "YES"


def test_modified_dates_shift_every_date_of_a_patient_by_the_same_days() -> None:
    def study(date: str) -> Dataset:
        ds = Dataset()
        ds.add(DataElement(0x00080020, "DA", date))
        ds.add(DataElement(0x00100020, "LO", "PAT-1"))
        return ds

    d = Deidentifier(
        Profile(["retain-longitudinal-temporal-information-modified-dates"]), Keys(KEY)
    )
    a, _ = d.dataset(study("20200110"))
    b, _ = d.dataset(study("20200120"))
    import datetime as dt

    da, db = (dt.datetime.strptime(str(x[0x00080020].value), "%Y%m%d") for x in (a, b))
    assert (db - da).days == 10 and str(a[0x00080020].value) != "20200110"
    assert a[0x00280303].value == "MODIFIED"


def test_options_that_exclude_each_other_are_refused() -> None:
    with pytest.raises(DeidError, match="choose one"):
        Profile(
            [
                "retain-longitudinal-temporal-information-full-dates",
                "retain-longitudinal-temporal-information-modified-dates",
            ]
        )
    with pytest.raises(DeidError, match="unknown de-identification option"):
        Profile(["retain-everything"])


def test_a_typed_object_deidentifies_into_a_new_object_of_its_class() -> None:
    from dicomgen.core.typed import load

    obj = load(pydicom.data.get_testdata_file("CT_small.dcm"))
    new = obj.deidentify(["clean-pixel-data"], KEY)
    assert type(new) is type(obj) and new is not obj
    assert str(obj.patient_name) == "CompressedSamples^CT1"  # the original is unchanged
    assert not new.patient_name and new.patient_identity_removed == "YES"
    assert new.sop_instance_uid.startswith("2.25.")
    again = obj.deidentify(Profile(["clean-pixel-data"]), Keys(KEY))
    assert again.sop_instance_uid == new.sop_instance_uid


def test_an_overlay_whose_data_is_removed_is_removed_whole() -> None:
    ds = Dataset()
    ds.add(DataElement(0x60000010, "US", 2))  # Overlay Rows
    ds.add(DataElement(0x60000011, "US", 4))  # Overlay Columns
    ds.add(DataElement(0x60000040, "CS", "G"))  # Overlay Type
    ds.add(DataElement(0x60003000, "OW", b"\x01\x00"))  # Overlay Data
    ds.add(DataElement(0x60020010, "US", 2))  # a second overlay without data: untouched
    out, entries = Deidentifier(Profile(), Keys(KEY)).dataset(ds)
    assert [t for t in out.keys() if t >> 24 == 0x60] == [0x60020010]
    removed = {e.tag for e in entries if e.action == "X"}
    assert {0x60000010, 0x60000011, 0x60000040, 0x60003000} <= removed
    kept, _ = Deidentifier(Profile(["clean-graphics", "clean-pixel-data"]), Keys(KEY)).dataset(ds)
    assert 0x60003000 in kept and 0x60000010 in kept
