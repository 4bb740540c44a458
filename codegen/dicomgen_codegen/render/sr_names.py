"""Python names for PS3.16 things: code members, row fields, template classes."""

from __future__ import annotations

import keyword
import re

_WORD = re.compile(r"[A-Za-z0-9]+")


def camel(text: str) -> str:
    """``"Finding Site (left)"`` -> ``"FindingSiteLeft"``; a leading digit gets ``_``."""
    words = _WORD.findall(text.replace("'", ""))
    out = "".join(w[:1].upper() + w[1:] for w in words)
    if not out:
        return "_"
    if out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) else out


def snake(text: str) -> str:
    """``"Finding Site"`` / ``"FindingSite"`` -> ``"finding_site"``."""
    words = _WORD.findall(text.replace("'", ""))
    parts: list[str] = []
    for w in words:
        parts += re.findall(r"[A-Z]+(?=[A-Z][a-z]|\b|[0-9])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+", w)
    out = "_".join(p.lower() for p in parts) or "item"
    if out[0].isdigit():
        out = "n_" + out
    return out + "_" if keyword.iskeyword(out) else out


def unique(name: str, taken: set[str], suffix: str) -> str:
    """``name``, or ``name`` + ``suffix`` (+ a counter) if taken; records the result. The
    suffix keeps only identifier characters (a code value such as ``7:970`` -> ``7_970``)."""
    suffix = re.sub(r"[^A-Za-z0-9_]+", "_", suffix).strip("_") or "x"
    out = name
    if out in taken:
        out = f"{name}_{suffix}"
    n = 2
    while out in taken:
        out = f"{name}_{suffix}_{n}"
        n += 1
    taken.add(out)
    return out
