"""Compare the PS3.16 records of two front-ends (DocBook and PixelMed) for the same TID or
CID: the differences, one line each, so that the sources' disagreements are a list."""

from __future__ import annotations

from ..ir.part16 import ContextGroupRecord, TemplateRecord, TemplateRow

_ROW_FIELDS = (
    "nesting",
    "relationship",
    "by_reference",
    "value_type",
    "vm_min",
    "vm_max",
    "requirement",
)


def _keys(rows: tuple[TemplateRow, ...]) -> dict[tuple[str, str], TemplateRow]:
    """Rows by ("row", number), INCLUDEs by ("include", "TID under row n")."""
    out = {}
    for r in rows:
        if r.kind == "include":
            under = rows[r.parent].row if r.parent >= 0 else "top"
            out[("include", f"{r.include_tid} under row {under}")] = r
        else:
            out[("row", str(r.row))] = r
    return out


def _vs(v: object) -> tuple[str, object]:
    return (getattr(v, "cid", ""), getattr(v, "code", None))


def compare_templates(a: TemplateRecord, b: TemplateRecord) -> list[str]:
    """Differences between ``a`` and ``b`` (rows matched by row number, INCLUDEs by TID)."""
    out = []
    if a.root != b.root:
        out.append(f"TID {a.tid}: root {a.root} vs {b.root}")
    rows_b = _keys(b.rows)
    rows_a = _keys(a.rows)
    for k, ra in rows_a.items():
        rb = rows_b.get(k)
        where = f"TID {a.tid} {k[0]} {k[1]}"
        if rb is None:
            out.append(f"{where}: only in {a.origin.source if a.origin else 'first'}")
            continue
        for f in _ROW_FIELDS:
            va, vb = getattr(ra, f), getattr(rb, f)
            if va != vb:
                out.append(f"{where}: {f} {va!r} vs {vb!r}")
        for f in ("concept", "value_set", "units"):
            va, vb = _vs(getattr(ra, f)), _vs(getattr(rb, f))
            if va != vb:
                out.append(f"{where}: {f} {va!r} vs {vb!r}")
        pa = a.rows[ra.parent].row if ra.parent >= 0 else None
        pb = b.rows[rb.parent].row if rb.parent >= 0 else None
        if pa != pb:
            out.append(f"{where}: parent row {pa} vs {pb}")
    for k in rows_b.keys() - rows_a.keys():
        out.append(
            f"TID {b.tid} {k[0]} {k[1]}: only in {b.origin.source if b.origin else 'second'}"
        )
    return out


def compare_context_groups(a: ContextGroupRecord, b: ContextGroupRecord) -> list[str]:
    """Differences of metadata, and codes of ``a`` missing from ``b`` (``a`` may be an excerpt)."""
    out = []
    for f in ("version", "uid", "extensible", "includes"):
        va, vb = getattr(a, f), getattr(b, f)
        if va != vb:
            out.append(f"CID {a.cid}: {f} {va!r} vs {vb!r}")
    have = {(c.scheme, c.value): c.meaning for c in b.codes}
    for c in a.codes:
        if (c.scheme, c.value) not in have:
            out.append(f"CID {a.cid}: code {c.scheme} {c.value} only in the first")
        elif have[(c.scheme, c.value)] != c.meaning:
            out.append(f"CID {a.cid}: meaning of {c.scheme} {c.value} differs")
    return out
