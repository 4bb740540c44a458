"""The Defined Terms of Specific Character Set (0008,0005) and their graphic character sets
(PS3.3 Tables C.12-2 to C.12-5; PS3.5 6.1): ISO 2022 escape sequences, normalisation of
loosely written terms and the checks of a term list."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import lru_cache

from ..core.errors import CharacterSetError

ESC = 0x1B


class CharacterSetWarning(UserWarning):
    """Issued in lenient mode (``errors="replace"``) when text was replaced or guessed."""


# --- graphic character sets -------------------------------------------------------------


class _GSet:
    """One graphic character set that may be designated to G0 or G1 (ISO 2022)."""

    __slots__ = ("ir", "element", "escape", "width", "ascii_like", "_codec", "_enc", "_kind")
    ir: str
    element: int
    escape: bytes
    width: int
    ascii_like: bool

    def __init__(
        self, ir: str, element: int, escape: bytes, width: int, codec: str, kind: str
    ) -> None:
        self.ir = ir  # "ISO-IR 87"
        self.element = element  # 0 for G0, 1 for G1: where its DICOM designation puts it
        self.escape = escape  # its DICOM designation escape sequence
        self.width = width  # bytes per character
        self.ascii_like = kind == "ascii"
        self._codec = codec
        # ascii | sb (ISO 8859 high half) | kana (JIS X 0201) | jis0208 | jis0212 | euc (GR pairs)
        self._kind = kind
        self._enc: dict[str, bytes | None] = {}

    def __repr__(self) -> str:
        return f"<{self.ir}>"

    def decode_high(self, run: bytes, errors: str) -> str:
        """Decode bytes with the high bit set (the GR form of this set's code points)."""
        if self._kind == "kana":  # JIS X 0201 katakana 0xA1-0xDF = U+FF61-U+FF9F, in order
            out = []
            for i, b in enumerate(run):
                if 0xA1 <= b <= 0xDF:
                    out.append(chr(b + 0xFEC0))
                elif errors == "strict":
                    raise UnicodeDecodeError("jis_x_0201", run, i, i + 1, "not a katakana")
                else:
                    out.append("\ufffd")
            return "".join(out)
        if self._kind == "jis0212":
            run = b"".join(b"\x8f" + run[i : i + 2] for i in range(0, len(run), 2))
        return run.decode(self._codec, errors)

    def encode_char(self, ch: str) -> bytes | None:
        """The bytes of ``ch`` in this set as invoked in its element (GL for G0, GR for G1),
        or ``None`` if the set does not have it."""
        cache = self._enc
        if ch in cache:
            return cache[ch]
        code: bytes | None = None
        o = ord(ch)
        if self._kind == "ascii":
            code = bytes((o,)) if 0x20 <= o < 0x7F else None
        elif self._kind == "kana":
            code = bytes((o - 0xFEC0,)) if 0xFF61 <= o <= 0xFF9F else None
        else:
            try:
                b = ch.encode(self._codec)
            except UnicodeEncodeError:
                b = b""
            if self._kind == "sb":  # GR; 08/00-09/15 (C1) only to keep bytes read as such
                code = b if len(b) == 1 and b[0] >= 0x80 else None
            elif self._kind == "jis0208":
                code = bytes((b[0] & 0x7F, b[1] & 0x7F)) if len(b) == 2 and b[0] >= 0xA1 else None
            elif self._kind == "jis0212":
                code = bytes((b[1] & 0x7F, b[2] & 0x7F)) if len(b) == 3 and b[0] == 0x8F else None
            else:  # euc: a GR pair
                code = b if len(b) == 2 and b[0] >= 0xA1 and b[1] >= 0xA1 else None
        if code is not None and self.element == 0 and self._kind in ("sb", "euc", "kana"):
            code = bytes(x & 0x7F for x in code)  # a GR set designated to G0 is used in GL
        cache[ch] = code
        return code


def _sb(ir: str, final: str, codec: str) -> _GSet:
    """A 96-character supplementary set of ISO 8859 (G1, ESC 02/13 F)."""
    return _GSet(ir, 1, b"\x1b-" + final.encode(), 1, codec, "sb")


# PS3.3 Tables C.12-3, C.12-4; PS3.5 Tables H.1-1, H.1-2, I.1-1, K.1-1.
IR6 = _GSet("ISO-IR 6", 0, b"\x1b(B", 1, "ascii", "ascii")
IR14 = _GSet("ISO-IR 14", 0, b"\x1b(J", 1, "ascii", "ascii")
IR13 = _GSet("ISO-IR 13", 1, b"\x1b)I", 1, "", "kana")
IR87 = _GSet("ISO-IR 87", 0, b"\x1b$B", 2, "euc_jp", "jis0208")
IR159 = _GSet("ISO-IR 159", 0, b"\x1b$(D", 2, "euc_jp", "jis0212")
IR149 = _GSet("ISO-IR 149", 1, b"\x1b$)C", 2, "euc_kr", "euc")
IR58 = _GSet("ISO-IR 58", 1, b"\x1b$)A", 2, "gb2312", "euc")
_SINGLE_BYTE = {
    "100": _sb("ISO-IR 100", "A", "latin_1"),
    "101": _sb("ISO-IR 101", "B", "iso8859_2"),
    "109": _sb("ISO-IR 109", "C", "iso8859_3"),
    "110": _sb("ISO-IR 110", "D", "iso8859_4"),
    "144": _sb("ISO-IR 144", "L", "iso8859_5"),
    "127": _sb("ISO-IR 127", "G", "iso8859_6"),
    "126": _sb("ISO-IR 126", "F", "iso8859_7"),
    "138": _sb("ISO-IR 138", "H", "iso8859_8"),
    "148": _sb("ISO-IR 148", "M", "iso8859_9"),
    "203": _sb("ISO-IR 203", "b", "iso8859_15"),
    "166": _sb("ISO-IR 166", "T", "tis_620"),
}

# Escape sequences a decoder understands: (element, set). Besides the DICOM designations this
# accepts the other element for the same sets (PS3.5 Tables H.1-1, H.1-2, I.1-1).
_ESCAPES: dict[bytes, tuple[int, _GSet]] = {
    b"(B": (0, IR6),
    b"(J": (0, IR14),
    b")I": (1, IR13),
    b"(I": (0, IR13),
    b"$B": (0, IR87),
    b"$(B": (0, IR87),
    b"$)B": (1, IR87),
    b"$(D": (0, IR159),
    b"$)D": (1, IR159),
    b"$)C": (1, IR149),
    b"$(C": (0, IR149),
    b"$)A": (1, IR58),
    b"$A": (0, IR58),
    b"$(A": (0, IR58),
}
for _s in _SINGLE_BYTE.values():
    _ESCAPES[_s.escape[1:]] = (1, _s)


class _Term:
    """A Defined Term of Specific Character Set."""

    __slots__ = ("term", "kind", "codec", "g0", "g1")

    def __init__(
        self,
        term: str,
        kind: str,
        codec: str = "",
        g0: _GSet | None = None,
        g1: _GSet | None = None,
    ) -> None:
        self.term = term
        self.kind = kind  # "single" (no extension), "2022" (code extension), "standalone"
        self.codec = codec
        self.g0 = g0
        self.g1 = g1


DEFINED_TERMS: dict[str, _Term] = {
    "": _Term("", "single", "ascii", IR6, None),
    # JIS X 0201 as an 8-bit code (G0 romaji, G1 katakana): decoded by the ISO 2022 machinery
    # because no Python codec is exactly JIS X 0201 (shift_jis adds 2-byte characters)
    "ISO_IR 13": _Term("ISO_IR 13", "2022", "", IR14, IR13),
    "ISO 2022 IR 6": _Term("ISO 2022 IR 6", "2022", "", IR6, None),
    "ISO 2022 IR 13": _Term("ISO 2022 IR 13", "2022", "", IR14, IR13),
    "ISO 2022 IR 87": _Term("ISO 2022 IR 87", "2022", "", IR87, None),
    "ISO 2022 IR 159": _Term("ISO 2022 IR 159", "2022", "", IR159, None),
    "ISO 2022 IR 149": _Term("ISO 2022 IR 149", "2022", "", None, IR149),
    "ISO 2022 IR 58": _Term("ISO 2022 IR 58", "2022", "", None, IR58),
    "ISO_IR 192": _Term("ISO_IR 192", "standalone", "utf_8"),
    "GB18030": _Term("GB18030", "standalone", "gb18030"),
    "GBK": _Term("GBK", "standalone", "gbk"),
}
"""Every Defined Term this module knows, by its exact spelling."""
for _n, _s in _SINGLE_BYTE.items():
    DEFINED_TERMS[f"ISO_IR {_n}"] = _Term(f"ISO_IR {_n}", "single", _s._codec, IR6, _s)
    DEFINED_TERMS[f"ISO 2022 IR {_n}"] = _Term(f"ISO 2022 IR {_n}", "2022", "", IR6, _s)

_LOOSE = re.compile(r"^ISO[\s_-]*(2022)?[\s_-]*IR[\s_-]*(\d+)$")


@lru_cache(maxsize=256)
def normalize_charset(term: str) -> str | None:
    """The Defined Term for ``term``, tolerating common misspellings of the separators
    (``ISO-IR 100``, ``ISO_IR100``, ``ISO IR 100``) and ``ISO_IR 6`` for the default;
    ``None`` if unknown."""
    t = term.strip().upper()
    if t in DEFINED_TERMS:
        return t
    if t in ("ISO_IR 6", "ISO-IR 6", "ISO IR 6"):
        return ""
    m = _LOOSE.match(t)
    if m:
        cand = f"ISO 2022 IR {m.group(2)}" if m.group(1) else f"ISO_IR {m.group(2)}"
        if m.group(2) == "6" and not m.group(1):
            return ""
        if cand in DEFINED_TERMS:
            return cand
    if t in ("GB 18030", "GB-18030"):
        return "GB18030"
    return None


def _resolve(term: str, errors: str) -> _Term:
    canon = normalize_charset(term)
    if canon is None:
        if errors == "strict":
            raise CharacterSetError(f"unknown Specific Character Set term {term!r}", charset=term)
        warnings.warn(
            f"unknown Specific Character Set term {term!r}; reading as ISO_IR 100",
            CharacterSetWarning,
            stacklevel=4,
        )
        return DEFINED_TERMS["ISO_IR 100"]
    return DEFINED_TERMS[canon]


def normalize_charsets(charsets: Sequence[str] | str | None) -> tuple[str, ...]:
    """Defined Terms (unknown ones kept as given) from a (0008,0005) value."""
    if charsets is None:
        return ()
    if isinstance(charsets, str):
        charsets = charsets.split("\\")
    out = []
    for t in charsets:
        c = normalize_charset(t)
        out.append(t if c is None else c)
    return tuple(out)


def charset_problems(charsets: Sequence[str] | str | None) -> list[str]:
    """Ways a Specific Character Set value breaks PS3.3 C.12.1.1.2 / PS3.5 6.1.2.4."""
    if charsets is None:
        return []
    if isinstance(charsets, str):
        charsets = charsets.split("\\")
    out = []
    for t in charsets:
        c = normalize_charset(t)
        if c is None:
            out.append(f"unknown Specific Character Set term {t!r}")
        elif c != t.strip():
            out.append(f"Specific Character Set term {t!r} should be spelled {c!r}")
    terms = [normalize_charset(t) for t in charsets]
    if len(terms) > 1:
        for t in terms:
            if t is not None and t in DEFINED_TERMS and DEFINED_TERMS[t].kind == "standalone":
                out.append(f"{t} does not allow code extension: it must be the only value")
            if t is not None and t.startswith("ISO_IR"):
                out.append(f"{t} is a term without code extension in a multi-valued value")
        if len(set(terms)) != len(terms):
            out.append("repeated Specific Character Set terms")
    elif (
        terms
        and terms[0] is not None
        and terms[0].startswith("ISO 2022 IR")
        and terms[0]
        in (
            "ISO 2022 IR 87",
            "ISO 2022 IR 159",
            "ISO 2022 IR 149",
            "ISO 2022 IR 58",
        )
    ):
        out.append(f"{terms[0]} may only be value 2 to n (PS3.3 Table C.12-4)")
    return out
