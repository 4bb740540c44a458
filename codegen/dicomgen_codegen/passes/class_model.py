"""The class model of PS3.3: the classes, fields and merge rules the generator works with.

:class:`ClassModel` is one class to generate (module, macro, IOD or sequence item) with its
fields (:class:`TypedField`) and base classes (:class:`ClassRef`); :class:`Level` assembles
one class body, merging two definitions of one attribute (the stricter Type wins, PS3.3
A.1.3) and failing with a :class:`~dicomgen.core.errors.GenerationError` naming both sources
when two different attributes would get one field name.
"""

from __future__ import annotations

import keyword as keyword_module
import re
from collections.abc import Iterable

import attrs

from dicomgen.core.errors import GenerationError

from ..ir.iod import IODModuleRef, ValueSet
from ..parse.conditions import And, Condition, Unparsed
from .naming import pascal_case
from .naming import snake_case as field_name

__all__ = [
    "ClassRef",
    "TypedField",
    "ClassModel",
    "ModulePart",
    "Level",
    "class_name",
    "field_name",
    "file_stem",
    "first_sentences",
    "stricter",
    "merge_fields",
    "number_words",
    "conditional_copy",
    "value_terms",
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
    overrides: str = ""
    """Title of the module whose definition of this attribute this row's Type replaces
    ("This Type definition shall override the definition in the General Series Module")."""

    @property
    def multi(self) -> bool:
        return self.vm.strip() != "1"


@attrs.frozen
class ModulePart:
    """A module (or functional group macro) class an IOD class is built on, as the IOD uses
    it: its title in the IOD's table, usage (M/C/U), source table and module condition."""

    ref: ClassRef
    title: str
    usage: str
    source: str
    condition: Condition | None = None
    condition_text: str = ""


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
    parts: tuple[ModulePart, ...] = ()  # IOD classes, functional group items: what they build on
    variants: list[ClassModel] = attrs.field(factory=list)  # the optional variant, if used


# --- names -----------------------------------------------------------------------------

_ONES = (
    "Zero One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Thirteen Fourteen "
    "Fifteen Sixteen Seventeen Eighteen Nineteen"
).split()
_TENS = "_ _ Twenty Thirty Forty Fifty Sixty Seventy Eighty Ninety".split()


def number_words(n: int) -> list[str]:
    """``12`` -> ``["Twelve"]``, ``24`` -> ``["Twenty", "Four"]`` (0 to 99): a leading
    number of a title spelled, so that names start with a letter."""
    if not 0 <= n < 100:
        raise GenerationError(f"no words for the number {n} at the start of a title")
    if n < 20:
        return [_ONES[n]]
    return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])


def class_name(title: str, kind: str) -> str:
    """``("Patient", "module")`` -> ``PatientModule``; ``"3D Spatial Coordinates"`` macro
    -> ``ThreeDSpatialCoordinatesMacro``; ``"12-Lead ECG"`` IOD -> ``TwelveLeadECGIOD``;
    IODs get the suffix ``IOD``."""
    base = pascal_case(title)
    m = re.match(r"^_(\d{1,2})(?=[A-Z])", base)
    if m:
        base = "".join(number_words(int(m.group(1)))) + base[m.end() :]
    if not base.isidentifier() or base.startswith("_"):
        raise GenerationError(f"no class name for {kind} title {title!r}")
    return base + _KIND_SUFFIX[kind]


def file_stem(title: str, kind: str) -> str:
    """The module file name (no ``.py``): the title's words in lower case joined by ``_``
    (``"CT X-Ray Details Sequence"`` -> ``ct_x_ray_details_sequence``, ``"RT DVH"`` ->
    ``rt_dvh``; a leading number is spelled: ``"3D Spatial Coordinates"`` ->
    ``three_d_spatial_coordinates``, ``"12-Lead ECG"`` -> ``twelve_lead_ecg``)."""
    words = [w.lower() for w in re.split(r"[^0-9A-Za-z]+", _POSSESSIVE.sub("", title)) if w]
    if words and words[0][0].isdigit():
        m = re.match(r"(\d{1,2})(\D.*)?$", words[0])
        if m is None:
            raise GenerationError(f"no module name for {kind} title {title!r}")
        spelled = [w.lower() for w in number_words(int(m.group(1)))]
        words[0:1] = [*spelled, *([m.group(2)] if m.group(2) else [])]
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
    # a sentence ends at a period before white space (not inside "C.8.3.1" or "0.5 mm")
    for m in re.finditer(r".*?(?:\.(?=\s|$)|$)", masked):
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


_OVERRIDE_RE = re.compile(
    r"\bType definition shall override the definition in the\s+(.+?)\s+Module\b", re.I
)


def overridden_module(description: str) -> str:
    """The module whose Type this row replaces, as its description says ("This Type definition
    shall override the definition in the SC Equipment Module" -> "SC Equipment"); "" if none."""
    m = _OVERRIDE_RE.search(" ".join(description.split()))
    return m.group(1) if m else ""


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


def value_terms(vrs: tuple[str, ...], sets: Iterable[ValueSet], kind: str) -> tuple[str, ...]:
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
    module and usage with it), sources of both are kept, required if either requires it;
    unless one definition says it overrides the other's module: then it wins outright."""
    if a.tag != b.tag:
        raise ValueError("merge_fields needs two definitions of one tag")
    overridden = (a.overrides and a.overrides == b.module) or (
        b.overrides and b.overrides == a.module
    )
    if overridden:
        win, other = (a, b) if a.overrides and a.overrides == b.module else (b, a)
    else:
        win, other = (a, b) if stricter(a.type, b.type) == a.type else (b, a)
    sources = tuple(dict.fromkeys(a.sources + b.sources))
    return attrs.evolve(
        win,
        required=win.required if overridden else a.required or b.required,
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


class Level:
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
