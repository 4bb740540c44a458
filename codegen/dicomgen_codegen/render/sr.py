"""PS3.16 IR -> ``dicomgen_std.sr``: context group classes, template classes, the SR IODs'
relationship content constraints, and the lazy package ``__init__`` files.

``sr/cids/cid_NNN00.py`` hold the CIDs NNN00..NNN99 (private ones in ``cid_private.py``), one
class per CID with one ``Code`` member per code and a code type per CID; ``sr/templates/
tid_N.py`` one class per TID. The report lists every row that could not be expressed.
"""

from __future__ import annotations

import re

import attrs

from ..ir.model import Registry
from ..ir.part16 import (
    ContextGroupRecord,
    Part16Result,
    TemplateRecord,
    TemplateRow,
    ValueSet,
)
from .registries import render_package_init
from .sr_names import camel, snake, unique

PY_TYPES = {
    "TEXT": "str",
    "UIDREF": "str",
    "PNAME": "str",
    "NUM": "Quantity",
    "DATETIME": "datetime.datetime",
    "DATE": "datetime.date",
    "TIME": "datetime.time",
    "COMPOSITE": "Reference",
    "IMAGE": "Reference",
    "WAVEFORM": "Reference",
    "SCOORD": "Graphic",
    "SCOORD3D": "Graphic",
    "TCOORD": "TemporalRange",
    "CONTAINER": "Container",
}


# Names a template module imports: no nested row class may take them.
RESERVED = (
    "Code",
    "Container",
    "ContentItem",
    "Graphic",
    "Quantity",
    "Reference",
    "ReferenceItem",
    "Row",
    "RowGroup",
    "Template",
    "TemporalRange",
)


@attrs.define
class SRReport:
    counts: dict[str, int] = attrs.field(factory=dict)
    unexpressed: list[str] = attrs.field(factory=list)

    def lines(self) -> list[str]:
        return [f"PS3.16 row not expressed: {u}" for u in self.unexpressed]


def _q(s: str) -> str:
    return repr(s)


def _complete(c: object) -> bool:
    return bool(getattr(c, "scheme", "") and getattr(c, "value", ""))


def _code(c: object) -> str:
    if not _complete(c):
        return "None"
    return f"Code({_q(c.scheme)}, {_q(c.value)}, {_q(c.meaning)})"  # type: ignore[attr-defined]


def _module_of_cid(cid: str) -> str:
    return f"cid_{int(cid) // 100 * 100:05d}" if cid.isdigit() else "cid_private"


# --- context groups ------------------------------------------------------------------


def _render_cid(g: ContextGroupRecord) -> str:
    cls = f"CID{g.cid}"
    code_type = f"{cls}Code"
    src = g.origin
    doc = f"CID {g.cid} {g.name}"
    if src is not None:
        doc += f" ({src.source} {src.edition})"
    out = [
        f"class {code_type}(Code):",
        f'    """A code of CID {g.cid}."""',
        "",
        "    __slots__ = ()",
        "",
        "",
        f"class {cls}(ContextGroup):",
        f"    {doc!r}",
        "",
        f"    cid = {_q(g.cid)}",
        f"    name = {_q(g.name)}",
        f"    version = {_q(g.version)}",
        f"    uid = {_q(g.uid)}",
        f"    extensible: ClassVar[bool | None] = {g.extensible!r}",
        f"    includes: ClassVar[tuple[str, ...]] = {tuple(g.includes)!r}",
        f"    code_type: ClassVar[type[Code]] = {code_type}",
    ]
    taken = {"cid", "name", "version", "uid", "extensible", "includes", "code_type"}
    for c in g.codes:
        member = unique(
            camel(c.meaning or c.value), taken, f"{c.scheme}_{c.value}".replace(".", "_")
        )
        member = member.replace("-", "_")
        value = f"{code_type}({_q(c.scheme)}, {_q(c.value)}, {_q(c.meaning)})"
        out.append(f"    {member}: ClassVar[{code_type}] = {value}")
    return "\n".join(out) + "\n"


def render_cids(groups: tuple[ContextGroupRecord, ...]) -> dict[str, str]:
    modules: dict[str, list[ContextGroupRecord]] = {}
    for g in groups:
        modules.setdefault(_module_of_cid(g.cid), []).append(g)
    files: dict[str, str] = {}
    lazy: list[tuple[str, str]] = []
    for mod, gs in sorted(modules.items()):
        body = "\n\n".join(_render_cid(g) for g in gs)
        first, last = gs[0].cid, gs[-1].cid
        files[f"sr/cids/{mod}.py"] = (
            f'"""Context groups CID {first} .. CID {last} (PS3.16)."""\n\n'
            "from __future__ import annotations\n\n"
            "from typing import ClassVar\n\n"
            "from dicomgen.sr.codes import Code, ContextGroup\n\n\n" + body
        )
        for g in gs:
            lazy += [(f"CID{g.cid}", f"dicomgen_std.sr.cids.{mod}")]
            lazy += [(f"CID{g.cid}Code", f"dicomgen_std.sr.cids.{mod}")]
    files["sr/cids/__init__.py"] = render_package_init(
        f"Context groups of PS3.16 ({len(groups)}), one class per CID.", sorted(lazy)
    )
    return files


# --- templates -------------------------------------------------------------------------


@attrs.define
class _Ctx:
    tpl: TemplateRecord
    cids: dict[str, ContextGroupRecord]
    names: dict[str, str]  # tid -> class name
    imports: set[str] = attrs.field(factory=set)  # TYPE_CHECKING imports
    report: SRReport = attrs.field(factory=SRReport)


def _code_type(vs: ValueSet, ctx: _Ctx, row: TemplateRow, what: str) -> str:
    g = ctx.cids.get(vs.cid)
    if g is None:
        ctx.report.unexpressed.append(
            f"TID {ctx.tpl.tid} {row.text}: {what} CID {vs.cid} is not in the IR (any Code)"
        )
        return "Code"
    strict = vs.strength == "E" or (vs.strength in ("D", "") and g.extensible is False)
    if not strict:
        return "Code"
    ctx.imports.add(f"from dicomgen_std.sr.cids.{_module_of_cid(g.cid)} import CID{g.cid}Code")
    return f"CID{g.cid}Code"


def _value_type(row: TemplateRow, ctx: _Ctx) -> str:
    vt = row.value_type
    if vt == "CODE":
        if row.value_set.cid:
            return _code_type(row.value_set, ctx, row, "value set")
        return "Code"
    if vt not in PY_TYPES:
        ctx.report.unexpressed.append(
            f"TID {ctx.tpl.tid} {row.text}: value type {vt!r} (a ContentItem)"
        )
        return "ContentItem"
    return PY_TYPES[vt]


def _row_literal(row: TemplateRow, tid: str, children: list[str]) -> str:
    args = [_q(tid), str(row.index), repr(row.row)]
    kw = {
        "relationship": _q(row.relationship) if row.relationship else None,
        "value_type": _q(row.value_type) if row.value_type else None,
        "concept": _code(row.concept.code) if row.concept.code else None,
        "concept_cid": _q(row.concept.cid) if row.concept.cid else None,
        "vm_min": str(row.vm_min) if row.vm_min != 1 else None,
        "vm_max": repr(row.vm_max) if row.vm_max != 1 else None,
        "requirement": _q(row.requirement) if row.requirement != "M" else None,
        "value_cid": _q(row.value_set.cid) if row.value_set.cid else None,
        "value_strength": _q(row.value_set.strength) if row.value_set.strength else None,
        "value_code": _code(row.value_set.code) if row.value_set.code else None,
        "units_cid": _q(row.units.cid) if row.units.cid else None,
        "units_code": _code(row.units.code) if row.units.code else None,
        "include": _q(row.include_tid) if row.include_tid else None,
        "by_reference": "True" if row.by_reference else None,
        "children": "(" + "".join(c + ", " for c in children) + ")" if children else None,
    }
    args += [f"{k}={v}" for k, v in kw.items() if v is not None]
    return f"Row({', '.join(args)})"


def _row_tree(rows: tuple[TemplateRow, ...], tid: str, parent: int) -> list[str]:
    return [_row_literal(r, tid, _row_tree(rows, tid, r.index)) for r in rows if r.parent == parent]


def _field_name(row: TemplateRow, ctx: _Ctx) -> str:
    if row.kind == "include":
        inc = ctx.names.get(row.include_tid, "")
        return snake(inc.split("_", 1)[-1] if inc else f"tid_{row.include_tid}")
    if row.concept.code is not None:
        return snake(row.concept.code.meaning or row.concept.code.value)
    if row.concept.cid:
        g = ctx.cids.get(row.concept.cid)
        return snake(g.name) if g is not None else f"cid_{row.concept.cid}"
    return snake(row.value_type.lower() or "item")


def _fields(
    rows: tuple[TemplateRow, ...], parent: int, ctx: _Ctx, indent: str, taken_cls: set[str]
) -> list[str]:
    """The field lines (and nested classes) for the rows under ``parent``."""
    out: list[str] = []
    taken = {"concept_name", "value", "ROW", "TID", "NAME", "ROOT", "ROWS"}
    for r in (r for r in rows if r.parent == parent):
        for what, vs in (("concept", r.concept), ("value", r.value_set), ("units", r.units)):
            if vs.code is not None and not _complete(vs.code):
                ctx.report.unexpressed.append(
                    f"TID {ctx.tpl.tid} {r.text}: {what} code without scheme or value "
                    f"{vs.code} (left out)"
                )
        name = unique(_field_name(r, ctx), taken, f"row_{r.row or r.index + 1}")
        many = r.vm_max is None or r.vm_max > 1
        required = r.requirement == "M" and r.vm_min >= 1 and not many
        if r.requirement in ("MC", "UC"):
            ctx.report.unexpressed.append(
                f"TID {ctx.tpl.tid} {r.text}: condition of a {r.requirement} row is not in "
                "the source (optional argument, not checked)"
            )
        if r.kind == "include":
            cls = ctx.names.get(r.include_tid)
            if cls is None:
                ctx.report.unexpressed.append(
                    f"TID {ctx.tpl.tid} {r.text}: TID {r.include_tid} is not in the IR"
                )
                continue
            ctx.imports.add(f"from dicomgen_std.sr.templates.tid_{r.include_tid} import {cls}")
            typ = cls
        else:
            kids = [c for c in rows if c.parent == r.index]
            if kids or r.concept.cid:
                typ = unique(camel(name), taken_cls, str(r.row or r.index + 1))
                out += _group_class(r, rows, typ, ctx, indent, taken_cls)
            elif r.by_reference:
                typ = "ReferenceItem"
            else:
                typ = _value_type(r, ctx)
        ann = f"list[{typ}]" if many else (typ if required else f"{typ} | None")
        how = ", factory=list" if many else ("" if required else ", default=None")
        out.append(f"{indent}{name}: {ann} = row_field(_R[{r.index}]{how})")
    return out


def _group_class(
    r: TemplateRow,
    rows: tuple[TemplateRow, ...],
    cls: str,
    ctx: _Ctx,
    indent: str,
    taken_cls: set[str],
) -> list[str]:
    inner = indent + "    "
    out = [
        f"{indent}@sr_class",
        f"{indent}class {cls}(RowGroup):",
        f"{inner}{('Row ' + str(r.row) if r.row else 'Row') + ': ' + r.text!r}",
        "",
        f"{inner}ROW: ClassVar[Row] = _R[{r.index}]",
    ]
    if r.concept.cid:
        ct = _code_type(ValueSet(cid=r.concept.cid), ctx, r, "concept name")
        out.append(f"{inner}concept_name: {ct}")
    elif r.concept.code is None and r.value_type != "CONTAINER":
        out.append(f"{inner}concept_name: Code | None = None")
    if r.value_type != "CONTAINER":
        out.append(f"{inner}value: {_value_type(r, ctx)}")
    out += _fields(rows, r.index, ctx, inner, taken_cls)
    return [*out, ""]


def _flat_rows(rows: tuple[TemplateRow, ...], tid: str) -> str:
    items = [_row_literal(r, tid, []) for r in rows]
    return "_R: tuple[Row, ...] = (\n" + "".join(f"    {i},\n" for i in items) + ")\n"


def render_template(t: TemplateRecord, ctx: _Ctx) -> str:
    cls = ctx.names[t.tid]
    reserved = {cls, *RESERVED}
    body = _fields(t.rows, -1, ctx, "    ", reserved)
    src = t.origin
    doc = f"TID {t.tid} {t.name}" + (f" ({src.source} {src.edition})" if src else "")
    tree = _row_tree(t.rows, t.tid, -1)
    rows = _flat_rows(t.rows, t.tid)
    code = "\n".join([rows, *tree, *body])
    used = lambda name: re.search(rf"\b{name}\b", code) is not None
    runtime = ["Row", "Template", "sr_class"] + [n for n in ("RowGroup", "row_field") if used(n)]
    typing_only = [n for n in _ANNOTATION_NAMES if used(n)]
    checking = ["import datetime"] if "datetime" in typing_only else []
    checking += sorted(
        [
            *ctx.imports,
            *(f"from {m} import {', '.join(n)}" for m, n in _by_module(typing_only).items()),
        ]
    )
    lines = [
        f'"""{doc}."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing " + ("import TYPE_CHECKING, ClassVar" if checking else "import ClassVar"),
        "",
        *(["from dicomgen.sr.codes import Code"] if used("Code") else []),
        f"from dicomgen.sr.template import {', '.join(sorted(runtime))}",
        "",
        *(["if TYPE_CHECKING:", *[f"    {i}" for i in checking], ""] if checking else []),
        "__all__ = [" + _q(cls) + ", " + _q(f"TID{t.tid}") + "]",
        "",
        rows,
        "",
        "@sr_class",
        f"class {cls}(Template):",
        f"    {doc!r}",
        "",
        f"    TID: ClassVar[str] = {_q(t.tid)}",
        f"    NAME: ClassVar[str] = {_q(t.name)}",
        f"    ROOT: ClassVar[bool] = {t.root!r}",
        "    ROWS: ClassVar[tuple[Row, ...]] = (" + "".join(f"{x}, " for x in tree) + ")",
        "",
        *body,
        "",
        "",
        f"TID{t.tid} = {cls}",
    ]
    return "\n".join(lines) + "\n"


# Names used only in annotations of generated templates, and where they come from.
_ANNOTATION_NAMES = (
    "datetime",
    "Container",
    "ContentItem",
    "ReferenceItem",
    "Graphic",
    "Quantity",
    "Reference",
    "TemporalRange",
)
_MODULES = {
    "Container": "dicomgen.sr.content",
    "ContentItem": "dicomgen.sr.content",
    "ReferenceItem": "dicomgen.sr.content",
    "Graphic": "dicomgen.sr.template",
    "Quantity": "dicomgen.sr.template",
    "Reference": "dicomgen.sr.template",
    "TemporalRange": "dicomgen.sr.template",
}


def _by_module(names: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for n in names:
        if n != "datetime":
            out.setdefault(_MODULES[n], []).append(n)
    return out


def render_templates(p16: Part16Result, report: SRReport) -> dict[str, str]:
    cids = {g.cid: g for g in p16.context_groups}
    names = {t.tid: f"TID{t.tid}_{camel(t.name) if t.name else 'Template'}" for t in p16.templates}
    files: dict[str, str] = {}
    lazy: list[tuple[str, str]] = []
    for t in p16.templates:
        ctx = _Ctx(t, cids, names, report=report)
        files[f"sr/templates/tid_{t.tid}.py"] = render_template(t, ctx)
        lazy += [(names[t.tid], f"dicomgen_std.sr.templates.tid_{t.tid}")]
        lazy += [(f"TID{t.tid}", f"dicomgen_std.sr.templates.tid_{t.tid}")]
    files["sr/templates/__init__.py"] = render_package_init(
        f"Templates of PS3.16 ({len(p16.templates)}), one class per TID.", sorted(lazy)
    )
    return files


# --- SR IOD constraints and the package ---------------------------------------------------


def render_constraints(p16: Part16Result, reg: Registry | None) -> str:
    by_iod = {c.iod: c for c in p16.iod_constraints}
    uids: dict[str, str] = {}
    for s in reg.sop_classes if reg is not None else ():
        key = "".join(ch for ch in s.name.removesuffix(" Storage") if ch.isalnum())
        if key in by_iod:
            uids[s.uid] = key
    lines = [
        '"""Relationship content constraints of the SR IODs (PS3.3 A.35.x-2):',
        "(source value type, relationship, target value type, by reference) permitted per IOD,",
        'and the SR Storage SOP classes that use them."""',
        "",
        "from __future__ import annotations",
        "",
        "CONSTRAINTS: dict[str, frozenset[tuple[str, str, str, bool]]] = {",
    ]
    for iod, c in sorted(by_iod.items()):
        lines.append(f"    {_q(iod)}: frozenset(")
        lines.append("        (")
        for x in sorted(set(c.constraints), key=lambda x: attrs.astuple(x)):
            t = (x.source_value_type, x.relationship, x.target_value_type, x.by_reference)
            lines.append(f"            {t!r},")
        lines.append("        )")
        lines.append("    ),")
    lines.append("}")
    lines.append("")
    lines.append("IOD_OF_SOP_CLASS: dict[str, str] = {")
    lines += [f"    {_q(u)}: {_q(k)}," for u, k in sorted(uids.items())]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_sr_package(
    p16: Part16Result, reg: Registry | None = None
) -> tuple[dict[str, str], SRReport]:
    report = SRReport()
    files = render_cids(p16.context_groups)
    files.update(render_templates(p16, report))
    files["sr/iod_constraints.py"] = render_constraints(p16, reg)
    files["sr/__init__.py"] = render_package_init(
        "Structured reporting generated from PS3.16: ``cids`` (context groups), "
        "``templates`` (TIDs), ``iod_constraints`` (the SR IODs' relationship constraints).",
        [],
    )
    rows = [r for t in p16.templates for r in t.rows]
    report.counts.update(
        {
            "PS3.16 context groups": len(p16.context_groups),
            "PS3.16 codes": sum(len(g.codes) for g in p16.context_groups),
            "PS3.16 templates": len(p16.templates),
            "PS3.16 template rows": len(rows),
            "PS3.16 INCLUDE rows": sum(r.kind == "include" for r in rows),
            "PS3.16 SR IOD constraint tables": len(p16.iod_constraints),
            "PS3.16 rows not expressed": len(report.unexpressed),
        }
    )
    return files, report
