"""Opt-in color space conversion: YBR_FULL / YBR_FULL_422 -> RGB (PS3.3 C.7.6.3.1.2).

PS3.3 C.7.6.3.1.2 defines YBR_FULL by the ITU-R BT.601 / JFIF (ITU-T T.871 section 7)
equations, with Cb and Cr offset by half the range:

    R = Y                        + 1.402    (Cr - h)
    G = Y - 0.344136 (Cb - h)    - 0.714136 (Cr - h)
    B = Y + 1.772    (Cb - h)

where ``h = 2**(bits - 1)`` (128 for 8-bit). Results are rounded to nearest and clipped
to ``0 .. 2**bits - 1``. YBR_FULL_422 decodes (natively, after upsampling, or from JPEG) to
the same three components, so the same conversion applies.
"""

from __future__ import annotations

import numpy as np

from dicomgen.core.errors import PixelDataError

YBR_PHOTOMETRICS = ("YBR_FULL", "YBR_FULL_422")

# rows: Y, Cb, Cr contributions; columns: R, G, B  (T.871 section 7)
_YBR_TO_RGB = np.array(
    [
        [1.0, 1.0, 1.0],
        [0.0, -0.344136, 1.772],
        [1.402, -0.714136, 0.0],
    ],
    dtype=np.float64,
)


def ybr_full_to_rgb(arr: np.ndarray, *, bits: int | None = None) -> np.ndarray:
    """Convert YBR_FULL samples (last axis of length 3) to RGB of the same dtype."""
    a = np.asarray(arr)
    if a.ndim < 3 or a.shape[-1] != 3:
        raise PixelDataError(f"YBR to RGB needs 3 samples on the last axis, shape is {a.shape}")
    if a.dtype.kind not in "ui":
        raise PixelDataError(f"YBR to RGB needs integer samples, dtype is {a.dtype}")
    nbits = bits if bits is not None else a.dtype.itemsize * 8
    half = float(1 << (nbits - 1))
    top = float((1 << nbits) - 1)
    work = a.astype(np.float64)
    work[..., 1:] -= half
    rgb = np.floor(work @ _YBR_TO_RGB + 0.5)
    np.clip(rgb, 0.0, top, out=rgb)
    return rgb.astype(a.dtype)


def to_rgb(
    arr: np.ndarray, photometric_interpretation: str, *, bits: int | None = None
) -> np.ndarray:
    """RGB for YBR_FULL / YBR_FULL_422 data; other photometric interpretations unchanged."""
    if photometric_interpretation in YBR_PHOTOMETRICS:
        return ybr_full_to_rgb(arr, bits=bits)
    return arr
