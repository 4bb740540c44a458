"""Cross-check of two PS3.3 IRs (e.g. the 2020a extract and a DocBook edition) on the
module tables both have: every attribute path (tags from the top level down, macro
inclusions expanded) and its Type.

Both sources stay alive this way: a front-end that drifts from the other shows as Type
disagreements on shared paths.
"""

from __future__ import annotations

import attrs

from ...ir.iod import AttributeRow, AttributeTableRecord, IncludeRow, Part03Result

Path = tuple[str, ...]


def expanded_types(
    table: AttributeTableRecord, by_id: dict[str, AttributeTableRecord]
) -> dict[Path, str]:
    """{path: Type} of a table's attributes, included macros expanded (first row wins)."""
    out: dict[Path, str] = {}

    def walk(t: AttributeTableRecord, prefix: Path, offset: int, seen: tuple[str, ...]) -> None:
        stack: list[str] = list(prefix)
        for row in t.rows:
            if isinstance(row, AttributeRow):
                depth = offset + row.depth
                del stack[depth:]
                stack.append(row.tag)
                out.setdefault(tuple(stack), row.type)
            elif isinstance(row, IncludeRow) and row.target in by_id and row.target not in seen:
                depth = offset + row.depth
                walk(by_id[row.target], tuple(stack[:depth]), depth, (*seen, row.target))

    walk(table, (), 0, (table.xml_id,))
    return out


@attrs.frozen
class TypeComparison:
    """Shared module tables, shared paths, and the paths whose Type differs."""

    tables: tuple[str, ...]
    shared_paths: int
    differences: tuple[tuple[str, Path, str, str], ...]  # (table, path, type a, type b)

    @property
    def agreement(self) -> float:
        if not self.shared_paths:
            return 1.0
        return 1 - len(self.differences) / self.shared_paths


def compare_types(a: Part03Result, b: Part03Result) -> TypeComparison:
    """Compare Types on the module tables (same table id) of ``a`` and ``b``."""
    a_ids = {t.xml_id: t for t in a.tables}
    b_ids = {t.xml_id: t for t in b.tables}
    shared = sorted(
        x for x in a_ids.keys() & b_ids.keys() if a_ids[x].kind == b_ids[x].kind == "module"
    )
    n = 0
    diffs: list[tuple[str, Path, str, str]] = []
    for x in shared:
        ta = expanded_types(a_ids[x], a_ids)
        tb = expanded_types(b_ids[x], b_ids)
        for path in sorted(ta.keys() & tb.keys()):
            n += 1
            if ta[path] != tb[path]:
                diffs.append((x, path, ta[path], tb[path]))
    return TypeComparison(tuple(shared), n, tuple(diffs))
