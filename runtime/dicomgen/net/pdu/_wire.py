"""Bounds-checked reading of PDU fields (PS3.8 9.3.1: all multi-byte fields are big endian).

Every read past the end of the field being parsed raises :class:`PDUError` naming the
absolute offset in the PDU and the field, never ``struct.error`` or ``IndexError``.
"""

from __future__ import annotations

import enum
import struct

from dicomgen.core.errors import PDUError


class AbortReason(enum.IntEnum):
    """Reason/Diag. of an A-ABORT PDU with source service-provider (PS3.8 Table 9-26)."""

    NOT_SPECIFIED = 0
    UNRECOGNIZED_PDU = 1
    UNEXPECTED_PDU = 2
    UNRECOGNIZED_PDU_PARAMETER = 4
    UNEXPECTED_PDU_PARAMETER = 5
    INVALID_PDU_PARAMETER_VALUE = 6


class Cursor:
    """Reads big-endian fields from ``data[start:end]``; offsets reported are absolute."""

    __slots__ = ("data", "pos", "end", "what")
    data: bytes | memoryview
    pos: int
    end: int
    what: str

    def __init__(self, data: bytes | memoryview, start: int, end: int, what: str) -> None:
        self.data = data
        self.pos = start
        self.end = end
        self.what = what

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def _need(self, n: int, field: str) -> int:
        if n < 0 or self.pos + n > self.end:
            raise PDUError(
                f"{self.what}: {field} needs {n} bytes but only {self.end - self.pos} remain",
                offset=self.pos,
                reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
            )
        p = self.pos
        self.pos += n
        return p

    def u8(self, field: str) -> int:
        return self.data[self._need(1, field)]

    def u16(self, field: str) -> int:
        p = self._need(2, field)
        return struct.unpack_from(">H", self.data, p)[0]

    def u32(self, field: str) -> int:
        p = self._need(4, field)
        return struct.unpack_from(">I", self.data, p)[0]

    def take(self, n: int, field: str) -> bytes:
        p = self._need(n, field)
        return bytes(self.data[p : p + n])

    def skip(self, n: int, field: str) -> None:
        self._need(n, field)

    def sub(self, n: int, what: str) -> Cursor:
        """A cursor over the next ``n`` bytes (an item's value); this cursor moves past them."""
        p = self._need(n, f"{what} (length {n})")
        return Cursor(self.data, p, p + n, what)


def text_field(raw: bytes, *, strip_nulls: bool = True) -> str:
    """Decode an ASCII (ISO 646) field; trailing NUL padding from some peers is dropped."""
    s = raw.decode("ascii", errors="replace")
    return s.rstrip("\0 ") if strip_nulls else s


def ascii_bytes(value: str, field: str) -> bytes:
    try:
        return value.encode("ascii")
    except UnicodeEncodeError as exc:
        raise PDUError(f"{field} must be ASCII: {value!r}") from exc


def item_header(item_type: int, length: int, *, reserved: int = 0) -> bytes:
    """Item-type, Reserved, Item-length (2 bytes): the header of every item (PS3.8 9.3.2)."""
    if length > 0xFFFF:
        raise PDUError(f"item 0x{item_type:02X} value of {length} bytes exceeds 65535")
    return struct.pack(">BBH", item_type, reserved, length)
