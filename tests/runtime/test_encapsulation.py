"""Encapsulated pixel data: items, offset tables, frame boundaries (PS3.5 A.4, 8.2).

pydicom's ``encaps`` functions are the oracle for building and splitting values.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from dicomgen.core.errors import PixelDataError
from dicomgen.pixels.encapsulation import (
    EncapsulatedPixelData,
    encapsulate,
    encapsulate_extended,
    get_frame,
)

pydicom = pytest.importorskip("pydicom")
from pydicom import encaps  # noqa: E402


def item(data: bytes) -> bytes:
    """(FFFE,E000) item: tag FE FF 00 E0, 32-bit LE length, value."""
    return b"\xfe\xff\x00\xe0" + struct.pack("<L", len(data)) + data


SEQ_DELIM = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"  # (FFFE,E0DD), length 0

# Golden value: BOT with offsets 0 and 12 (frame 1 = one item of 4 bytes = 12 bytes),
# fragment 1: 01 02 03 04, fragment 2: 05 06, then the sequence delimiter.
GOLDEN = bytes.fromhex(
    "feff00e0 08000000 00000000 0c000000"  # BOT item, length 8: offsets 0, 12
    "feff00e0 04000000 01020304"  # frame 0
    "feff00e0 02000000 0506"  # frame 1
    "feffdde0 00000000"  # sequence delimitation item
)


def _frames(n: int, seed: int = 0) -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 256, size=int(rng.integers(1, 40)), dtype=np.uint8).tobytes()
        for _ in range(n)
    ]


def _padded(frame: bytes) -> bytes:
    return frame + b"\x00" * (len(frame) % 2)


def test_golden_value():
    assert encapsulate([b"\x01\x02\x03\x04", b"\x05\x06"]) == GOLDEN
    enc = EncapsulatedPixelData(GOLDEN, 2)
    assert enc.basic_offset_table == (0, 12)
    assert enc.fragment_positions == [(24, 4), (36, 2)]
    assert bytes(enc.get_frame(0)) == b"\x01\x02\x03\x04"
    assert bytes(enc.get_frame(1)) == b"\x05\x06"


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("bot", [True, False])
def test_encapsulate_matches_pydicom(n: int, bot: bool):
    frames = _frames(n, seed=n)
    ours = encapsulate(frames, basic_offset_table=bot, with_delimiter=False)
    theirs = encaps.encapsulate(frames, has_bot=bot)
    assert ours == theirs


@pytest.mark.parametrize("n", [1, 3, 6])
@pytest.mark.parametrize("bot", [True, False])
@pytest.mark.parametrize("delimiter", [True, False])
def test_get_frame_agrees_with_pydicom(n: int, bot: bool, delimiter: bool):
    frames = _frames(n, seed=10 + n)
    value = encapsulate(frames, basic_offset_table=bot, with_delimiter=delimiter)
    enc = EncapsulatedPixelData(value, n)
    for i in range(n):
        ours = bytes(enc.get_frame(i))
        assert ours == _padded(frames[i])
        assert ours == encaps.get_frame(value, i, number_of_frames=n)
    assert [bytes(f) for f in enc.iter_frames()] == [_padded(f) for f in frames]


def test_fragmented_frames_with_bot():
    frames = [bytes(range(40)), bytes(range(100, 110)), bytes(range(50, 90))]
    value = encapsulate(frames, fragment_size=16)
    enc = EncapsulatedPixelData(value, 3)
    assert enc.number_of_fragments == 3 + 1 + 3
    for i, frame in enumerate(frames):
        assert enc.get_frame(i) == frame
        assert len(enc.frame_fragments(i)) == (len(frame) + 15) // 16
    assert list(encaps.generate_frames(value, number_of_frames=3)) == frames


def test_fragmented_jpeg_frames_without_bot_split_at_eoi():
    """No offset table and more fragments than frames: a frame ends at FFD9 (as pydicom)."""
    f0 = b"\xff\xd8" + bytes(range(30)) + b"\xff\xd9"
    f1 = b"\xff\xd8" + bytes(range(60, 80)) + b"\xff\xd9"
    value = encapsulate([f0, f1], basic_offset_table=False, fragment_size=10)
    enc = EncapsulatedPixelData(value, 2)
    assert enc.number_of_fragments == 4 + 3
    assert enc.get_frame(0) == f0
    assert enc.get_frame(1) == f1
    assert enc.get_frame(1) == encaps.get_frame(value, 1, number_of_frames=2)
    with pytest.raises(PixelDataError, match="out of range"):
        enc.get_frame(2)


def test_single_frame_many_fragments():
    frame = bytes(range(200))
    value = encapsulate([frame], basic_offset_table=False, fragment_size=64)
    assert EncapsulatedPixelData(value, 1).get_frame(0) == frame


def test_extended_offset_table():
    frames = _frames(4, seed=3)
    value, eot, eot_lengths = encapsulate_extended(frames)
    theirs = encaps.encapsulate_extended(frames)
    assert (value[:-8], eot, eot_lengths) == theirs  # pydicom adds no delimiter
    assert value[4:8] == b"\x00\x00\x00\x00"  # BOT empty when the EOT is used (PS3.5 A.4)
    enc = EncapsulatedPixelData(value, 4, extended_offsets=eot, extended_lengths=eot_lengths)
    for i, frame in enumerate(frames):
        assert bytes(enc.get_frame(i)) == _padded(frame)  # the item value, pad included
    offsets = struct.unpack("<4Q", eot)
    enc2 = EncapsulatedPixelData(
        value, 4, extended_offsets=offsets, extended_lengths=[len(f) for f in frames]
    )
    assert bytes(enc2.get_frame(3)) == frames[3]  # a shorter length trims the pad byte
    got = get_frame(
        value, 2, number_of_frames=4, extended_offsets=eot, extended_lengths=eot_lengths
    )
    assert got == _padded(frames[2])


def test_frames_are_zero_copy_views():
    value = bytearray(encapsulate([b"abcd", b"efgh"]))
    enc = EncapsulatedPixelData(memoryview(value), 2)
    f1 = enc.get_frame(1)
    assert isinstance(f1, memoryview)
    value[-12] = ord("E")  # last fragment's first byte (before the 8-byte delimiter)
    assert bytes(f1) == b"Efgh"


def test_lazy_frame_access_does_not_walk_other_fragments():
    """With a BOT, frame i is found without parsing the fragments before it."""
    frames = [bytes(10)] * 3
    value = bytearray(encapsulate(frames))
    # corrupt frame 0's item tag: frames 1 and 2 stay readable through the BOT
    first = 8 + 12
    value[first : first + 4] = b"\x00\x00\x00\x00"
    enc = EncapsulatedPixelData(bytes(value), 3)
    assert bytes(enc.get_frame(2)) == bytes(10)
    with pytest.raises(PixelDataError) as info:
        enc.get_frame(0)
    assert info.value.offset == first


# --- errors ------------------------------------------------------------------------------


def test_wrong_first_item_tag():
    with pytest.raises(PixelDataError, match="Basic Offset Table") as info:
        EncapsulatedPixelData(b"\xe0\x7f\x10\x00\x00\x00\x00\x00", base_offset=1000)
    assert info.value.offset == 1000


def test_wrong_fragment_tag_names_offset():
    value = item(b"") + b"\x08\x00\x05\x00" + struct.pack("<L", 2) + b"ab"
    with pytest.raises(PixelDataError, match="expected an item") as info:
        EncapsulatedPixelData(value, 1, base_offset=500).get_frame(0)
    assert info.value.offset == 508


def test_fragment_length_past_end():
    value = item(b"") + b"\xfe\xff\x00\xe0" + struct.pack("<L", 100) + b"ab"
    with pytest.raises(PixelDataError, match="past the end") as info:
        EncapsulatedPixelData(value, 1).get_frame(0)
    assert info.value.offset == 12


def test_undefined_fragment_length_is_refused():
    value = item(b"") + b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + b"ab"
    with pytest.raises(PixelDataError, match="4294967295"):
        list(EncapsulatedPixelData(value, 1).iter_fragments())


def test_truncated_item_header():
    value = item(b"") + b"\xfe\xff\x00"
    with pytest.raises(PixelDataError, match="truncated") as info:
        EncapsulatedPixelData(value, 1).get_frame(0)
    assert info.value.offset == 8


@pytest.mark.parametrize("bot_len", [3, 0x7FFFFFF0])
def test_absurd_bot_length(bot_len: int):
    value = b"\xfe\xff\x00\xe0" + struct.pack("<L", bot_len) + bytes(8)
    with pytest.raises(PixelDataError, match="Basic Offset Table length"):
        EncapsulatedPixelData(value, 1)


def test_bot_offset_outside_value():
    value = item(struct.pack("<2L", 0, 5000)) + item(b"ab") + item(b"cd")
    enc = EncapsulatedPixelData(value, 2)
    with pytest.raises(PixelDataError, match="points outside") as info:
        enc.get_frame(0)
    assert info.value.offset == 12  # the BOT entry of frame 1


def test_fewer_fragments_than_frames_without_bot():
    value = item(b"") + item(b"ab")
    with pytest.raises(PixelDataError, match="cannot hold"):
        EncapsulatedPixelData(value, 3).get_frame(1)


def test_eot_errors():
    value, eot, lengths = encapsulate_extended([b"abcd", b"efgh"])
    with pytest.raises(PixelDataError, match="one length per offset"):
        EncapsulatedPixelData(value, 2, extended_offsets=eot, extended_lengths=lengths[:8])
    with pytest.raises(PixelDataError, match="not point at an item"):
        EncapsulatedPixelData(value, 2, extended_offsets=[0, 3], extended_lengths=[4, 4]).get_frame(
            1
        )
    with pytest.raises(PixelDataError, match="runs past its item"):
        EncapsulatedPixelData(
            value, 2, extended_offsets=[0, 12], extended_lengths=[4, 40]
        ).get_frame(1)
    with pytest.raises(PixelDataError, match="multiple of 8"):
        EncapsulatedPixelData(value, 2, extended_offsets=eot[:-1], extended_lengths=lengths)


def test_encapsulate_needs_a_frame():
    with pytest.raises(PixelDataError):
        encapsulate([])
    with pytest.raises(PixelDataError):
        encapsulate_extended([])


def test_random_garbage_never_escapes_as_other_errors():
    rng = np.random.default_rng(5)
    good = encapsulate(_frames(4, seed=9), fragment_size=8)
    for _ in range(300):
        bad = bytearray(good)
        for _ in range(3):
            bad[int(rng.integers(0, len(bad)))] = int(rng.integers(0, 256))
        cut = int(rng.integers(0, len(bad) + 1))
        try:
            enc = EncapsulatedPixelData(bytes(bad[:cut]), 4)
            for i in range(4):
                enc.get_frame(i)
        except PixelDataError:
            pass


# --- glue on a dicomgen Dataset -------------------------------------------------------------


def _rle_dataset(frames: list[np.ndarray], value: bytes, *, eot=None, ts="1.2.840.10008.1.2.5"):
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement

    ds = Dataset()
    rows, cols = frames[0].shape
    for tag, v in [
        (0x00280002, 1),
        (0x00280010, rows),
        (0x00280011, cols),
        (0x00280100, 16),
        (0x00280101, 16),
        (0x00280103, 0),
    ]:
        ds.add(DataElement(tag, "US", v))
    ds.add(DataElement(0x00280004, "CS", "MONOCHROME2"))
    ds.add(DataElement(0x00280008, "IS", str(len(frames))))
    if eot is not None:
        ds.add(DataElement(0x7FE00001, "OV", eot[0]))
        ds.add(DataElement(0x7FE00002, "OV", eot[1]))
    ds.add(DataElement.from_raw(0x7FE00010, "OB", memoryview(value), undefined_length=True))
    object.__setattr__(ds, "read_transfer_syntax", ts)
    return ds


@pytest.mark.parametrize("table", ["bot", "none", "eot"])
def test_glue_encapsulated_dataset(table: str):
    from dicomgen.pixels import frames, pixel_array
    from dicomgen.pixels.codecs.rle import encode_frame
    from dicomgen.pixels.description import ImageDescription

    rng = np.random.default_rng(2)
    arrays = [rng.integers(0, 4000, size=(6, 5), dtype=np.uint16) for _ in range(3)]
    desc = ImageDescription(rows=6, columns=5, bits_allocated=16)
    encoded = [encode_frame(a, desc) for a in arrays]
    eot = None
    if table == "eot":
        value, *eot = encapsulate_extended(encoded, with_delimiter=False)
    else:
        value = encapsulate(encoded, basic_offset_table=table == "bot", with_delimiter=False)
    ds = _rle_dataset(arrays, value, eot=eot)
    assert np.array_equal(pixel_array(ds), np.stack(arrays))
    assert np.array_equal(pixel_array(ds, frame=1), arrays[1])
    fr = frames(ds)
    assert fr.encapsulated is not None
    assert (fr.encapsulated.extended_offsets is not None) == (table == "eot")
    assert bool(fr.encapsulated.basic_offset_table) == (table == "bot")
    assert [np.array_equal(a, b) for a, b in zip(fr, arrays)] == [True] * 3


def test_glue_encapsulated_needs_a_transfer_syntax():
    from dicomgen.pixels import pixel_array

    arrays = [np.zeros((2, 2), np.uint16)]
    ds = _rle_dataset(arrays, encapsulate([b"ab"]), ts=None)
    with pytest.raises(PixelDataError, match="transfer syntax"):
        pixel_array(ds)
