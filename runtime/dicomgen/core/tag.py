"""DICOM tags: a 32-bit ``(group, element)`` pair that behaves as an ``int``."""

from __future__ import annotations

import re

from .errors import InvalidValueError

_TAG_RE = re.compile(r"^\(?\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)?$")


class Tag(int):
    """A data element tag. ``Tag(0x00100010)``, ``Tag(0x0010, 0x0010)``, ``Tag("(0010,0010)")``,
    or ``Tag("PatientName")`` (a keyword of the data dictionary)."""

    __slots__ = ()

    def __new__(cls, value: int | str | tuple[int, int], element: int | None = None) -> Tag:
        if element is not None:
            if not isinstance(value, int):
                raise InvalidValueError(f"tag group must be an int, not {type(value).__name__}")
            value = (value << 16) | element
        elif isinstance(value, tuple):
            value = (value[0] << 16) | value[1]
        elif isinstance(value, str):
            m = _TAG_RE.match(value)
            if m:
                value = int(m.group(1) + m.group(2), 16)
            else:
                from .dictionary import tag_for_keyword

                found = tag_for_keyword(value)
                if found is None:
                    raise InvalidValueError(f"{value!r} is neither a tag nor a dictionary keyword")
                value = found
        if not isinstance(value, int) or not 0 <= value <= 0xFFFFFFFF:
            raise InvalidValueError(f"tag out of range: {value!r}")
        return super().__new__(cls, value)

    @property
    def group(self) -> int:
        return self >> 16

    @property
    def element(self) -> int:
        return self & 0xFFFF

    @property
    def is_private(self) -> bool:
        """Odd group (and not one of the reserved groups 0001, 0003, 0005, 0007, FFFF)."""
        return bool(self.group & 1) and self.group not in (1, 3, 5, 7, 0xFFFF)

    @property
    def is_private_creator(self) -> bool:
        return self.is_private and 0x0010 <= self.element <= 0x00FF

    @property
    def private_block(self) -> int:
        """For a private data element (gggg,xxee): its block ``xx`` (creator at (gggg,00xx))."""
        return (self.element >> 8) & 0xFF

    def __str__(self) -> str:
        return f"({self >> 16:04X},{self & 0xFFFF:04X})"

    def __repr__(self) -> str:
        return f"Tag(0x{int(self):08X})"

    @property
    def json_key(self) -> str:
        """The key of this tag in the DICOM JSON model, ``"0010001"``-style (8 hex digits)."""
        return f"{int(self):08X}"


def tag_str(tag: int) -> str:
    """``(gggg,eeee)`` for any int."""
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


ITEM = 0xFFFEE000
ITEM_DELIMITATION = 0xFFFEE00D
SEQUENCE_DELIMITATION = 0xFFFEE0DD
