"""Names for generated code: UID keywords, snake_case fields, PascalCase classes.

Every function here is pure and tested. Collisions are not resolved silently:
:func:`check_unique` raises a :class:`GenerationError` naming both sources.
"""

from __future__ import annotations

import keyword as _py_keyword
import re
from collections.abc import Iterable

from dicomgen.core.errors import GenerationError

_NUMBERS = {
    "1": "One",
    "2": "Two",
    "3": "Three",
    "4": "Four",
    "5": "Five",
    "6": "Six",
    "7": "Seven",
    "8": "Eight",
    "9": "Nine",
    "10": "Ten",
    "11": "Eleven",
    "12": "Twelve",
}


def uid_keyword(name: str) -> str:
    """A UID keyword from its name, the rule PS3.6 itself uses since Table A-1 has keywords:
    drop "(Retired)" and the text after a colon, keep letters and digits of each word,
    capitalise each word's first letter. A leading number is spelled out
    ("12-lead ECG Waveform Storage" -> "TwelveLeadECGWaveformStorage")."""
    text = re.sub(r"\(Retired\)", "", name, flags=re.I)
    text = text.split(":", 1)[0]
    text = text.replace("&", " and ")
    words = re.split(r"[^0-9A-Za-z]+", text)
    out = []
    for i, w in enumerate(w for w in words if w):
        if i == 0 and w in _NUMBERS:
            out.append(_NUMBERS[w])
            continue
        out.append(w[0].upper() + w[1:])
    kw = "".join(out)
    if kw and kw[0].isdigit():
        kw = "_" + kw
    return kw


def pascal_case(title: str) -> str:
    """``"CT Image"`` -> ``"CTImage"``; ``"12-lead ECG"`` -> ``"TwelveLeadECG"``."""
    return uid_keyword(title)


def snake_case(keyword: str) -> str:
    """The field name of a DICOM keyword: snake_case, acronyms kept whole, plural acronyms
    and "3D" too: ``SOPInstanceUID`` -> ``sop_instance_uid``, ``OtherPatientIDs`` ->
    ``other_patient_ids``, ``XRay3DFrameTypeSequence`` -> ``x_ray_3d_frame_type_sequence``.
    Python keywords and the builtins ``type``/``id`` get a trailing underscore."""
    s = re.sub(r"(?<=[A-Za-z])(\d+D)(?=[A-Z]|$)", r"_\1_", keyword)
    s = re.sub(r"([A-Z]+)([A-Z](?!s(?:[A-Z0-9_]|$))[a-z])", r"\1_\2", s)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([0-9])([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"_+", "_", s).strip("_").lower()
    if _py_keyword.iskeyword(s) or s in {"type", "id"}:
        s += "_"
    if s and s[0].isdigit():
        s = "_" + s
    return s


def check_unique(pairs: Iterable[tuple[str, str]], what: str) -> None:
    """``pairs`` of (name, source description); a duplicate name raises GenerationError."""
    seen: dict[str, str] = {}
    for name, source in pairs:
        if name in seen and seen[name] != source:
            raise GenerationError(f"name collision for {what} {name!r}: {seen[name]} and {source}")
        seen.setdefault(name, source)


def disambiguate_retired(records: tuple, what: str) -> tuple:
    """Records (with ``keyword`` and ``retired``) whose keyword is shared by a current and a
    retired record: the retired one becomes ``<Keyword>Retired``, the rule PS3.6 itself
    follows in its keyword columns (e.g. UltrasoundImageStorageRetired). Any other
    collision fails generation."""
    import attrs

    groups: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r.keyword:
            groups.setdefault(r.keyword, []).append(i)
    out = list(records)
    for kw, idxs in groups.items():
        if len(idxs) < 2:
            continue
        for i in idxs:
            if out[i].retired:
                out[i] = attrs.evolve(out[i], keyword=kw + "Retired")
    check_unique(((r.keyword, _describe(r)) for r in out if r.keyword), what)
    return tuple(out)


def _describe(r: object) -> str:
    key = getattr(r, "uid", None) or getattr(r, "tag", None) or repr(r)
    return f"{key} ({getattr(r, 'name', '')})"
