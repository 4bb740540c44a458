"""Whether a decoded data set is complete: what an archive checks before it acknowledges a
data set, and what a sender checks before it sends a file.

:func:`decode_dataset <dicomgen.encoding.reader.decode_dataset>` (without
``stop_before_pixels``) already refuses any element whose value runs past the data and any
encapsulated Pixel Data whose fragments do; :func:`check_complete` adds the one truncation a
well-formed element can still hide: native Pixel Data shorter than its Image Pixel
attributes (Rows, Columns, Samples per Pixel, Bits Allocated, Number of Frames) describe
(PS3.5 8.1.1, PS3.3 C.7.6.3). It reads those few values straight from their encoded bytes:
it runs for every stored instance.
"""

from __future__ import annotations

from typing import Any

from ..core.dataset import Dataset
from ..core.errors import DecodeError, DicomError

PIXEL_DATA = 0x7FE00010
SAMPLES_PER_PIXEL = 0x00280002
PHOTOMETRIC_INTERPRETATION = 0x00280004
NUMBER_OF_FRAMES = 0x00280008
ROWS = 0x00280010
COLUMNS = 0x00280011
BITS_ALLOCATED = 0x00280100


def _us(ds: Dataset, tag: int) -> int | None:
    """The first value of the US element ``tag``, None if absent or empty."""
    e = ds.get(tag)
    if e is None:
        return None
    raw = e.raw_if_unchanged()
    if raw is not None and e.vr == "US":
        return int.from_bytes(raw[:2], "little" if e.raw_little_endian else "big") if raw else None
    return _first_int(e.value)


def _first_int(value: Any) -> int | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return None if value is None or value == "" else int(value)


def check_complete(ds: Dataset) -> None:
    """DecodeError if the native Pixel Data of ``ds`` is shorter than described."""
    element = ds.get(PIXEL_DATA)
    if element is None or element.vr == "SQ" or element.undefined_length:
        return
    try:
        rows, columns, bits = _us(ds, ROWS), _us(ds, COLUMNS), _us(ds, BITS_ALLOCATED)
        if not rows or not columns or not bits:
            return  # no usable Image Pixel attributes: nothing to measure against
        samples = _us(ds, SAMPLES_PER_PIXEL) or 1
        frames = _first_int(ds.get(NUMBER_OF_FRAMES).value) if NUMBER_OF_FRAMES in ds else 1
        if samples == 3 and PHOTOMETRIC_INTERPRETATION in ds:
            if "422" in str(ds[PHOTOMETRIC_INTERPRETATION].value or ""):
                samples = 2  # YBR_FULL_422: two samples per pixel on average (C.7.6.3.1.2)
    except (DicomError, ValueError, TypeError):  # undecodable attributes: nothing to measure
        return
    expected = (rows * columns * samples * bits * max(frames or 1, 1) + 7) // 8
    raw = element.raw
    have = len(raw) if raw is not None else len(element.value or b"")
    if have < expected:
        raise DecodeError(
            f"Pixel Data holds {have} bytes, fewer than the {expected} its Image Pixel"
            f" attributes describe ({rows} x {columns} x {samples} samples x {bits} bits x"
            f" {frames or 1} frames)",
            tag=PIXEL_DATA,
        )


__all__ = ["check_complete"]
