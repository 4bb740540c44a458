"""Look-ups in the generated data dictionary (``dicomgen_std.dictionary``).

The dictionary is imported on first use, so ``import dicomgen`` stays fast.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry_types import DictEntry


def _std():
    import dicomgen_std.dictionary as d

    return d


def entry_for(tag: int) -> DictEntry | None:
    """The dictionary entry of ``tag``: exact tags first, then repeating groups."""
    d = _std()
    e = d.DICTIONARY.get(tag)
    if e is not None:
        return e
    return d.lookup(tag)


@cache
def _keywords() -> dict[str, int]:
    d = _std()
    out = {e.keyword: e.tag for e in d.REPEATERS if e.keyword}
    out.update({e.keyword: e.tag for e in d.DICTIONARY.values() if e.keyword})
    return out


def tag_for_keyword(keyword: str) -> int | None:
    """``"PatientName"`` -> ``0x00100010``; ``None`` for an unknown keyword."""
    return _keywords().get(keyword)


def keyword_for(tag: int) -> str:
    e = entry_for(tag)
    return e.keyword if e else ""
