"""Classes of the Module and Macro tables of PS3.3 and their sequence items.

Input: the PS3.3 IR with keywords filled (:mod:`.keywords`). Following
``docs/typed-classes.md``:

* a table's depth-0 rows are its fields; an SQ attribute's nested rows are an item class
  nested in the class that owns the sequence (``PatientModule.OtherPatientIDsSequenceItem``);
  an item that is exactly one unconditional Include *is* that macro's class;
* an unconditional Include (PS3.3 Section 5.4, Attribute Macros) makes the including class
  inherit from the macro class ("macros stay macros"); a conditional one ("Include ... if and
  only if Value Type (0040,A040) is NUM") copies the macro's fields into the including class,
  optional, each keeping the condition (Type 1 -> 1C, 2 -> 2C, 1C/2C -> both conditions); an
  Include of a table that includes the current one (PS3.3 Table 10-18 and C.17-6, recursive
  item types) is copied too, its item classes referred to through ``item=`` thunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from dicomgen.core.errors import GenerationError

from ..ir.iod import (
    AttributeRow,
    AttributeTableRecord,
    DescriptionRow,
    HeadingRow,
    IncludeRow,
    Part03Result,
)
from .class_model import (
    ClassModel,
    ClassRef,
    Level,
    TypedField,
    class_name,
    conditional_copy,
    field_name,
    file_stem,
    first_sentences,
    overridden_module,
    value_terms,
)
from .includes import RowNode, include_graph, row_tree
from .keywords import ElementInfo

__all__ = ["ModelBuilder"]

_KIND_PACKAGE = {"module": "modules", "macro": "macros", "iod": "iods"}


class ModelBuilder:
    """Builds :class:`ClassModel` s from the PS3.3 IR (keywords filled) and the dictionary
    facts of each tag. ``notes`` collects what the generator report should say."""

    def __init__(self, result: Part03Result, elements: Mapping[str, ElementInfo]) -> None:
        self.result = result
        self.edition = result.edition
        self.part = result.part
        self.elements = elements
        self.tables: dict[str, AttributeTableRecord] = {t.xml_id: t for t in result.tables}
        self.trees: dict[str, tuple[RowNode, ...]] = {}
        self.notes: list[str] = []
        graph = include_graph(self.tables)
        self.reach: dict[str, frozenset[str]] = {}
        for start in graph:
            seen: set[str] = set()
            todo = list(graph[start])
            while todo:
                x = todo.pop()
                if x in seen:
                    continue
                seen.add(x)
                todo.extend(graph.get(x, ()))
            self.reach[start] = frozenset(seen)
        self._top: dict[str, Level] = {}
        self._busy: set[str] = set()
        self._models: dict[str, ClassModel] = {}
        self._extensions: dict[ClassRef, tuple[ClassRef, tuple[RowNode, ...], TypedField]] = {}
        self._unions: dict[ClassRef, tuple[tuple[ClassRef, ...], TypedField]] = {}
        self._union_built: set[ClassRef] = set()
        self.refs: dict[str, ClassRef] = {}
        self._bases_graph: dict[ClassRef, list[ClassRef]] | None = None
        self.mro_memo: dict[ClassRef, list[ClassRef] | None] = {}  # C3 orders (compose_iods)
        for t in self.tables.values():
            kind = "module" if t.kind == "module" else "macro"
            self.refs[t.xml_id] = ClassRef(
                f"{_KIND_PACKAGE[kind]}.{file_stem(t.title, kind)}", class_name(t.title, kind)
            )

    # provenance
    def source(self, xml_id: str) -> str:
        return f"{self.part} {self.edition} {xml_id}"

    def kind_of(self, xml_id: str) -> str:
        return "module" if self.tables[xml_id].kind == "module" else "macro"

    def tree(self, xml_id: str) -> tuple[RowNode, ...]:
        t = self.trees.get(xml_id)
        if t is None:
            t = self.trees[xml_id] = row_tree(self.tables[xml_id].rows)
        return t

    # fields ------------------------------------------------------------------------------
    def field_of(
        self, row: AttributeRow, origin: str, item: ClassRef | None, note: str
    ) -> TypedField:
        info = self.elements.get(row.tag)
        if info is None:  # fill_keywords covers every row; this is a programming error
            raise GenerationError(f"{origin}: no dictionary facts for {row.tag} {row.name}")
        vrs = info.vrs
        return TypedField(
            name=field_name(info.keyword),
            tag=info.value,
            tag_text=row.tag,
            keyword=info.keyword,
            title=info.name if info.known else row.name,
            vrs=vrs,
            vm=info.vm or "1",
            type=row.type or "3",
            required=row.type == "1",
            origin=origin,
            summary=first_sentences(row.summary or row.description),
            item=item,
            item_note=note,
            enum=value_terms(vrs, row.value_sets, "enumerated"),
            defined_terms=value_terms(vrs, row.value_sets, "defined"),
            condition=row.condition,
            condition_text=row.condition_text,
            known=info.known,
            retired=info.retired,
            repeating=info.repeating,
            sources=(self.source(origin),),
            overrides=overridden_module(row.description),
        )

    def _item_ref(self, node: RowNode, owner: str, file_table: str) -> tuple[ClassRef, str, bool]:
        """(item class, note, nested?) of an SQ row: a macro class when the item is exactly
        one unconditional Include, else a class nested in ``owner``."""
        content = [c for c in node.children if not isinstance(c.row, HeadingRow)]
        if len(content) == 1 and not content[0].children:
            inc = content[0].row
            if (
                isinstance(inc, IncludeRow)
                and not inc.functional_groups
                and inc.condition is None
                and not inc.condition_text
                and inc.target in self.tables
            ):
                return self.refs[inc.target], inc.note, False
        row = node.row
        assert isinstance(row, AttributeRow)
        info = self.elements[row.tag]
        module = self.refs[file_table].module if file_table in self.refs else ""
        return ClassRef(module, f"{owner}.{info.keyword}Item"), "", True

    def level(
        self, nodes: Iterable[RowNode], owner: ClassRef, file_table: str, where: str
    ) -> Level:
        """The fields, bases and notes of one class body (a table's depth 0, or an item)."""
        lv = Level(where)
        for node in nodes:
            row = node.row
            if isinstance(row, HeadingRow):
                continue
            if isinstance(row, DescriptionRow):
                lv.notes.append(row.text + (f" ({row.description})" if row.description else ""))
                continue
            if isinstance(row, AttributeRow):
                item, note = None, ""
                info = self.elements.get(row.tag)
                if info is not None and info.vrs[:1] == ("SQ",):
                    item, note, _nested = self._item_ref(node, owner.qualname, file_table)
                elif node.children:
                    lv.notes.append(f"{row.name} {row.tag} has nested rows but is not a sequence")
                lv.add(
                    self.field_of(row, row.source.xml_id if row.source else file_table, item, note),
                    False,
                )
                continue
            assert isinstance(row, IncludeRow)
            if node.children and (row.functional_groups or row.target not in self.tables):
                self.notes.append(f"{where}: rows nested below {row.text!r} read as its siblings")
                sub = self.level(node.children, owner, file_table, where)
                for f in sub.fields.values():
                    lv.add(f, False)
            if row.functional_groups:
                lv.functional_groups = True
                lv.notes.append(row.text)
                continue
            target = row.target
            if target not in self.tables:
                lv.notes.append(f"{row.text} (not in this document: its attributes are not typed)")
                continue
            cond_text = row.condition_text
            inherit = (
                row.condition is None
                and not cond_text
                and target != file_table
                and file_table not in self.reach.get(target, frozenset())
            )
            top = self.top_level(target)
            if inherit:
                ref = self.refs[target]
                if ref not in lv.bases:
                    lv.bases.append(ref)
                for f in top.fields.values():
                    lv.add(f, True)
            else:
                for f in top.fields.values():
                    lv.add(conditional_copy(f, row.condition, cond_text), False)
                lv.notes.append(
                    row.text + (f" {cond_text}" if cond_text and cond_text not in row.text else "")
                )
            if node.children:
                self._extend_last_sequence(lv, node, owner, file_table, where)
        lv.bases = self._minimal_bases(lv.bases)
        self.unite_items(lv, owner, self.refs[file_table].module)
        return lv

    # item classes of one attribute that several definitions give different item classes
    def unite_items(self, lv: Level, owner: ClassRef, module: str) -> None:
        """A field whose definitions (merged from several macros or modules) have different
        item classes gets an item class of its own, nested in ``owner``, with the fields of
        all of them (copied: item classes are slotted, so they cannot be combined by
        inheritance). Where that is impossible the conflict stays a note of the report."""
        for name, refs in lv.item_options.items():
            f = lv.fields[name]
            ref = ClassRef(module, f"{owner.qualname}.{f.keyword}Item")
            taken = ref in self._unions and self._unions[ref][0] != tuple(refs)
            if ref in refs or taken or any(r.module == module for r in refs):
                continue  # a name in use, or a class of this very file (still being built)
            self._unions[ref] = (tuple(refs), f)
            lv.fields[name] = attrs.evolve(f, item=ref)
            lv.inherited.discard(name)
            lv.conflicts = [c for c in lv.conflicts if c[0] != name]
        for _name, message in lv.conflicts:
            if message not in self.notes:
                self.notes.append(message)

    def union_items(self, cls: ClassModel) -> None:
        """Append to ``cls.items`` the united item classes nested in it (see unite_items)."""
        for ref, (refs, seq) in list(self._unions.items()):
            if ref in self._union_built or ref.module != cls.ref.module:
                continue
            if ref.qualname.rsplit(".", 1)[0] != cls.ref.qualname:
                continue
            self._union_built.add(ref)
            lv = Level(f"{ref.qualname} (items of {', '.join(r.qualname for r in refs)})")
            # In an IOD file (imported by no table class) the united class inherits from the
            # first item class and declares only what the others add or change.
            inherit = ref.module.startswith("iods.") and refs[0].module != ref.module
            if inherit:
                lv.bases.append(refs[0])
            for i, r in enumerate(refs):
                _bases, fields = self.class_fields(r)
                for f in fields.values():
                    lv.add(f, inherit and i == 0)
            self.unite_items(lv, ref, ref.module)
            item = self._class_from_level(
                "item", f"{seq.title} Item", cls.xml_id, cls.section, ref, lv
            )
            item.sequence = attrs.evolve(seq, item=ref)
            item.notes.insert(
                0,
                "The attributes of every item class the standard gives this sequence here: "
                + ", ".join(r.qualname for r in refs)
                + ".",
            )
            self.union_items(item)
            cls.items.append(item)

    def _last_sequence(self, xml_id: str) -> AttributeRow | None:
        last = None
        for n in self.tree(xml_id):
            r = n.row
            if isinstance(r, AttributeRow) and self.elements[r.tag].vrs[:1] == ("SQ",):
                last = r
        return last

    def _extend_last_sequence(
        self, lv: Level, node: RowNode, owner: ClassRef, file_table: str, where: str
    ) -> None:
        """Rows one level below an Include row add attributes to the items of the included
        macro's last sequence (e.g. PS3.3 Table C.18.4-1 extends the Referenced SOP Sequence
        of the Composite Object Reference Macro): the field gets an item class of its own
        that has the macro's item attributes and these rows."""
        row = node.row
        assert isinstance(row, IncludeRow)
        seq_row = self._last_sequence(row.target)
        seq = lv.fields.get(field_name(self.elements[seq_row.tag].keyword)) if seq_row else None
        if seq is None or seq.item is None:
            self.notes.append(f"{where}: rows nested below {row.text!r} read as its siblings")
            sub = self.level(node.children, owner, file_table, where)
            for f in sub.fields.values():
                lv.add(f, False)
            return
        module = self.refs[file_table].module
        ref = ClassRef(module, f"{owner.qualname}.{seq.keyword}Item")
        self._extensions[ref] = (seq.item, node.children, seq)
        lv.fields[seq.name] = attrs.evolve(seq, item=ref)
        lv.inherited.discard(seq.name)

    def class_fields(self, ref: ClassRef) -> tuple[list[ClassRef], dict[str, TypedField]]:
        """(bases, every field) of a generated table or item class."""
        for xml_id, r in self.refs.items():
            if r == ref:
                top = self.top_level(xml_id)
                return list(top.bases), dict(top.fields)
        for xml_id, r in self.refs.items():
            if r.module == ref.module:
                todo = list(self.table_class(xml_id).items)
                while todo:
                    m = todo.pop()
                    if m.ref == ref:
                        return list(m.bases), dict(m.all_fields)
                    todo.extend(m.items)
        raise GenerationError(f"no class {ref.module}:{ref.qualname} to extend")

    def _minimal_bases(self, bases: list[ClassRef]) -> list[ClassRef]:
        """Drop a base that another base already inherits from (keeps the MRO consistent)."""
        by_ref = {v: k for k, v in self.refs.items()}
        ancestors: dict[ClassRef, set[ClassRef]] = {}
        for b in bases:
            xml_id = by_ref.get(b)
            anc: set[ClassRef] = set()
            todo = list(self.top_level(xml_id).bases) if xml_id else []
            while todo:
                x = todo.pop()
                if x not in anc:
                    anc.add(x)
                    bx = by_ref.get(x)
                    if bx:
                        todo.extend(self.top_level(bx).bases)
            ancestors[b] = anc
        return [b for b in bases if not any(b in ancestors[o] for o in bases if o != b)]

    def top_level(self, xml_id: str) -> Level:
        """The depth-0 body of table ``xml_id`` (memoised)."""
        lv = self._top.get(xml_id)
        if lv is not None:
            return lv
        if xml_id in self._busy:
            raise GenerationError(
                f"{xml_id} includes itself at its own depth (not a sequence item): "
                f"the attributes would be infinite"
            )
        self._busy.add(xml_id)
        try:
            ref = self.refs[xml_id]
            lv = self.level(self.tree(xml_id), ref, xml_id, f"{ref.qualname} ({xml_id})")
        finally:
            self._busy.discard(xml_id)
        self._top[xml_id] = lv
        return lv

    # classes ----------------------------------------------------------------------------------
    def _class_from_level(
        self, kind: str, title: str, xml_id: str, section: str, ref: ClassRef, lv: Level
    ) -> ClassModel:
        declared = [f for n, f in lv.fields.items() if n not in lv.inherited]
        return ClassModel(
            kind=kind,
            title=title,
            xml_id=xml_id,
            section=section,
            ref=ref,
            bases=list(lv.bases),
            fields=declared,
            all_fields=dict(lv.fields),
            notes=list(lv.notes),
            functional_groups=lv.functional_groups,
        )

    def _items(self, nodes: Iterable[RowNode], cls: ClassModel, file_table: str) -> None:
        """Build the nested item classes of the SQ rows among ``nodes`` into ``cls.items``."""
        for node in nodes:
            row = node.row
            if isinstance(row, IncludeRow) and node.children:
                ext = [r for r, v in self._extensions.items() if v[1] is node.children]
                if not ext:  # read as siblings (see level())
                    self._items(node.children, cls, file_table)
                    continue
                self._extension_item(ext[0], cls, file_table)
                continue
            if not isinstance(row, AttributeRow):
                continue
            info = self.elements[row.tag]
            if info.vrs[:1] != ("SQ",):
                continue
            ref, _note, nested = self._item_ref(node, cls.ref.qualname, file_table)
            if not nested:
                continue
            where = f"{ref.qualname} ({file_table})"
            lv = self.level(node.children, ref, file_table, where)
            seq = cls.all_fields.get(field_name(info.keyword))
            item = self._class_from_level(
                "item",
                f"{info.name if info.known else row.name} Item",
                file_table,
                cls.section,
                ref,
                lv,
            )
            item.sequence = seq
            self._items(node.children, item, file_table)
            cls.items.append(item)
        self.union_items(cls)

    def _extension_item(self, ref: ClassRef, cls: ClassModel, file_table: str) -> None:
        """The item class of a sequence extended by rows below an Include (see
        :meth:`_extend_last_sequence`): inherits the macro's item class when that is a macro
        class this file may import, else copies its fields."""
        base, children, seq = self._extensions[ref]
        where = f"{ref.qualname} ({file_table})"
        base_xml = next((x for x, r in self.refs.items() if r == base), None)
        lv = Level(where)
        if base_xml is not None and file_table not in self.reach.get(base_xml, frozenset()) | {
            base_xml
        }:
            lv.bases.append(base)
            for f in self.top_level(base_xml).fields.values():
                lv.add(f, True)
        else:
            _bases, fields = self.class_fields(base)
            for f in fields.values():
                lv.add(f, False)
        own = self.level(children, ref, file_table, where)
        for f in own.fields.values():
            lv.add(f, False)
        lv.bases += [b for b in own.bases if b not in lv.bases]
        lv.inherited.update(own.inherited)
        lv.notes += own.notes
        lv.bases = self._minimal_bases(lv.bases)
        item = self._class_from_level("item", f"{seq.title} Item", file_table, cls.section, ref, lv)
        item.sequence = seq
        item.notes.insert(0, f"The items of {base.qualname} with the attributes of {file_table}.")
        self._items(children, item, file_table)
        cls.items.append(item)

    def table_class(self, xml_id: str) -> ClassModel:
        """The class of a Module or Macro table, with its nested item classes."""
        model = self._models.get(xml_id)
        if model is not None:
            return model
        t = self.tables[xml_id]
        kind = self.kind_of(xml_id)
        lv = self.top_level(xml_id)
        model = self._class_from_level(
            kind, t.title, xml_id, t.section_xml_id, self.refs[xml_id], lv
        )
        model.caption = t.caption
        self._items(self.tree(xml_id), model, xml_id)
        self._models[xml_id] = model
        return model

    def bases_graph(self) -> dict[ClassRef, list[ClassRef]]:
        """The base classes of every table class (for method resolution orders; computed once,
        when every table class is built)."""
        if self._bases_graph is None:
            self._bases_graph = {self.refs[x]: list(self.top_level(x).bases) for x in self.tables}
        return self._bases_graph
