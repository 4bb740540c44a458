"""Native (uncompressed) pixel data -> numpy arrays (PS3.5 8.1.1, PS3.3 C.7.6.3).

A frame is located by its byte (or, for Bits Allocated 1, bit) offset and sliced from the
buffer without touching the other frames; numpy makes the one frame (a copy only when a
correction is needed or ``copy=True``). Values above Bits Stored are masked off and signed
data is sign-extended from Bits Stored (PS3.5 8.1.1: the unused high bits are undefined).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from dicomgen.core.errors import PixelDataError

from .description import PIXEL_DATA, ImageDescription

Buffer = bytes | bytearray | memoryview


def frame_bit_offset(desc: ImageDescription, index: int) -> int:
    """Bit offset of frame ``index`` from the start of the value.

    For Bits Allocated 1 frames are packed one after the other with no padding, so a frame
    may start in the middle of a byte (PS3.5 8.1.1, Note on Bits Allocated 1).
    """
    return index * desc.frame_length_bits


def frame_byte_range(desc: ImageDescription, index: int) -> tuple[int, int, int]:
    """(first byte, end byte, bit offset in the first byte) of frame ``index``."""
    _check_index(desc, index)
    start_bit = frame_bit_offset(desc, index)
    end_bit = start_bit + desc.frame_length_bits
    return start_bit // 8, (end_bit + 7) // 8, start_bit % 8


def _check_index(desc: ImageDescription, index: int) -> None:
    if not 0 <= index < desc.number_of_frames:
        raise PixelDataError(
            f"frame index {index} is out of range for {desc.number_of_frames} frame(s)"
        )


def _check_length(buf: memoryview, desc: ImageDescription, needed: int) -> None:
    if len(buf) < needed:
        raise PixelDataError(
            f"native pixel data is {len(buf)} bytes, {needed} are needed for "
            f"{desc.number_of_frames} frame(s) of {desc.rows}x{desc.columns}x"
            f"{desc.samples_per_pixel} at {desc.bits_allocated} bits",
            offset=len(buf),
            tag=PIXEL_DATA,
        )


def frame_bytes(buf: Buffer, desc: ImageDescription, index: int) -> memoryview:
    """The encoded bytes of frame ``index`` (zero copy slice of ``buf``).

    For Bits Allocated 1 the slice starts at the byte containing the frame's first bit.
    """
    mv = memoryview(buf).cast("B") if not isinstance(buf, memoryview) else _as_bytes(buf)
    start, end, _ = frame_byte_range(desc, index)
    _check_length(mv, desc, end)
    return mv[start:end]


def _as_bytes(mv: memoryview) -> memoryview:
    return mv if mv.format == "B" and mv.ndim == 1 else mv.cast("B")


def decode_native(
    buf: Buffer, desc: ImageDescription, *, frame: int | None = None, copy: bool = True
) -> np.ndarray:
    """Decode native Pixel Data (or Float/Double Float Pixel Data) to an array.

    Shape is ``(rows, cols)``, ``(rows, cols, samples)``, or with a leading frames axis
    when ``frame is None`` and Number of Frames > 1. Planar Configuration 1 is returned as
    color-by-pixel; YBR_FULL_422 is expanded to one Cb/Cr per pixel (still YBR; see
    :mod:`dicomgen.pixels.color` for RGB). With ``copy=False`` an array needing no correction
    is a read-only view on ``buf``.
    """
    mv = _as_bytes(memoryview(buf))
    if frame is None:
        nframes = desc.number_of_frames
        start, end, bit0 = 0, desc.expected_length, 0
        _check_length(mv, desc, end)
    else:
        nframes = 1
        start, end, bit0 = frame_byte_range(desc, frame)
        _check_length(mv, desc, end)

    if desc.bits_allocated == 1:
        raw = np.frombuffer(mv[start:end], dtype=np.uint8)
        count = desc.frame_length_bits * nframes
        bits = np.unpackbits(raw, bitorder="little")[bit0 : bit0 + count]
        arr = bits.reshape(nframes, desc.rows, desc.columns, desc.samples_per_pixel)
        return _finish(arr, desc, nframes, frame is None)

    if _swap_ow_words(desc):
        arr = _swapped_8bit(mv, start, end)
    else:
        arr = np.frombuffer(mv[start:end], dtype=desc.dtype(native_order=False))
        if arr.dtype.byteorder not in ("=", "|") and arr.dtype.byteorder != _NATIVE:
            arr = arr.astype(arr.dtype.newbyteorder("="))

    if desc.is_ybr_422:
        arr = _expand_ybr_422(arr, desc, nframes)
    elif desc.samples_per_pixel > 1 and desc.planar_configuration == 1:
        arr = arr.reshape(nframes, desc.samples_per_pixel, desc.rows, desc.columns)
        arr = np.ascontiguousarray(arr.transpose(0, 2, 3, 1))
    else:
        arr = arr.reshape(nframes, desc.rows, desc.columns, desc.samples_per_pixel)

    needs_fix = _needs_correction(desc)
    if (copy or needs_fix) and np.may_share_memory(arr, np.frombuffer(mv, dtype=np.uint8)):
        arr = arr.copy()  # never change, or hand out a view of, the caller's buffer
    if needs_fix:
        arr = correct_unused_bits(arr, desc)
    return _finish(arr, desc, nframes, frame is None)


def _needs_correction(desc: ImageDescription) -> bool:
    return not desc.is_float and desc.bits_allocated > 1 and desc.stored < desc.bits_allocated


_NATIVE = "<" if np.little_endian else ">"


def _finish(arr: np.ndarray, desc: ImageDescription, nframes: int, all_frames: bool) -> np.ndarray:
    if desc.samples_per_pixel == 1:
        arr = arr[..., 0]
    if nframes == 1 and (not all_frames or desc.number_of_frames == 1):
        arr = arr[0]
    return arr


def _swap_ow_words(desc: ImageDescription) -> bool:
    """8-bit data as OW in big endian: bytes are swapped within 16-bit words (PS3.5 A.3)."""
    return (
        not desc.little_endian
        and desc.bits_allocated == 8
        and desc.pixel_keyword == "PixelData"
        and desc.pixel_vr == "OW"
    )


def _swapped_8bit(mv: memoryview, start: int, end: int) -> np.ndarray:
    """Bytes ``start:end`` of 8-bit data stored in byte-swapped 16-bit words."""
    wstart = start - (start % 2)
    wend = end + (end % 2)
    chunk = bytes(mv[wstart:wend])
    if len(chunk) % 2:  # odd total value length: the pad byte is missing
        chunk += b"\x00"
    words = np.frombuffer(chunk, dtype="<u2").byteswap()
    return words.view(np.uint8)[start - wstart : start - wstart + (end - start)]


def _expand_ybr_422(arr: np.ndarray, desc: ImageDescription, nframes: int) -> np.ndarray:
    """Y0 Y1 Cb Cr per pair of pixels -> (frames, rows, cols, 3) (PS3.3 C.7.6.3.1.2)."""
    groups = arr.reshape(nframes, desc.rows, desc.columns // 2, 4)
    out = np.empty((nframes, desc.rows, desc.columns, 3), dtype=arr.dtype)
    out[:, :, 0::2, 0] = groups[..., 0]
    out[:, :, 1::2, 0] = groups[..., 1]
    out[:, :, :, 1] = np.repeat(groups[..., 2], 2, axis=2)
    out[:, :, :, 2] = np.repeat(groups[..., 3], 2, axis=2)
    return out


def correct_unused_bits(arr: np.ndarray, desc: ImageDescription) -> np.ndarray:
    """Mask the bits above Bits Stored; sign-extend from Bits Stored when signed.

    PS3.5 8.1.1: bits above High Bit are not part of the value. Works on a copy when
    ``arr`` is read-only; float data and 1-bit data are returned unchanged.
    """
    if desc.is_float or desc.bits_allocated == 1:
        return arr
    shift = arr.dtype.itemsize * 8 - desc.stored
    if shift <= 0:
        return arr
    if not arr.flags.writeable:
        arr = arr.copy()
    np.left_shift(arr, shift, out=arr)
    np.right_shift(arr, shift, out=arr)
    return arr


def iter_native_frames(buf: Buffer, desc: ImageDescription) -> Iterator[np.ndarray]:
    """Each frame in turn, each decoded on its own (memory of one frame at a time)."""
    for index in range(desc.number_of_frames):
        yield decode_native(buf, desc, frame=index)


def encode_native(arr: np.ndarray, desc: ImageDescription) -> bytes:
    """Encode an array (as returned by :func:`decode_native`) back to native bytes.

    Honours Planar Configuration, byte order, Bits Allocated 1 (LSB first, frames packed
    without padding) and YBR_FULL_422 (the Cb/Cr of even columns are kept). The result is
    padded to an even length (PS3.5 7.1.1).
    """
    a = np.asarray(arr)
    expected = desc.shape
    if a.shape != expected:
        raise PixelDataError(f"array shape {a.shape} does not match the description {expected}")
    a = a.reshape(desc.number_of_frames, desc.rows, desc.columns, desc.samples_per_pixel)
    if desc.bits_allocated == 1:
        data = np.packbits(a.astype(np.uint8).ravel() & 1, bitorder="little").tobytes()
    else:
        dt = desc.dtype(native_order=False)
        if desc.is_ybr_422:
            groups = np.empty((a.shape[0], desc.rows, desc.columns // 2, 4), dtype=dt)
            groups[..., 0] = a[:, :, 0::2, 0]
            groups[..., 1] = a[:, :, 1::2, 0]
            groups[..., 2] = a[:, :, 0::2, 1]
            groups[..., 3] = a[:, :, 0::2, 2]
            a = groups
        elif desc.samples_per_pixel > 1 and desc.planar_configuration == 1:
            a = a.transpose(0, 3, 1, 2)
        a = np.ascontiguousarray(a, dtype=dt)
        if _swap_ow_words(desc):
            data = a.tobytes()
            if len(data) % 2:
                data += b"\x00"
            return np.frombuffer(data, dtype="<u2").byteswap().tobytes()
        data = a.tobytes()
    if len(data) % 2:
        data += b"\x00"
    return data
