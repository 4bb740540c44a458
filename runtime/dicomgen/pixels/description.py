"""The Image Pixel description of a data set: what is needed to interpret Pixel Data.

PS3.3 C.7.6.3 (Image Pixel Module): Rows, Columns, Samples per Pixel, Bits Allocated,
Bits Stored, High Bit, Pixel Representation, Planar Configuration, Photometric
Interpretation; PS3.3 C.7.6.6 (Multi-frame Module): Number of Frames; PS3.5 8.1.1 and
8.2 for how the transfer syntax (byte order, encapsulation) affects the encoding.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import attrs

from dicomgen.core.errors import PixelDataError

# (7FE0,0010) Pixel Data, (7FE0,0008) Float Pixel Data, (7FE0,0009) Double Float Pixel Data
PIXEL_DATA = 0x7FE00010
FLOAT_PIXEL_DATA = 0x7FE00008
DOUBLE_FLOAT_PIXEL_DATA = 0x7FE00009
EXTENDED_OFFSET_TABLE = 0x7FE00001
EXTENDED_OFFSET_TABLE_LENGTHS = 0x7FE00002

PIXEL_KEYWORDS: dict[int, str] = {
    PIXEL_DATA: "PixelData",
    FLOAT_PIXEL_DATA: "FloatPixelData",
    DOUBLE_FLOAT_PIXEL_DATA: "DoubleFloatPixelData",
}

# Image Pixel Module attributes (PS3.3 C.7.6.3) and Number of Frames (C.7.6.6)
SAMPLES_PER_PIXEL = 0x00280002
PHOTOMETRIC_INTERPRETATION = 0x00280004
PLANAR_CONFIGURATION = 0x00280006
NUMBER_OF_FRAMES = 0x00280008
ROWS = 0x00280010
COLUMNS = 0x00280011
BITS_ALLOCATED = 0x00280100
BITS_STORED = 0x00280101
HIGH_BIT = 0x00280102
PIXEL_REPRESENTATION = 0x00280103

_ALLOWED_BITS = (1, 8, 16, 32, 64)


@attrs.frozen(kw_only=True)
class ImageDescription:
    """How to interpret one Pixel Data value (PS3.3 C.7.6.3, PS3.5 8).

    ``pixel_keyword`` is ``"PixelData"``, ``"FloatPixelData"`` (Bits Allocated 32) or
    ``"DoubleFloatPixelData"`` (Bits Allocated 64). ``little_endian`` is the byte order of
    the transfer syntax; ``pixel_vr`` matters only for 8-bit data encoded as OW in Explicit
    VR Big Endian (PS3.5 8.1.1 and A.3: OW words are byte-swapped).
    """

    rows: int
    columns: int
    bits_allocated: int
    samples_per_pixel: int = 1
    bits_stored: int | None = None
    pixel_representation: int = 0
    planar_configuration: int = 0
    photometric_interpretation: str = "MONOCHROME2"
    number_of_frames: int = 1
    little_endian: bool = True
    pixel_keyword: str = "PixelData"
    pixel_vr: str | None = None
    transfer_syntax_uid: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.bits_stored is None:
            object.__setattr__(self, "bits_stored", self.bits_allocated)
        self.validate()

    # --- checks ------------------------------------------------------------------

    def validate(self) -> None:
        """Raise :class:`PixelDataError` naming the attribute that is out of range."""
        if self.rows < 1 or self.columns < 1:
            raise PixelDataError(
                f"Rows and Columns must be positive, got {self.rows} x {self.columns}",
                tag=ROWS,
            )
        if self.bits_allocated not in _ALLOWED_BITS:
            raise PixelDataError(
                f"Bits Allocated {self.bits_allocated} is not one of {_ALLOWED_BITS}",
                tag=BITS_ALLOCATED,
            )
        bs = self.stored
        if not 1 <= bs <= self.bits_allocated:
            raise PixelDataError(
                f"Bits Stored {bs} is not within 1..Bits Allocated ({self.bits_allocated})",
                tag=BITS_STORED,
            )
        if self.samples_per_pixel not in (1, 3, 4):
            raise PixelDataError(
                f"Samples per Pixel {self.samples_per_pixel} is not 1 or 3",
                tag=SAMPLES_PER_PIXEL,
            )
        if self.pixel_representation not in (0, 1):
            raise PixelDataError(
                f"Pixel Representation {self.pixel_representation} is not 0 or 1",
                tag=PIXEL_REPRESENTATION,
            )
        if self.planar_configuration not in (0, 1):
            raise PixelDataError(
                f"Planar Configuration {self.planar_configuration} is not 0 or 1",
                tag=PLANAR_CONFIGURATION,
            )
        if self.number_of_frames < 1:
            raise PixelDataError(
                f"Number of Frames {self.number_of_frames} is not positive",
                tag=NUMBER_OF_FRAMES,
            )
        if self.pixel_keyword not in PIXEL_KEYWORDS.values():
            raise PixelDataError(f"unknown pixel data keyword {self.pixel_keyword!r}")
        if self.is_float and self.bits_allocated not in (32, 64):
            raise PixelDataError(
                f"{self.pixel_keyword} needs Bits Allocated 32 or 64, not {self.bits_allocated}",
                tag=BITS_ALLOCATED,
            )
        if self.is_ybr_422 and self.columns % 2:
            raise PixelDataError(
                f"YBR_FULL_422 needs an even number of Columns, got {self.columns}", tag=COLUMNS
            )

    # --- derived facts -------------------------------------------------------------

    @property
    def stored(self) -> int:
        """Bits Stored as an int (defaults to Bits Allocated)."""
        return int(self.bits_stored if self.bits_stored is not None else self.bits_allocated)

    @property
    def is_float(self) -> bool:
        return self.pixel_keyword != "PixelData"

    @property
    def is_ybr_422(self) -> bool:
        """Native YBR_FULL_422: two Y then Cb Cr per pair of pixels (PS3.3 C.7.6.3.1.2)."""
        return self.photometric_interpretation == "YBR_FULL_422" and self.samples_per_pixel == 3

    @property
    def pixels_per_frame(self) -> int:
        return self.rows * self.columns

    @property
    def frame_length_bits(self) -> int:
        """Bits one natively encoded frame occupies (PS3.5 8.1.1; 422 has 2 samples/pixel)."""
        samples = 2 if self.is_ybr_422 else self.samples_per_pixel
        return self.rows * self.columns * samples * self.bits_allocated

    @property
    def frame_length(self) -> int:
        """Bytes of one native frame, rounded up (1-bit frames may end mid-byte)."""
        return (self.frame_length_bits + 7) // 8

    @property
    def expected_length(self) -> int:
        """Bytes of all native frames, before the trailing padding byte (PS3.5 8.1.1)."""
        return (self.frame_length_bits * self.number_of_frames + 7) // 8

    @property
    def frame_shape(self) -> tuple[int, ...]:
        """(rows, cols) or (rows, cols, samples) of one decoded frame."""
        if self.samples_per_pixel == 1:
            return (self.rows, self.columns)
        return (self.rows, self.columns, self.samples_per_pixel)

    @property
    def shape(self) -> tuple[int, ...]:
        """Decoded shape of all frames: frames first only when Number of Frames > 1."""
        if self.number_of_frames == 1:
            return self.frame_shape
        return (self.number_of_frames, *self.frame_shape)

    def dtype(self, *, native_order: bool = True) -> Any:
        """The numpy dtype of decoded values (container of Bits Allocated).

        Bits Allocated 1 decodes to ``uint8``. With ``native_order=False`` the dtype has the
        transfer syntax's byte order (to read the encoded bytes in place).
        """
        import numpy as np

        if self.bits_allocated == 1:
            return np.dtype("u1")
        if self.is_float:
            kind = "f"
        else:
            kind = "i" if self.pixel_representation else "u"
        dt = np.dtype(f"{kind}{self.bits_allocated // 8}")
        if not native_order and dt.itemsize > 1:
            dt = dt.newbyteorder("<" if self.little_endian else ">")
        return dt

    def replace(self, **changes: Any) -> ImageDescription:
        return attrs.evolve(self, **changes)

    # --- from a data set -------------------------------------------------------------

    @classmethod
    def from_dataset(
        cls,
        ds: Mapping[int, Any],
        *,
        little_endian: bool | None = None,
        transfer_syntax_uid: str | None = None,
    ) -> ImageDescription:
        """Read the Image Pixel attributes from a data set mapping ``int tag -> element``.

        The pixel keyword comes from which of (7FE0,0010/0008/0009) is present. Missing
        required attributes raise :class:`PixelDataError` naming the tag.
        """
        keyword = "PixelData"
        pixel_vr = None
        for tag, kw in PIXEL_KEYWORDS.items():
            if tag in ds:
                keyword = kw
                pixel_vr = _vr_of(ds[tag])
                break
        if little_endian is None:
            little_endian = _ts_little_endian(transfer_syntax_uid)
        bits_allocated = _int(ds, BITS_ALLOCATED, required=True)
        return cls(
            rows=_int(ds, ROWS, required=True),
            columns=_int(ds, COLUMNS, required=True),
            bits_allocated=bits_allocated,
            samples_per_pixel=_int(ds, SAMPLES_PER_PIXEL, default=1),
            bits_stored=_int(ds, BITS_STORED, default=bits_allocated),
            pixel_representation=_int(ds, PIXEL_REPRESENTATION, default=0),
            planar_configuration=_int(ds, PLANAR_CONFIGURATION, default=0),
            photometric_interpretation=_str(ds, PHOTOMETRIC_INTERPRETATION) or "MONOCHROME2",
            number_of_frames=max(1, _int(ds, NUMBER_OF_FRAMES, default=1)),
            little_endian=little_endian,
            pixel_keyword=keyword,
            pixel_vr=pixel_vr,
            transfer_syntax_uid=transfer_syntax_uid,
        )


_BIG_ENDIAN_UIDS = {"1.2.840.10008.1.2.2"}


def _ts_little_endian(uid: str | None) -> bool:
    return uid not in _BIG_ENDIAN_UIDS


_BINARY = {"US": "H", "SS": "h", "UL": "L", "SL": "l"}


def _value_of(element: Any) -> Any:
    """First value of an element; the few VRs used here are read straight from ``raw``.

    Reading US/SS/UL/SL and IS/CS/UI from the encoded bytes (PS3.5 6.2) spares the
    generic value decoding for the handful of Image Pixel attributes.
    """
    raw = getattr(element, "raw", None)
    vr = getattr(element, "vr", None)
    if raw is not None and vr is not None:
        vr = str(getattr(vr, "value", vr))
        if vr in _BINARY:
            fmt = _BINARY[vr]
            size = struct.calcsize(fmt)
            data = bytes(raw[:size])
            if len(data) < size:
                return None
            order = "<" if getattr(element, "raw_little_endian", True) else ">"
            return struct.unpack(order + fmt, data)[0]
        if vr in ("IS", "CS", "UI", "DS"):
            text = bytes(raw[:256]).decode("ascii", "replace")
            return text.split("\\")[0].strip(" \x00")
    return getattr(element, "value", element)


def _vr_of(element: Any) -> str | None:
    vr = getattr(element, "vr", None)
    return None if vr is None else str(getattr(vr, "value", vr))


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _int(ds: Mapping[int, Any], tag: int, *, required: bool = False, default: int = 0) -> int:
    element = ds.get(tag) if hasattr(ds, "get") else None
    value = None if element is None else _first(_value_of(element))
    if value is None or (isinstance(value, (str, bytes)) and not value.strip()):
        if required:
            raise PixelDataError("required Image Pixel attribute is missing or empty", tag=tag)
        return default
    try:
        if isinstance(value, (bytes, bytearray, memoryview)):
            value = bytes(value).decode("ascii")
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError) as exc:
        raise PixelDataError(
            f"Image Pixel attribute is not an integer: {value!r}", tag=tag
        ) from exc


def _str(ds: Mapping[int, Any], tag: int) -> str | None:
    element = ds.get(tag) if hasattr(ds, "get") else None
    value = None if element is None else _first(_value_of(element))
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("ascii", "replace")
    return str(value).strip(" \x00") or None
