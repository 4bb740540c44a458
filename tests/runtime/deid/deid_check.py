"""An independent check of a de-identified file against its input, with pydicom and the
committed IR (not the runtime's tables): which elements the Basic Profile protects (X, Z, D,
U and the compound actions) still hold their original value at the same place.

Used by the corpus tests and by ``bench/deid_compare.py`` (the same check for peer tools).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pydicom

IR = Path(__file__).resolve().parents[3] / "standard_xml" / "ir" / "part15" / "attributes.json"


class Leftover(NamedTuple):
    path: str
    tag: int
    keyword: str
    action: str
    value: str


@lru_cache(maxsize=1)
def _rules() -> tuple[dict[int, str], list[tuple[int, int, str]], str]:
    exact: dict[int, str] = {}
    patterns: list[tuple[int, int, str]] = []
    private = "X"
    for rec in json.loads(IR.read_text("utf-8")):
        if rec["private"]:
            private = rec["basic"]
        elif rec["tag_mask"] == 0xFFFFFFFF:
            exact[rec["tag_value"]] = rec["basic"]
        else:
            patterns.append((rec["tag_value"], rec["tag_mask"], rec["basic"]))
    return exact, patterns, private


def basic_action(tag: int) -> str | None:
    """The Basic Profile action of Table E.1-1 for ``tag`` (``None``: not listed)."""
    exact, patterns, private = _rules()
    if tag in exact:
        return exact[tag]
    for value, mask, action in patterns:
        if tag & mask == value:
            return action
    if (tag >> 16) & 1:
        return private
    return None


def _same(a: Any, b: Any) -> bool:
    if a is None or a == "" or a == b"" or (isinstance(a, (list, tuple)) and len(a) == 0):
        return False  # nothing to leak
    try:
        return bool(a == b) or str(a) == str(b)
    except Exception:
        return False


def _walk(
    src: pydicom.Dataset, out: pydicom.Dataset | None, path: str, found: list[Leftover]
) -> None:
    for elem in src:
        tag = int(elem.tag)
        if tag >> 16 == 0x0002 or tag & 0xFFFF == 0:
            continue
        action = basic_action(tag)
        o = out.get(elem.tag) if out is not None else None
        here = f"{path}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        if elem.VR == "SQ":
            items = list(elem.value or [])
            out_items = list(o.value or []) if o is not None and o.VR == "SQ" else []
            if action in ("X", "Z") and out_items and items:
                found.append(Leftover(here, tag, elem.keyword, action, f"{len(out_items)} items"))
            for i, item in enumerate(items):
                _walk(item, out_items[i] if i < len(out_items) else None, f"{here}[{i}]", found)
            continue
        if action is None or action == "K" or o is None:
            continue
        if _same(elem.value, o.value):
            found.append(Leftover(here, tag, elem.keyword, action, str(elem.value)[:40]))


def leftovers(src: str | Path, out: str | Path) -> list[Leftover]:
    """Elements whose Basic Profile action is not K and that keep their original value."""
    a = pydicom.dcmread(str(src), force=True)
    b = pydicom.dcmread(str(out), force=True)
    found: list[Leftover] = []
    _walk(a, b, "", found)
    return found
