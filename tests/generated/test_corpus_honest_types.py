"""pydicom's test corpus through the typed classes: what the annotations say is what the runtime
holds, and every file is written back unchanged.

Every file whose SOP Class has an IOD class is read with the strict ``from_file``: either every
field's value fits its annotation (checked here with ``typing.get_type_hints``, independently of
the runtime's own check, sequence items included), or the read fails with a
:class:`NonConformingError` naming each attribute that does not fit (keyword, tag, module) and
the lenient read gives the same list. Each file is then written back (strict object, or the
lenient :class:`Unchecked` for refused files) and compared element by element with the original.
"""

from __future__ import annotations

import collections.abc
import io
import re
import types
import typing
from typing import Any

import attrs
import pytest
from corpus_types import corpus, hints, misfits

from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import NonConformingError
from dicomgen.core.typed import DicomObject, iod_class_for, load
from dicomgen.core.typed_check import nonconformities
from dicomgen.core.values import VerbatimText
from dicomgen.media import part10

pytest.importorskip("dicomgen_std._registry", reason="generated IOD classes not present")
pytest.importorskip("pydicom")

FILES = corpus()
pytestmark = pytest.mark.filterwarnings("ignore")  # the corpus has files with odd encodings


def _iod_class(path: str) -> type[DicomObject]:
    ds = part10.read(path, defer_size=256)
    cls = iod_class_for(str(ds.get_value(0x00080016)).strip("\0 "))
    assert cls is not None
    return cls


def test_corpus_is_there() -> None:
    assert len(FILES) >= 100, "pydicom's test corpus is expected to hold 150 files with an IOD"


@pytest.mark.parametrize("name, path", FILES, ids=[n for n, _ in FILES])
def test_runtime_values_fit_their_annotations(name: str, path: str) -> None:
    cls = _iod_class(path)
    try:
        obj = cls.from_file(path)
    except NonConformingError as err:
        lenient = cls.from_file(path, lenient=True)
        assert lenient.problems == err.problems and not lenient.conforms
        # the refused fields are exactly those whose values do not fit their annotations
        assert sorted(p.path for p in err.problems) == sorted(misfits(lenient, cls))
        first = err.problems[0]
        assert first.path in str(err) and re.search(r"\([0-9A-F]{4},[0-9A-F]{4}\)", str(err))
        assert first.module and first.module in str(err) and path in str(err)
        with pytest.raises(NonConformingError):
            lenient.checked()
        return
    assert misfits(obj, cls) == []


def test_the_annotation_check_sees_dishonest_values() -> None:
    paths = dict(FILES)
    if "CT_small.dcm" not in paths:
        pytest.skip("pydicom test file CT_small.dcm not available")
    obj = load(paths["CT_small.dcm"])
    assert misfits(obj, type(obj)) == []
    object.__setattr__(obj, "frame_of_reference_uid", None)  # str field holding None
    object.__setattr__(obj, "rows", VerbatimText("1A", "US"))  # int field holding text
    object.__setattr__(obj, "patient_sex", "X")  # outside Literal["M", "F", "O"]
    object.__setattr__(obj, "image_type", ("ORIGINAL", 2))  # Sequence[str] holding an int
    expected = ["FrameOfReferenceUID", "ImageType", "PatientSex", "Rows"]
    assert sorted(misfits(obj, type(obj))) == expected
    assert sorted(p.path for p in nonconformities(obj)) == expected


def _same(a: Dataset, b: Dataset, where: str = "") -> None:
    """Element by element: same tags, VRs and values (text as written)."""
    assert list(a.keys()) == list(b.keys()), where
    for tag, ea in a.items():
        eb = b[tag]
        here = f"{where}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        assert ea.vr == eb.vr, here
        if ea.vr == "SQ":
            assert len(ea.value) == len(eb.value), here
            for i, (ia, ib) in enumerate(zip(ea.value, eb.value)):
                _same(ia, ib, f"{here}[{i}].")
        else:
            assert ea == eb, here
            assert str(ea.value) == str(eb.value), here  # original text kept (DS "1.50" etc.)


@pytest.mark.parametrize("name, path", FILES, ids=[n for n, _ in FILES])
def test_corpus_file_written_back_unchanged(name: str, path: str) -> None:
    original = part10.read(path)
    try:
        obj = load(path)
    except NonConformingError:
        unchecked = load(path, lenient=True)
        out = io.BytesIO()
        unchecked.to_file(out)
    else:
        out = io.BytesIO()
        obj.to_file(out)
        back = load(out.getvalue())
        assert back == obj and type(back) is type(obj)
    written = part10.read(out.getvalue())
    _same(original, written)
    assert written.read_transfer_syntax == original.read_transfer_syntax


def test_examples_of_the_issue_are_refused_naming_the_attribute() -> None:
    paths = dict(FILES)
    if "badVR.dcm" not in paths or "693_J2KI.dcm" not in paths:
        pytest.skip("pydicom test files badVR.dcm / 693_J2KI.dcm not available")
    with pytest.raises(NonConformingError, match=r"NumberOfFrames \(0028,0008\), Type 1 of Mul"):
        load(paths["badVR.dcm"])
    with pytest.raises(NonConformingError, match=r"FrameOfReferenceUID \(0020,0052\).*absent"):
        load(paths["693_J2KI.dcm"])
    unchecked = load(paths["badVR.dcm"], lenient=True)
    assert unchecked.number_of_frames == "1A"  # typed object: the caller narrows it


# --- equality and empty values through a write and a read -----------------------------------


def _conforming_per_class() -> list[tuple[str, str]]:
    """The first conforming corpus file of each IOD class (CT, MR, US, SC, RT, SR, ECG...)."""
    chosen: dict[type, tuple[str, str]] = {}
    for name, path in FILES:
        cls = _iod_class(path)
        if cls not in chosen and cls.from_file(path, lenient=True).conforms:
            chosen[cls] = (name, path)
    return list(chosen.values())


PER_CLASS = _conforming_per_class() if FILES else []


def _empty_of(t: Any) -> Any:
    """The empty value an annotation admits: "" (text), () (values), [] (items), else None."""
    args = typing.get_args(t) if typing.get_origin(t) in (typing.Union, types.UnionType) else (t,)
    origins = {typing.get_origin(a) or a for a in args}
    if tuple in origins or collections.abc.Sequence in origins:  # values: list | tuple
        return ()
    if list in origins:  # sequence items
        return []
    if str in origins:
        return ""
    return None


def test_several_iods_are_compared() -> None:
    assert len(PER_CLASS) >= 8 or not FILES


@pytest.mark.parametrize("name, path", PER_CLASS, ids=[n for n, _ in PER_CLASS])
def test_written_and_read_back_equal_with_empty_values(name: str, path: str) -> None:
    obj = load(path)
    cls = type(obj)
    assert load(_file(obj)) == obj
    # every Type 2 attribute empty: the empty value of its type, or None (written empty too)
    emptied: dict[str, Any] = {}
    for i, (field, t) in enumerate(sorted(hints(cls).items())):
        spec = cls.__dicom__.by_name[field]
        if spec.type == "2":
            emptied[field] = _empty_of(t) if i % 2 == 0 else None
        elif spec.type == "3" and _empty_of(t) == "":
            emptied[field] = ""  # Type 3 present and empty stays present and empty
    assert emptied, name
    for field, value in emptied.items():
        setattr(obj, field, value)
    back = load(_file(obj))
    assert back == obj
    for field, value in emptied.items():
        got = getattr(back, field)
        t = hints(cls)[field]
        # "" reads back as "", () as (), [] as []; Type 2 None as the empty value of its type
        expected = (
            _empty_of(t) if value is None and cls.__dicom__.by_name[field].type == "2" else value
        )
        if value is None and got is None:
            continue  # Type 2 of a module not in use, written absent
        assert got == expected and type(got) is type(expected), (field, got, expected)
    assert misfits(back, cls) == []
    # an object built in Python (compiled encoder) from the same values: equal after a round trip
    fresh = cls(**{a.name: getattr(obj, a.name) for a in attrs.fields(cls) if a.init})
    assert load(_file(fresh)) == fresh == obj


def _file(obj: DicomObject) -> bytes:
    out = io.BytesIO()
    obj.to_file(out)
    return out.getvalue()
