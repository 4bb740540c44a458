"""Compare the committed PS3.15 E.1-1 IR with the ``dicom-standard`` package's extract of the
same table (``confidentiality_profile_attributes.json``, 2020a), row by row and cell by cell."""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

from dicomgen_codegen.ir.deid import Part15Result
from dicomgen_codegen.ir.io import load_collection

REPO = Path(__file__).resolve().parents[2]
IR = REPO / "standard_xml" / "ir" / "part15"
FIXED = {"name", "tag", "stdCompIOD", "basicProfile", "id"}


def extract_rows() -> list[dict[str, Any]] | None:
    """The extract's rows, or ``None`` when the package is not installed."""
    try:
        dist = importlib.metadata.distribution("dicom-standard")
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == "confidentiality_profile_attributes.json":
            return json.loads(Path(str(dist.locate_file(f))).read_text("utf-8"))
    return None


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _field_option(field: str, ir: Part15Result) -> str:
    """``"rtnLongModifDatesOpt"`` -> the key of the option whose E.1-1 column header has the
    same letters ("Rtn. Long. Modif. Dates Opt.")."""
    found = [o.key for o in ir.options if o.column and _letters(o.column) == field.lower()]
    if len(found) != 1:
        raise AssertionError(f"extract field {field!r} matches options {found}")
    return found[0]


def compare() -> tuple[Part15Result, list[dict[str, Any]], dict[str, list[str]]]:
    """(IR, extract rows, differences by kind: only in the IR, only in the extract, cells)."""
    ir = load_collection(Part15Result, IR)
    rows = extract_rows() or []
    ours = {r.tag.upper(): r for r in ir.attributes}
    diffs: dict[str, list[str]] = {"only in IR": [], "only in extract": [], "cells": []}
    seen = set()
    for x in rows:
        tag = x["tag"].upper()
        rec = ours.get(tag)
        if rec is None:
            diffs["only in extract"].append(f"{x['tag']} {x['name']}")
            continue
        seen.add(tag)
        theirs = {"basic": x["basicProfile"], "std": x["stdCompIOD"] == "Y"}
        theirs.update({_field_option(k, ir): v for k, v in x.items() if k not in FIXED})
        mine = {"basic": rec.basic, "std": rec.in_std_iod, **dict(rec.options)}
        for k in sorted(set(theirs) | set(mine)):
            if theirs.get(k) != mine.get(k):
                diffs["cells"].append(
                    f"{rec.tag} {rec.name}: {k}: IR {mine.get(k)!r}, extract {theirs.get(k)!r}"
                )
    diffs["only in IR"] = [f"{r.tag} {r.name}" for t, r in sorted(ours.items()) if t not in seen]
    return ir, rows, diffs


if __name__ == "__main__":
    ir, rows, diffs = compare()
    print(f"IR rows {len(ir.attributes)}, extract rows {len(rows)}")
    for kind, lines in diffs.items():
        print(f"{kind}: {len(lines)}")
        for line in lines:
            print(f"  {line}")
