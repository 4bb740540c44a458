"""The class model of PS3.3: which typed class has which fields, bases and item classes.

Input: the PS3.3 IR with keywords filled (:mod:`.keywords`). Output: :class:`ClassModel` s
for every Module and Macro table, their sequence items, and the IODs, following
``docs/typed-classes.md``:

* a table's depth-0 rows are its fields; an SQ attribute's nested rows are an item class
  nested in the class that owns the sequence (``PatientModule.OtherPatientIDsSequenceItem``);
  an item that is exactly one unconditional Include *is* that macro's class;
* an unconditional Include (PS3.3 Section 5.4, Attribute Macros) makes the including class
  inherit from the macro class ("macros stay macros"); a conditional one ("Include ... if and
  only if Value Type (0040,A040) is NUM") copies the macro's fields into the including class,
  optional, each keeping the condition (Type 1 -> 1C, 2 -> 2C, 1C/2C -> both conditions); an
  Include of a table that includes the current one (PS3.3 Table 10-18 and C.17-6, recursive
  item types) is copied too, its item classes referred to through ``item=`` thunks;
* an IOD class is flat (:func:`flatten_iod`): every attribute of every module, recording the
  module, its usage and the source tables; when two modules define an attribute the stricter
  Type wins and both sources are kept. Type 1 attributes of Mandatory modules are required.
  The items of the Shared / Per-frame Functional Groups Sequences of an enhanced IOD (the
  "Include one or more Functional Group Macros" rows, PS3.3 C.7.6.16) are IOD classes of their
  own whose fields are the IOD's Functional Group Macros (PS3.3 e.g. Table A.38-2), optional.

Two different attributes whose field names collide in one class fail generation with a
:class:`~dicomgen.core.errors.GenerationError` naming both sources.
"""

from __future__ import annotations

import keyword as keyword_module
import re
from collections.abc import Iterable, Mapping

import attrs

from dicomgen.core.errors import GenerationError

from ..ir.iod import (
    AttributeRow,
    AttributeTableRecord,
    DescriptionRow,
    HeadingRow,
    IncludeRow,
    IODModuleRef,
    IODRecord,
    Part03Result,
    ValueSet,
)
from ..parse.conditions import And, Condition, Unparsed
from .includes import RowNode, include_graph, row_tree
from .keywords import ElementInfo
from .naming import pascal_case
from .naming import snake_case as field_name

__all__ = [
    "ClassRef",
    "TypedField",
    "ClassModel",
    "ModelBuilder",
    "class_name",
    "field_name",
    "file_stem",
    "first_sentences",
    "stricter",
    "merge_fields",
    "flatten_iod",
    "build_models",
    "Models",
    "RowErratum",
]

# Attribute Types from the strictest to the most lenient (PS3.5 Section 7.4).
_TYPE_RANK = {"1": 0, "1C": 1, "2": 2, "2C": 3, "3": 4}
_STR_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI".split())
_NUM_VRS = frozenset("US SS UL SL UV SV IS".split())
_KIND_SUFFIX = {"module": "Module", "macro": "Macro", "iod": "IOD"}
_KIND_PACKAGE = {"module": "modules", "macro": "macros", "iod": "iods"}


@attrs.frozen(order=True)
class ClassRef:
    """Where a generated class lives: ``module`` under the package (``"macros.code_sequence"``)
    and its qualified name in it (``"PatientModule.OtherPatientIDsSequenceItem"``)."""

    module: str
    qualname: str

    @property
    def top(self) -> str:
        """The module-level name (``PatientModule``)."""
        return self.qualname.split(".", 1)[0]


@attrs.frozen
class TypedField:
    """One field of a typed class: the attribute's facts and where they come from."""

    name: str
    tag: int
    tag_text: str
    keyword: str
    title: str
    vrs: tuple[str, ...]
    vm: str
    type: str
    required: bool
    origin: str  # xml:id of the table the row is written in
    summary: str = ""
    item: ClassRef | None = None
    item_note: str = ""
    enum: tuple[str, ...] = ()
    defined_terms: tuple[str, ...] = ()
    condition: Condition | None = None
    condition_text: str = ""
    known: bool = True
    retired: bool = False
    repeating: bool = False
    sources: tuple[str, ...] = ()
    module: str = ""
    usage: str = ""
    module_condition: Condition | None = None
    module_condition_text: str = ""

    @property
    def multi(self) -> bool:
        return self.vm.strip() != "1"


@attrs.define
class ClassModel:
    """A class to generate. ``fields`` are declared in the class body (own fields and
    overrides); ``all_fields`` is every field including inherited ones (by name, in order)."""

    kind: str  # "iod" | "module" | "macro" | "item"
    title: str
    xml_id: str
    section: str
    ref: ClassRef
    bases: list[ClassRef] = attrs.field(factory=list)
    fields: list[TypedField] = attrs.field(factory=list)
    all_fields: dict[str, TypedField] = attrs.field(factory=dict)
    items: list[ClassModel] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    functional_groups: bool = False
    sop_class_uids: tuple[str, ...] = ()
    sequence: TypedField | None = None  # item classes: the SQ attribute they are items of
    caption: str = ""
    modules: tuple[IODModuleRef, ...] = ()  # IOD classes: the module table


# --- names -----------------------------------------------------------------------------

_DIGITS = {"2": "Two", "3": "Three", "4": "Four"}


def class_name(title: str, kind: str) -> str:
    """``("Patient", "module")`` -> ``PatientModule``; ``"3D Spatial Coordinates"`` macro
    -> ``ThreeDSpatialCoordinatesMacro``; IODs get the suffix ``IOD``."""
    base = pascal_case(title)
    m = re.match(r"^_(\d)(?=[A-Z])", base)
    if m and m.group(1) in _DIGITS:
        base = _DIGITS[m.group(1)] + base[m.end() :]
    if not base.isidentifier() or base.startswith("_"):
        raise GenerationError(f"no class name for {kind} title {title!r}")
    return base + _KIND_SUFFIX[kind]


def file_stem(title: str, kind: str) -> str:
    """The module file name (no ``.py``): the title's words in lower case joined by ``_``
    (``"CT X-Ray Details Sequence"`` -> ``ct_x_ray_details_sequence``, ``"RT DVH"`` ->
    ``rt_dvh``; a leading digit is spelled: ``"3D Spatial Coordinates"`` ->
    ``three_d_spatial_coordinates``)."""
    words = [w.lower() for w in re.split(r"[^0-9A-Za-z]+", _POSSESSIVE.sub("", title)) if w]
    if words and words[0][0].isdigit():
        m = re.match(r"(\d)(.*)$", words[0])
        assert m is not None
        if m.group(1) not in _DIGITS:
            raise GenerationError(f"no module name for {kind} title {title!r}")
        words[0:1] = [_DIGITS[m.group(1)].lower(), *([m.group(2)] if m.group(2) else [])]
    stem = "_".join(words)
    if not stem.isidentifier() or keyword_module.iskeyword(stem):
        raise GenerationError(f"no module name for {kind} title {title!r}")
    return stem


_POSSESSIVE = re.compile(r"['\u2019]s\b")


# --- text --------------------------------------------------------------------------------

_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|Fig|No|Sect|approx)\.", re.I)


def first_sentences(text: str, min_len: int = 48, max_len: int = 220) -> str:
    """The first sentence(s) of ``text`` (at least ``min_len`` characters when the text has
    them, at most ``max_len`` - cut at a word with an ellipsis)."""
    text = " ".join(text.split())
    if not text:
        return ""
    masked = _ABBREV.sub(lambda m: m.group(0).replace(".", "\0"), text)
    out = ""
    for m in re.finditer(r"[^.]*(?:\.(?=\s|$)|$)", masked):
        piece = m.group(0)
        if not piece:
            continue
        out += piece
        if len(out.strip()) >= min_len:
            break
    out = out.replace("\0", ".").strip()
    if len(out) > max_len:
        cut = out[: max_len - 3].rsplit(" ", 1)[0]
        out = cut.rstrip(",;:") + "..."
    return out


# --- fields --------------------------------------------------------------------------------


def stricter(a: str, b: str) -> str:
    """The stricter of two Attribute Types (1 > 1C > 2 > 2C > 3)."""
    return a if _TYPE_RANK.get(a, 9) <= _TYPE_RANK.get(b, 9) else b


def _numeric_enum(value: str) -> str | None:
    """``"0001H"`` -> ``"1"``, ``"12"`` -> ``"12"``; None when not a number."""
    v = value.strip()
    m = re.fullmatch(r"([0-9A-Fa-f]+)H", v)
    if m:
        return str(int(m.group(1), 16))
    if re.fullmatch(r"-?\d+", v):
        return str(int(v))
    return None


def _value_terms(vrs: tuple[str, ...], sets: Iterable[ValueSet], kind: str) -> tuple[str, ...]:
    """The unqualified (whole-value) terms of ``kind`` in ``sets``, as the VR reads them."""
    out: list[str] = []
    for vs in sets:
        if vs.kind != kind or vs.retired or vs.qualifier or vs.value_index is not None:
            continue
        for v in vs.values:
            if vrs and vrs[0] in _NUM_VRS:
                n = _numeric_enum(v)
                if n is None:
                    return ()  # not a numeric term list: do not pretend
                v = n
            if v and v not in out:
                out.append(v)
    return tuple(out)


def merge_fields(a: TypedField, b: TypedField) -> TypedField:
    """Two definitions of the same attribute: the stricter Type wins (its condition, item,
    module and usage with it), sources of both are kept, required if either requires it."""
    if a.tag != b.tag:
        raise ValueError("merge_fields needs two definitions of one tag")
    win, other = (a, b) if stricter(a.type, b.type) == a.type else (b, a)
    sources = tuple(dict.fromkeys(a.sources + b.sources))
    return attrs.evolve(
        win,
        required=a.required or b.required,
        sources=sources,
        enum=win.enum or other.enum,
        defined_terms=win.defined_terms or other.defined_terms,
        summary=win.summary or other.summary,
    )


def _and(a: Condition | None, b: Condition | None) -> Condition | None:
    if a is None:
        return b
    if b is None:
        return a
    items = (a.items if isinstance(a, And) else (a,)) + (b.items if isinstance(b, And) else (b,))
    return And(items)


def conditional_copy(f: TypedField, cond: Condition | None, text: str) -> TypedField:
    """``f`` as included by an Include row with condition ``cond`` (``text`` as published):
    optional; Type 1/2 become 1C/2C; a 1C/2C keeps its own condition too."""
    if cond is None and not text:
        return f
    if cond is None:
        cond = Unparsed(text)
    new_type = {"1": "1C", "2": "2C"}.get(f.type, f.type)
    ctext = text if not f.condition_text else f"{text} {f.condition_text}".strip()
    return attrs.evolve(
        f,
        type=new_type,
        required=False,
        condition=_and(cond, f.condition),
        condition_text=ctext,
    )


class _Level:
    """The fields of one class body being assembled (name -> field, inherited names)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.fields: dict[str, TypedField] = {}
        self.inherited: set[str] = set()
        self.bases: list[ClassRef] = []
        self.notes: list[str] = []
        self.conflicts: list[tuple[str, str]] = []  # (field name, message)
        self.item_options: dict[str, list[ClassRef]] = {}  # field -> its different item classes
        self.functional_groups = False

    def add(self, f: TypedField, inherited: bool) -> None:
        have = self.fields.get(f.name)
        if have is None:
            self.fields[f.name] = f
            if inherited:
                self.inherited.add(f.name)
            return
        if have.tag != f.tag:
            raise GenerationError(
                f"name collision in {self.where}: field {f.name!r} is {have.tag_text} "
                f"{have.title} ({', '.join(have.sources) or have.origin}) and {f.tag_text} "
                f"{f.title} ({', '.join(f.sources) or f.origin})"
            )
        if have == f:
            if not inherited:
                self.inherited.discard(f.name)
            return
        merged = merge_fields(have, f)
        if have.item != f.item:
            other = f.item if merged.item == have.item else have.item
            self.conflicts.append(
                (
                    f.name,
                    f"{self.where}: {f.name} {f.tag_text} has two item classes; "
                    f"{merged.item.qualname if merged.item else None} kept, "
                    f"{other.qualname if other else None} not (its extra attributes are untyped)",
                )
            )
            options = self.item_options.setdefault(f.name, [])
            for ref in (have.item, f.item):
                if ref is not None and ref not in options:
                    options.append(ref)
        self.fields[f.name] = merged
        self.inherited.discard(f.name)  # declared again (merged) in this class


# --- the builder -------------------------------------------------------------------------------


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
        self._top: dict[str, _Level] = {}
        self._busy: set[str] = set()
        self._models: dict[str, ClassModel] = {}
        self._extensions: dict[ClassRef, tuple[ClassRef, tuple[RowNode, ...], TypedField]] = {}
        self._unions: dict[ClassRef, tuple[tuple[ClassRef, ...], TypedField]] = {}
        self._union_built: set[ClassRef] = set()
        self.refs: dict[str, ClassRef] = {}
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
            enum=_value_terms(vrs, row.value_sets, "enumerated"),
            defined_terms=_value_terms(vrs, row.value_sets, "defined"),
            condition=row.condition,
            condition_text=row.condition_text,
            known=info.known,
            retired=info.retired,
            repeating=info.repeating,
            sources=(self.source(origin),),
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
    ) -> _Level:
        """The fields, bases and notes of one class body (a table's depth 0, or an item)."""
        lv = _Level(where)
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
    def unite_items(self, lv: _Level, owner: ClassRef, module: str) -> None:
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
            lv = _Level(f"{ref.qualname} (items of {', '.join(r.qualname for r in refs)})")
            for r in refs:
                _bases, fields = self.class_fields(r)
                for f in fields.values():
                    lv.add(f, False)
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
        self, lv: _Level, node: RowNode, owner: ClassRef, file_table: str, where: str
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

    def top_level(self, xml_id: str) -> _Level:
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
        self, kind: str, title: str, xml_id: str, section: str, ref: ClassRef, lv: _Level
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
        lv = _Level(where)
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


# --- IODs ------------------------------------------------------------------------------------


def _fg_item_refs(model: ClassModel) -> dict[ClassRef, ClassModel]:
    out: dict[ClassRef, ClassModel] = {}

    def walk(m: ClassModel) -> None:
        for it in m.items:
            if it.functional_groups:
                out[it.ref] = it
            walk(it)

    walk(model)
    return out


def flatten_iod(
    iod: IODRecord, builder: ModelBuilder, sop_class_uids: tuple[str, ...] = ()
) -> ClassModel:
    """The flat class of an IOD: every attribute of every module (see the module docstring)."""
    name = class_name(iod.title, "iod")
    ref = ClassRef(f"iods.{file_stem(iod.title, 'iod')}", name)
    lv = _Level(f"{name} ({iod.xml_id})")
    fg_items: list[ClassModel] = []
    for m in iod.modules:
        if m.table_xml_id not in builder.tables:
            lv.notes.append(f"{m.module} Module: no module table in this document")
            continue
        module_model = builder.table_class(m.table_xml_id)
        fg_refs = _fg_item_refs(module_model)
        for f in module_model.all_fields.values():
            src = builder.source(m.table_xml_id)
            g = attrs.evolve(
                f,
                required=f.required and m.usage == "M",
                sources=(src,),
                module=m.module,
                usage=m.usage,
                module_condition=(
                    m.condition
                    if m.condition is not None or not m.condition_text
                    else Unparsed(m.condition_text)
                ),
                module_condition_text=m.condition_text,
            )
            if f.item is not None and f.item in fg_refs:
                item = _functional_group_item(iod, builder, ref, fg_refs[f.item], f)
                fg_items.append(item)
                g = attrs.evolve(g, item=item.ref)
            lv.add(g, False)
    builder.unite_items(lv, ref, ref.module)
    model = ClassModel(
        kind="iod",
        title=iod.title,
        xml_id=iod.xml_id,
        section=iod.section_xml_id,
        ref=ref,
        fields=list(lv.fields.values()),
        all_fields=dict(lv.fields),
        items=fg_items,
        notes=lv.notes,
        sop_class_uids=tuple(sop_class_uids),
        modules=iod.modules,
    )
    builder.union_items(model)
    return model


def _functional_group_item(
    iod: IODRecord, builder: ModelBuilder, owner: ClassRef, module_item: ClassModel, seq: TypedField
) -> ClassModel:
    """The item class of a Shared / Per-frame Functional Groups Sequence of this IOD: the
    module item's own fields plus the fields of each Functional Group Macro, optional."""
    ref = ClassRef(owner.module, f"{owner.qualname}.{seq.keyword}Item")
    lv = _Level(f"{ref.qualname} ({iod.functional_groups_xml_id or iod.xml_id})")
    for f in module_item.all_fields.values():
        lv.add(f, False)
    for fg in iod.functional_groups:
        if fg.table_xml_id not in builder.tables:
            lv.notes.append(f"{fg.macro} Macro: no macro table in this document")
            continue
        for f in builder.top_level(fg.table_xml_id).fields.values():
            lv.add(
                attrs.evolve(
                    f,
                    required=False,
                    sources=(builder.source(fg.table_xml_id),),
                    module=fg.macro,
                    usage=fg.usage,
                    module_condition=(
                        fg.condition
                        if fg.condition is not None or not fg.condition_text
                        else Unparsed(fg.condition_text)
                    ),
                    module_condition_text=fg.condition_text,
                ),
                False,
            )
    return ClassModel(
        kind="item",
        title=f"{seq.title} Item",
        xml_id=iod.functional_groups_xml_id or iod.xml_id,
        section=iod.section_xml_id,
        ref=ref,
        fields=list(lv.fields.values()),
        all_fields=dict(lv.fields),
        notes=lv.notes,
        sequence=seq,
    )


# --- everything --------------------------------------------------------------------------------


@attrs.frozen
class Models:
    """Every class to generate: tables (modules and macros) and IODs, sorted by reference."""

    tables: tuple[ClassModel, ...]
    iods: tuple[ClassModel, ...]
    notes: tuple[str, ...]


def build_models(
    result: Part03Result,
    elements: Mapping[str, ElementInfo],
    sop_classes: Mapping[str, tuple[str, ...]] | None = None,
) -> Models:
    """Class models of every attribute table and IOD of ``result``.

    ``sop_classes`` maps an IOD title to the SOP Class UIDs of that IOD (from PS3.4).
    Class and file names are checked for collisions (GenerationError naming both tables).
    """
    builder = ModelBuilder(result, elements)
    _check_names(
        [(r.qualname, xml_id) for xml_id, r in builder.refs.items()]
        + [(class_name(i.title, "iod"), i.xml_id) for i in result.iods],
        "class",
    )
    _check_names(
        [(r.module, xml_id) for xml_id, r in builder.refs.items()]
        + [(f"iods.{file_stem(i.title, 'iod')}", i.xml_id) for i in result.iods],
        "module file",
    )
    tables = [builder.table_class(x) for x in sorted(builder.tables)]
    sop = sop_classes or {}
    iods = [flatten_iod(i, builder, tuple(sorted(sop.get(i.title, ())))) for i in result.iods]
    return Models(
        tuple(sorted(tables, key=lambda m: m.ref)),
        tuple(sorted(iods, key=lambda m: m.ref)),
        tuple(builder.notes),
    )


def _check_names(pairs: list[tuple[str, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for name, xml_id in sorted(pairs):
        if name in seen and seen[name] != xml_id:
            raise GenerationError(f"name collision for {what} {name!r}: {seen[name]} and {xml_id}")
        seen.setdefault(name, xml_id)
