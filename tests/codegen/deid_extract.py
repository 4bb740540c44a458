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
    """(IR, extract rows, differences by kind: rows only in the IR, only in the extract, tags
    the extract lists more than once, and cells that differ). A tag listed twice by the
    extract is compared through the copy that matches the IR best."""
    ir = load_collection(Part15Result, IR)
    rows = extract_rows() or []
    ours = {r.tag.upper(): r for r in ir.attributes}
    diffs: dict[str, list[str]] = {
        "only in IR": [],
        "only in extract": [],
        "listed twice in extract": [],
        "cells": [],
    }
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for x in rows:
        by_tag.setdefault(x["tag"].upper(), []).append(x)
    for tag, copies in sorted(by_tag.items()):
        rec = ours.get(tag)
        if rec is None:
            diffs["only in extract"] += [f"{x['tag']} {x['name']}" for x in copies]
            continue
        mine = {"basic": rec.basic, "std": rec.in_std_iod, **dict(rec.options)}
        cell_sets = []
        for x in copies:
            theirs = {"basic": x["basicProfile"], "std": x["stdCompIOD"] == "Y"}
            theirs.update({_field_option(k, ir): v for k, v in x.items() if k not in FIXED})
            cell_sets.append(
                [
                    f"{rec.tag} {rec.name}: {k}: IR {mine.get(k)!r}, extract {theirs.get(k)!r}"
                    for k in sorted(set(theirs) | set(mine))
                    if theirs.get(k) != mine.get(k)
                ]
            )
        if len(copies) > 1:
            basics = ", ".join(x["basicProfile"] for x in copies)
            diffs["listed twice in extract"].append(f"{rec.tag} {rec.name}: basic {basics}")
        diffs["cells"] += min(cell_sets, key=len)
    diffs["only in IR"] = [f"{r.tag} {r.name}" for t, r in sorted(ours.items()) if t not in by_tag]
    return ir, rows, diffs


if __name__ == "__main__":
    ir, rows, diffs = compare()
    print(f"IR rows {len(ir.attributes)}, extract rows {len(rows)}")
    for kind, lines in diffs.items():
        print(f"{kind}: {len(lines)}")
        for line in lines:
            print(f"  {line}")
