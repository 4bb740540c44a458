"""Codec registry, pylibjpeg plugins, the built-in RLE codec (PS3.5 Annex G), YBR -> RGB.

Oracles: pydicom's own RLE decoder and encoder (``decoding_plugin="pydicom"``), pydicom's
``convert_color_space``; pylibjpeg-openjpeg to make JPEG 2000 test data.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

from dicomgen.core.errors import MissingCodecError, PixelDataError, TransferSyntaxError
from dicomgen.pixels import codecs
from dicomgen.pixels.codecs import rle
from dicomgen.pixels.color import to_rgb, ybr_full_to_rgb
from dicomgen.pixels.description import ImageDescription
from dicomgen.pixels.encapsulation import encapsulate

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402

RLE = "1.2.840.10008.1.2.5"


def _pydicom_ds(desc: ImageDescription, frames: list[bytes], uid: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = uid
    ds.Rows, ds.Columns = desc.rows, desc.columns
    ds.BitsAllocated, ds.BitsStored = desc.bits_allocated, desc.stored
    ds.HighBit = desc.stored - 1
    ds.PixelRepresentation = desc.pixel_representation
    ds.SamplesPerPixel = desc.samples_per_pixel
    ds.PhotometricInterpretation = desc.photometric_interpretation
    ds.NumberOfFrames = len(frames)
    if desc.samples_per_pixel > 1:
        ds.PlanarConfiguration = 0
    ds.PixelData = encapsulate(frames, with_delimiter=False)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return ds


def _pydicom_array(ds: Dataset, **kwargs) -> np.ndarray:
    from pydicom.pixels import pixel_array

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pixel_array(ds, as_rgb=False, **kwargs)


def _random(desc: ImageDescription, seed: int, *, runs: bool = True) -> np.ndarray:
    """Values within Bits Stored; with ``runs`` long runs too, to exercise replicate runs."""
    rng = np.random.default_rng(seed)
    dt = desc.dtype()
    bs = desc.stored
    if desc.pixel_representation:
        lo, hi = -(1 << (bs - 1)), (1 << (bs - 1))
    else:
        lo, hi = 0, (1 << bs) if bs < 64 else np.iinfo(dt).max
    arr = rng.integers(lo, hi, size=desc.frame_shape, dtype=dt, endpoint=False)
    if runs:
        arr[1, :] = arr[1, 0]
        arr[2, : desc.columns // 2] = 0
    return arr


# --- registry ----------------------------------------------------------------------------


ALL_UIDS = [
    codecs.JPEG_BASELINE_8BIT,
    codecs.JPEG_EXTENDED_12BIT,
    codecs.JPEG_LOSSLESS,
    codecs.JPEG_LOSSLESS_SV1,
    codecs.JPEG_LS_LOSSLESS,
    codecs.JPEG_LS_NEAR_LOSSLESS,
    codecs.JPEG_2000_LOSSLESS,
    codecs.JPEG_2000,
    codecs.HTJ2K_LOSSLESS,
    codecs.HTJ2K_LOSSLESS_RPCL,
    codecs.HTJ2K,
    RLE,
]


@pytest.mark.parametrize("uid", ALL_UIDS)
def test_every_encapsulated_syntax_has_an_installed_decoder(uid: str):
    assert codecs.is_supported(uid)
    assert callable(codecs.get_decoder(uid))


def test_unknown_syntax_is_a_transfer_syntax_error():
    with pytest.raises(TransferSyntaxError, match="1.2.3.4.5"):
        codecs.get_decoder("1.2.3.4.5")
    with pytest.raises(TransferSyntaxError):
        codecs.get_encoder(codecs.JPEG_BASELINE_8BIT)  # no JPEG encoder


def test_missing_plugin_names_the_pip_package(monkeypatch: pytest.MonkeyPatch):
    real = importlib.util.find_spec

    def fake(name: str, *args, **kwargs):
        if name in ("libjpeg", "rle"):
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    with pytest.raises(MissingCodecError) as info:
        codecs.get_decoder(codecs.JPEG_LS_LOSSLESS)
    assert "pip install pylibjpeg pylibjpeg-libjpeg" in str(info.value)
    assert isinstance(info.value, PixelDataError)
    # RLE falls back to the built-in numpy decoder when pylibjpeg-rle is missing
    assert codecs.get_decoder(RLE) is rle.decode_frame


def test_registering_a_plugin():
    plugin = codecs.CodecPlugin(
        "test-missing", "dicomgen_no_such_module", "decode", None,
        ("dicomgen_no_such_module",), ("dicomgen-no-such-package",),
    )  # fmt: skip
    codecs.register("1.2.3.999", plugin)
    try:
        with pytest.raises(MissingCodecError, match="dicomgen-no-such-package"):
            codecs.get_decoder("1.2.3.999")
    finally:
        del codecs.PLUGINS["1.2.3.999"]


def test_import_dicomgen_loads_no_numpy_and_no_codec(fresh_python):
    code = (
        "import sys, dicomgen\n"
        "mods = ('numpy', 'libjpeg', 'openjpeg', 'rle', 'pylibjpeg')\n"
        "first = [m for m in mods if m in sys.modules]\n"
        "import dicomgen.pixels, dicomgen.pixels.codecs\n"
        "second = [m for m in mods if m in sys.modules]\n"
        "print(first, second)\n"
    )
    # `dicomgen` alone: nothing; the pixels package: numpy but still no codec
    assert fresh_python(code).strip() == "[] ['numpy']"


def test_decoding_a_jpeg_frame_imports_only_libjpeg(tmp_path, fresh_python):
    from pydicom.data import get_testdata_file

    from dicomgen.pixels.encapsulation import EncapsulatedPixelData

    ds = pydicom.dcmread(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm"))
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(bytes(EncapsulatedPixelData(ds.PixelData).get_frame(0)))
    code = (
        "import sys\n"
        "from dicomgen.pixels.description import ImageDescription\n"
        "from dicomgen.pixels.codecs import decode_frame\n"
        "d = ImageDescription(rows=100, columns=100, bits_allocated=8, samples_per_pixel=3,"
        f" photometric_interpretation='YBR_FULL', transfer_syntax_uid={codecs.JPEG_BASELINE_8BIT!r})\n"
        "mods = ('libjpeg', 'openjpeg', 'rle', 'pylibjpeg')\n"
        "before = [m for m in mods if m in sys.modules]\n"
        f"a = decode_frame(open({str(frame)!r}, 'rb').read(), d)\n"
        "after = [m for m in mods if m in sys.modules]\n"
        "print(before, after, a.shape)\n"
    )
    assert fresh_python(code).strip() == "[] ['libjpeg'] (100, 100, 3)"


# --- RLE (PS3.5 Annex G) -------------------------------------------------------------------

# PackBits example of Apple Technical Note TN1023 (the scheme of PS3.5 G.3.1):
PACKED = bytes.fromhex("FEAA 02800 02A FDAA 0380002A22 F7AA".replace(" ", ""))
UNPACKED = bytes.fromhex("AAAAAA 80002A AAAAAAAA 80002A22 AAAAAAAAAAAAAAAAAAAA".replace(" ", ""))


def test_packbits_golden():
    assert rle.unpack_segment(PACKED, len(UNPACKED)) == UNPACKED
    assert rle.pack_row(UNPACKED) == PACKED


@pytest.mark.parametrize(
    "row",
    [
        b"",
        b"\x05",
        b"\x05\x05",
        b"\x01\x02",
        bytes(128),
        bytes(129),
        bytes(130),
        bytes(257),
        bytes(range(128)),
        bytes(range(129)),
        bytes(range(256)) * 2,
        b"\x01" + bytes(300) + bytes(range(200)) + b"\x07\x07",
    ],
)
def test_pack_row_round_trip(row: bytes):
    packed = rle.pack_row(row)
    assert rle.unpack_segment(packed, len(row)) == row
    i = 0  # every run is within the 128-byte limits of G.3.1
    while i < len(packed):
        n = packed[i]
        assert n != 128
        i += 1 + (n + 1 if n < 128 else 1)
    assert i == len(packed)


def test_noop_control_byte_is_skipped():
    assert rle.unpack_segment(b"\x80\x01\x41\x42\xff\x43", 4) == b"ABCC"


RLE_CASES = [
    # bits allocated, bits stored, signed, samples
    (8, 8, 0, 1),
    (8, 8, 0, 3),
    (8, 6, 1, 1),
    (16, 12, 0, 1),
    (16, 16, 1, 1),
    (16, 16, 0, 3),
    (32, 32, 0, 1),
    (32, 24, 1, 3),
    (64, 64, 1, 1),
]


@pytest.mark.parametrize("ba,bs,pr,spp", RLE_CASES)
def test_rle_round_trip_and_pydicom(ba: int, bs: int, pr: int, spp: int):
    desc = ImageDescription(
        rows=6,
        columns=9,
        bits_allocated=ba,
        bits_stored=bs,
        pixel_representation=pr,
        samples_per_pixel=spp,
        photometric_interpretation="RGB" if spp == 3 else "MONOCHROME2",
        number_of_frames=2,
        transfer_syntax_uid=RLE,
    )
    frames = [_random(desc, seed=ba + spp), _random(desc, seed=ba + spp + 1, runs=False)]
    encoded = [rle.encode_frame(f, desc) for f in frames]
    for f, e in zip(frames, encoded):
        assert len(e) % 2 == 0
        assert rle.parse_header(e)[0] == 64
        assert len(rle.parse_header(e)) == spp * ba // 8
        ours = rle.decode_frame(e, desc)
        assert ours.dtype == desc.dtype() and np.array_equal(ours, f)
        if ba <= 32:  # pylibjpeg-rle handles up to 32 bits
            assert np.array_equal(codecs.decode_frame(e, desc, prefer="pylibjpeg-rle"), f)
    ds = _pydicom_ds(desc, encoded, RLE)
    theirs = _pydicom_array(ds, decoding_plugin="pydicom")
    assert np.array_equal(theirs, np.stack(frames))


@pytest.mark.parametrize("ba,bs,pr,spp", [c for c in RLE_CASES if c[0] <= 16])
def test_builtin_decoder_reads_pydicom_encoder_output(ba: int, bs: int, pr: int, spp: int):
    desc = ImageDescription(
        rows=5,
        columns=11,
        bits_allocated=ba,
        bits_stored=bs,
        pixel_representation=pr,
        samples_per_pixel=spp,
        photometric_interpretation="RGB" if spp == 3 else "MONOCHROME2",
        transfer_syntax_uid=RLE,
    )
    arr = _random(desc, seed=3 * ba + spp)
    from pydicom.pixels.encoders import RLELosslessEncoder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = RLELosslessEncoder.encode(
            arr,
            encoding_plugin="pydicom",
            rows=desc.rows,
            columns=desc.columns,
            samples_per_pixel=spp,
            bits_allocated=ba,
            bits_stored=bs,
            pixel_representation=pr,
            photometric_interpretation=desc.photometric_interpretation,
            number_of_frames=1,
            planar_configuration=0,
        )
    assert np.array_equal(rle.decode_frame(theirs, desc), arr)


def test_rle_masks_bits_above_bits_stored():
    desc = ImageDescription(
        rows=1, columns=2, bits_allocated=16, bits_stored=12, pixel_representation=1
    )
    wide = ImageDescription(rows=1, columns=2, bits_allocated=16, pixel_representation=1)
    encoded = rle.encode_frame(np.array([[0x0FFF, 0x7123]], dtype="i2"), wide)
    assert rle.decode_frame(encoded, desc).tolist() == [[-1, 0x123]]


@pytest.mark.parametrize(
    "frame,message",
    [
        (b"\x00" * 10, "shorter than its 64-byte header"),
        (b"\x00" * 64, "0 segments"),
        (bytes([16]) + bytes(63), "16 segments"),
        ((1).to_bytes(4, "little") + (100).to_bytes(4, "little") + bytes(56), "past the frame end"),
        ((1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56) + b"\x05ab", "literal"),
        ((1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56) + b"\xfe", "repeat"),
        ((1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56) + b"\xfeA", "decodes"),
        (
            (2).to_bytes(4, "little") + (64).to_bytes(4, "little") * 2 + bytes(52) + b"\xfeA",
            "order",
        ),
    ],
)
def test_bad_rle_frames(frame: bytes, message: str):
    desc = ImageDescription(rows=2, columns=2, bits_allocated=8)
    with pytest.raises(PixelDataError, match=message):
        rle.decode_frame(frame, desc)


def test_rle_segment_count_must_match():
    desc8 = ImageDescription(rows=2, columns=2, bits_allocated=8)
    desc16 = ImageDescription(rows=2, columns=2, bits_allocated=16)
    encoded = rle.encode_frame(np.zeros((2, 2), np.uint8), desc8)
    with pytest.raises(PixelDataError, match="2 expected"):
        rle.decode_frame(encoded, desc16)


# --- pylibjpeg plugins on data made here ---------------------------------------------------


@pytest.mark.parametrize("signed", [0, 1])
@pytest.mark.parametrize("bits_stored", [12, 16])
def test_jpeg2000_lossless_signed_and_unsigned(signed: int, bits_stored: int):
    from openjpeg.utils import encode_array

    uid = codecs.JPEG_2000_LOSSLESS
    desc = ImageDescription(
        rows=64,
        columns=48,
        bits_allocated=16,
        bits_stored=bits_stored,
        pixel_representation=signed,
        transfer_syntax_uid=uid,
    )
    arr = _random(desc, seed=bits_stored + signed)
    j2k = encode_array(arr, bits_stored=bits_stored)
    ours = codecs.decode_frame(j2k, desc)
    assert np.array_equal(ours, arr) and ours.dtype == desc.dtype()
    assert np.array_equal(_pydicom_array(_pydicom_ds(desc, [j2k], uid)), ours)


# --- YBR_FULL -> RGB (PS3.3 C.7.6.3.1.2) ----------------------------------------------------


def test_ybr_golden_values():
    ybr = np.array([[[128, 128, 128], [255, 128, 128], [0, 128, 255], [0, 0, 0]]], np.uint8)
    # R = Y + 1.402 (Cr-128); G = Y - 0.344136 (Cb-128) - 0.714136 (Cr-128); B = Y + 1.772 (Cb-128)
    # [0,128,255]: R = 178.054 -> 178, G = -90.69 -> 0, B = 0
    # [0,0,0]: R = -179.5 -> 0, G = 44.05 + 91.41 = 135.46 -> 135, B = -226.8 -> 0
    assert ybr_full_to_rgb(ybr).tolist() == [
        [[128, 128, 128], [255, 255, 255], [178, 0, 0], [0, 135, 0]]
    ]


def test_ybr_matches_pydicom():
    from pydicom.pixels.processing import convert_color_space

    arr = np.random.default_rng(0).integers(0, 256, size=(3, 64, 64, 3), dtype=np.uint8)
    ours = ybr_full_to_rgb(arr)
    theirs = convert_color_space(arr.copy(), "YBR_FULL", "RGB")
    diff = np.abs(ours.astype(int) - theirs.astype(int))
    assert diff.max() <= 1  # float32 (pydicom) vs float64 rounding at .5 boundaries
    assert (diff == 0).mean() > 0.999


def test_to_rgb_only_for_ybr():
    arr = np.zeros((2, 2, 3), np.uint8)
    assert to_rgb(arr, "RGB") is arr
    assert to_rgb(arr, "YBR_FULL_422")[0, 0].tolist() == [0, 135, 0]
    with pytest.raises(PixelDataError):
        ybr_full_to_rgb(np.zeros((2, 2), np.uint8))


def test_compress_rle_then_pydicom_reads_it():
    from dicomgen.pixels import compress
    from dicomgen.pixels.encapsulation import EncapsulatedPixelData

    desc = ImageDescription(
        rows=8, columns=6, bits_allocated=16, bits_stored=12, number_of_frames=3
    )
    arr = np.stack([_random(desc.replace(number_of_frames=1), seed=s) for s in range(3)])
    value = compress(arr, desc, RLE)
    enc = EncapsulatedPixelData(value, 3)
    assert len(enc.basic_offset_table) == 3
    ds = _pydicom_ds(desc, [bytes(enc.get_frame(i)) for i in range(3)], RLE)
    assert np.array_equal(_pydicom_array(ds), arr)
    with pytest.raises(PixelDataError, match="shape"):
        compress(arr[0], desc, RLE)
    with pytest.raises(TransferSyntaxError):
        compress(arr, desc, codecs.JPEG_2000)


def test_corrupt_rle_frames_raise_only_pixel_data_errors():
    desc = ImageDescription(rows=6, columns=7, bits_allocated=16, samples_per_pixel=3)
    good = rle.encode_frame(_random(desc, seed=1), desc)
    rng = np.random.default_rng(8)
    for _ in range(300):
        bad = bytearray(good)
        for _ in range(4):
            bad[int(rng.integers(0, len(bad)))] = int(rng.integers(0, 256))
        cut = int(rng.integers(0, len(bad) + 1))
        try:
            out = rle.decode_frame(bytes(bad[:cut]), desc)
        except PixelDataError:
            continue
        assert out.shape == desc.frame_shape
