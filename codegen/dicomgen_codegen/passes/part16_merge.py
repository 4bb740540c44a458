"""Merge the PS3.16 front-ends into one IR, newest source first per context group.

The rule, per CID: the codes come from the newest source that has the CID (pydicom's
2024c tables before PixelMed's extract of about 2019, a DocBook edition before both when
given); the name, version, UID, extensibility and includes come from the newest source that
states them (pydicom gives none of these, so PixelMed's are kept). A CID only one source has
is taken as it is. Templates and IOD constraints come from one source each (the newest given).
When the codes come from a source that lists an included group's codes inline, the includes
are kept only as a record of where the codes came from.
"""

from __future__ import annotations

import attrs

from ..ir.part16 import ContextGroupRecord, Part16Result, TemplateRecord

# Newest first: the order in which sources win.
SOURCE_ORDER = ("docbook", "pydicom", "pixelmed")


def _rank(g: ContextGroupRecord) -> int:
    src = g.origin.source if g.origin else ""
    return SOURCE_ORDER.index(src) if src in SOURCE_ORDER else len(SOURCE_ORDER)


def merge_context_groups(*groups: list[ContextGroupRecord]) -> tuple[ContextGroupRecord, ...]:
    by_cid: dict[str, list[ContextGroupRecord]] = {}
    for records in groups:
        for g in records:
            by_cid.setdefault(g.cid, []).append(g)
    out = []
    for _cid, found in by_cid.items():
        found.sort(key=_rank)
        first = found[0]

        def pick(name: str, empty: object) -> object:
            for g in found:
                value = getattr(g, name)
                if value != empty:
                    return value
            return empty

        out.append(
            attrs.evolve(
                first,
                name=pick("name", ""),
                version=pick("version", ""),
                uid=pick("uid", ""),
                extensible=pick("extensible", None),
                includes=pick("includes", ()),
            )
        )
    return tuple(sorted(out, key=cid_key))


def cid_key(g: ContextGroupRecord) -> tuple[int, str]:
    """Numeric CIDs in numeric order, then the private ones by name."""
    return (int(g.cid), "") if g.cid.isdigit() else (1 << 30, g.cid)


def tid_key(tid: str) -> tuple[int, str]:
    return (int(tid), "") if tid.isdigit() else (1 << 30, tid)


def sorted_result(r: Part16Result) -> Part16Result:
    return attrs.evolve(
        r,
        context_groups=tuple(sorted(r.context_groups, key=cid_key)),
        templates=tuple(sorted(r.templates, key=lambda t: tid_key(t.tid))),
        iod_constraints=tuple(sorted(r.iod_constraints, key=lambda c: c.iod)),
    )


def merge_docbook(
    base: Part16Result | None,
    templates: list[TemplateRecord],
    groups: list[ContextGroupRecord],
    edition: str,
) -> Part16Result:
    """``base`` (the in-house IR, or none) with a PS3.16 DocBook edition's templates and
    context groups: a DocBook template replaces the one of the same TID, and a DocBook CID
    wins as :func:`merge_context_groups` says."""
    base = base or Part16Result()
    by_tid = {t.tid: t for t in base.templates}
    by_tid.update({t.tid: t for t in templates})
    return sorted_result(
        attrs.evolve(
            base,
            sources={**base.sources, "docbook": edition},
            templates=tuple(by_tid.values()),
            context_groups=merge_context_groups(groups, list(base.context_groups)),
        )
    )
