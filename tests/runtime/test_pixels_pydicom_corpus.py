"""Our pixel arrays against pydicom's on every pydicom test file with pixel data.

Two routes to the same arrays:

1. ``pixel_array(ds)`` on a dicomgen :class:`Dataset` holding the *raw* elements pydicom
   read (its ``RawDataElement`` bytes, not decoded by pydicom) - tests the glue and the
   decoders without depending on our reader;
2. ``pixel_array(dicomgen.read(path))`` - our reader end to end.

pydicom's array is computed with ``as_rgb=False`` (our YBR->RGB conversion is opt-in);
the opt-in conversion is compared with pydicom's default ``as_rgb=True`` separately.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DicomError, PixelDataError
from dicomgen.pixels import describe, frames, iter_frames, pixel_array

pydicom = pytest.importorskip("pydicom")
from pydicom.data import get_testdata_files  # noqa: E402

PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)

# Files pydicom itself cannot decode, with the reason and what we do instead.
PYDICOM_FAILS = {
    # libjpeg rejects the codestream (pydicom fails the same way)
    "JPEG-lossy.dcm": "libjpeg error: corrupt / non-conformant codestream",
    # the J2K codestream holds FFFE,E0DD bytes; openjpeg rejects it as pydicom does
    "JPEG2000-embedded-sequence-delimiter.dcm": "openjpeg rejects the codestream",
    # Pixel Data is 8130 bytes, 8192 needed: we raise PixelDataError too
    "MR_truncated.dcm": "pixel data shorter than Rows x Columns x Bits Allocated",
    # Number of Frames (0028,0008) is "1A"
    "badVR.dcm": "Image Pixel attributes with invalid values",
    # no (0028,0100) Bits Allocated: not an image
    "nested_priv_SQ.dcm": "no Bits Allocated",
    # no (0002,0010) and no Bits Allocated
    "meta_missing_tsyntax.dcm": "no Transfer Syntax UID, no Bits Allocated",
}


# Files whose Image Pixel description is unusable: the attribute our error names.
NOT_DESCRIBABLE = {
    "nested_priv_SQ.dcm": 0x00280100,  # Bits Allocated missing
    "meta_missing_tsyntax.dcm": 0x00280100,  # Bits Allocated missing (not an image)
    "badVR.dcm": 0x00280008,  # Number of Frames "1A"
}


def _corpus() -> tuple[list[Path], list[Path]]:
    out, ybr = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in sorted(get_testdata_files()):
            try:
                ds = pydicom.dcmread(f, stop_before_pixels=False)
            except Exception:
                continue
            if any(t in ds for t in PIXEL_TAGS):
                out.append(Path(f))
                pi = str(ds.get("PhotometricInterpretation", ""))
                if pi in ("YBR_FULL", "YBR_FULL_422") and Path(f).name not in PYDICOM_FAILS:
                    ybr.append(Path(f))
    return out, ybr


CORPUS, YBR_FILES = _corpus()
IDS = [f"{p.parent.name}/{p.name}" for p in CORPUS]


def _reference(path: Path, *, as_rgb: bool = False) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        ds.pixel_array_options(as_rgb=as_rgb)
        return ds.pixel_array


def _dicomgen_dataset_from_raw(path: Path) -> Dataset:
    """A dicomgen Dataset of pydicom's undecoded (raw) elements of group 0028 and 7FE0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pds = pydicom.dcmread(path)
    ds = Dataset()
    for tag in list(pds.keys()):
        if tag >> 16 not in (0x0028, 0x7FE0):
            continue
        raw = pds.get_item(tag)
        if not hasattr(raw, "is_little_endian"):  # already converted by pydicom
            continue
        vr = raw.VR or pydicom.datadict.dictionary_VR(tag)  # implicit VR: dictionary
        if vr == "SQ" or raw.value is None:
            continue
        if " or " in vr:  # "US or SS", "OB or OW": pixel data as OW unless encapsulated
            vr = "OB" if raw.length == 0xFFFFFFFF else vr.split(" or ")[-1 if "OW" in vr else 0]
        ds.add(
            DataElement.from_raw(
                tag,
                vr,
                memoryview(raw.value),
                little_endian=raw.is_little_endian,
                undefined_length=raw.length == 0xFFFFFFFF,
            )
        )
    ts = pds.file_meta.get("TransferSyntaxUID") if hasattr(pds, "file_meta") else None
    object.__setattr__(ds, "read_transfer_syntax", str(ts) if ts else None)
    return ds


def _check_against(ours_ds: Dataset, path: Path) -> None:
    name = path.name
    if name in PYDICOM_FAILS:
        with pytest.raises(PixelDataError):
            pixel_array(ours_ds)
        return
    ref = _reference(path)
    ours = pixel_array(ours_ds)
    assert ours.shape == ref.shape
    assert np.array_equal(ours, ref, equal_nan=ours.dtype.kind == "f")
    desc = describe(ours_ds)
    assert ours.dtype == desc.dtype()
    # frame access, one at a time, equals the slice of the whole
    fr = frames(ours_ds)
    assert len(fr) == desc.number_of_frames
    if len(fr) > 1:
        for i in sorted({0, len(fr) // 2, len(fr) - 1}):
            assert np.array_equal(pixel_array(ours_ds, frame=i), ref[i])
        assert np.array_equal(fr[-1], ref[-1])
        assert all(np.array_equal(a, b) for a, b in zip(iter_frames(ours_ds), ref))
    else:
        assert np.array_equal(pixel_array(ours_ds, frame=0), ref)


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_raw_elements_match_pydicom(path: Path):
    if path.name in NOT_DESCRIBABLE:
        # no usable Image Pixel description: the error names the attribute
        with pytest.raises(PixelDataError) as info:
            pixel_array(_dicomgen_dataset_from_raw(path))
        assert info.value.tag == NOT_DESCRIBABLE[path.name]
        return
    _check_against(_dicomgen_dataset_from_raw(path), path)


@pytest.mark.parametrize("path", YBR_FILES, ids=[p.name for p in YBR_FILES])
def test_as_rgb_matches_pydicom_default(path: Path):
    ds = _dicomgen_dataset_from_raw(path)
    assert describe(ds).photometric_interpretation in ("YBR_FULL", "YBR_FULL_422")
    ours = pixel_array(ds, as_rgb=True)
    ref = _reference(path, as_rgb=True)
    assert np.array_equal(ours, ref)


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_our_reader_matches_pydicom(path: Path):
    import dicomgen

    if path.name in NOT_DESCRIBABLE:
        with pytest.raises(PixelDataError) as info:
            pixel_array(dicomgen.read(path))
        assert info.value.tag == NOT_DESCRIBABLE[path.name]
        return
    try:
        if path.name in PYDICOM_FAILS:
            # our reader may already refuse the file (MR_truncated: DecodeError at read)
            with pytest.raises(DicomError):
                pixel_array(dicomgen.read(path))
            return
        _check_against(dicomgen.read(path), path)
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("dicomgen_std"):
            pytest.skip(f"our reader needs the generated {exc.name} (implicit VR)")
        raise


def test_corpus_is_not_empty():
    assert len(CORPUS) > 80
