"""Specific Character Set (0008,0005): decoding and encoding text, PS3.5 6.1 and PS3.3 C.12.1.1.2.

Defined Terms (PS3.3 Tables C.12-2 to C.12-5):

- no value / ``""``: the Default Character Repertoire, ISO-IR 6 (ASCII).
- single-byte, no code extension: ``ISO_IR 100`` (Latin-1), ``101``, ``109``, ``110``, ``144``
  (Cyrillic), ``127`` (Arabic), ``126`` (Greek), ``138`` (Hebrew), ``148`` (Latin-5), ``203``
  (Latin-9, added to PS3.3 after 2016c), ``13`` (JIS X 0201), ``166`` (Thai, TIS 620).
- the same with code extension (ISO/IEC 2022): ``ISO 2022 IR 6``, ``ISO 2022 IR 100`` ...
- multi-byte with code extension: ``ISO 2022 IR 87`` (JIS X 0208, G0), ``ISO 2022 IR 159``
  (JIS X 0212, G0), ``ISO 2022 IR 149`` (KS X 1001, G1), ``ISO 2022 IR 58`` (GB 2312, G1).
- multi-byte without code extension: ``ISO_IR 192`` (UTF-8), ``GB18030``, ``GBK``.

Code extension (PS3.5 6.1.2.5): G0 and G1 are always invoked in GL and GR; escape sequences
(ESC I... F) designate sets. The set(s) of value 1 (or ISO-IR 6 if value 1 is empty) are
active at the start of a value and are made active again before CR, LF, FF, TAB and other
control characters, before the value delimiter ``\\`` and, for PN, before the ``^`` and ``=``
delimiters (6.1.2.5.3). Decoding follows this state machine (resetting where the standard
says the initial sets are active); encoding chooses, for each character, the active set or
else the first Defined Term (in the order given) whose set can encode it, and inserts the
escape sequences needed. The encoder reproduces the byte strings of PS3.5 Annexes H, I, J, K.

Decoded text maps byte 05/12 to ``"\\"`` and 07/14 to ``"~"`` also for JIS X 0201 romaji
(ISO-IR 14, whose glyphs are YEN SIGN and OVERLINE), so that the value delimiter is always
``"\\"`` and text round-trips byte for byte.

Errors: an unknown Defined Term or undecodable / unencodable text raises
:class:`~dicomgen.core.errors.CharacterSetError`. With ``errors="replace"`` (lenient mode) an
unknown term is read as ISO-IR 100 (Latin-1, which maps every byte and so keeps the bytes),
undecodable bytes become U+FFFD, unencodable characters become ``?``, and a
:class:`CharacterSetWarning` is issued.

Lookups are cached per tuple of terms; all-ASCII input takes a fast path.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import lru_cache

from ..core.errors import CharacterSetError

__all__ = [
    "CharacterSetWarning",
    "DEFINED_TERMS",
    "decode_text",
    "encode_text",
    "normalize_charset",
    "normalize_charsets",
    "charset_problems",
]

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


# --- plans: what to do for one tuple of terms -----------------------------------------


class _Plan:
    __slots__ = ("codec", "g0", "g1", "sets")

    def __init__(self, codec: str, g0: _GSet, g1: _GSet | None, sets: tuple[_GSet, ...]) -> None:
        self.codec = codec  # non-empty: decode/encode the whole value with this Python codec
        self.g0 = g0  # ISO 2022 initial designations
        self.g1 = g1
        self.sets = sets  # every set that may be designated, in the order of the terms


@lru_cache(maxsize=512)
def _plan(charsets: tuple[str, ...], errors: str) -> _Plan:
    terms = [_resolve(t, errors) for t in charsets] if charsets else []
    if not terms or (len(terms) == 1 and terms[0].kind != "2022"):
        t = terms[0] if terms else DEFINED_TERMS[""]
        if t.kind == "standalone" or t.kind == "single":
            return _Plan(t.codec, IR6, t.g1, ())
    first = terms[0]
    if first.kind == "standalone":  # code extension not allowed: the other values are ignored
        return _Plan(first.codec, IR6, None, ())
    # value 1 gives the initial G0 (and G1); a multi-byte set as value 1 is not allowed by
    # PS3.3 Table C.12-4 but occurs: then ISO-IR 6 is the initial G0 (as for an empty value 1).
    if first.g0 is not None and first.g0.width == 1:
        g0, g1 = first.g0, first.g1
    else:
        g0, g1 = IR6, None
    # candidates for encoding: the initial sets first, then the others in the order given
    sets: list[_GSet] = [g0] + ([g1] if g1 is not None else [])
    for t in terms:
        if t.kind == "standalone":
            continue
        for s in (t.g0, t.g1):
            if s is not None and s not in sets:
                sets.append(s)
    if IR6 not in sets:
        sets.append(IR6)
    return _Plan("", g0, g1, tuple(sets))


_PN_DELIMS = "\\^="
_MULTI_DELIMS = "\\"
_TEXT_VRS = frozenset({"ST", "LT", "UT"})


def _delimiters(vr: str) -> str:
    if vr == "PN":
        return _PN_DELIMS
    if vr in _TEXT_VRS:
        return ""
    return _MULTI_DELIMS


def _as_tuple(charsets: Sequence[str] | str | None) -> tuple[str, ...]:
    if not charsets:
        return ()
    if isinstance(charsets, str):
        return tuple(charsets.split("\\"))
    if isinstance(charsets, tuple):
        return charsets
    return tuple(charsets)


# --- decoding ---------------------------------------------------------------------------


def decode_text(
    raw: bytes | bytearray | memoryview,
    charsets: Sequence[str] | str | None = (),
    vr: str = "LO",
    *,
    errors: str = "strict",
) -> str:
    """Decode the bytes of a text value with the Specific Character Set terms ``charsets``.

    ``vr`` selects which delimiters reset the ISO 2022 state (PS3.5 6.1.2.5.3): ``\\`` for
    multi-valued VRs, also ``^`` and ``=`` for PN, none for ST/LT/UT. Padding is not removed.
    ``errors`` is ``"strict"`` (CharacterSetError) or ``"replace"`` (lenient, warns).
    """
    if not isinstance(raw, bytes):
        raw = bytes(raw)
    if raw.isascii() and ESC not in raw:
        return raw.decode("ascii")
    plan = _plan(_as_tuple(charsets), errors)
    if plan.codec:
        try:
            return raw.decode(plan.codec)
        except UnicodeDecodeError as e:
            if errors == "strict":
                raise CharacterSetError(
                    f"bytes {raw[e.start:e.end]!r} are not valid {plan.codec} "
                    f"(Specific Character Set {list(_as_tuple(charsets))})",
                    offset=e.start,
                    vr=vr,
                ) from None
            if plan.codec == "ascii":  # no (0008,0005) but 8-bit bytes: keep them as Latin-1
                warnings.warn(
                    f"non-ASCII bytes in {vr} value without Specific Character Set; "
                    "read as ISO_IR 100",
                    CharacterSetWarning,
                    stacklevel=2,
                )
                return raw.decode("latin_1")
            warnings.warn(
                f"undecodable bytes in {vr} value replaced", CharacterSetWarning, stacklevel=2
            )
            return raw.decode(plan.codec, "replace")
    return _decode_2022(raw, plan, _delimiters(vr), errors, vr)


def _decode_2022(raw: bytes, plan: _Plan, delims: str, errors: str, vr: str) -> str:
    out: list[str] = []
    init0, init1 = plan.g0, plan.g1
    g0, g1 = init0, init1
    last_g1 = g1
    n = len(raw)
    i = 0
    replaced = False

    def fail(msg: str, at: int) -> None:
        nonlocal replaced
        if errors == "strict":
            raise CharacterSetError(msg, offset=at, vr=vr)
        replaced = True

    while i < n:
        b = raw[i]
        if b == ESC:
            j = i + 1
            while j < n and 0x20 <= raw[j] <= 0x2F:
                j += 1
            if j >= n:
                fail(f"truncated escape sequence {raw[i:]!r}", i)
                out.append("\ufffd")
                break
            found = _ESCAPES.get(raw[i + 1 : j + 1])
            if found is None:
                fail(f"unsupported escape sequence {raw[i:j + 1]!r}", i)
                out.append("\ufffd")
            else:
                element, gset = found
                if element == 0:
                    g0 = gset
                else:
                    g1 = last_g1 = gset
            i = j + 1
            continue
        if b < 0x20:  # control character: initial sets active again (PS3.5 6.1.2.5.3)
            out.append(chr(b))
            g0, g1 = init0, init1
            i += 1
            continue
        if b < 0x80:  # GL: G0
            if g0.width == 2:
                if b == 0x20:
                    out.append(" ")
                    i += 1
                    continue
                j = i
                while j < n and 0x21 <= raw[j] <= 0x7E:
                    j += 1
                if j == i:  # DEL (07/15): not a graphic character
                    out.append(chr(b))
                    i += 1
                    continue
                run = raw[i:j]
                out.append(_decode_run(g0, bytes(x | 0x80 for x in run), errors, vr, i))
                i = j
                continue
            j = i
            while j < n and 0x20 <= raw[j] < 0x80:
                j += 1
            seg = raw[i:j]
            if g0.ascii_like:
                text = seg.decode("ascii")
            else:
                text = _decode_run(g0, bytes(x | 0x80 for x in seg), errors, vr, i)
            out.append(text)
            if delims and any(d in text for d in delims):
                g0, g1 = init0, init1
            i = j
            continue
        # GR: G1
        j = i
        while j < n and raw[j] >= 0x80:
            j += 1
        gset = g1
        if gset is None:
            # G1 undefined after a reset: tolerate a missing re-designation (a common encoder
            # error) by using the last G1 designated in this value.
            gset = last_g1
            if gset is None:
                fail(f"byte 0x{b:02X} but no G1 character set is designated", i)
                out.append(raw[i:j].decode("latin_1"))
                i = j
                continue
        out.append(_decode_run(gset, raw[i:j], errors, vr, i))
        i = j
    if replaced:
        warnings.warn(
            f"undecodable ISO 2022 text in {vr} value replaced", CharacterSetWarning, stacklevel=3
        )
    return "".join(out)


def _decode_run(gset: _GSet, run: bytes, errors: str, vr: str, at: int) -> str:
    if gset.width == 2 and len(run) % 2:
        if errors == "strict":
            raise CharacterSetError(
                f"odd number of bytes {run!r} for the 2-byte set {gset.ir}", offset=at, vr=vr
            )
        return gset.decode_high(run[:-1], "replace") + "\ufffd"
    try:
        return gset.decode_high(run, "strict")
    except UnicodeDecodeError as e:
        if errors == "strict":
            raise CharacterSetError(
                f"bytes {run[e.start:e.end]!r} are not valid in {gset.ir}",
                offset=at + e.start,
                vr=vr,
            ) from None
        return gset.decode_high(run, "replace")


# --- encoding ---------------------------------------------------------------------------


def encode_text(
    text: str,
    charsets: Sequence[str] | str | None = (),
    vr: str = "LO",
    *,
    errors: str = "strict",
) -> bytes:
    """Encode ``text`` with the Specific Character Set terms ``charsets`` (no padding added).

    With code extension, escape sequences are chosen per character and the initial sets are
    restored before delimiters, control characters and the end of the value (PS3.5 6.1.2.5.3).
    Characters no listed set can encode raise CharacterSetError (``errors="strict"``) or are
    replaced by ``?`` with a warning (``errors="replace"``).
    """
    if text.isascii():
        return text.encode("ascii")
    plan = _plan(_as_tuple(charsets), errors)
    if plan.codec:
        try:
            return text.encode(plan.codec)
        except UnicodeEncodeError as e:
            if errors == "strict":
                raise CharacterSetError(
                    f"{text[e.start:e.end]!r} cannot be encoded with Specific Character Set "
                    f"{list(_as_tuple(charsets)) or ['(default repertoire)']}",
                    vr=vr,
                    value=text,
                ) from None
            warnings.warn(
                f"unencodable characters in {vr} value replaced", CharacterSetWarning, stacklevel=2
            )
            return text.encode(plan.codec, "replace")
    return _encode_2022(text, plan, _delimiters(vr), errors, vr)


def _encode_2022(text: str, plan: _Plan, delims: str, errors: str, vr: str) -> bytes:
    out = bytearray()
    init0, init1 = plan.g0, plan.g1
    g0: _GSet = init0
    g1: _GSet | None = init1
    sets = plan.sets
    for ch in text:
        o = ord(ch)
        if o < 0x20 or o == 0x7F or ch in delims:
            # the sets of value 1 must be active before these (PS3.5 6.1.2.5.3)
            if g0 is not init0:
                out += init0.escape
            if init1 is not None and g1 is not init1:
                out += init1.escape
            g0, g1 = init0, init1
            out.append(o)
            continue
        if o == 0x20:
            # SPACE is 02/00 whatever is designated to G0 (PS3.5 H.2), but common decoders
            # (Python's iso2022_jp, hence pydicom) reject it inside a 2-byte set: switch back.
            if g0.width == 2:
                out += init0.escape
                g0 = init0
            out.append(0x20)
            continue
        code = g0.encode_char(ch)
        if code is None and g1 is not None:
            code = g1.encode_char(ch)
            if code is not None and g0.width == 2:
                # legal as is (G1 is in GR), but decoders that split text at escapes and hand
                # each piece to a Python codec (pydicom) need G0 back in a single-byte set
                out += init0.escape
                g0 = init0
        if code is None:
            for s in sets:
                if s is g0 or s is g1:
                    continue
                code = s.encode_char(ch)
                if code is not None:
                    if s.element == 1 and g0.width == 2:  # as above
                        out += init0.escape
                        g0 = init0
                    out += s.escape
                    if s.element == 0:
                        g0 = s
                    else:
                        g1 = s
                    break
        if code is None:
            if errors == "strict":
                raise CharacterSetError(
                    f"{ch!r} cannot be encoded with any of {[s.ir for s in sets]}",
                    vr=vr,
                    value=text,
                )
            warnings.warn(
                f"unencodable character {ch!r} in {vr} value replaced by '?'",
                CharacterSetWarning,
                stacklevel=3,
            )
            if not g0.ascii_like:
                out += init0.escape if init0.ascii_like else IR6.escape
                g0 = init0 if init0.ascii_like else IR6
            code = b"?"
        out += code
    if g0 is not init0:
        out += init0.escape
    if init1 is not None and g1 is not init1:
        out += init1.escape
    return bytes(out)
