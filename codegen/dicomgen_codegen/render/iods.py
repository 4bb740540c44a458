"""View models and rendering of the typed PS3.3 classes: ``dicomgen_std.{macros,modules,iods}``.

:mod:`..passes.typed_models` decides which class has which fields and bases; this module
prepares what the templates print (``templates/typed_file.py.j2`` and
``templates/typed_class.py.j2`` hold the shape of a file and of a class): annotations and
expressions from :mod:`.typed_code`, ``attribute(...)`` keyword arguments, imports and
docstrings from the standard. black lays the files out afterwards.

Item classes defined in another file are referred to lazily
(``item=_ref("macros.code_sequence:CodeSequenceMacro")``) and imported for type checkers only;
base classes (macros of a module, modules of an IOD) are imported for real.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ..ir.iod import Part03Result
from ..parse.conditions import Unparsed
from ..passes.class_model import ClassModel, TypedField
from ..passes.typed_models import Models
from .env import render
from .filters import hex32, py
from .layout import Call, Expr, Kw, Tup
from .registries import render_package_init
from .typed_code import FileContext, annotation_of, xml_label

__all__ = [
    "ClassView",
    "FieldView",
    "class_view",
    "render_class_file",
    "render_typed_package",
]

PACKAGE = "dicomgen_std"


@attrs.frozen
class FieldView:
    """One field as printed: ``name: annotation = attribute(...)`` and its docstring."""

    name: str
    annotation: str
    call: Call
    doc: str


@attrs.frozen
class ClassView:
    """One class as printed: its ``@dicom_class(...)`` call (with the ``uses(...)`` of an IOD
    class), the class statement (name and bases), docstring, nested item classes, fields."""

    depth: int
    name: str
    decorator: Call
    statement: Call
    doc: str
    items: tuple[ClassView, ...]
    fields: tuple[FieldView, ...]


def _tuple(values: Iterable[str]) -> Tup:
    return Tup(tuple(py(v) for v in values))


def field_args(f: TypedField, ctx: FileContext) -> tuple[Expr, ...]:
    """The arguments of a field's ``attribute(...)`` call, keywords named."""
    args: list[Expr] = [
        hex32(f.tag),
        Kw("vr", py(" or ".join(f.vrs) if f.vrs else "UN")),
        *([Kw("vm", py(f.vm))] if f.vm != "1" else []),
        Kw("type", py(f.type)),
        # keyword and name: PS3.6's, found by tag when the class's spec is built
        *([] if f.known else [Kw("keyword", py(f.keyword)), Kw("name", py(f.title))]),
    ]
    if f.item is not None:
        args.append(Kw("item", ctx.thunk(f.item)))
    if f.enum:
        args.append(Kw("enum", _tuple(f.enum)))
    if f.defined_terms:
        args.append(Kw("defined_terms", _tuple(f.defined_terms)))
    if f.condition is not None:
        args.append(Kw("condition", ctx.condition(f.condition)))
    implied = isinstance(f.condition, Unparsed) and f.condition.text == f.condition_text
    if f.condition_text and not implied:  # else the runtime takes the Unparsed text
        args.append(Kw("condition_text", py(f.condition_text)))
    if not f.required:
        args.append(Kw("default", "None"))
    return tuple(args)


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
    if model.parts and model.kind == "item":
        paras.append(
            "Built on the Functional Group Macros of the IOD: "
            + "; ".join(f"{p.title} ({p.usage})" for p in model.parts)
            + "."
        )
    if model.functional_groups:
        paras.append(
            "The Functional Group Macros are IOD-specific: they are fields of the item class "
            "of this sequence in each enhanced IOD class; here they stay in extra_elements."
        )
    paras.extend(model.notes)
    return "\n\n".join(paras)


def _module_uses(model: ClassModel, ctx: FileContext) -> tuple[Call, ...]:
    out = []
    for p in model.parts:
        args: list[Expr] = [ctx.base(p.ref), Kw("usage", py(p.usage)), Kw("source", py(p.source))]
        cond = p.condition
        if cond is None and p.condition_text:
            cond = Unparsed(p.condition_text)
        if cond is not None:
            args.append(Kw("condition", ctx.condition(cond)))
        out.append(Call("uses", tuple(args)))
    if out:
        ctx.uses.add("uses")
    return tuple(out)


def class_view(
    model: ClassModel,
    ctx: FileContext,
    part: str,
    edition: str,
    depth: int = 0,
    outer: ClassModel | None = None,
) -> ClassView:
    """The view of ``model`` and its nested item classes (``outer``: the enclosing class)."""
    bases = tuple(ctx.base(b) for b in model.bases) or ("DicomObject",)
    modules = _module_uses(model, ctx)
    dec: list[Expr] = [Kw("kind", py(model.kind)), Kw("title", py(model.title))]
    # a nested class's table and section, where they are its enclosing class's, are implied
    if outer is None or (model.xml_id, model.section) != (outer.xml_id, outer.section):
        dec.append(Kw("xml_id", py(model.xml_id)))
        if model.section:
            dec.append(Kw("section", py(model.section)))
    if model.sop_class_uids:
        dec.append(Kw("sop_class_uids", _tuple(model.sop_class_uids)))
    if modules:
        dec.append(Kw("modules", Tup(modules)))
    items = tuple(class_view(i, ctx, part, edition, depth + 1, model) for i in model.items)
    composed = bool(model.parts)
    fields = tuple(
        FieldView(
            f.name,
            annotation_of(f, ctx),
            Call("attribute", field_args(f, ctx)),
            _field_doc(f, model, composed),
        )
        for f in model.fields
    )
    name = model.ref.qualname.rsplit(".", 1)[-1]
    return ClassView(
        depth=depth,
        name=name,
        decorator=Call("dicom_class", tuple(dec)),
        statement=Call(name, bases),
        doc=_class_doc(model, part, edition),
        items=items,
        fields=fields,
    )


def render_class_file(model: ClassModel, part: str, edition: str) -> str:
    """The source of one generated module holding ``model`` (and its nested item classes)."""
    ctx = FileContext(model.ref.module)
    view = class_view(model, ctx, part, edition)
    variants = [class_view(v, ctx, part, edition) for v in model.variants]
    imports = sorted((f"{PACKAGE}.{mod}", name) for name, mod in ctx.imported.items())
    type_only = sorted((f"{PACKAGE}.{mod}", name) for name, mod in ctx.type_only.items())
    title = f"{model.title} {'IOD' if model.kind == 'iod' else model.kind.capitalize()}"
    typed_names = ["DicomObject", "attribute", "dicom_class"]
    if ctx.lazy:
        typed_names.append("lazy_refs")
    if "uses" in ctx.uses:
        typed_names.append("uses")
    src = render(
        f"{model.kind}.py.j2" if model.kind in ("iod", "module") else "macro.py.j2",
        doc=f"{title} ({part} {edition} {xml_label(model.xml_id)}).",
        cls=view,
        variants=variants,
        package=PACKAGE,
        typed_names=sorted(typed_names),
        imports=imports,
        type_only=type_only,
        uses=sorted(ctx.uses),
        typing_names=[n for n in ("Literal", "Sequence") if n in ctx.uses],
        conditions=ctx.conditions,
        lazy=ctx.lazy,
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
        f"IOD classes of {part} {edition} ({len(models.iods)}), PS3.3 Annex A: each built on "
        "its module classes, redeclaring what the IOD changes.",
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
