"""Record types that the generated registries (``dicomgen_std``) are made of.

Generated modules import these and instantiate them from the standard's tables;
the runtime reads them. They are frozen, slotted attrs classes: cheap to build at
import and safe to share.
"""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class DictEntry:
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
            digits.append("x" if not (self.mask >> shift) & 0xF else f"{(self.tag >> shift) & 0xF:X}")
        s = "".join(digits)
        return f"({s[:4]},{s[4:]})"


@attrs.frozen(slots=True)
class UIDEntry:
    """One UID of PS3.6 Annex A (Table A-1 and friends)."""

    uid: str
    name: str
    keyword: str
    type: str
    retired: bool = False
    part: str = ""  # the Part of the standard that defines it ("PS3.4")


@attrs.frozen(slots=True)
class TransferSyntax:
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


@attrs.frozen(slots=True)
class SOPClass:
    """A SOP class: its UID, name, the IOD it uses and its service class (PS3.4)."""

    uid: str
    name: str
    keyword: str
    iod: str  # the IOD title as PS3.4 names it ("CT Image"), "" if not given
    service: str  # "Storage", "Query/Retrieve", ...
    retired: bool = False


@attrs.frozen(slots=True)
class CommandField:
    """A DIMSE command field code (PS3.7 E.1)."""

    name: str
    keyword: str
    code: int


@attrs.frozen(slots=True)
class StatusCode:
    """A DIMSE status (PS3.7 Annex C): code (or the low value of a range), its class and meaning."""

    code: int
    code_max: int
    status_class: str  # "Success", "Warning", "Failure", "Cancel", "Pending"
    meaning: str
    service: str = ""
