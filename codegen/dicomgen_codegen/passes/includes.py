"""Include resolution for PS3.3 attribute tables (PS3.3 Section 5.4, Attribute Macros).

The IR keeps Include rows as references (macros stay macros). This pass gives:

* :func:`row_tree`: the sequence nesting of one table's rows (the items of an SQ attribute
  are the following rows with depth + 1);
* :func:`include_graph` / :func:`recursive_tables`: which tables include which, and the
  tables that (directly or indirectly) include themselves (PS3.3 Table 10-18 and C.17-6);
* :func:`flatten`: a table with every Include expanded, at the right depth, each row
  knowing the include chain and conditions that brought it. An Include of a table that is
  already being expanded (a recursive item type) becomes a :class:`RecursiveInclude`
  entry instead of an expansion, so the flattening always terminates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Union

import attrs

from ..ir.iod import (
    AttributeRow,
    AttributeTableRecord,
    DescriptionRow,
    HeadingRow,
    IncludeRow,
    Part03Result,
    TableRow,
)
from ..parse.conditions import Condition

__all__ = [
    "RowNode",
    "row_tree",
    "include_graph",
    "recursive_tables",
    "FlatRow",
    "RecursiveInclude",
    "UnresolvedInclude",
    "FlatEntry",
    "flatten",
    "flatten_all",
]


@attrs.frozen
class RowNode:
    """A row of a table with the rows nested below it (items of a sequence attribute)."""

    row: TableRow
    children: tuple[RowNode, ...] = ()


def _depth(row: TableRow) -> int:
    return 0 if isinstance(row, HeadingRow) else row.depth


def row_tree(rows: Sequence[TableRow]) -> tuple[RowNode, ...]:
    """Nest ``rows`` by depth: a row's children are the following rows one level deeper.

    Heading rows are kept at the top level. A row deeper than depth + 1 (a gap in the
    published nesting) is attached to the nearest shallower row.
    """
    root: list[tuple[TableRow, list]] = []
    stack: list[tuple[int, list]] = [(-1, root)]
    for row in rows:
        d = -1 if isinstance(row, HeadingRow) else _depth(row)
        while len(stack) > 1 and stack[-1][0] >= d:
            stack.pop()
        children: list = []
        stack[-1][1].append((row, children))
        if d >= 0:
            stack.append((d, children))

    def build(items: list[tuple[TableRow, list]]) -> tuple[RowNode, ...]:
        return tuple(RowNode(r, build(c)) for r, c in items)

    return build(root)


def include_graph(tables: Mapping[str, AttributeTableRecord]) -> dict[str, tuple[str, ...]]:
    """xml:id -> the xml:ids it includes directly (in order, without repeats)."""
    graph: dict[str, tuple[str, ...]] = {}
    for xml_id, table in tables.items():
        out: list[str] = []
        for row in table.rows:
            if isinstance(row, IncludeRow) and row.target and row.target not in out:
                out.append(row.target)
        graph[xml_id] = tuple(out)
    return graph


def recursive_tables(tables: Mapping[str, AttributeTableRecord]) -> tuple[str, ...]:
    """Tables that include themselves, directly or through other tables (sorted)."""
    graph = include_graph(tables)
    out = []
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            x = todo.pop()
            if x == start:
                out.append(start)
                break
            if x in seen:
                continue
            seen.add(x)
            todo.extend(graph.get(x, ()))
    return tuple(sorted(out))


@attrs.frozen
class FlatRow:
    """A row of the flattened view: ``depth`` is absolute within the flattened table;
    ``origin`` the table the row is written in; ``via`` the include chain (xml:ids of the
    included tables, outermost first, ending with ``origin`` when included);
    ``conditions`` the conditions of the Include rows on the way."""

    row: AttributeRow | DescriptionRow
    depth: int
    origin: str
    via: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()


@attrs.frozen
class RecursiveInclude:
    """An Include of a table that is already being expanded: a recursive item type.
    The rows at ``depth`` have the shape of table ``target``."""

    target: str
    depth: int
    include: IncludeRow
    via: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()


@attrs.frozen
class UnresolvedInclude:
    """An Include that cannot be expanded: ``reason`` is "missing" (no such table) or
    "functional_groups" (the rows are the IOD's Functional Group Macros)."""

    include: IncludeRow
    depth: int
    reason: str
    via: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()


FlatEntry = Union[FlatRow, RecursiveInclude, UnresolvedInclude]


def flatten(tables: Mapping[str, AttributeTableRecord], xml_id: str) -> tuple[FlatEntry, ...]:
    """The rows of table ``xml_id`` with all Includes expanded (headings dropped).

    Raises ``KeyError`` if ``xml_id`` itself is not in ``tables``; an Include of an
    absent table becomes an :class:`UnresolvedInclude` entry.
    """
    out: list[FlatEntry] = []
    _expand(tables, tables[xml_id], 0, (xml_id,), (), (), out)
    return tuple(out)


def _expand(
    tables: Mapping[str, AttributeTableRecord],
    table: AttributeTableRecord,
    base: int,
    active: tuple[str, ...],
    via: tuple[str, ...],
    conds: tuple[Condition, ...],
    out: list[FlatEntry],
) -> None:
    for row in table.rows:
        if isinstance(row, HeadingRow):
            continue
        depth = base + row.depth
        if isinstance(row, (AttributeRow, DescriptionRow)):
            out.append(FlatRow(row, depth, table.xml_id, via, conds))
            continue
        here = conds + ((row.condition,) if row.condition is not None else ())
        if row.functional_groups:
            out.append(UnresolvedInclude(row, depth, "functional_groups", via, here))
        elif row.target in active:
            out.append(RecursiveInclude(row.target, depth, row, via, here))
        elif row.target not in tables:
            out.append(UnresolvedInclude(row, depth, "missing", via, here))
        else:
            target = tables[row.target]
            _expand(tables, target, depth, active + (row.target,), via + (row.target,), here, out)


def flatten_all(result: Part03Result) -> dict[str, tuple[FlatEntry, ...]]:
    """Every attribute table of ``result``, flattened (xml:id -> entries)."""
    tables = {t.xml_id: t for t in result.tables}
    return {xml_id: flatten(tables, xml_id) for xml_id in tables}
