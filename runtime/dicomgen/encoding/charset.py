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
The Defined Terms and their graphic character sets are in :mod:`.charset_terms`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache

from ..core.errors import CharacterSetError
from .charset_terms import (
    _ESCAPES,
    DEFINED_TERMS,
    ESC,
    IR6,
    CharacterSetWarning,
    _GSet,
    _resolve,
    charset_problems,
    normalize_charset,
    normalize_charsets,
)

__all__ = [
    "CharacterSetWarning",
    "DEFINED_TERMS",
    "decode_text",
    "encode_text",
    "normalize_charset",
    "normalize_charsets",
    "charset_problems",
]

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
