"""Pixel data: native and encapsulated decoding, codecs, RLE, color (PS3.5 8, A.4, G).

This package imports numpy; ``import dicomgen`` never imports it. Entry points on a
:class:`~dicomgen.core.dataset.Dataset` (as returned by ``dicomgen.read``) or a typed object
(anything with ``to_dataset()``, e.g. a ``CTImageIOD``):

- :func:`pixel_array` ``(ds, *, frame=None, as_rgb=False)`` - all frames or one frame;
- :func:`frames` ``(ds)`` - a lazy sequence of frames (``len``, index, iterate);
- :func:`iter_frames` ``(ds)`` - frames one at a time;
- :func:`describe` ``(ds)`` - the :class:`ImageDescription`.

Only the frame asked for is sliced (native) or its fragments found (encapsulated) and
decoded; the value stays a memoryview into the file's buffer or mmap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import PixelDataError

from .description import (
    DOUBLE_FLOAT_PIXEL_DATA,
    EXTENDED_OFFSET_TABLE,
    EXTENDED_OFFSET_TABLE_LENGTHS,
    FLOAT_PIXEL_DATA,
    PIXEL_DATA,
    ImageDescription,
)
from .encapsulation import EncapsulatedPixelData, encapsulate, encapsulate_extended, get_frame
from .native import decode_native, encode_native, frame_bytes, iter_native_frames

_TRANSFER_SYNTAX_UID = 0x00020010
_BIG_ENDIAN = "1.2.840.10008.1.2.2"


def _value_buffer(element: Any) -> memoryview:
    raw = getattr(element, "raw", None)
    if raw is None:
        raw = getattr(element, "value", element)
    if raw is None:
        raise PixelDataError("the pixel data element has no value", tag=int(element.tag))
    try:
        mv = memoryview(raw)
    except TypeError as exc:
        raise PixelDataError(
            f"pixel data value of type {type(raw).__name__} is not a buffer",
            tag=getattr(element, "tag", None),
        ) from exc
    return mv if mv.format == "B" and mv.ndim == 1 else mv.cast("B")


def transfer_syntax_of(ds: Any) -> str | None:
    """The transfer syntax a data set was read with (or its File Meta's), else ``None``."""
    uid = getattr(ds, "read_transfer_syntax", None)
    if not uid:
        meta = getattr(ds, "file_meta", None)
        if meta is not None:
            uid = getattr(meta, "transfer_syntax_uid", None)
            if uid is None and hasattr(meta, "get"):
                element = meta.get(_TRANSFER_SYNTAX_UID)
                uid = getattr(element, "value", element)
    if not uid:
        return None
    return str(getattr(uid, "uid", uid)).strip("\x00 ")


def dataset_of(obj: Any) -> Any:
    """``obj`` itself if it is a data set; a typed object (anything with a ``to_dataset()``
    method, such as the generated IOD classes) encoded to its data set."""
    to_dataset = getattr(obj, "to_dataset", None)
    if callable(to_dataset) and not isinstance(obj, Dataset):
        return to_dataset()
    return obj


def _pixel_element(ds: Any) -> Any:
    for tag in (PIXEL_DATA, FLOAT_PIXEL_DATA, DOUBLE_FLOAT_PIXEL_DATA):
        if tag in ds:
            return ds[tag]
    raise PixelDataError("the data set has no Pixel Data, Float or Double Float Pixel Data")


def describe(ds: Any) -> ImageDescription:
    """The :class:`ImageDescription` of a data set's (or typed object's) pixel data."""
    ds = dataset_of(ds)
    uid = transfer_syntax_of(ds)
    element = _pixel_element(ds)
    little = getattr(element, "raw_little_endian", None)
    if little is None or getattr(element, "raw", None) is None:
        little = uid != _BIG_ENDIAN
    return ImageDescription.from_dataset(ds, little_endian=little, transfer_syntax_uid=uid)


class Frames(Sequence[np.ndarray]):
    """The frames of a data set's pixel data, decoded one at a time on access."""

    def __init__(self, ds: Any, *, as_rgb: bool = False) -> None:
        ds = dataset_of(ds)
        self.description: ImageDescription = describe(ds)
        element = _pixel_element(ds)
        self._buf = _value_buffer(element)
        self.as_rgb = as_rgb
        self.encapsulated: EncapsulatedPixelData | None = None
        if getattr(element, "undefined_length", False) or _starts_with_item(self._buf, element):
            eot = ds.get(EXTENDED_OFFSET_TABLE) if hasattr(ds, "get") else None
            eot_len = ds.get(EXTENDED_OFFSET_TABLE_LENGTHS) if hasattr(ds, "get") else None
            self.encapsulated = EncapsulatedPixelData(
                self._buf,
                self.description.number_of_frames,
                extended_offsets=None if eot is None else bytes(_value_buffer(eot)),
                extended_lengths=None if eot_len is None else bytes(_value_buffer(eot_len)),
            )

    def __len__(self) -> int:
        return self.description.number_of_frames

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = int(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise PixelDataError(f"frame index {index} is out of range for {len(self)} frame(s)")
        return self._post(self._decode(i))

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.encapsulated is None:
            for i in range(len(self)):
                yield self._post(self._decode(i))
            return
        desc = self.description
        from .codecs import get_decoder

        decode = get_decoder(_require_ts(desc))
        for data in self.encapsulated.iter_frames():
            yield self._post(decode(data, desc))

    def _decode(self, i: int) -> np.ndarray:
        desc = self.description
        if self.encapsulated is None:
            return decode_native(self._buf, desc, frame=i)
        from .codecs import get_decoder

        return get_decoder(_require_ts(desc))(self.encapsulated.get_frame(i), desc)

    def _post(self, arr: np.ndarray) -> np.ndarray:
        if self.as_rgb:
            from .color import to_rgb

            return to_rgb(arr, self.description.photometric_interpretation)
        return arr

    def array(self) -> np.ndarray:
        """All frames as one array (frames axis only when Number of Frames > 1)."""
        desc = self.description
        if self.encapsulated is None:
            return self._post(decode_native(self._buf, desc))
        frames = list(self)
        return frames[0] if len(frames) == 1 else np.stack(frames)


def _require_ts(desc: ImageDescription) -> str:
    if not desc.transfer_syntax_uid:
        raise PixelDataError("encapsulated pixel data without a known transfer syntax")
    return desc.transfer_syntax_uid


def _starts_with_item(buf: memoryview, element: Any) -> bool:
    """Encapsulated value given without the undefined-length flag (built in Python)."""
    return (
        getattr(element, "raw", None) is None
        and len(buf) >= 8
        and bytes(buf[:4]) == b"\xfe\xff\x00\xe0"
        and getattr(element, "vr", "OB") == "OB"
        and int(getattr(element, "tag", PIXEL_DATA)) == PIXEL_DATA
    )


def frames(ds: Any, *, as_rgb: bool = False) -> Frames:
    """A lazy sequence of the frames of ``ds`` (``len``, ``[i]``, iteration)."""
    return Frames(ds, as_rgb=as_rgb)


def iter_frames(ds: Any, *, as_rgb: bool = False) -> Iterator[np.ndarray]:
    """Each frame of ``ds`` in turn, decoded one at a time."""
    return iter(Frames(ds, as_rgb=as_rgb))


def pixel_array(ds: Any, *, frame: int | None = None, as_rgb: bool = False) -> np.ndarray:
    """The pixel data of ``ds`` as an array; only ``frame`` is decoded if given.

    Shapes: ``(rows, cols[, samples])`` for one frame, with a leading frames axis when
    Number of Frames > 1 and ``frame is None``. Values are masked to Bits Stored and
    sign-extended (PS3.5 8.1.1). ``as_rgb`` converts YBR_FULL / YBR_FULL_422 to RGB.
    """
    f = Frames(ds, as_rgb=as_rgb)
    return f.array() if frame is None else f[frame]


def compress(
    arr: np.ndarray,
    desc: ImageDescription,
    uid: str,
    *,
    basic_offset_table: bool = True,
) -> bytes:
    """Encode every frame of ``arr`` (shaped as :func:`pixel_array` returns) with the
    encoder plugin for ``uid`` and encapsulate them (PS3.5 A.4), ready to be the value of
    an undefined-length (7FE0,0010) (Sequence Delimitation Item not included)."""
    from .codecs import get_encoder

    a = np.asarray(arr)
    if a.shape != desc.shape:
        raise PixelDataError(f"array shape {a.shape} does not match the description {desc.shape}")
    encode = get_encoder(uid)
    stack = a if desc.number_of_frames > 1 else a[np.newaxis]
    return encapsulate(
        (encode(frame, desc) for frame in stack),
        basic_offset_table=basic_offset_table,
        with_delimiter=False,
    )


__all__ = [
    "compress",
    "dataset_of",
    "EncapsulatedPixelData",
    "Frames",
    "ImageDescription",
    "decode_native",
    "describe",
    "encapsulate",
    "encapsulate_extended",
    "encode_native",
    "frame_bytes",
    "frames",
    "get_frame",
    "iter_frames",
    "iter_native_frames",
    "pixel_array",
    "transfer_syntax_of",
]
