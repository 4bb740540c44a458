"""IR <-> JSON, with cattrs.

The committed IR (``standard_xml/ir/*.json``) is diff-friendly: one file per kind of
record, records in a stable order, one record per line, keys sorted. Records that hold
rows (PS3.3 attribute tables) are split: ``tables.json`` has each table without its rows,
``tables_rows.json`` one row per line (``{"index": n, "row": {...}, "table": xml_id}``,
sorted by table id and index). An edition change reads as a JSON diff of the lines that
changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import attrs
import cattrs
import cattrs.gen

from dicomgen.core.errors import GenerationError

from .iod import register_cattrs_hooks
from .model import Provenance

T = TypeVar("T")

_converter = cattrs.Converter(forbid_extra_keys=True)
register_cattrs_hooks(_converter)  # PS3.3: condition and table-row unions, tagged by "_type"
_converter.register_unstructure_hook(  # a DocBook record's provenance has no "origin" key
    Provenance,
    cattrs.gen.make_dict_unstructure_fn(
        Provenance, _converter, origin=cattrs.gen.override(omit_if_default=True)
    ),
)


def unstructure(obj: Any) -> Any:
    return _converter.unstructure(obj)


def structure(data: Any, cls: type[T]) -> T:
    try:
        return _converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        raise GenerationError(f"IR does not match {cls.__name__}: {exc}") from None


def dumps_records(records: list[Any] | tuple[Any, ...]) -> str:
    """A JSON array with one record per line (keys sorted) and a trailing newline."""
    lines = [json.dumps(unstructure(r), sort_keys=True, ensure_ascii=False) for r in records]
    if not lines:
        return "[]\n"
    return "[\n" + ",\n".join(lines) + "\n]\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it. True if written."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


ROWS_FIELD = "rows"
"""Records with this tuple field (and an ``xml_id``) are written with one row per line."""


def _has_rows(records: tuple[Any, ...]) -> bool:
    return bool(records) and all(
        attrs.has(type(r)) and isinstance(getattr(r, ROWS_FIELD, None), tuple) for r in records
    )


def _dumps_lines(items: list[Any]) -> str:
    lines = [json.dumps(x, sort_keys=True, ensure_ascii=False) for x in items]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def dumps_split(records: tuple[Any, ...]) -> tuple[str, str]:
    """Records with rows -> (the records without their rows, one line each; the rows, one
    line each, keyed by the record's ``xml_id`` and the row's index, sorted)."""
    heads = []
    rows = []
    for r in records:
        data = unstructure(r)
        for i, row in enumerate(data.pop(ROWS_FIELD)):
            rows.append({"table": r.xml_id, "index": i, "row": row})
        heads.append(data)
    rows.sort(key=lambda x: (x["table"], x["index"]))
    return _dumps_lines(heads), _dumps_lines(rows)


def save_collection(obj: Any, folder: Path) -> dict[str, str]:
    """Serialise an attrs object whose fields are tuples of records (one file each; records
    with rows in two: ``<field>.json`` and ``<field>_rows.json``) and plain values (gathered
    in ``_meta.json``). Returns {file name: text}."""
    files: dict[str, str] = {}
    meta: dict[str, Any] = {}
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        if isinstance(value, tuple) and _has_rows(value):
            heads, rows = dumps_split(value)
            files[f"{field.name}.json"] = heads
            files[f"{field.name}_{ROWS_FIELD}.json"] = rows
        elif isinstance(value, tuple):
            files[f"{field.name}.json"] = dumps_records(value)
        else:
            meta[field.name] = unstructure(value)
    files["_meta.json"] = json.dumps(meta, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
    return files


def load_collection(cls: type[T], folder: Path) -> T:
    """Inverse of :func:`save_collection`."""
    meta_path = folder / "_meta.json"
    if not meta_path.is_file():
        raise GenerationError(f"no IR at {folder} (missing _meta.json)")
    data: dict[str, Any] = json.loads(meta_path.read_text("utf-8"))
    for field in attrs.fields(cls):  # type: ignore[arg-type]
        path = folder / f"{field.name}.json"
        if path.is_file():
            data[field.name] = json.loads(path.read_text("utf-8"))
        rows_path = folder / f"{field.name}_{ROWS_FIELD}.json"
        if rows_path.is_file() and isinstance(data.get(field.name), list):
            data[field.name] = _join_rows(data[field.name], rows_path)
    return structure(data, cls)


def _join_rows(heads: list[dict[str, Any]], rows_path: Path) -> list[dict[str, Any]]:
    """Inverse of :func:`dumps_split`: each record gets its rows back, in index order."""
    by_table: dict[str, list[tuple[int, Any]]] = {}
    for item in json.loads(rows_path.read_text("utf-8")):
        by_table.setdefault(item["table"], []).append((item["index"], item["row"]))
    known = {h.get("xml_id") for h in heads}
    stray = sorted(set(by_table) - known)
    if stray:
        raise GenerationError(f"{rows_path.name}: rows of unknown records {stray[:5]}")
    out = []
    for h in heads:
        rows = sorted(by_table.get(h.get("xml_id", ""), ()), key=lambda x: x[0])
        if [i for i, _ in rows] != list(range(len(rows))):
            raise GenerationError(f"{rows_path.name}: rows of {h.get('xml_id')} are not 0..n-1")
        out.append({**h, ROWS_FIELD: [row for _, row in rows]})
    return out
