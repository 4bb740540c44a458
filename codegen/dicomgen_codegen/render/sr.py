"""PS3.16 IR -> ``dicomgen_std.sr``: context group classes, template classes, the SR IODs'
relationship content constraints, and the lazy package ``__init__`` files.

``sr/cids/cid_NNN00.py`` hold the CIDs NNN00..NNN99 (private ones in ``cid_private.py``), one
class per CID with one ``Code`` member per code; a CID whose membership can be enforced (not
extensible, or a template row allows only its codes) has a code type of its own, which the
template fields it constrains are annotated with. ``sr/templates/tid_N.py`` one class per TID.
The report lists every row that could not be expressed.
"""

from __future__ import annotations

import re

import attrs

from ..ir.model import Registry
from ..ir.part16 import (
    CodeRecord,
    ContextGroupRecord,
    Part16Result,
    TemplateRecord,
    TemplateRow,
    ValueSet,
)
from .env import render
from .registries import render_package_init
from .sr_filters import complete, sr_row
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


def _module_of_cid(cid: str) -> str:
    return f"cid_{int(cid) // 100 * 100:05d}" if cid.isdigit() else "cid_private"


# --- context groups ------------------------------------------------------------------


@attrs.frozen
class _Member:
    name: str
    code: CodeRecord


def _members(g: ContextGroupRecord) -> list[_Member]:
    """One class member per code, named from its meaning (or value), unique in the class."""
    taken = {"cid", "name", "version", "uid", "extensible", "includes", "code_type"}
    out: list[_Member] = []
    for c in g.codes:
        member = unique(
            camel(c.meaning or c.value), taken, f"{c.scheme}_{c.value}".replace(".", "_")
        )
        out.append(_Member(member.replace("-", "_"), c))
    return out


def _cid_doc(g: ContextGroupRecord) -> str:
    src = g.origin
    return f"CID {g.cid} {g.name}" + (f" ({src.source} {src.edition})" if src is not None else "")


def render_cids(groups: tuple[ContextGroupRecord, ...], typed: set[str]) -> dict[str, str]:
    """The context group modules and package; the CIDs in ``typed`` (those template fields
    are annotated with) and the non-extensible ones get a code type of their own."""
    typed = typed | {g.cid for g in groups if g.extensible is False}
    modules: dict[str, list[ContextGroupRecord]] = {}
    for g in groups:
        modules.setdefault(_module_of_cid(g.cid), []).append(g)
    files: dict[str, str] = {}
    lazy: list[tuple[str, str]] = []
    for mod, gs in sorted(modules.items()):
        files[f"sr/cids/{mod}.py"] = render(
            "sr_cids.py.j2",
            doc=f"Context groups CID {gs[0].cid} .. CID {gs[-1].cid} (PS3.16).",
            groups=[(g, _cid_doc(g), _members(g), g.cid in typed) for g in gs],
        )
        for g in gs:
            lazy += [(f"CID{g.cid}", f"dicomgen_std.sr.cids.{mod}")]
            if g.cid in typed:
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
    typed: set[str] = attrs.field(factory=set)  # CIDs whose code type a field is annotated with
    report: SRReport = attrs.field(factory=SRReport)


@attrs.frozen
class _Group:
    """A row with children (or a concept chosen from a CID): a nested RowGroup class."""

    cls: str
    doc: str
    index: int
    lines: tuple[str, ...]  # concept_name / value declarations
    fields: tuple[_Field, ...]


@attrs.frozen
class _Field:
    """``name: annotation = row_field(_R[index]how)``, after its group class if any."""

    name: str
    annotation: str
    index: int
    how: str
    group: _Group | None = None


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
    ctx.typed.add(g.cid)
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
    rows: tuple[TemplateRow, ...], parent: int, ctx: _Ctx, taken_cls: set[str]
) -> tuple[_Field, ...]:
    """The fields (with their group classes) for the rows under ``parent``."""
    out: list[_Field] = []
    taken = {"concept_name", "value", "ROW", "TID", "NAME", "ROOT", "ROWS"}
    for r in (r for r in rows if r.parent == parent):
        for what, vs in (("concept", r.concept), ("value", r.value_set), ("units", r.units)):
            if vs.code is not None and not complete(vs.code):
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
        group = None
        if r.kind == "include":
            cls = ctx.names.get(r.include_tid)
            if cls is None:
                ctx.report.unexpressed.append(
                    f"TID {ctx.tpl.tid} {r.text}: TID {r.include_tid} is not in the IR"
                )
                continue
            ctx.imports.add(f"from dicomgen_std.sr.templates.tid_{r.include_tid} import {cls}")
            typ = cls
        elif any(c.parent == r.index for c in rows) or r.concept.cid:
            typ = unique(camel(name), taken_cls, str(r.row or r.index + 1))
            group = _group(r, rows, typ, ctx, taken_cls)
        elif r.by_reference:
            typ = "ReferenceItem"
        else:
            typ = _value_type(r, ctx)
        ann = f"list[{typ}]" if many else (typ if required else f"{typ} | None")
        how = ", factory=list" if many else ("" if required else ", default=None")
        out.append(_Field(name, ann, r.index, how, group))
    return tuple(out)


def _group(
    r: TemplateRow, rows: tuple[TemplateRow, ...], cls: str, ctx: _Ctx, taken_cls: set[str]
) -> _Group:
    lines: list[str] = []
    if r.concept.cid:
        ct = _code_type(ValueSet(cid=r.concept.cid), ctx, r, "concept name")
        lines.append(f"concept_name: {ct}")
    elif r.concept.code is None and r.value_type != "CONTAINER":
        lines.append("concept_name: Code | None = None")
    if r.value_type != "CONTAINER":
        lines.append(f"value: {_value_type(r, ctx)}")
    doc = ("Row " + str(r.row) if r.row else "Row") + ": " + r.text
    return _Group(cls, doc, r.index, tuple(lines), _fields(rows, r.index, ctx, taken_cls))


def _doc(t: TemplateRecord) -> str:
    src = t.origin
    return f"TID {t.tid} {t.name}" + (f" ({src.source} {src.edition})" if src else "")


def render_template(t: TemplateRecord, ctx: _Ctx) -> str:
    cls = ctx.names[t.tid]
    body = _fields(t.rows, -1, ctx, {cls, *RESERVED})
    rows = [sr_row(r) for r in t.rows]
    used = _used_names(body, rows)
    checking = ["import datetime"] if "datetime" in used else []
    checking += sorted(
        [
            *ctx.imports,
            *(f"from {m} import {', '.join(n)}" for m, n in _by_module(sorted(used)).items()),
        ]
    )
    runtime = ["Row", "Template", "sr_class", "template_rows", "top_rows"]
    runtime += [n for n in ("RowGroup", "row", "row_field") if n in used]
    return render(
        "sr_template.py.j2",
        doc=_doc(t),
        cls=cls,
        tid=t.tid,
        name=t.name,
        root=t.root,
        rows=rows,
        body=body,
        uses_code="Code" in used,
        runtime=sorted(runtime),
        checking=checking,
    )


def _used_names(body: tuple[_Field, ...], rows: list[str]) -> set[str]:
    """The names the template module's code uses, of those it may import."""
    text = [*rows]

    def walk(fields: tuple[_Field, ...]) -> None:
        for f in fields:
            text.append(f.annotation)
            if f.group is not None:
                text.extend(f.group.lines)
                text.append("RowGroup")
                walk(f.group.fields)

    walk(body)
    if body:
        text.append("row_field")
    if rows:
        text.append("row")
    code = "\n".join(text)
    names = ("Code", "RowGroup", "row", "row_field", *_ANNOTATION_NAMES)
    return {n for n in names if re.search(rf"\b{n}\b", code)}


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
        if n in _MODULES:
            out.setdefault(_MODULES[n], []).append(n)
    return out


def render_templates(p16: Part16Result, report: SRReport, typed: set[str]) -> dict[str, str]:
    """The template modules and package; adds to ``typed`` the CIDs whose code type a field
    is annotated with."""
    cids = {g.cid: g for g in p16.context_groups}
    names = {t.tid: f"TID{t.tid}_{camel(t.name) if t.name else 'Template'}" for t in p16.templates}
    files: dict[str, str] = {}
    lazy: list[tuple[str, str]] = []
    for t in p16.templates:
        ctx = _Ctx(t, cids, names, report=report, typed=typed)
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
    tables = [
        (
            iod,
            sorted(
                {
                    (x.source_value_type, x.relationship, x.target_value_type, x.by_reference)
                    for x in c.constraints
                }
            ),
        )
        for iod, c in sorted(by_iod.items())
    ]
    return render("sr_constraints.py.j2", tables=tables, uids=sorted(uids.items()))


def render_sr_package(
    p16: Part16Result, reg: Registry | None = None
) -> tuple[dict[str, str], SRReport]:
    report = SRReport()
    typed: set[str] = set()
    files = render_templates(p16, report, typed)
    files.update(render_cids(p16.context_groups, typed))
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
