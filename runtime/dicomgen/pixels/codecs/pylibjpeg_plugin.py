"""Decoders through the pylibjpeg plugins (imported only when a frame is decoded).

- pylibjpeg-libjpeg: JPEG baseline/extended/lossless (PS3.5 A.4.1), JPEG-LS (A.4.3);
- pylibjpeg-openjpeg: JPEG 2000 (A.4.4) and HTJ2K (A.4.11);
- pylibjpeg-rle: RLE Lossless (Annex G).

Each returns one frame shaped ``desc.frame_shape`` with dtype ``desc.dtype()``, with the
same corrections pydicom 3 applies: no color transform (YBR stays YBR; see
:mod:`dicomgen.pixels.color`); JPEG-LS signed data sign-extended from the codestream
precision (JPEG-LS has no signedness); JPEG 2000 monochrome data whose codestream
signedness differs from Pixel Representation sign-corrected; other syntaxes masked /
sign-extended from Bits Stored.
"""

from __future__ import annotations

import numpy as np

from dicomgen.core.errors import PixelDataError

from ..description import ImageDescription
from ..native import correct_unused_bits


def _shape_frame(arr: np.ndarray, desc: ImageDescription) -> np.ndarray:
    if arr.size != desc.rows * desc.columns * desc.samples_per_pixel:
        raise PixelDataError(
            f"decoded frame has {arr.size} samples, {desc.rows}x{desc.columns}x"
            f"{desc.samples_per_pixel} expected"
        )
    return arr.reshape(desc.frame_shape)


def _reinterpret(arr: np.ndarray, signed: bool) -> np.ndarray:
    """The decoded container viewed with the signedness of Pixel Representation."""
    kind = "i" if signed else "u"
    return arr.view(np.dtype(f"{kind}{arr.dtype.itemsize}"))


def _sign_extend(arr: np.ndarray, precision: int) -> np.ndarray:
    shift = arr.dtype.itemsize * 8 - precision
    if shift > 0:
        arr = arr if arr.flags.writeable else arr.copy()
        np.left_shift(arr, shift, out=arr)
        np.right_shift(arr, shift, out=arr)
    return arr


def _to_desc_dtype(arr: np.ndarray, desc: ImageDescription) -> np.ndarray:
    dt = desc.dtype()
    return arr if arr.dtype == dt else arr.astype(dt)


def decode_libjpeg(frame: bytes | memoryview, desc: ImageDescription) -> np.ndarray:
    """JPEG (10918-1) and JPEG-LS (14495-1) frames through pylibjpeg-libjpeg."""
    from libjpeg.utils import decode, get_parameters

    data = bytes(frame)
    try:
        arr = decode(data, colour_transform=0, reshape=True)
    except (RuntimeError, ValueError) as exc:
        raise PixelDataError(f"libjpeg could not decode the frame: {exc}") from exc
    arr = _reinterpret(np.ascontiguousarray(arr), bool(desc.pixel_representation))
    arr = _shape_frame(arr, desc)
    from . import JPEG_LS_SYNTAXES

    if desc.transfer_syntax_uid in JPEG_LS_SYNTAXES:
        if desc.pixel_representation:
            try:
                precision = int(get_parameters(data).get("precision", desc.stored))
            except (RuntimeError, ValueError):
                precision = desc.stored
            arr = _sign_extend(arr, precision)
        return _to_desc_dtype(arr, desc)
    return correct_unused_bits(_to_desc_dtype(arr, desc), desc)


def decode_openjpeg(frame: bytes | memoryview, desc: ImageDescription) -> np.ndarray:
    """JPEG 2000 / HTJ2K codestreams (15444-1/-15) through pylibjpeg-openjpeg."""
    from openjpeg.utils import decode, get_parameters

    data = bytes(frame)
    try:
        params = get_parameters(data)
        arr = decode(data)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise PixelDataError(f"openjpeg could not decode the frame: {exc}") from exc
    arr = _reinterpret(np.ascontiguousarray(arr), bool(desc.pixel_representation))
    arr = _shape_frame(arr, desc)
    precision = int(params.get("precision", desc.stored))
    j2k_signed = bool(params.get("is_signed", desc.pixel_representation))
    if desc.photometric_interpretation in ("MONOCHROME1", "MONOCHROME2") and j2k_signed != bool(
        desc.pixel_representation
    ):
        arr = _sign_extend(arr, precision)
    return _to_desc_dtype(arr, desc)


def decode_rle(frame: bytes | memoryview, desc: ImageDescription) -> np.ndarray:
    """RLE Lossless frames through pylibjpeg-rle (returned planar; reordered here)."""
    from rle.utils import decode_pixel_data

    if desc.bits_allocated == 1:
        raise PixelDataError("RLE with Bits Allocated 1 is not supported")
    try:
        out = decode_pixel_data(
            bytes(frame),
            version=2,
            rows=desc.rows,
            columns=desc.columns,
            bits_allocated=desc.bits_allocated,
            byteorder="<",
        )
    except (ValueError, RuntimeError) as exc:
        raise PixelDataError(f"pylibjpeg-rle could not decode the frame: {exc}") from exc
    dt = desc.dtype().newbyteorder("<") if desc.bits_allocated > 8 else desc.dtype()
    arr = np.frombuffer(out, dtype=dt)
    spp = desc.samples_per_pixel
    if arr.size != desc.rows * desc.columns * spp:
        raise PixelDataError(
            f"RLE frame decodes to {arr.size} samples, {desc.rows * desc.columns * spp} expected"
        )
    arr = arr.reshape(spp, desc.rows, desc.columns)
    arr = np.ascontiguousarray(np.moveaxis(arr, 0, -1) if spp > 1 else arr[0], dtype=desc.dtype())
    return correct_unused_bits(arr, desc)
