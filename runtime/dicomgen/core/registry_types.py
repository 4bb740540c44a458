"""Record types that the generated registries (``dicomgen_std``) are made of.

Generated modules import these and instantiate them from the standard's tables;
the runtime reads them. They are ``NamedTuple`` classes: immutable, and the cheapest
records to build at import (the dictionary builds about 4,000 of them, and
``import dicomgen_std.dictionary`` must stay fast).
"""

from __future__ import annotations

from typing import NamedTuple


class DictEntry(NamedTuple):
    """One data element of the data dictionary (PS3.6 Tables 6-1, 7-1, 8-1; PS3.7 E.1-1/E.2-1).

    ``vrs`` holds every VR the standard allows ("US or SS" -> ``("US", "SS")``); ``vr`` is
    the text as published. A repeating-group entry such as ``(60xx,3000)`` has ``mask``
    with the fixed bits set and ``tag`` with the free digits zero.
    """

    tag: int
    vrs: tuple[str, ...]
    vm: str
    keyword: str
    name: str
    retired: bool = False
    mask: int = 0xFFFFFFFF

    @property
    def vr(self) -> str:
        return " or ".join(self.vrs)

    @property
    def is_ambiguous(self) -> bool:
        return len(self.vrs) > 1

    @property
    def is_repeating(self) -> bool:
        return self.mask != 0xFFFFFFFF

    def matches(self, tag: int) -> bool:
        return (tag & self.mask) == self.tag

    @property
    def pattern(self) -> str:
        """``(60xx,3000)``-style text of the tag (x where the mask leaves digits free)."""
        digits = []
        for shift in range(28, -4, -4):
            digits.append(
                "x" if not (self.mask >> shift) & 0xF else f"{(self.tag >> shift) & 0xF:X}"
            )
        s = "".join(digits)
        return f"({s[:4]},{s[4:]})"


class UIDEntry(NamedTuple):
    """One UID of PS3.6 Annex A (Table A-1 and friends)."""

    uid: str
    name: str
    keyword: str
    type: str
    retired: bool = False
    part: str = ""  # the Part of the standard that defines it ("PS3.4")


class TransferSyntax(NamedTuple):
    """A transfer syntax and how it encodes data sets (PS3.5 section 10 and Annex A)."""

    uid: str
    name: str
    keyword: str
    implicit_vr: bool
    little_endian: bool
    deflated: bool = False
    encapsulated: bool = False
    lossy: bool = False
    retired: bool = False

    @property
    def explicit_vr(self) -> bool:
        return not self.implicit_vr

    def __str__(self) -> str:
        return self.uid


class SOPClass(NamedTuple):
    """A SOP class: its UID, name, the IOD it uses and its service class (PS3.4)."""

    uid: str
    name: str
    keyword: str
    iod: str  # the IOD title as PS3.4 names it ("CT Image"), "" if not given
    service: str  # "Storage", "Query/Retrieve", ...
    retired: bool = False


class VRDefinition(NamedTuple):
    """A Value Representation as PS3.5 Table 6.2-1 defines it."""

    code: str
    name: str
    definition: str
    repertoire: str
    length: str
    max_length: int | None
    fixed: bool


class StatusCode(NamedTuple):
    """A DIMSE status (PS3.7 Annex C): code (or the low value of a range), its class and meaning."""

    code: int
    code_max: int
    status_class: str  # "Success", "Warning", "Failure", "Cancel", "Pending"
    meaning: str
    service: str = ""


def match_repeater(repeaters: tuple[DictEntry, ...], tag: int) -> DictEntry | None:
    """The first repeating-group entry whose mask matches ``tag`` (PS3.5 7.6)."""
    for entry in repeaters:
        if (tag & entry.mask) == entry.tag:
            return entry
    return None
