"""Checks of an SR content tree: the Content Item macro per value type, the SR IOD's
relationship content constraints, and conformance to the template the root claims (or one
given): mandatory rows, rows not in the template, VM, value types, codes outside a
non-extensible context group. Findings cite the position in the tree and the TID and row.
"""

from __future__ import annotations

import importlib
from typing import Any

import attrs

from dicomgen.core.dataset import Dataset

from .codes import Code, context_group
from .content import (
    CodeItem,
    ContentItem,
    Num,
    ReferenceItem,
    Scoord,
    Scoord3D,
    Text,
    UnknownItem,
)
from .template import Row
from .tree_io import (
    CONCEPT_CODE,
    GRAPHIC_DATA,
    MEASURED_VALUE,
    TEXT_VALUE,
    read_tree,
)


@attrs.frozen
class Finding:
    """One problem: where (position path such as 1.2.3), what rule, and the text."""

    path: str
    rule: str  # "content item" | "relationship" | "template"
    message: str
    severity: str = "error"
    """``"error"``; ``"warning"`` for an item a template does not list (templates are
    extensible unless they say otherwise); ``"info"`` for a check that could not be made."""

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.message}"


def _p(path: tuple[int, ...]) -> str:
    return ".".join(map(str, path))


def _label(item: ContentItem) -> str:
    vt = item.value_type or "(by reference)"
    concept = f" {item.concept_name}" if item.concept_name else ""
    return f"{item.relationship or '(root)'} {vt}{concept}"


# --- the Content Item macro (by-value items) ------------------------------------------------


def check_items(root: ContentItem, elements: bool = True) -> list[Finding]:
    """Value present for each by-value item as its value type requires (PS3.3 C.17.3.2).

    ``elements=False`` leaves out the value elements missing from an item read from a data
    set, which an IOD validation reports as Type 1C attributes of the Content Item macro."""
    out: list[Finding] = []
    for path, item in root.walk():
        src = item.source
        where = _p(path)

        def missing(tag: int, what: str, item: ContentItem = item, where: str = where) -> None:
            if elements and isinstance(item.source, Dataset) and tag not in item.source:
                out.append(Finding(where, "content item", f"{item.value_type} without {what}"))

        if isinstance(item, Text):
            missing(TEXT_VALUE, "Text Value (0040,A160)")
            if item.value is None and src is None:
                out.append(Finding(where, "content item", "TEXT without a value"))
        elif isinstance(item, CodeItem):
            missing(CONCEPT_CODE, "Concept Code Sequence (0040,A168)")
            if item.value is None and src is not None and CONCEPT_CODE in src:
                out.append(Finding(where, "content item", "CODE with an empty Concept Code"))
        elif isinstance(item, Num):
            missing(MEASURED_VALUE, "Measured Value Sequence (0040,A300)")
        elif isinstance(item, (Scoord, Scoord3D)):
            missing(GRAPHIC_DATA, "Graphic Data (0070,0022)")
            if not item.data and src is None:
                out.append(Finding(where, "content item", f"{item.value_type} without points"))
        if isinstance(item, Scoord):
            images = [
                c
                for c in item.children
                if c.relationship == "SELECTED FROM"
                and (c.value_type == "IMAGE" or isinstance(c, ReferenceItem))
            ]
            if len(images) != 1:
                out.append(
                    Finding(
                        where,
                        "content item",
                        f"SCOORD with {len(images)} SELECTED FROM IMAGE children, not 1",
                    )
                )
        if item.concept_name is None and item.value_type == "CONTAINER" and not path[1:]:
            out.append(Finding(where, "content item", "root CONTAINER without a concept name"))
    return out


# --- relationship content constraints -----------------------------------------------------


def iod_of_sop_class(sop_class_uid: str) -> str | None:
    """The SR IOD whose relationship content constraints apply to the SOP Class, or None."""
    mod: Any = importlib.import_module("dicomgen_std.sr.iod_constraints")
    iod: str | None = mod.IOD_OF_SOP_CLASS.get(sop_class_uid)
    return iod


def _constraints(sop_class_uid: str) -> tuple[str, frozenset[tuple[str, str, str, bool]]] | None:
    mod: Any = importlib.import_module("dicomgen_std.sr.iod_constraints")
    iod = mod.IOD_OF_SOP_CLASS.get(sop_class_uid)
    return None if iod is None else (iod, mod.CONSTRAINTS[iod])


def _target(root: ContentItem, path: list[int]) -> ContentItem | None:
    node = root
    if not path or path[0] != 1:
        return None
    for i in path[1:]:
        if i < 1 or i > len(node.children):
            return None
        node = node.children[i - 1]
    return node


def check_relationships(root: ContentItem, sop_class_uid: str) -> list[Finding]:
    """Each parent -> child relationship against the SR IOD's table (PS3.3 A.35.x-2)."""
    found = _constraints(sop_class_uid)
    if found is None:
        return []
    iod, allowed = found
    out = []
    for path, item in root.walk():
        for i, child in enumerate(item.children, 1):
            by_ref = isinstance(child, ReferenceItem)
            target = _target(root, child.target) if isinstance(child, ReferenceItem) else child
            if target is None:
                out.append(Finding(_p((*path, i)), "relationship", "reference to no content item"))
                continue
            key = (item.value_type, child.relationship, target.value_type, by_ref)
            if key not in allowed:
                how = "by reference" if by_ref else "by value"
                out.append(
                    Finding(
                        _p((*path, i)),
                        "relationship",
                        f"{item.value_type} {child.relationship} {target.value_type} ({how}) "
                        f"is not permitted in {iod}",
                    )
                )
    return out


# --- template conformance --------------------------------------------------------------------


def _template_rows(tid: str) -> tuple[Row, ...] | None:
    mod: Any = importlib.import_module("dicomgen_std.sr.templates")
    cls = getattr(mod, f"TID{tid}", None)
    return None if cls is None else cls.ROWS


@attrs.define
class _Slot:
    row: Row
    required: bool  # mandatory where the enclosing INCLUDE is mandatory
    vm_max: int | None
    group: int  # the INCLUDE instance it came from (-1 at the template's own level)


def _expand(
    rows: tuple[Row, ...], required: bool, group: int, seen: tuple[str, ...]
) -> list[_Slot]:
    out: list[_Slot] = []
    for r in rows:
        if r.include:
            inner = _template_rows(r.include) if r.include not in seen else None
            if inner is None:
                continue
            g = hash((r.tid, r.index, group))
            many = r.vm_max is None or r.vm_max > 1
            out += [
                attrs.evolve(s, vm_max=None if many else s.vm_max)
                for s in _expand(inner, required and r.requirement == "M", g, (*seen, r.include))
            ]
        else:
            out.append(_Slot(r, required and r.requirement == "M", r.vm_max, group))
    return out


def _matches(row: Row, item: ContentItem) -> bool:
    if row.relationship and item.relationship and row.relationship != item.relationship:
        return False
    if row.by_reference != isinstance(item, ReferenceItem):
        return False
    if not row.by_reference and row.value_type != item.value_type:
        return False
    return _concept_matches(row, item.concept_name)


def _concept_matches(row: Row, concept: Code | None) -> bool:
    if row.concept is not None:
        return concept == row.concept
    if row.concept_cid:
        g = context_group(row.concept_cid)
        return concept is not None and (g is None or g.accepts(concept))
    return True


def _code_ok(cid: str, strength: str, code: Code) -> bool:
    g = context_group(cid)
    if g is None or strength == "B":
        return True
    if strength == "E" or g.extensible is False:
        return g.contains(code)
    return True


def check_template(root: ContentItem, tid: str | None = None) -> list[Finding]:
    """Conformance of the tree to TID ``tid`` (default: the one the root claims)."""
    tid = tid or root.template
    if not tid:
        return []
    rows = _template_rows(tid)
    if rows is None:
        return [Finding("1", "template", f"TID {tid} is not known", severity="info")]
    out: list[Finding] = []
    _check_level([root], _expand(rows, True, -1, (tid,)), (), out)
    return out


def _check_level(
    items: list[ContentItem], slots: list[_Slot], parent: tuple[int, ...], out: list[Finding]
) -> None:
    counts = [0] * len(slots)
    assigned: list[tuple[tuple[int, ...], ContentItem, _Slot]] = []
    for i, item in enumerate(items, 1):
        path = (*parent, i) if parent else (1,)
        fits = [k for k, s in enumerate(slots) if _matches(s.row, item)]
        # an item claiming a template (Content Template Sequence) fits that template's rows first
        fits.sort(key=lambda k: bool(item.template) and slots[k].row.tid != item.template)
        free = [k for k in fits if slots[k].vm_max is None or counts[k] < (slots[k].vm_max or 0)]
        if free:
            counts[free[0]] += 1
            assigned.append((path, item, slots[free[0]]))
        elif fits:
            s = slots[fits[0]]
            out.append(
                Finding(
                    _p(path), "template", f"{s.row.cite()}: more than {s.vm_max} {_label(item)}"
                )
            )
        elif not isinstance(item, UnknownItem):
            same_concept = [
                s for s in slots if s.row.concept is not None and s.row.concept == item.concept_name
            ]
            if same_concept:
                r = same_concept[0].row
                if r.value_type != item.value_type:
                    got, want = f"value type {item.value_type or 'by reference'}", r.value_type
                else:
                    got, want = f"relationship {item.relationship or '(none)'}", r.relationship
                out.append(
                    Finding(_p(path), "template", f"{r.cite()}: {got}, the row requires {want}")
                )
            else:
                out.append(
                    Finding(
                        _p(path),
                        "template",
                        f"{_label(item)} is not in the template",
                        severity="warning",
                    )
                )
    used_groups = {s.group for s, n in zip(slots, counts) if n}
    where = _p(parent) if parent else "1"
    for s, n in zip(slots, counts):
        if n >= s.row.vm_min or s.row.requirement != "M":
            continue
        if s.required or s.group in used_groups:
            out.append(
                Finding(where, "template", f"{s.row.cite()}: missing mandatory {s.row.label()}")
            )
    for path, item, s in assigned:
        r = s.row
        if isinstance(item, CodeItem) and item.value is not None and r.value_cid:
            if not _code_ok(r.value_cid, r.value_strength, item.value):
                out.append(
                    Finding(
                        _p(path),
                        "template",
                        f"{r.cite()}: {item.value} is not in CID {r.value_cid}",
                    )
                )
        if isinstance(item, Num) and item.units is not None and r.units_cid:
            if not _code_ok(r.units_cid, "D", item.units):
                out.append(
                    Finding(
                        _p(path),
                        "template",
                        f"{r.cite()}: units {item.units} not in CID {r.units_cid}",
                    )
                )
        if r.children or item.children:
            _check_level(item.children, _expand(r.children, True, -1, (r.tid,)), path, out)


# --- everything -------------------------------------------------------------------------------


def validate_sr(ds: Dataset, tid: str | None = None) -> list[Finding]:
    """All checks of an SR document data set."""
    root = read_tree(ds)
    out = check_items(root)
    sop = ds.get_value(0x00080016)
    if sop:
        out += check_relationships(root, str(sop))
    out += check_template(root, tid)
    return out
