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

import io
import re

import pytest
from corpus_types import corpus, misfits

from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import NonConformingError
from dicomgen.core.typed import DicomObject, iod_class_for, load
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
