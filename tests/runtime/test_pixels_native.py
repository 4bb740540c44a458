"""Native pixel data (PS3.5 8.1.1) against pydicom's decoder (oracle) on synthetic data.

Random bytes fill every value, so the bits above Bits Stored are set and masking /
sign extension is exercised; pydicom decodes the same bytes from an in-memory data set.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dicomgen.core.errors import PixelDataError
from dicomgen.pixels.description import ImageDescription
from dicomgen.pixels.native import (
    decode_native,
    encode_native,
    frame_byte_range,
    frame_bytes,
    iter_native_frames,
)

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402

EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"


def _oracle(desc: ImageDescription, raw: bytes, frame: int | None = None) -> np.ndarray:
    """pydicom's array for the same description and bytes (as_rgb off: no color change)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = EXPLICIT_LE if desc.little_endian else EXPLICIT_BE
    ds.Rows, ds.Columns = desc.rows, desc.columns
    ds.BitsAllocated = desc.bits_allocated
    ds.SamplesPerPixel = desc.samples_per_pixel
    ds.PhotometricInterpretation = desc.photometric_interpretation
    ds.NumberOfFrames = desc.number_of_frames
    if desc.samples_per_pixel > 1:
        ds.PlanarConfiguration = desc.planar_configuration
    if not desc.is_float:
        ds.BitsStored = desc.stored
        ds.HighBit = desc.stored - 1
        ds.PixelRepresentation = desc.pixel_representation
    setattr(ds, desc.pixel_keyword, raw)
    ds[desc.pixel_keyword].VR = desc.pixel_vr or ("OW" if desc.bits_allocated > 8 else "OB")
    from pydicom.pixels import pixel_array

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pixel_array(ds, index=frame, as_rgb=False)


def _random_raw(desc: ImageDescription, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    n = desc.expected_length
    raw = rng.integers(0, 256, size=n + (n % 2), dtype=np.uint8)
    if desc.is_float:  # finite floats only (NaN payloads compare unequal)
        dt = desc.dtype(native_order=False)
        vals = rng.normal(0, 1000, size=n // dt.itemsize).astype(dt)
        raw = np.frombuffer(vals.tobytes() + b"\x00" * (n % 2), dtype=np.uint8)
    return raw.tobytes()


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b)


INTEGER_CASES = [
    # bits allocated, bits stored, signed, samples, planar, frames, little endian
    (8, 8, 0, 1, 0, 1, True),
    (8, 7, 1, 1, 0, 3, True),
    (8, 8, 0, 3, 0, 2, True),
    (8, 8, 0, 3, 1, 2, True),
    (16, 12, 0, 1, 0, 1, True),
    (16, 12, 1, 1, 0, 4, True),
    (16, 16, 1, 1, 0, 2, False),
    (16, 10, 1, 1, 0, 2, False),
    (16, 16, 0, 3, 1, 2, False),
    (16, 13, 1, 3, 0, 1, True),
    (32, 32, 0, 1, 0, 2, True),
    (32, 20, 1, 1, 0, 2, True),
    (32, 24, 1, 3, 1, 2, False),
    (64, 64, 1, 1, 0, 2, True),
    (64, 40, 1, 1, 0, 2, False),
    (64, 50, 0, 3, 0, 1, True),
]


@pytest.mark.parametrize("ba,bs,pr,spp,pc,nf,le", INTEGER_CASES)
def test_integer_matches_pydicom(ba: int, bs: int, pr: int, spp: int, pc: int, nf: int, le: bool):
    desc = ImageDescription(
        rows=5,
        columns=7,
        bits_allocated=ba,
        bits_stored=bs,
        pixel_representation=pr,
        samples_per_pixel=spp,
        planar_configuration=pc,
        photometric_interpretation="RGB" if spp == 3 else "MONOCHROME2",
        number_of_frames=nf,
        little_endian=le,
    )
    raw = _random_raw(desc, seed=ba * 100 + bs + pr + spp + nf)
    ours = decode_native(raw, desc)
    assert ours.shape == desc.shape
    assert ours.dtype == desc.dtype()
    assert ours.dtype.isnative
    assert _same(ours, _oracle(desc, raw))
    # every frame alone, without the others, equals the frame of the whole
    for i in range(nf):
        one = decode_native(raw, desc, frame=i)
        assert _same(one, _oracle(desc, raw, frame=i))
        assert _same(one, ours[i] if nf > 1 else ours)
    # masked values fit in Bits Stored
    if pr:
        assert ours.min() >= -(1 << (bs - 1)) and ours.max() < (1 << (bs - 1))
    elif bs < 64:
        assert int(ours.max()) < (1 << bs)


@pytest.mark.parametrize("keyword,ba", [("FloatPixelData", 32), ("DoubleFloatPixelData", 64)])
@pytest.mark.parametrize("le", [True, False])
@pytest.mark.parametrize("nf", [1, 3])
def test_float_pixel_data(keyword: str, ba: int, le: bool, nf: int):
    desc = ImageDescription(
        rows=4,
        columns=6,
        bits_allocated=ba,
        number_of_frames=nf,
        little_endian=le,
        pixel_keyword=keyword,
        pixel_vr="OF" if ba == 32 else "OD",
    )
    raw = _random_raw(desc, seed=ba + nf)
    ours = decode_native(raw, desc)
    assert ours.dtype == np.dtype(f"f{ba // 8}")
    assert _same(ours, _oracle(desc, raw))
    assert _same(decode_native(raw, desc, frame=nf - 1), _oracle(desc, raw, frame=nf - 1))


@pytest.mark.parametrize(
    "rows,cols,nf",
    [(3, 5, 4), (1, 9, 3), (8, 8, 2), (2, 3, 7), (5, 5, 1)],
)
@pytest.mark.parametrize("le", [True, False])
def test_one_bit_frames_start_mid_byte(rows: int, cols: int, nf: int, le: bool):
    """Bits Allocated 1: LSB first, frames packed without padding (PS3.5 8.1.1)."""
    desc = ImageDescription(
        rows=rows, columns=cols, bits_allocated=1, number_of_frames=nf, little_endian=le
    )
    raw = _random_raw(desc, seed=rows * cols + nf)
    ours = decode_native(raw, desc)
    assert ours.dtype == np.uint8 and set(np.unique(ours)) <= {0, 1}
    assert _same(ours, _oracle(desc, raw))
    bits = np.unpackbits(np.frombuffer(raw, np.uint8), bitorder="little")
    for i in range(nf):
        one = decode_native(raw, desc, frame=i)
        # pydicom 3.0's own single-frame path reads ceil(R*C/8) bytes from the frame's
        # first byte, too few when the frame straddles one more byte (e.g. 3x5, frame 1:
        # bits 15..29 need bytes 1..3): compare with its all-frames array instead.
        assert _same(one, ours[i] if nf > 1 else ours)
        # computed independently: frame i is bits i*R*C .. (i+1)*R*C
        expect = bits[i * rows * cols : (i + 1) * rows * cols].reshape(rows, cols)
        assert _same(one, expect)
        start, end, bit0 = frame_byte_range(desc, i)
        assert (start, bit0) == divmod(i * rows * cols, 8)


def test_one_bit_round_trip():
    desc = ImageDescription(rows=3, columns=5, bits_allocated=1, number_of_frames=3)
    arr = np.random.default_rng(1).integers(0, 2, size=desc.shape, dtype=np.uint8)
    raw = encode_native(arr, desc)
    assert len(raw) == 6  # 45 bits -> 6 bytes, already even
    assert _same(decode_native(raw, desc), arr)


@pytest.mark.parametrize("nf", [1, 3])
def test_ybr_full_422_native_layout(nf: int):
    """Y0 Y1 Cb Cr for each pair of pixels (PS3.3 C.7.6.3.1.2), expanded to 3 samples."""
    desc = ImageDescription(
        rows=4,
        columns=6,
        bits_allocated=8,
        samples_per_pixel=3,
        photometric_interpretation="YBR_FULL_422",
        number_of_frames=nf,
    )
    assert desc.frame_length == 4 * 6 * 2
    raw = _random_raw(desc, seed=422 + nf)
    ours = decode_native(raw, desc)
    assert _same(ours, _oracle(desc, raw))
    # independent check of the first pixel pair of the first frame
    b = raw[:4]
    first = ours[0] if nf > 1 else ours
    assert first[0, 0].tolist() == [b[0], b[2], b[3]]
    assert first[0, 1].tolist() == [b[1], b[2], b[3]]
    assert _same(decode_native(encode_native(ours, desc), desc), ours)


@pytest.mark.parametrize("cols,nf", [(3, 3), (4, 2), (1, 5)])
def test_big_endian_8bit_ow_words_swapped(cols: int, nf: int):
    """8-bit data as OW in Explicit VR Big Endian: bytes swapped in 16-bit words."""
    desc = ImageDescription(
        rows=1,
        columns=cols,
        bits_allocated=8,
        number_of_frames=nf,
        little_endian=False,
        pixel_vr="OW",
    )
    values = np.arange(1, cols * nf + 1, dtype=np.uint8)
    padded = values.tobytes() + b"\x00" * ((cols * nf) % 2)
    raw = np.frombuffer(padded, dtype="<u2").byteswap().tobytes()
    ours = decode_native(raw, desc)
    assert _same(ours, _oracle(desc, raw))
    assert _same(ours.ravel(), values)
    for i in range(nf):
        assert _same(decode_native(raw, desc, frame=i).ravel(), values[i * cols : (i + 1) * cols])
    assert encode_native(ours, desc) == raw


@pytest.mark.parametrize("case", INTEGER_CASES[:6] + INTEGER_CASES[8:10])
def test_encode_native_round_trip(case: tuple):
    ba, bs, pr, spp, pc, nf, le = case
    desc = ImageDescription(
        rows=3,
        columns=4,
        bits_allocated=ba,
        bits_stored=bs,
        pixel_representation=pr,
        samples_per_pixel=spp,
        planar_configuration=pc,
        number_of_frames=nf,
        little_endian=le,
    )
    arr = decode_native(_random_raw(desc, 7), desc)
    raw = encode_native(arr, desc)
    assert len(raw) % 2 == 0
    assert _same(decode_native(raw, desc), arr)
    assert _same(_oracle(desc, raw), arr)


def test_frame_bytes_is_a_zero_copy_slice():
    desc = ImageDescription(rows=4, columns=4, bits_allocated=16, number_of_frames=3)
    buf = bytearray(desc.expected_length)
    view = frame_bytes(buf, desc, 2)
    assert len(view) == 32
    buf[64] = 0x34
    buf[65] = 0x12
    assert view[0:2].tobytes() == b"\x34\x12"  # sees the change: no copy
    arr = decode_native(memoryview(buf), desc, frame=2, copy=False)
    assert arr[0, 0] == 0x1234
    assert np.shares_memory(arr, np.frombuffer(buf, dtype=np.uint8))
    copied = decode_native(buf, desc, frame=2)
    assert copied.flags.writeable and not np.shares_memory(
        copied, np.frombuffer(buf, dtype=np.uint8)
    )


def test_iter_native_frames():
    desc = ImageDescription(rows=2, columns=2, bits_allocated=16, number_of_frames=5)
    raw = np.arange(20, dtype="<u2").tobytes()
    frames = list(iter_native_frames(raw, desc))
    assert len(frames) == 5
    assert frames[3].tolist() == [[12, 13], [14, 15]]


def test_short_buffer_is_a_pixel_data_error():
    desc = ImageDescription(rows=4, columns=4, bits_allocated=16, number_of_frames=3)
    raw = bytes(desc.expected_length - 2)
    with pytest.raises(PixelDataError, match="are needed"):
        decode_native(raw, desc)
    with pytest.raises(PixelDataError):
        decode_native(raw, desc, frame=2)
    assert decode_native(raw, desc, frame=1).shape == (4, 4)  # earlier frames still fine
    with pytest.raises(PixelDataError, match="out of range"):
        decode_native(raw, desc, frame=3)
    with pytest.raises(PixelDataError, match="out of range"):
        decode_native(raw, desc, frame=-1)


def test_excess_bytes_are_ignored():
    desc = ImageDescription(rows=2, columns=2, bits_allocated=8)
    assert decode_native(b"\x01\x02\x03\x04\xff\xff", desc).tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize(
    "kwargs,tag",
    [
        (dict(bits_allocated=12), 0x00280100),
        (dict(bits_allocated=16, bits_stored=17), 0x00280101),
        (dict(bits_allocated=16, bits_stored=0), 0x00280101),
        (dict(bits_allocated=8, samples_per_pixel=2), 0x00280002),
        (dict(bits_allocated=8, pixel_representation=2), 0x00280103),
        (dict(bits_allocated=8, planar_configuration=3), 0x00280006),
        (dict(bits_allocated=8, number_of_frames=0), 0x00280008),
        (dict(bits_allocated=16, pixel_keyword="FloatPixelData"), 0x00280100),
    ],
)
def test_bad_description_names_the_attribute(kwargs: dict, tag: int):
    with pytest.raises(PixelDataError) as info:
        ImageDescription(rows=2, columns=2, **kwargs)
    assert info.value.tag == tag


def test_encode_shape_mismatch():
    desc = ImageDescription(rows=2, columns=2, bits_allocated=8, number_of_frames=2)
    with pytest.raises(PixelDataError, match="shape"):
        encode_native(np.zeros((2, 2), np.uint8), desc)


# --- glue on a dicomgen Dataset -------------------------------------------------------------


def _dataset(desc: ImageDescription, raw: bytes, *, ts: str | None, from_raw: bool):
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement

    ds = Dataset()
    us = [
        (0x00280002, desc.samples_per_pixel),
        (0x00280010, desc.rows),
        (0x00280011, desc.columns),
        (0x00280100, desc.bits_allocated),
        (0x00280101, desc.stored),
        (0x00280103, desc.pixel_representation),
    ]
    order = "<" if desc.little_endian else ">"
    for tag, v in us:
        if from_raw:
            ds.add(DataElement.from_raw(tag, "US", struct_pack(order + "H", v), desc.little_endian))
        else:
            ds.add(DataElement(tag, "US", v))
    ds.add(DataElement(0x00280004, "CS", desc.photometric_interpretation))
    ds.add(DataElement(0x00280008, "IS", str(desc.number_of_frames)))
    from dicomgen.pixels.description import PIXEL_KEYWORDS

    tag = {v: k for k, v in PIXEL_KEYWORDS.items()}[desc.pixel_keyword]
    vr = desc.pixel_vr or "OW"
    if from_raw:
        ds.add(DataElement.from_raw(tag, vr, memoryview(raw), desc.little_endian))
    else:
        ds.add(DataElement(tag, vr, raw))
    object.__setattr__(ds, "read_transfer_syntax", ts)
    return ds


def struct_pack(fmt: str, v: int) -> bytes:
    import struct

    return struct.pack(fmt, v)


@pytest.mark.parametrize("from_raw", [True, False])
@pytest.mark.parametrize("le", [True, False])
def test_glue_on_a_dataset(from_raw: bool, le: bool):
    from dicomgen.pixels import describe, frames, iter_frames, pixel_array

    desc = ImageDescription(
        rows=3,
        columns=4,
        bits_allocated=16,
        bits_stored=12,
        pixel_representation=1,
        number_of_frames=3,
        little_endian=le,
        pixel_vr="OW",
    )
    raw = _random_raw(desc, seed=11)
    ds = _dataset(desc, raw, ts=EXPLICIT_LE if le else EXPLICIT_BE, from_raw=from_raw)
    got = describe(ds)
    assert got.replace(transfer_syntax_uid=None) == desc
    whole = pixel_array(ds)
    assert _same(whole, _oracle(desc, raw))
    assert _same(pixel_array(ds, frame=2), whole[2])
    fr = frames(ds)
    assert len(fr) == 3 and _same(fr[-1], whole[2]) and len(fr[0:2]) == 2
    assert all(_same(a, b) for a, b in zip(iter_frames(ds), whole))
    with pytest.raises(PixelDataError, match="out of range"):
        fr[3]


def test_glue_float_pixel_data_dataset():
    from dicomgen.pixels import pixel_array

    desc = ImageDescription(
        rows=2, columns=3, bits_allocated=32, pixel_keyword="FloatPixelData", pixel_vr="OF"
    )
    raw = np.arange(6, dtype="<f4").tobytes()
    ds = _dataset(desc, raw, ts=EXPLICIT_LE, from_raw=True)
    assert pixel_array(ds).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_glue_errors_name_the_tag():
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement
    from dicomgen.pixels import pixel_array

    ds = Dataset()
    with pytest.raises(PixelDataError, match="no Pixel Data"):
        pixel_array(ds)
    ds.add(DataElement(0x7FE00010, "OW", b"\x00\x00"))
    ds.add(DataElement(0x00280010, "US", 1))
    ds.add(DataElement(0x00280100, "US", 16))
    with pytest.raises(PixelDataError) as info:
        pixel_array(ds)
    assert info.value.tag == 0x00280011  # Columns missing
    ds.add(DataElement(0x00280011, "US", 1))
    ds.add(DataElement(0x00280008, "IS", "x1"))
    with pytest.raises(PixelDataError, match="not an integer") as info:
        pixel_array(ds)
    assert info.value.tag == 0x00280008
