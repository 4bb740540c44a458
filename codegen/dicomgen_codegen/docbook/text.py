"""The one text cleaner for DocBook content.

Every string that leaves the XML goes through :func:`clean`. It removes zero-width
spaces and soft hyphens (the standard puts U+200B inside keywords), folds white
space, and maps the micro sign to the Greek letter mu (the standard uses both).
"""

from __future__ import annotations

import re

_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_MAP = str.maketrans({"\u00b5": "\u03bc", "\u00a0": " ", "\u2011": "-", "\u2010": "-"})
_WS = re.compile(r"\s+")
_RET = re.compile(r"^\s*RET\b(\s*(\(\s*\d{4}\s*\)|-\s*See\s+Note\.?))?\s*$", re.I)


def clean(text: str | None) -> str:
    """Clean one piece of text: drop invisible characters, fold white space, strip."""
    if not text:
        return ""
    return _WS.sub(" ", text.translate(_DROP).translate(_MAP)).strip()


def is_retired_marker(text: str) -> bool:
    """True for the retired markers of PS3.6 ("RET", "RET (2007)", "RET - See Note")."""
    return bool(_RET.match(text))


def strip_retired_marker(text: str) -> tuple[str, bool]:
    """Split a trailing retired marker from a cell: ``("...", True)`` if one was there."""
    m = re.search(r"\s*\bRET\b(\s*\(\s*\d{4}\s*\)|\s*-\s*See\s+Note\.?)?\s*$", text)
    if m:
        return text[: m.start()].rstrip(), True
    return text, False
