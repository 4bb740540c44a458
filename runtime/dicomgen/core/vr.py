"""Value Representations (PS3.5 section 6.2) and how each is encoded.

The generated ``dicomgen_std.value_representations`` holds the standard's own table
(names, definitions, lengths); a test checks these encoding facts against it.
"""

from __future__ import annotations

import enum


class VR(str, enum.Enum):
    """A Value Representation. ``VR("PN") is VR.PN``; compares equal to its code."""

    AE = "AE"
    AS = "AS"
    AT = "AT"
    CS = "CS"
    DA = "DA"
    DS = "DS"
    DT = "DT"
    FD = "FD"
    FL = "FL"
    IS = "IS"
    LO = "LO"
    LT = "LT"
    OB = "OB"
    OD = "OD"
    OF = "OF"
    OL = "OL"
    OV = "OV"
    OW = "OW"
    PN = "PN"
    SH = "SH"
    SL = "SL"
    SQ = "SQ"
    SS = "SS"
    ST = "ST"
    SV = "SV"
    TM = "TM"
    UC = "UC"
    UI = "UI"
    UL = "UL"
    UN = "UN"
    UR = "UR"
    US = "US"
    UT = "UT"
    UV = "UV"

    def __str__(self) -> str:
        return self.value

    @property
    def long_length(self) -> bool:
        """Explicit VR encoding uses 2 reserved bytes and a 32-bit length (PS3.5 7.1.2)."""
        return self in _LONG

    @property
    def fixed_size(self) -> int | None:
        """Bytes per value for binary numeric VRs and AT; ``None`` otherwise."""
        return _FIXED.get(self)

    @property
    def is_text(self) -> bool:
        """Character string VRs (values are text, padded with a space)."""
        return self in _TEXT

    @property
    def uses_charset(self) -> bool:
        """Text whose encoding depends on Specific Character Set (0008,0005)."""
        return self in _CHARSET

    @property
    def multi_valued(self) -> bool:
        """Values may be separated by backslash (VM > 1 possible) for text VRs."""
        return self.is_text and self not in (VR.LT, VR.ST, VR.UT, VR.UR)

    @property
    def is_bulk(self) -> bool:
        """Other-type VRs holding raw words (OB, OW, OF, OD, OL, OV, UN)."""
        return self in _BULK

    @property
    def padding(self) -> bytes:
        """Byte appended to reach an even length (PS3.5 6.2)."""
        return b"\x00" if self in (VR.UI, VR.OB, VR.UN) else b" "

    @property
    def max_length(self) -> int | None:
        """Maximum length in characters (bytes for AE/AS/...) of one value, if bounded."""
        return _MAX.get(self)


# fmt: off
_LONG = frozenset({VR.OB, VR.OD, VR.OF, VR.OL, VR.OV, VR.OW, VR.SQ, VR.SV, VR.UC,
                   VR.UN, VR.UR, VR.UT, VR.UV})
_FIXED = {VR.AT: 4, VR.FL: 4, VR.FD: 8, VR.SL: 4, VR.SS: 2, VR.SV: 8, VR.UL: 4, VR.US: 2,
          VR.UV: 8, VR.OD: 8, VR.OF: 4, VR.OL: 4, VR.OV: 8, VR.OW: 2, VR.OB: 1}
_TEXT = frozenset({VR.AE, VR.AS, VR.CS, VR.DA, VR.DS, VR.DT, VR.IS, VR.LO, VR.LT, VR.PN,
                   VR.SH, VR.ST, VR.TM, VR.UC, VR.UI, VR.UR, VR.UT})
_CHARSET = frozenset({VR.LO, VR.LT, VR.PN, VR.SH, VR.ST, VR.UC, VR.UT})
_BULK = frozenset({VR.OB, VR.OD, VR.OF, VR.OL, VR.OV, VR.OW, VR.UN})
_MAX = {VR.AE: 16, VR.AS: 4, VR.CS: 16, VR.DA: 8, VR.DS: 16, VR.DT: 26, VR.IS: 12,
        VR.LO: 64, VR.LT: 10240, VR.PN: 64, VR.SH: 16, VR.ST: 1024, VR.TM: 14, VR.UI: 64}
# fmt: on

ALL_VRS = frozenset(VR)
