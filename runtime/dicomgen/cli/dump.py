"""``dicomgen dump FILE``: list a DICOM file's elements, like dcmtk's ``dcmdump``.

Each line is ``(gggg,eeee) VR value  # length, VM Keyword``; items of sequences are
indented by two spaces per level. ``--format json`` prints the DICOM JSON Model
(PS3.18 Annex F) of the data set instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import DicomError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a DICOM file (Part 10, or a bare data set)")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.add_argument(
        "--max-value-length",
        type=int,
        default=64,
        metavar="N",
        help="shorten shown values to N characters (0: never; default 64)",
    )
    parser.add_argument("--stop-before-pixels", action="store_true", help="do not read Pixel Data")
    parser.add_argument(
        "--no-meta", action="store_true", help="do not list the File Meta Information"
    )


def _value_text(e: DataElement, limit: int) -> str:
    vr = e.vr
    if e.undefined_length and vr != "SQ":
        raw = e.raw
        n = len(raw) if raw is not None else len(e.value or b"")
        return f"(encapsulated, {n} bytes of items)"
    if vr in ("OB", "OW", "OD", "OF", "OL", "OV", "UN"):
        raw = e.raw if e.raw is not None else e.value
        if raw is None or len(raw) == 0:
            return "(no value)"
        data = bytes(raw[: max(limit, 16)])
        unit = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}.get(vr, 1)
        words = [
            data[i : i + unit][:: -1 if e.raw_little_endian else 1].hex()
            for i in range(0, len(data) - unit + 1, unit)
        ]
        text = "\\".join(words)
        shown = text if not limit or len(text) <= limit else text[:limit] + "..."
        return shown
    try:
        v = e.value
    except DicomError as exc:
        return f"(undecodable: {exc.message})"
    if v is None or (isinstance(v, (str, list, tuple)) and len(v) == 0):
        return "(no value)"
    values = v if isinstance(v, (list, tuple)) else [v]
    if vr == "AT":
        parts = [f"({int(x) >> 16:04X},{int(x) & 0xFFFF:04X})" for x in values]
    else:
        parts = ["" if x is None else str(getattr(x, "original", None) or x) for x in values]
    text = "\\".join(parts)
    if vr in ("US", "SS", "UL", "SL", "FL", "FD", "SV", "UV", "AT"):
        shown = text
    else:
        shown = f"[{text}]"
    if limit and len(shown) > limit:
        shown = shown[:limit] + "..."
    return shown


def _length(e: DataElement) -> str:
    if e.undefined_length:
        return "u/l"
    if e.vr == "SQ":
        return "-"
    raw = e.raw
    return str(len(raw)) if raw is not None else "-"


def _line(indent: str, e: DataElement, value: str, out: TextIO) -> None:
    head = f"{indent}{e.tag} {e.vr} {value}"
    kw = e.keyword or e.name
    out.write(f"{head:<60} # {_length(e):>4}, {e.vm if e.vr != 'SQ' else 1} {kw}\n")


def dump_dataset(ds: Dataset, out: TextIO, limit: int = 64, depth: int = 0) -> None:
    """Write the listing of ``ds`` (and its sequence items) to ``out``."""
    indent = "  " * depth
    for e in ds.elements():
        if e.vr == "SQ":
            items = e.value
            form = "undefined" if e.undefined_length else "defined"
            _line(indent, e, f"(Sequence with {form} length, {len(items)} item(s))", out)
            for i, item in enumerate(items, 1):
                iform = "undefined" if item.item_undefined_length else "defined"
                out.write(f"{indent}  (FFFE,E000) na (Item #{i} with {iform} length)\n")
                dump_dataset(item, out, limit, depth + 2)
            continue
        _line(indent, e, _value_text(e, limit), out)


def run(args: argparse.Namespace) -> int:
    from ..media.part10 import read

    ds = read(args.file, stop_before_pixels=args.stop_before_pixels)
    out = sys.stdout
    if args.format == "json":
        from ..encoding.json import to_json

        obj: dict[str, Any] = {}
        if ds.file_meta is not None and not args.no_meta:
            obj.update(to_json(ds.file_meta))
        obj.update(to_json(ds))
        json.dump(obj, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    out.write("# Dicom-File-Format\n")
    if ds.file_meta is not None and not args.no_meta:
        out.write("\n# Dicom-Meta-Information-Header\n")
        dump_dataset(ds.file_meta, out, args.max_value_length)
    out.write("\n# Dicom-Data-Set\n")
    if ds.read_transfer_syntax:
        from ..core.uid import UID

        try:
            name = UID(ds.read_transfer_syntax).name
        except Exception:
            name = ds.read_transfer_syntax
        out.write(f"# Used TransferSyntax: {name}\n")
    dump_dataset(ds, out, args.max_value_length)
    return 0
