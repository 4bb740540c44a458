"""Whether a decoded data set is complete: what an archive checks before it acknowledges a
data set, and what a sender checks before it sends a file.

:func:`decode_dataset <dicomgen.encoding.reader.decode_dataset>` (without
``stop_before_pixels``) already refuses any element whose value runs past the data and any
encapsulated Pixel Data whose fragments do; :func:`check_complete` adds the one truncation a
well-formed element can still hide: native Pixel Data shorter than its Image Pixel
attributes (Rows, Columns, Samples per Pixel, Bits Allocated, Number of Frames) describe
(PS3.5 8.1.1, PS3.3 C.7.6.3).
"""

from __future__ import annotations

from ..core.dataset import Dataset
from ..core.errors import DecodeError, DicomError

PIXEL_DATA = 0x7FE00010


def check_complete(ds: Dataset, transfer_syntax: str | None = None) -> None:
    """DecodeError if the native Pixel Data of ``ds`` is shorter than described."""
    element = ds.get(PIXEL_DATA)
    if element is None or element.vr == "SQ" or element.undefined_length:
        return
    from ..pixels.description import ImageDescription

    try:
        description = ImageDescription.from_dataset(ds, transfer_syntax_uid=transfer_syntax)
        expected = description.expected_length
    except DicomError:  # no usable Image Pixel attributes: nothing to measure against
        return
    raw = element.raw
    have = len(raw) if raw is not None else len(element.value or b"")
    if have < expected:
        raise DecodeError(
            f"Pixel Data holds {have} bytes, fewer than the {expected} its Image Pixel"
            f" attributes describe ({description.rows} x {description.columns} x"
            f" {description.samples_per_pixel} samples x {description.bits_allocated} bits x"
            f" {description.number_of_frames} frames)",
            tag=PIXEL_DATA,
        )


__all__ = ["check_complete"]
