"""IOD classes built on their module classes (``docs/typed-classes.md``, "IOD classes").

An IOD class inherits from the classes of its modules, in the order of the IOD's module table,
and declares again only the fields whose meaning in the IOD differs from the module class's:

* Type 1 attributes of a C or U module (they cannot be required arguments of the IOD);
* attributes that several modules define differently (the stricter Type wins, PS3.3 A.1.3;
  sequences whose modules give different item classes get an item class of their own);
* the Shared / Per-frame Functional Groups Sequences of an enhanced IOD, whose items are
  classes of the IOD built on its Functional Group Macros (PS3.3 C.7.6.16) the same way,
  every macro attribute optional there.

``ClassModel.all_fields`` still holds every field as the IOD sees it (module, usage and
sources recorded); ``ClassModel.fields`` only the declared ones. The runtime derives a
field's module, usage and sources from the ``modules=`` of the class decorator.

A module whose base classes cannot be ordered consistently with the others (Python's C3
method resolution order) is not a base: its fields are declared in the IOD class instead,
and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ..ir.iod import IODRecord
from ..parse.conditions import Condition, Unparsed
from .class_model import (
    ClassModel,
    ClassRef,
    Level,
    ModulePart,
    TypedField,
    class_name,
    file_stem,
)
from .table_classes import ModelBuilder

__all__ = ["compose_iod", "c3_order", "optional_variant", "same_meaning"]


def optional_variant(builder: ModelBuilder, model: ClassModel) -> ClassModel:
    """The variant of a module (macro) class with every attribute optional, written once in
    the module's file (``PatientModuleOptional``) and shared by every IOD class that uses the
    module with usage C or U (and by functional group items); ``model`` itself when none of
    its attributes is required."""
    if not any(f.required for f in model.all_fields.values()):
        return model
    if model.variants:
        return model.variants[0]
    ref = ClassRef(model.ref.module, f"{model.ref.qualname}Optional")
    all_fields = {n: attrs.evolve(f, required=False) for n, f in model.all_fields.items()}
    variant = ClassModel(
        kind=model.kind,
        title=model.title,
        xml_id=model.xml_id,
        section=model.section,
        ref=ref,
        bases=[model.ref],
        fields=[all_fields[n] for n, f in model.all_fields.items() if f.required],
        all_fields=all_fields,
        notes=[
            f"{model.ref.qualname} with every attribute optional: the base of the IOD "
            f"classes that use it with usage C or U (or whose items may take it elsewhere)."
        ],
        caption=model.caption,
    )
    model.variants.append(variant)
    builder.bases_graph()[ref] = [model.ref]
    return variant


def same_meaning(a: TypedField, b: TypedField) -> bool:
    """Two definitions of one attribute that behave alike (what ``attribute(...)`` says,
    the requiredness included); provenance and documentation may differ."""
    return (
        a.tag == b.tag
        and a.type == b.type
        and a.required == b.required
        and a.vrs == b.vrs
        and a.vm == b.vm
        and a.item == b.item
        and a.enum == b.enum
        and a.defined_terms == b.defined_terms
        and a.condition == b.condition
        and a.condition_text == b.condition_text
    )


def c3_order(
    ref: ClassRef,
    bases_of: dict[ClassRef, list[ClassRef]],
    memo: dict[ClassRef, list[ClassRef] | None] | None = None,
) -> list[ClassRef] | None:
    """Python's method resolution order of a class with bases ``bases_of[ref]`` (C3), or None
    when the bases cannot be ordered consistently. ``memo`` keeps the orders of other classes
    between calls."""
    memo = {} if memo is None else memo
    memo.pop(ref, None)

    def lin(r: ClassRef) -> list[ClassRef] | None:
        if r in memo:
            return memo[r]
        bases = bases_of.get(r, [])
        seqs = [lin(b) for b in bases]
        if any(s is None for s in seqs):
            memo[r] = None
            return None
        todo = [list(s) for s in seqs if s] + [list(bases)]
        out = [r]
        while any(todo):
            todo = [s for s in todo if s]
            for s in todo:
                head = s[0]
                if not any(head in t[1:] for t in todo):
                    break
            else:
                memo[r] = None
                return None
            out.append(head)
            for t in todo:
                if t and t[0] == head:
                    t.pop(0)
        memo[r] = out
        return out

    return lin(ref)


def _module_condition(cond: Condition | None, text: str) -> Condition | None:
    return cond if cond is not None or not text else Unparsed(text)


@attrs.define
class _Use:
    """One part (module, or functional group macro) as the IOD uses it."""

    model: ClassModel
    part: ModulePart
    required_allowed: bool


def _compose(
    builder: ModelBuilder,
    ref: ClassRef,
    where: str,
    uses: Sequence[_Use],
    own: Sequence[TypedField] = (),
) -> tuple[Level, list[ClassRef], list[str]]:
    """The fields of a class built on ``uses`` (plus ``own`` fields declared in it): the
    effective field of every name, its bases, and the names it must declare."""
    lv = Level(where)
    for f in own:
        lv.add(f, False)
    defs: dict[str, list[TypedField]] = {}
    given = {f.name for f in own}
    own_names = set(given)
    bases: list[ClassRef] = []
    for u in uses:
        if u.model.ref not in bases:
            bases.append(u.model.ref)
    bases = _consistent_bases(builder, ref, bases, lv)
    for u in uses:
        p = u.part
        for f in u.model.all_fields.values():
            g = attrs.evolve(
                f,
                required=f.required and u.required_allowed,
                sources=(p.source,),
                module=p.title,
                usage=p.usage,
                module_condition=_module_condition(p.condition, p.condition_text),
                module_condition_text=p.condition_text,
            )
            defs.setdefault(f.name, []).append(f)
            if f.name in given:  # declared by the class itself (functional group items)
                continue
            if u.model.ref not in bases:  # not a base: its fields are declared in the class
                own_names.add(f.name)
            lv.add(g, False)
    builder.unite_items(lv, ref, ref.module)
    declare = []
    for name, eff in lv.fields.items():
        inherited = defs.get(name, [])
        if name in own_names or not inherited or not all(same_meaning(d, eff) for d in inherited):
            declare.append(name)
    return lv, bases, declare


def _consistent_bases(
    builder: ModelBuilder, ref: ClassRef, bases: list[ClassRef], lv: Level
) -> list[ClassRef]:
    """``bases`` without the ones that break the C3 order (each dropped one is reported)."""
    bases_of = dict(builder.bases_graph())
    memo = builder.mro_memo
    kept: list[ClassRef] = []
    for b in bases:
        bases_of[ref] = [*kept, b]
        if c3_order(ref, bases_of, memo) is None:
            lv.notes.append(
                f"{b.qualname} is not a base (no consistent method resolution order with "
                f"{', '.join(k.qualname for k in kept)}): its fields are declared here"
            )
            continue
        kept.append(b)
    return kept


def _parts(iod: IODRecord, builder: ModelBuilder, lv_notes: list[str]) -> list[_Use]:
    uses = []
    for m in iod.modules:
        if m.table_xml_id not in builder.tables:
            lv_notes.append(f"{m.module} Module: no module table in this document")
            continue
        model = builder.table_class(m.table_xml_id)
        if m.usage != "M":
            model = optional_variant(builder, model)
        part = ModulePart(
            ref=model.ref,
            title=m.module,
            usage=m.usage,
            source=builder.source(m.table_xml_id),
            condition=m.condition,
            condition_text=m.condition_text,
        )
        uses.append(_Use(model, part, m.usage == "M"))
    return uses


def _fg_item_refs(model: ClassModel) -> dict[ClassRef, ClassModel]:
    out: dict[ClassRef, ClassModel] = {}

    def walk(m: ClassModel) -> None:
        for it in m.items:
            if it.functional_groups:
                out[it.ref] = it
            walk(it)

    walk(model)
    return out


def compose_iod(
    iod: IODRecord, builder: ModelBuilder, sop_class_uids: tuple[str, ...] = ()
) -> ClassModel:
    """The class of an IOD, built on its module classes (see the module docstring)."""
    name = class_name(iod.title, "iod")
    ref = ClassRef(f"iods.{file_stem(iod.title, 'iod')}", name)
    notes: list[str] = []
    uses = _parts(iod, builder, notes)
    fg_items: dict[str, ClassModel] = {}
    own: list[TypedField] = []
    for u in uses:
        fg_refs = _fg_item_refs(u.model)
        for f in u.model.all_fields.values():
            if f.item is not None and f.item in fg_refs and f.name not in fg_items:
                item = _functional_group_item(iod, builder, ref, fg_refs[f.item], f)
                fg_items[f.name] = item
                own.append(
                    attrs.evolve(
                        f,
                        item=item.ref,
                        required=f.required and u.required_allowed,
                        sources=(u.part.source,),
                        module=u.part.title,
                        usage=u.part.usage,
                        module_condition=_module_condition(u.part.condition, u.part.condition_text),
                        module_condition_text=u.part.condition_text,
                    )
                )
    lv, bases, declare = _compose(builder, ref, f"{name} ({iod.xml_id})", uses, own)
    model = ClassModel(
        kind="iod",
        title=iod.title,
        xml_id=iod.xml_id,
        section=iod.section_xml_id,
        ref=ref,
        bases=bases,
        fields=[lv.fields[n] for n in lv.fields if n in declare],
        all_fields=dict(lv.fields),
        items=list(fg_items.values()),
        notes=notes + lv.notes,
        sop_class_uids=tuple(sop_class_uids),
        modules=iod.modules,
        parts=tuple(u.part for u in uses),
    )
    builder.union_items(model)
    return model


def _functional_group_item(
    iod: IODRecord, builder: ModelBuilder, owner: ClassRef, module_item: ClassModel, seq: TypedField
) -> ClassModel:
    """The item class of a Shared / Per-frame Functional Groups Sequence of this IOD: built on
    the IOD's Functional Group Macros (every attribute optional), plus the module item's own
    fields."""
    ref = ClassRef(owner.module, f"{owner.qualname}.{seq.keyword}Item")
    notes: list[str] = []
    uses = []
    for fg in iod.functional_groups:
        if fg.table_xml_id not in builder.tables:
            notes.append(f"{fg.macro} Macro: no macro table in this document")
            continue
        model = optional_variant(builder, builder.table_class(fg.table_xml_id))
        part = ModulePart(
            ref=model.ref,
            title=fg.macro,
            usage=fg.usage,
            source=builder.source(fg.table_xml_id),
            condition=fg.condition,
            condition_text=fg.condition_text,
        )
        uses.append(_Use(model, part, False))
    own = list(module_item.all_fields.values())
    where = f"{ref.qualname} ({iod.functional_groups_xml_id or iod.xml_id})"
    lv, bases, declare = _compose(builder, ref, where, uses, own)
    return ClassModel(
        kind="item",
        title=f"{seq.title} Item",
        xml_id=iod.functional_groups_xml_id or iod.xml_id,
        section=iod.section_xml_id,
        ref=ref,
        bases=bases,
        fields=[lv.fields[n] for n in lv.fields if n in declare],
        all_fields=dict(lv.fields),
        notes=notes + lv.notes,
        sequence=seq,
        parts=tuple(u.part for u in uses),
    )
