"""View models and rendering of the typed PS3.3 classes: ``dicomgen_std.{macros,modules,iods}``.

:mod:`..passes.flatten_iods` decides which class has which fields; this module turns that
into what the templates print: annotations from VR and VM (``docs/typed-classes.md``, "Field
types"), ``attribute(...)`` arguments, ``item=`` thunks, imports and docstrings from the
standard. Templates only loop and print.

Item classes defined in another file are referred to lazily
(``item=_ref("macros.code_sequence:CodeSequenceMacro")``, a thunk from :func:`dicomgen.core.typed.lazy_refs`)
and imported for type checkers only, so that importing one IOD module imports no other
generated module; base classes (macros a class inherits from) are imported for real.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Union

import attrs

from ..ir.iod import Part03Result
from ..parse.conditions import (
    Absent,
    And,
    AnyItem,
    Compare,
    Condition,
    Equals,
    FrameLevel,
    HasCode,
    HasValue,
    Not,
    NotEquals,
    Or,
    PointsTo,
    Present,
    Unparsed,
)
from ..passes.flatten_iods import ClassModel, ClassRef, Models, TypedField, class_name
from ..passes.naming import snake_case as field_name
from .env import render
from .filters import docstring, hex32, py
from .registries import render_package_init

__all__ = [
    "PY_TYPES",
    "annotation_of",
    "condition_code",
    "FileContext",
    "ClassView",
    "FieldView",
    "class_view",
    "render_class_file",
    "render_typed_package",
    "xml_label",
]

PACKAGE = "dicomgen_std"
_PAD = "    "
_WIDTH = 100  # black's line length (render/writer.py)

# VR -> the Python type of one value (docs/typed-classes.md, "Field types").
PY_TYPES: dict[str, str] = {
    **{vr: "str" for vr in "AE AS CS LO LT SH ST UC UR UT UI".split()},
    "PN": "PersonName | str",
    "DA": "datetime.date",
    "TM": "datetime.time",
    "DT": "datetime.datetime",
    **{vr: "int" for vr in "IS US UL SS SL UV SV AT".split()},
    **{vr: "float" for vr in "DS FL FD".split()},
    **{vr: "bytes" for vr in "OB OD OF OL OV OW UN".split()},
}
_STR_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI".split())


def xml_label(xml_id: str) -> str:
    """``"sect_C.7.1.1"`` -> ``"Section C.7.1.1"``, ``"table_C.7-1"`` -> ``"Table C.7-1"``."""
    m = re.match(r"(sect|table|chapter)_(.+)$", xml_id)
    if not m:
        return xml_id
    return (
        {"sect": "Section", "table": "Table", "chapter": "Chapter"}[m.group(1)] + " " + m.group(2)
    )


# --- code for values: a tiny expression tree, laid out like black ---------------------------


@attrs.frozen
class Call:
    func: str
    args: tuple[Expr, ...]


@attrs.frozen
class Tup:
    items: tuple[Expr, ...]


@attrs.frozen
class Kw:
    key: str
    value: Expr


@attrs.frozen
class Sub:
    """A subscript: ``list[X]``, ``Literal["A", "B"]``."""

    outer: str
    items: tuple[Expr, ...]


@attrs.frozen
class Union_:
    """``A | B | None`` (an annotation)."""

    parts: tuple[Expr, ...]


Expr = Union[str, Call, Tup, Kw, Sub, Union_]


def condition_expr(cond: Condition) -> Expr:
    """The runtime constructor call of a condition (``C.Present(0x00280008)``); the runtime
    classes in ``dicomgen.core.conditions`` have the generator's names and fields."""
    name = f"C.{type(cond).__name__}"
    if isinstance(cond, (Present, Absent, HasValue)):
        return Call(name, (hex32(cond.tag),))
    if isinstance(cond, (Equals, NotEquals)):
        args: tuple[Expr, ...] = (hex32(cond.tag), Tup(tuple(py(v) for v in cond.values)))
        if cond.index is not None:
            args += (str(cond.index),)
        return Call(name, args)
    if isinstance(cond, Compare):
        number = int(cond.number) if float(cond.number).is_integer() else cond.number
        args = (hex32(cond.tag), py(cond.op), py(number))
        if cond.index is not None:
            args += (str(cond.index),)
        return Call(name, args)
    if isinstance(cond, PointsTo):
        return Call(name, (hex32(cond.tag), Tup(tuple(hex32(t) for t in cond.targets))))
    if isinstance(cond, HasCode):
        codes = tuple(Tup((py(v), py(s))) for v, s in cond.codes)
        return Call(name, (hex32(cond.tag), Tup(codes)))
    if isinstance(cond, AnyItem):
        return Call(name, (hex32(cond.tag), condition_expr(cond.item)))
    if isinstance(cond, FrameLevel):
        return Call(name, (condition_expr(cond.item),))
    if isinstance(cond, (And, Or)):
        return Call(name, (Tup(tuple(condition_expr(c) for c in cond.items)),))
    if isinstance(cond, Not):
        return Call(name, (condition_expr(cond.item),))
    if isinstance(cond, Unparsed):
        return Call(name, (py(cond.text),))
    raise TypeError(f"not a condition: {cond!r}")


def condition_code(cond: Condition) -> str:
    """:func:`condition_expr` as one line of code."""
    return text_of(condition_expr(cond))


class FileContext:
    """Per generated file: which names it defines or imports, and how to reach other classes."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.imported: dict[str, str] = {}  # top name -> module (real imports: base classes)
        self.type_only: dict[str, str] = {}  # top name -> module (TYPE_CHECKING imports)
        self.lazy = False  # needs the _m() helper
        self.uses: set[str] = set()  # "datetime", "PersonName", "Literal", "Sequence"
        self.conditions = False
        self.groups: IODGroups | None = None

    def base(self, ref: ClassRef) -> str:
        if ref.module != self.module:
            self.imported[ref.top] = ref.module
        return ref.qualname

    def annotation_name(self, ref: ClassRef) -> str:
        if ref.module != self.module and ref.top not in self.imported:
            self.type_only[ref.top] = ref.module
        return ref.qualname

    def thunk(self, ref: ClassRef) -> Expr:
        if ref.module == self.module or ref.top in self.imported:
            return f"lambda: {ref.qualname}"
        self.lazy = True
        return Call("_ref", (py(f"{ref.module}:{ref.qualname}"),))


def _one_type(vr: str, multi: bool, literal: tuple[str, ...], ctx: FileContext) -> Expr:
    t = PY_TYPES.get(vr, "bytes")
    if literal and not multi and vr in _STR_VRS:
        ctx.uses.add("Literal")
        return Sub("Literal", tuple(py(v) for v in literal))
    if vr in ("DA", "TM", "DT"):
        ctx.uses.add("datetime")
    if vr == "PN":
        ctx.uses.add("PersonName")
    if multi and t != "bytes":
        ctx.uses.add("Sequence")
        return Sub("Sequence", (t,))
    return t


def annotation_of(f: TypedField, ctx: FileContext) -> Expr:
    """The annotation of a field: VR and VM decide (ambiguous VRs: the types they share)."""
    if f.vrs[:1] == ("SQ",):
        if f.item is None:
            raise ValueError(f"{f.keyword}: SQ without an item class")
        parts: list[Expr] = [Sub("list", (ctx.annotation_name(f.item),))]
    else:
        parts = []
        for vr in f.vrs or ("UN",):
            one = _one_type(vr, f.multi, f.enum, ctx)
            for p in one.parts if isinstance(one, Union_) else (one,):
                if p not in parts:
                    parts.append(p)
    if not f.required:
        parts.append("None")
    return parts[0] if len(parts) == 1 else Union_(tuple(parts))


# --- views -------------------------------------------------------------------------------------

_WIDTH = 100  # black's line length (render/writer.py)


def text_of(e: Expr) -> str:
    """An expression on one line."""
    if isinstance(e, str):
        return e
    if isinstance(e, Kw):
        return f"{e.key}={text_of(e.value)}"
    if isinstance(e, Call):
        return f"{e.func}({', '.join(text_of(a) for a in e.args)})"
    if isinstance(e, Sub):
        return f"{e.outer}[{', '.join(text_of(a) for a in e.items)}]"
    if isinstance(e, Union_):
        return " | ".join(text_of(p) for p in e.parts)
    inner = ", ".join(text_of(a) for a in e.items)
    return f"({inner},)" if len(e.items) == 1 else f"({inner})"


def layout(e: Expr, pad: str, lead: str = "", trail: str = "") -> list[str]:
    """Lines of ``lead + e + trail`` at indentation ``pad``, laid out as black lays out calls
    and tuples: one line if it fits; else split at the outer brackets - a call's arguments on
    one line if they fit (a lone argument split in turn), else one per line with a trailing
    comma; a tuple one element per line. Atoms (strings) are never split.

    Rendering what black would print keeps formatting fast (black is the slow step, and a
    trailing comma spares it the search for a layout); black still has the last word."""
    one = f"{pad}{lead}{text_of(e)}{trail}"
    if len(one) <= _WIDTH or isinstance(e, str):
        return [one]
    if isinstance(e, Kw):
        return layout(e.value, pad, f"{lead}{e.key}=", trail)
    if isinstance(e, Union_):  # only inside parentheses: one part per line
        out: list[str] = []
        for i, part in enumerate(e.parts):
            last = i == len(e.parts) - 1
            out += layout(part, pad, lead if i == 0 else "| ", trail if last else "")
        return out
    inner = pad + _PAD
    if isinstance(e, (Call, Sub)):
        opening, closing = ("(", ")") if isinstance(e, Call) else ("[", "]")
        name = e.func if isinstance(e, Call) else e.outer
        items = e.args if isinstance(e, Call) else e.items
        first = f"{pad}{lead}{name}{opening}"
        body = inner + ", ".join(text_of(a) for a in items)
        if len(body) <= _WIDTH:
            return [first, body, f"{pad}{closing}{trail}"]
        if len(items) == 1:
            return [first, *layout(items[0], inner), f"{pad}{closing}{trail}"]
    else:
        first, items, closing = f"{pad}{lead}(", e.items, ")"
    lines = [first]
    for a in items:
        lines += layout(a, inner, "", ",")
    lines.append(f"{pad}{closing}{trail}")
    return lines


def layout_field(pad: str, name: str, ann: Expr, call: Call) -> str:
    """``name: ann = call`` as black lays it out: split at the call's parentheses when
    ``name: ann = func(`` fits; else the right-hand side in parentheses when ``name: ann = (``
    fits; else the annotation split (at its subscript, or in parentheses when a union)."""
    target = f"{pad}{name}: {text_of(ann)} = "
    if len(f"{target}{call.func}(") <= _WIDTH or len(f"{target}{text_of(call)}") <= _WIDTH:
        return "\n".join(layout(call, pad, target[len(pad) :]))
    if len(f"{target}(") <= _WIDTH:
        return "\n".join([f"{target}(", *layout(call, pad + _PAD), f"{pad})"])
    if isinstance(ann, Sub):  # split at the subscript; its "]" starts the call's line
        body = pad + _PAD + ", ".join(text_of(a) for a in ann.items)
        if len(body) <= _WIDTH or len(ann.items) == 1:
            head = [body]
        else:
            head = [line for a in ann.items for line in layout(a, pad + _PAD, "", ",")]
        return "\n".join([f"{pad}{name}: {ann.outer}[", *head, *layout(call, pad, "] = ")])
    inner = layout(ann, pad + _PAD)
    return "\n".join([f"{pad}{name}: (", *inner, *layout(call, pad, ") = ")])


@attrs.frozen
class FieldView:
    name: str
    code: str
    doc: str


@attrs.frozen
class ClassView:
    pad: str
    name: str
    decorator: str
    bases: str
    doc: str
    items: tuple[ClassView, ...]
    fields: tuple[FieldView, ...]


@attrs.frozen
class GroupView:
    """Keyword arguments shared by the fields of one module of an IOD class
    (``_PATIENT = dict(module="Patient", usage="M", sources=(...))``)."""

    name: str
    code: str


class IODGroups:
    """Names for the (module, usage, sources, module condition) groups of an IOD file."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str, tuple[str, ...], str], str] = {}
        self.views: list[GroupView] = []

    def name_for(self, f: TypedField, ctx: FileContext) -> str:
        cond = condition_code(f.module_condition) if f.module_condition is not None else ""
        key = (f.module, f.usage, f.sources, cond)
        name = self.by_key.get(key)
        if name is not None:
            return name
        stem = (
            "_"
            + (
                field_name(re.sub(r"[^0-9A-Za-z]+", " ", f.module).title().replace(" ", ""))
                or "module"
            ).upper()
        )
        name, n = stem, 1
        taken = set(self.by_key.values())
        while name in taken:
            n += 1
            name = f"{stem}_{n}"
        self.by_key[key] = name
        args: list[Expr] = [
            Kw("module", py(f.module)),
            Kw("usage", py(f.usage)),
            Kw("sources", _tuple(f.sources)),
        ]
        if f.module_condition is not None:
            ctx.conditions = True
            args.append(Kw("module_condition", condition_expr(f.module_condition)))
        self.views.append(
            GroupView(name, "\n".join(layout(Call("dict", tuple(args)), "", f"{name} = ")))
        )
        return name


def _tuple(values: Iterable[str]) -> Tup:
    return Tup(tuple(py(v) for v in values))


def _field_args(f: TypedField, ctx: FileContext, groups: IODGroups | None) -> list[Expr]:
    vr = " or ".join(f.vrs) if f.vrs else "UN"
    args: list[Expr] = [
        hex32(f.tag),
        py(vr),
        py(f.vm),
        py(f.type),
        Kw("keyword", py(f.keyword)),
        Kw("name", py(f.title)),
    ]
    if f.item is not None:
        args.append(Kw("item", ctx.thunk(f.item)))
    if f.enum:
        args.append(Kw("enum", _tuple(f.enum)))
    if f.defined_terms:
        args.append(Kw("defined_terms", _tuple(f.defined_terms)))
    if f.condition is not None:
        ctx.conditions = True
        args.append(Kw("condition", condition_expr(f.condition)))
    if f.condition_text:
        args.append(Kw("condition_text", py(f.condition_text)))
    if not f.required:
        args.append(Kw("default", "None"))
    if groups is not None and f.module:
        if len(f.sources) == 1:
            args.append(f"**{groups.name_for(f, ctx)}")
        else:  # defined by several modules: the winner's module and usage, every source
            args += [
                Kw("module", py(f.module)),
                Kw("sources", _tuple(f.sources)),
                Kw("usage", py(f.usage)),
            ]
            if f.module_condition is not None:
                ctx.conditions = True
                args.append(Kw("module_condition", condition_expr(f.module_condition)))
    return args


def _field_doc(f: TypedField, owner: ClassModel, iod: bool) -> str:
    parts = []
    if f.summary:
        parts.append(f.summary if f.summary.endswith((".", ":", "?")) else f.summary + ".")
    where = f"{f.tag_text} Type {f.type}"
    if iod and f.module:
        where += f", {f.module} ({f.usage})"
    parts.append(where + ".")
    if f.condition_text:
        parts.append(f.condition_text)
    if f.item_note:
        parts.append(f"Items: {f.item_note}")
    if f.repeating:
        parts.append(f"Repeating group: this field is group {f.tag >> 16:04X}.")
    if not f.known:
        parts.append("Not in the PS3.6 dictionary used: VR unknown.")
    if f.origin != owner.xml_id:
        parts.append(f"[{f.origin}]")
    return " ".join(parts)


def _class_doc(model: ClassModel, part: str, edition: str) -> str:
    where = f"{part} {edition}"
    if model.section:
        where += f" {xml_label(model.section)}"
    if model.kind == "item":
        seq = model.sequence
        head = f"An item of {seq.title} {seq.tag_text}." if seq else f"{model.title}."
    elif model.kind == "iod":
        head = f"{model.title} IOD ({where}, {xml_label(model.xml_id)})."
    else:
        head = f"{model.caption or model.title} ({where}, {xml_label(model.xml_id)})."
    paras = [head]
    if model.kind == "iod":
        if model.sop_class_uids:
            paras.append("SOP Classes: " + ", ".join(model.sop_class_uids) + ".")
        mods = []
        for m in model.modules:
            usage = m.usage + (f": {m.condition_text}" if m.condition_text else "")
            mods.append(f"{m.module} ({usage})")
        if mods:
            paras.append("Modules: " + "; ".join(mods) + ".")
    if model.functional_groups:
        paras.append(
            "The Functional Group Macros are IOD-specific: they are fields of the item class "
            "of this sequence in each enhanced IOD class; here they stay in extra_elements."
        )
    paras.extend(model.notes)
    return "\n\n".join(paras)


def class_view(
    model: ClassModel,
    ctx: FileContext,
    part: str,
    edition: str,
    depth: int = 0,
    groups: IODGroups | None = None,
) -> ClassView:
    if model.kind == "iod":
        groups = IODGroups()
    pad = _PAD * depth
    bases = ", ".join(ctx.base(b) for b in model.bases) or "DicomObject"
    dec: list[Expr] = [
        Kw("kind", py(model.kind)),
        Kw("title", py(model.title)),
        Kw("xml_id", py(model.xml_id)),
    ]
    if model.section:
        dec.append(Kw("section", py(model.section)))
    if model.sop_class_uids:
        dec.append(Kw("sop_class_uids", _tuple(model.sop_class_uids)))
    items = tuple(class_view(i, ctx, part, edition, depth + 1, groups) for i in model.items)
    fields = []
    for f in model.fields:
        call = Call("attribute", tuple(_field_args(f, ctx, groups)))
        code = layout_field(pad + _PAD, f.name, annotation_of(f, ctx), call)
        doc = docstring(_field_doc(f, model, groups is not None), indent=len(pad) + 4)
        fields.append(FieldView(f.name, code, doc))
    view = ClassView(
        pad=pad,
        name=model.ref.qualname.rsplit(".", 1)[-1],
        decorator="\n".join(layout(Call("dicom_class", tuple(dec)), pad, "@")),
        bases=bases,
        doc=docstring(_class_doc(model, part, edition), indent=len(pad) + 4),
        items=items,
        fields=tuple(fields),
    )
    if model.kind == "iod":
        ctx.groups = groups
    return view


def _import_line(pad: str, module: str, name: str) -> str:
    line = f"{pad}from {module} import {name}"
    if len(line) <= _WIDTH:
        return line
    return f"{pad}from {module} import (\n{pad}{_PAD}{name},\n{pad})"


def render_class_file(model: ClassModel, part: str, edition: str) -> str:
    """The source of one generated module holding ``model`` (and its nested item classes)."""
    ctx = FileContext(model.ref.module)
    view = class_view(model, ctx, part, edition)
    imports = [
        _import_line("", f"{PACKAGE}.{mod}", name)
        for mod, name in sorted((mod, name) for name, mod in ctx.imported.items())
    ]
    type_checking = []
    if "datetime" in ctx.uses:
        type_checking.append("import datetime")
    typing_names = sorted(n for n in ("Literal", "Sequence") if n in ctx.uses)
    if typing_names:
        type_checking.append(f"from typing import {', '.join(typing_names)}")
    if "PersonName" in ctx.uses:
        type_checking.append("from dicomgen.core.values import PersonName")
    type_checking += [
        _import_line(_PAD, f"{PACKAGE}.{mod}", name)[len(_PAD) :]
        for mod, name in sorted((mod, name) for name, mod in ctx.type_only.items())
    ]
    template = {"iod": "iod.py.j2", "module": "module.py.j2"}.get(model.kind, "macro.py.j2")
    title = f"{model.title} {'IOD' if model.kind == 'iod' else model.kind.capitalize()}"
    src = render(
        template,
        doc=f"{title} ({part} {edition} {xml_label(model.xml_id)}).",
        cls=view,
        package=PACKAGE,
        imports=imports,
        type_checking=type_checking,
        conditions=ctx.conditions,
        lazy=ctx.lazy,
        groups=ctx.groups.views if ctx.groups is not None else [],
    )
    return src.rstrip("\n") + "\n"


def _lazy_table(models: Iterable[ClassModel]) -> list[tuple[str, str]]:
    return sorted((m.ref.qualname, f"{PACKAGE}.{m.ref.module}") for m in models)


def render_typed_package(
    models: Models, result: Part03Result, sop_names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """{path relative to ``dicomgen_std/``: unformatted source} for macros/, modules/, iods/
    and ``_registry.py``."""
    part, edition = result.part, result.edition
    out: dict[str, str] = {}
    for m in (*models.tables, *models.iods):
        out[m.ref.module.replace(".", "/") + ".py"] = render_class_file(m, part, edition)
    macros = [m for m in models.tables if m.kind == "macro"]
    modules = [m for m in models.tables if m.kind == "module"]
    out["macros/__init__.py"] = render_package_init(
        f"Macro classes of {part} {edition} ({len(macros)}): attributes that modules and "
        "sequence items include (PS3.3 Section 5.4, Attribute Macros).",
        _lazy_table(macros),
    )
    out["modules/__init__.py"] = render_package_init(
        f"Module classes of {part} {edition} ({len(modules)}), PS3.3 Annex C.",
        _lazy_table(modules),
    )
    out["iods/__init__.py"] = render_package_init(
        f"IOD classes of {part} {edition} ({len(models.iods)}), PS3.3 Annex A: flattened, every "
        "attribute of every module of the IOD is a field.",
        _lazy_table(models.iods),
    )
    names = sop_names or {}
    entries = sorted(
        (uid, f"{PACKAGE}.{m.ref.module}:{m.ref.qualname}", names.get(uid, ""))
        for m in models.iods
        for uid in m.sop_class_uids
    )
    out["_registry.py"] = render(
        "iod_registry.py.j2",
        doc=(
            f"SOP Class UID -> IOD class (``module:QualName``), for the {len(models.iods)} IODs "
            f"of {part} {edition} that PS3.4 SOP classes name. Imported lazily by "
            "``dicomgen.core.typed.iod_class_for``."
        ),
        entries=entries,
    )
    return out


def iod_class_name(title: str) -> str:
    """``"CT Image"`` -> ``"CTImageIOD"``."""
    return class_name(title, "iod")
