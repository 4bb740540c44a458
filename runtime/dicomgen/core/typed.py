"""Typed IOD, module, macro and sequence item classes: the runtime half of the contract.

The generator emits classes decorated with :func:`dicom_class` whose fields are declared with
:func:`attribute` (see ``docs/typed-classes.md``). This module gives them behaviour:

- :func:`dicom_class` turns a class into an ``attrs`` class (keyword-only ``__init__``; slotted
  for IOD and item classes; macro and module classes stay dict based so that a class can inherit
  from several of them) and records a :class:`ClassSpec` on ``cls.__dicom__``.
  ``typing.dataclass_transform`` tells type checkers that fields without a default are required
  keyword arguments.
- :meth:`DicomObject.to_dataset` / :meth:`DicomObject.from_dataset` encode and decode through a
  per-class codec built on first use and cached: rows of (attribute name, tag, VR, converter),
  and an encoder function compiled from them (as attrs compiles ``__init__``); no
  introspection per call. Type 2 attributes left ``None`` are written
  empty, Type 1/3 ``None`` are omitted (PS3.5 7.4). Values are converted to the VR types of
  :mod:`dicomgen.core.values` (``date`` -> ``DA``, ``str`` PN -> ``PersonName``, ``float`` DS ->
  ``DS``); encoding to bytes is left to :mod:`dicomgen.encoding.values`.
- Decoding is lossless: elements the class does not know (private, newer, retired) are kept in
  ``extra_elements`` and written back; a field whose value was not changed since it was read is
  written back from its original element (same VR, same bytes, same emptiness).
- :meth:`DicomObject.validate` checks the object against the standard
  (:mod:`dicomgen.core.validation`).
- IOD classes read and write Part 10 files (:meth:`DicomObject.to_file`,
  :meth:`DicomObject.from_file`); :func:`iod_class_for` maps a SOP Class UID to its IOD class
  through ``dicomgen_std._registry.IOD_CLASSES`` (imported on first use).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Self, TypeVar, Union, dataclass_transform

import attrs

from .conditions import ABSENT, UNKNOWN, evaluate
from .dataset import Dataset, resolve_ambiguous_vr
from .element import DataElement
from .errors import DicomError, InvalidValueError, ValidationError
from .tag import Tag
from .values import DA, DS, DT, IS, TM, MultiValue, PersonName

if TYPE_CHECKING:
    from .conditions import Condition
    from .validation import Finding

__all__ = [
    "ClassSpec",
    "DicomObject",
    "FieldSpec",
    "attribute",
    "dicom_class",
    "iod_class_for",
    "load",
    "ModuleUse",
    "uses",
]

_T = TypeVar("_T")

_KEY = "dicom"


@attrs.frozen
class FieldSpec:
    """What the standard says about one field (one attribute) of a typed class."""

    name: str
    """Python attribute name (snake_case of the keyword)."""
    tag: int
    vr: str
    """As in PS3.6, e.g. ``"US"`` or ``"US or SS"``."""
    vm: str
    type: str
    """Attribute Type: ``"1"``, ``"1C"``, ``"2"``, ``"2C"``, ``"3"`` (PS3.3 5.4)."""
    keyword: str
    given_title: str = attrs.field(alias="title")
    """The attribute name as the class declares it (``""``: PS3.6's, see :attr:`title`)."""
    required: bool
    """A required ``__init__`` argument (no default)."""
    item: Callable[[], type] | None = None
    enum: tuple[str, ...] = ()
    defined_terms: tuple[str, ...] = ()
    condition: Condition | None = None
    condition_text: str = ""
    module: str = ""
    sources: tuple[str, ...] = ()
    usage: str = ""
    module_condition: Condition | None = None
    defined_in: str = ""
    """xml_id of the table (class) that declares the field (a macro's, for inherited ones)."""

    @property
    def title(self) -> str:
        """The attribute name of PS3.6 ("Patient's Name"): as declared, else the data
        dictionary's (looked up on first use, so importing a class needs no dictionary)."""
        if self.given_title:
            return self.given_title
        from .dictionary import entry_for

        e = entry_for(self.tag)
        return e.name if e is not None else self.keyword

    @property
    def vrs(self) -> tuple[str, ...]:
        """The possible VRs (several for an ambiguous VR such as ``"US or SS"``)."""
        return _split_vr(self.vr)

    @property
    def multi(self) -> bool:
        """VM other than 1: the value is a sequence of values."""
        return self.vm.strip() != "1"

    @property
    def item_class(self) -> type[DicomObject] | None:
        """The item class of an SQ field (the ``item=`` thunk called)."""
        return self.item() if self.item is not None else None


@attrs.frozen
class ClassSpec:
    """A typed class as the standard describes it (``cls.__dicom__``)."""

    kind: str
    """``"iod"``, ``"module"``, ``"macro"`` or ``"item"``."""
    title: str
    xml_id: str
    section: str
    sop_class_uids: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    """Every field (inherited ones too) in tag order."""
    by_tag: dict[int, FieldSpec] = attrs.field(eq=False, repr=False)
    by_name: dict[str, FieldSpec] = attrs.field(eq=False, repr=False)
    modules: tuple[ModuleUse, ...] = attrs.field(default=(), eq=False, repr=False)
    """IOD classes and functional group items: the module (macro) classes they are built on."""


def _split_vr(vr: str) -> tuple[str, ...]:
    parts = [p.strip() for p in vr.replace(",", " or ").split(" or ")]
    return tuple(p for p in parts if len(p) == 2 and p.isalpha() and p.isupper()) or ("UN",)


def attribute(
    tag: int,
    vr: str,
    vm: str = "1",
    type: str = "3",  # noqa: A002 - the contract's name (Attribute Type)
    *,
    keyword: str,
    name: str = "",
    default: Any = attrs.NOTHING,
    item: Callable[[], type] | None = None,
    enum: tuple[str, ...] = (),
    defined_terms: tuple[str, ...] = (),
    condition: Condition | None = None,
    condition_text: str = "",
    module: str = "",
    sources: tuple[str, ...] = (),
    usage: str = "",
    module_condition: Condition | None = None,
) -> Any:
    """Declare one attribute of a typed class (a field specifier for ``dataclass_transform``).

    ``vm`` is PS3.6's Value Multiplicity (``"1"`` unless given); generated code always gives
    ``type``; ``name`` (the attribute name) is given only where it is not PS3.6's. ``default`` absent makes the field a required keyword argument; generated code
    passes ``default=None`` for every optional field. ``item`` is a thunk returning the item class of
    an SQ attribute (a thunk so that classes may refer to themselves, PS3.3 table_10-18).
    """
    meta = {
        _KEY: {
            "tag": int(tag),
            "vr": vr,
            "vm": vm,
            "type": type,
            "keyword": keyword,
            "title": name,
            "item": item,
            "enum": tuple(enum),
            "defined_terms": tuple(defined_terms),
            "condition": condition,
            "condition_text": condition_text,
            "module": module,
            "sources": tuple(sources),
            "usage": usage,
            "module_condition": module_condition,
        }
    }
    return attrs.field(default=default, kw_only=True, metadata=meta)


@attrs.frozen
class ModuleUse:
    """One part an IOD class (or a functional group item) is built on: a module (or macro)
    class, its usage in the IOD (``"M"``, ``"C"``, ``"U"``), the table it comes from
    (``"PS3.3 2016c table_C.7-1"``) and, for usage C, the module's condition."""

    cls: type
    usage: str
    source: str = ""
    condition: Condition | None = None


def uses(
    cls: type, *, usage: str, source: str = "", condition: Condition | None = None
) -> ModuleUse:
    """A module (or macro) class as a part of an IOD class: ``modules=(uses(PatientModule,
    usage="M", source="PS3.3 2016c table_C.7-1"), ...)`` in :func:`dicom_class`."""
    return ModuleUse(cls, usage, source, condition)


_TYPE_RANK = {"1": 0, "1C": 1, "2": 2, "2C": 3, "3": 4}


def _module_facts(name: str, modules: tuple[ModuleUse, ...]) -> dict[str, Any]:
    """Module, usage, module condition and sources of field ``name`` of a class built on
    ``modules``: every part that defines it is a source; the part with the strictest Type
    (the first of equals) gives module, usage and condition (the generator's merge rule)."""
    best: tuple[int, ModuleUse, ClassSpec] | None = None
    sources: list[str] = []
    for mu in modules:
        spec: ClassSpec = mu.cls.__dicom__  # type: ignore[attr-defined]
        f = spec.by_name.get(name)
        if f is None:
            continue
        if mu.source and mu.source not in sources:
            sources.append(mu.source)
        rank = _TYPE_RANK.get(f.type, 9)
        if best is None or rank < best[0]:
            best = (rank, mu, spec)
    if best is None:
        return {}
    _rank, mu, spec = best
    return {
        "module": spec.title,
        "usage": mu.usage,
        "module_condition": mu.condition,
        "sources": tuple(sources),
    }


def _class_spec(
    cls: type,
    kind: str,
    title: str,
    xml_id: str,
    section: str,
    sop_class_uids: tuple[str, ...],
    modules: tuple[ModuleUse, ...] = (),
) -> ClassSpec:
    fields = []
    for a in attrs.fields(cls):
        m = a.metadata.get(_KEY)
        if m is None:
            continue
        defined_in = xml_id
        if a.inherited:
            for base in cls.__mro__[1:]:
                base_spec = base.__dict__.get("__dicom__")
                if base_spec is not None and a.name in base_spec.by_name:
                    defined_in = base_spec.by_name[a.name].defined_in
                    break
        if modules and not m["module"]:
            m = {**m, **_module_facts(a.name, modules)}
        fields.append(
            FieldSpec(name=a.name, required=a.default is attrs.NOTHING, defined_in=defined_in, **m)
        )
    fields.sort(key=lambda f: f.tag)
    return ClassSpec(
        kind=kind,
        title=title,
        xml_id=xml_id,
        section=section,
        sop_class_uids=tuple(sop_class_uids),
        fields=tuple(fields),
        by_tag={f.tag: f for f in fields},
        by_name={f.name: f for f in fields},
        modules=tuple(modules),
    )


def lazy_refs(package: str) -> Callable[[str], Callable[[], Any]]:
    """References between generated classes in different modules, imported on first use.

    A generated module does ``_ref = lazy_refs("dicomgen_std")`` and writes
    ``item=_ref("macros.code_sequence:CodeSequenceMacro")`` (a module under ``package`` and a
    qualified name), so importing one IOD module imports no other generated module.
    """

    def ref(target: str) -> Callable[[], Any]:
        module, _, qualname = target.partition(":")
        found: list[Any] = []

        def thunk() -> Any:
            if not found:
                obj: Any = importlib.import_module(f"{package}.{module}")
                for part in qualname.split("."):
                    obj = getattr(obj, part)
                found.append(obj)
            return found[0]

        return thunk

    return ref


@dataclass_transform(kw_only_default=True, field_specifiers=(attribute,))
def dicom_class(
    *,
    kind: str,
    title: str,
    xml_id: str,
    section: str = "",
    sop_class_uids: tuple[str, ...] = (),
    modules: tuple[ModuleUse, ...] = (),
) -> Callable[[type[_T]], type[_T]]:
    """Class decorator of generated classes: ``attrs.define(kw_only=True)`` + ``__dicom__``.

    Item classes are slotted; macro, module and IOD classes are not, so that a class can
    inherit from several of them (Python cannot lay out two slotted bases with fields).
    ``modules`` (IOD classes, functional group items) names the module classes the class is
    built on, with their usage: each field's module, usage and sources come from them.
    """

    def wrap(cls: type[_T]) -> type[_T]:
        new = attrs.define(
            cls,
            kw_only=True,
            slots=kind == "item",
            eq=False,  # DicomObject.__eq__: lists and tuples of values compare alike
            repr=False,
            weakref_slot=False,
        )
        new.__dicom__ = _class_spec(  # type: ignore[attr-defined]
            new, kind, title, xml_id, section, tuple(sop_class_uids), tuple(modules)
        )
        return new

    return wrap


# --- value conversion (PS3.5 6.2: the VR's Python types, see dicomgen.core.values) ----------


def _to_da(v: Any) -> Any:
    return v if type(v) is DA else DA(v)


def _to_tm(v: Any) -> Any:
    return v if type(v) is TM else TM(v)


def _to_dt(v: Any) -> Any:
    return v if type(v) is DT else DT(v)


def _to_pn(v: Any) -> Any:
    return v if type(v) is PersonName else PersonName(v)


def _to_ds(v: Any) -> Any:
    return v if type(v) is DS else DS(v)


def _to_is(v: Any) -> Any:
    t = type(v)
    if t is IS:
        return v
    if t is bool:
        raise InvalidValueError("IS value must be an int, not bool", vr="IS")
    return IS(v)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "DA": _to_da,
    "TM": _to_tm,
    "DT": _to_dt,
    "PN": _to_pn,
    "DS": _to_ds,
    "IS": _to_is,
}


def _multi(conv: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def convert(v: Any) -> Any:
        if isinstance(v, (str, bytes)):  # one value, or values joined by backslashes
            return conv(v) if conv is not None and isinstance(v, str) and "\\" not in v else v
        n = len(v)
        if n == 1:  # one value is bare, as decode_value returns it
            x = v[0]
            return x if conv is None or x is None else conv(x)
        if n == 0:
            return None
        if conv is None:
            return MultiValue(v)
        return MultiValue([None if x is None else conv(x) for x in v])

    return convert


# --- the per-class codec ---------------------------------------------------------------------

_PLAIN, _SQ = 0, 1


class _Codec:
    """The compiled encoder/decoder of one class (built once, on first use)."""

    __slots__ = (
        "enc",
        "dec",
        "init_none",
        "sop_class_uids",
        "module_of",
        "module_conds",
        "fast",
    )

    def __init__(self, cls: type[DicomObject]) -> None:
        spec = cls.__dicom__
        enc = []
        dec: dict[int, tuple[str, int, Any, bool]] = {}
        modules: dict[str, int] = {}
        self.module_of: dict[str, int] = {}
        for f in spec.fields:
            vrs = f.vrs
            vr = vrs[0] if len(vrs) == 1 else None
            conv = _CONVERTERS.get(vr) if vr is not None else None
            if f.multi and vr != "SQ":
                conv = _multi(conv)
            sq = _SQ if vr == "SQ" else _PLAIN
            item = f.item_class if sq == _SQ else None
            if sq == _SQ and item is None:
                raise DicomError(
                    f"{cls.__qualname__}.{f.name}: SQ attribute without an item class", tag=f.tag
                )
            t2 = _type2_rule(f, modules)
            enc.append((f.name, Tag(f.tag), vr, vrs, t2, sq, conv, item, f.keyword or f.name))
            dec[f.tag] = (f.name, sq, item, f.multi)
        conds: dict[int, Any] = {}
        for f in spec.fields:
            if f.module in modules:
                m = modules[f.module]
                self.module_of[f.name] = m
                if conds.get(m) is None:
                    conds[m] = f.module_condition
        self.module_conds = tuple(conds.get(i) for i in range(len(modules)))
        self.enc = tuple(enc)
        self.dec = dec
        self.init_none = {f.name: None for f in spec.fields if f.required}
        self.sop_class_uids = spec.sop_class_uids
        self.fast: Callable[..., Dataset] | None = None


def _type2_rule(f: FieldSpec, modules: dict[str, int]) -> Any:
    """How a ``None`` value of field ``f`` is written (PS3.3 5.4, A.1.3).

    ``False``: omitted (Type 1/3). ``True``: written empty (Type 2). A tuple
    ``(module index or -1, condition or None)``: written empty only when the field's module is
    in use (an IOD's U or C module of which some attribute has a value) and the field's
    condition (Type 2C) holds; an unparsed condition does not write it.
    """
    if not f.type.startswith("2"):
        return False
    mod = -1
    if f.module and f.usage.strip()[:1].upper() not in ("M", ""):
        mod = modules.setdefault(f.module, len(modules))
    cond = f.condition
    if cond is None and f.type.upper().endswith("C"):
        from .conditions import Unparsed

        cond = Unparsed(f.condition_text or "Type 2C without a condition")
    if mod < 0 and cond is None:
        return True
    return (mod, cond)


def _codec(cls: type[DicomObject]) -> _Codec:
    c = cls.__dict__.get("__dicom_codec__")
    if c is None:
        spec = getattr(cls, "__dicom__", None)
        if spec is None:
            raise DicomError(f"{cls.__qualname__} is not decorated with @dicom_class")
        if "__dicom__" not in cls.__dict__:  # a plain subclass: its base's spec, if complete
            names = {a.name for a in attrs.fields(cls) if a.metadata.get(_KEY) is not None}
            if names != set(spec.by_name):
                raise DicomError(
                    f"{cls.__qualname__} adds DICOM attributes but is not decorated with "
                    "@dicom_class"
                )
        c = _Codec(cls)
        type.__setattr__(cls, "__dicom_codec__", c)
    return c


def _encode(obj: DicomObject, parents: list[Dataset], strict: bool, path: str) -> Dataset:
    """The data set of ``obj``: the class's compiled encoder for objects built in Python, the
    generic loop (which reuses the elements values were read from) for decoded objects."""
    codec = _codec(type(obj))
    if obj._dicom_orig is None:
        fast = codec.fast
        if fast is None:
            fast = codec.fast = _compile_encoder(codec, type(obj).__qualname__)
        return fast(obj, parents, strict, path)
    return _encode_generic(obj, codec, parents, strict, path)


def _encode_generic(
    obj: DicomObject, codec: _Codec, parents: list[Dataset], strict: bool, path: str
) -> Dataset:
    """The reference encoder: one loop over the class's field rows."""
    orig = obj._dicom_orig
    elems: dict[int, DataElement] = {}
    ambiguous = None
    deferred = None
    module_of = codec.module_of
    used: set[int] = set()
    ds = Dataset._from_sorted(elems, True)
    for name, tag, vr, vrs, t2, sq, conv, item, kw in codec.enc:
        v = getattr(obj, name)
        if orig is not None:
            o = orig.get(tag)
            if o is not None and o[0] is v:
                elems[tag] = o[1].copy()
                if module_of and name in module_of:
                    used.add(module_of[name])
                continue
        if v is None:
            if orig is not None and tag not in orig:
                continue  # read from a data set without it: kept absent (lossless)
            if t2 is True:
                if vr is None:
                    ambiguous = ambiguous or []
                    ambiguous.append((tag, vrs))
                    elems[tag] = DataElement(tag, vrs[0], None)
                else:
                    elems[tag] = DataElement(tag, vr, None)
            elif t2:
                deferred = deferred or []
                deferred.append((tag, vr, vrs, t2))
            continue
        if module_of and name in module_of:
            used.add(module_of[name])
        if v.__class__ is str and not v:
            v = None  # "" is an empty value (present, zero length), as read back
        elif sq:
            seq = DataElement(tag, "SQ", _items(v, ds, parents, strict, path, kw, item, tag))
            if orig is not None:
                o = orig.get(tag)
                if o is not None and o[0] is _SQ_READ:  # keep how the sequence was encoded
                    seq.undefined_length = o[1].undefined_length
                    for new, old in zip(seq.value, o[1].value):
                        if new.item_undefined_length is None:
                            object.__setattr__(
                                new, "item_undefined_length", old.item_undefined_length
                            )
            elems[tag] = seq
            continue
        if conv is not None and v is not None:
            try:
                v = conv(v)
            except _CONVERSION_ERRORS as exc:
                v = _bad_value(exc, v, strict, path, kw, tag)
        if vr is None:
            ambiguous = ambiguous or []
            ambiguous.append((tag, vrs))
            elems[tag] = DataElement(tag, vrs[0], v)
        else:
            elems[tag] = DataElement(tag, vr, v)
    return _finish(obj, codec, ds, elems, parents, used, deferred, ambiguous)


_CONVERSION_ERRORS = (DicomError, TypeError, ValueError)


def _bad_value(exc: Exception, v: Any, strict: bool, path: str, kw: str, tag: int) -> Any:
    """A value that cannot be converted: an error naming the attribute, or (validation) kept."""
    if strict:
        msg = exc.message if isinstance(exc, DicomError) else str(exc)
        raise InvalidValueError(f"{path}{kw}: {msg}", tag=tag) from exc
    return v


def _items(
    v: Any,
    ds: Dataset,
    parents: list[Dataset],
    strict: bool,
    path: str,
    kw: str,
    item: Any,
    tag: int,
) -> list[Dataset]:
    """The item data sets of a sequence value (typed items or Datasets)."""
    chain = None
    items = []
    for i, it in enumerate(v):
        if isinstance(it, DicomObject):
            if chain is None:
                chain = [ds, *parents]
            items.append(_encode(it, chain, strict, f"{path}{kw}[{i}]."))
        elif isinstance(it, Dataset):
            items.append(it)
        else:
            raise InvalidValueError(
                f"{path}{kw}[{i}] must be a {item.__qualname__} or a Dataset, "
                f"not {type(it).__name__}",
                tag=tag,
            )
    return items


def _compile_encoder(codec: _Codec, qualname: str) -> Callable[..., Dataset]:
    """Straight-line encoder source for one class, compiled once (as attrs builds __init__).

    Same behaviour as :func:`_encode_generic` for objects that were not read from a data set.
    """
    ns: dict[str, Any] = {
        "_DE": DataElement,
        "_from_sorted": Dataset._from_sorted,
        "_finish": _finish,
        "_items": _items,
        "_bad": _bad_value,
        "_ERRS": _CONVERSION_ERRORS,
        "_codec": codec,
    }
    lines = [
        "def encode(obj, parents, strict, path):",
        "    elems = {}",
        "    ds = _from_sorted(elems, True)",
        "    used = set()",
        "    deferred = None",
        "    ambiguous = None",
    ]
    for i, (name, tag, vr, vrs, t2, sq, conv, item, kw) in enumerate(codec.enc):
        t = f"_t{i}"
        ns[t] = tag
        vr_code = repr(vr if vr is not None else vrs[0])
        amb = f"_a{i}"
        if vr is None:
            ns[amb] = (tag, vrs)
        lines.append(f"    v = obj.{name}")
        lines.append("    if v is None:")
        if t2 is True:
            if vr is None:
                lines.append(f"        ambiguous = ambiguous or []; ambiguous.append({amb})")
            lines.append(f"        elems[{t}] = _DE({t}, {vr_code}, None)")
        elif t2:
            ns[f"_d{i}"] = (tag, vr, vrs, t2)
            lines.append(f"        deferred = deferred or []; deferred.append(_d{i})")
        else:
            lines.append("        pass")
        lines.append("    else:")
        if name in codec.module_of:
            lines.append(f"        used.add({codec.module_of[name]})")
        if sq:
            ns[f"_i{i}"] = item
            lines.append(
                f"        elems[{t}] = _DE({t}, 'SQ', "
                f"_items(v, ds, parents, strict, path, {kw!r}, _i{i}, {t}))"
            )
            continue
        lines.append("        if v.__class__ is str and not v:")
        lines.append("            v = None")
        if conv is not None:
            ns[f"_c{i}"] = conv
            lines.append("        else:")
            lines.append("            try:")
            lines.append(f"                v = _c{i}(v)")
            lines.append("            except _ERRS as exc:")
            lines.append(f"                v = _bad(exc, v, strict, path, {kw!r}, {t})")
        if vr is None:
            lines.append(f"        ambiguous = ambiguous or []; ambiguous.append({amb})")
        lines.append(f"        elems[{t}] = _DE({t}, {vr_code}, v)")
    lines.append("    return _finish(obj, _codec, ds, elems, parents, used, deferred, ambiguous)")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<dicomgen encoder {qualname}>", "exec"), ns)  # noqa: S102
    return ns["encode"]  # type: ignore[no-any-return]


def _finish(
    obj: DicomObject,
    codec: _Codec,
    ds: Dataset,
    elems: dict[int, DataElement],
    parents: list[Dataset],
    used: set[int],
    deferred: list[Any] | None,
    ambiguous: list[Any] | None,
) -> Dataset:
    """The end of an encoding: conditional Type 2 elements, extra elements, ambiguous VRs."""
    resort = False
    if deferred:
        lookup = _lookup([ds, *parents])
        for tag, vr, vrs, (mod, cond) in deferred:
            if mod >= 0 and mod not in used:
                mc = codec.module_conds[mod]
                if mc is None or evaluate(mc, lookup) is not True:
                    continue
            if cond is not None and evaluate(cond, lookup) is not True:
                continue
            if vr is None:
                ambiguous = ambiguous or []
                ambiguous.append((tag, vrs))
            elems[tag] = DataElement(tag, vrs[0] if vr is None else vr, None)
            resort = True
    extra = obj.extra_elements
    if extra:
        for t, e in extra.items():
            if t not in elems:
                elems[t] = e.copy()
        resort = True
    if resort:
        object.__setattr__(ds, "_elems", dict(sorted(elems.items())))
    if ambiguous:
        chain = [ds, *parents]
        for tag, vrs in ambiguous:
            elems = ds._elems
            elems[tag].vr = resolve_ambiguous_vr(tag, vrs, chain)
    object.__setattr__(ds, "_last", next(reversed(ds._elems)) if ds._elems else -1)
    return ds


_SQ_READ = object()  # marks a sequence that was read (its items are compared item by item)


def _lookup(chain: list[Dataset]) -> Callable[[int], Any]:
    """Condition look-up: the value of a tag in the nearest data set of ``chain``."""

    def lookup(tag: int) -> Any:
        for d in chain:
            e = d._elems.get(tag)
            if e is not None:
                try:
                    return e.value
                except DicomError:
                    return UNKNOWN
        return ABSENT

    return lookup


def _decode(cls: type[DicomObject], ds: Dataset) -> Any:
    codec = _codec(cls)
    dec = codec.dec
    kwargs = dict(codec.init_none)
    orig: dict[int, tuple[Any, DataElement]] = {}
    extra: dict[int, DataElement] | None = None
    for tag, e in ds._elems.items():
        f = dec.get(tag)
        if f is None:
            if extra is None:
                extra = {}
            extra[tag] = e
            continue
        name, sq, item, multi = f
        try:
            v = e.value
        except DicomError:
            kwargs[name] = None  # undecodable: written back as read, reported by validation
            orig[tag] = (None, e)
            continue
        if sq and e.vr == "SQ":
            kwargs[name] = [_decode(item, i) for i in v]
            orig[tag] = (_SQ_READ, e)
            continue
        if multi and type(v) is MultiValue:
            v = tuple(v)
        elif multi and v is not None and not isinstance(v, (bytes, memoryview)):
            v = (v,)
        kwargs[name] = v
        orig[tag] = (v, e)
    obj = cls(**kwargs)
    object.__setattr__(obj, "_dicom_orig", orig)
    if extra is not None:
        object.__setattr__(obj, "extra_elements", Dataset._from_sorted(extra, ds._sorted))
    return obj


def _same_value(a: Any, b: Any) -> bool:
    """Field values equal as DICOM values: a list and a tuple of equal values are the same
    multi-valued attribute (or sequence), so an object written and read back is equal."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _eq_names(cls: type) -> tuple[str, ...]:
    names = cls.__dict__.get("__dicom_eq__")
    if names is None:
        names = tuple(a.name for a in attrs.fields(cls) if a.eq)
        type.__setattr__(cls, "__dicom_eq__", names)
    return names


@attrs.define(kw_only=True, slots=True, eq=False, repr=False, weakref_slot=False)
class DicomObject:
    """Base of every generated class: a set of DICOM attributes with their specs.

    ``extra_elements`` holds the elements read from a data set that the class does not know
    (private, newer, retired); :meth:`to_dataset` writes them back. Two objects are equal when
    they are of one class and their fields hold equal values (a list and a tuple of equal
    values alike).
    """

    __dicom__: ClassVar[ClassSpec]
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(
            _same_value(getattr(self, n), getattr(other, n)) for n in _eq_names(self.__class__)
        )

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    extra_elements: Dataset | None = attrs.field(default=None)
    _dicom_orig: dict[int, tuple[Any, DataElement]] | None = attrs.field(
        default=None, init=False, eq=False
    )
    _dicom_file: tuple[Any, Any, Any] | None = attrs.field(default=None, init=False, eq=False)

    # --- pickling: every field of the concrete class (slotted or dict based) ----------

    def __getstate__(self) -> dict[str, Any]:
        return {a.name: getattr(self, a.name) for a in attrs.fields(type(self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    # --- data sets ----------------------------------------------------------------------

    def to_dataset(self) -> Dataset:
        """The data set of this object (PS3.5 7): Type 2 ``None`` -> empty element,
        Type 1/3 ``None`` -> absent, SQ lists -> items; values converted per VR.

        Raises :class:`InvalidValueError` (naming the attribute path) for a value that cannot
        be converted to its VR's type.
        """
        ds = _encode(self, [], True, "")
        meta = self._dicom_file
        if meta is not None:
            object.__setattr__(ds, "file_meta", meta[0])
            object.__setattr__(ds, "preamble", meta[1])
            object.__setattr__(ds, "read_transfer_syntax", meta[2])
        return ds

    @classmethod
    def from_dataset(cls, ds: Dataset) -> Self:
        """The typed object of a data set; lossless (unknown elements -> ``extra_elements``)."""
        if not isinstance(ds, Dataset):
            raise InvalidValueError(f"from_dataset needs a Dataset, not {type(ds).__name__}")
        obj = _decode(cls, ds)
        if ds.file_meta is not None or ds.read_transfer_syntax is not None:
            object.__setattr__(
                obj, "_dicom_file", (ds.file_meta, ds.preamble, ds.read_transfer_syntax)
            )
        return obj

    # --- validation ---------------------------------------------------------------------

    def validate(self) -> list[Finding]:
        """Every way this object breaks the standard (PS3.3 5.4, 7.4; PS3.5 6.2, 6.4)."""
        from .validation import validate_dataset

        return validate_dataset(_encode(self, [], False, ""), type(self))

    # --- files (IOD classes) --------------------------------------------------------------

    def to_file(
        self,
        path: Union[str, os.PathLike[str], BinaryIO],
        transfer_syntax: Any = None,
    ) -> None:
        """Write this IOD as a DICOM file (PS3.10 7) via :func:`dicomgen.media.part10.write`.

        ``transfer_syntax`` (a UID or TransferSyntax) defaults to the one the object was read
        with, else Explicit VR Little Endian. A missing SOP Class UID (0008,0016) is filled in
        from the class when the IOD has exactly one SOP Class.
        """
        from ..media import part10

        ds = self.to_dataset()
        codec = _codec(type(self))
        e = ds._elems.get(0x00080016)
        if (e is None or not e.value) and len(codec.sop_class_uids) == 1:
            ds.add(DataElement(0x00080016, "UI", codec.sop_class_uids[0]))
        part10.write(path, ds, transfer_syntax)

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike[str], BinaryIO, bytes]) -> Self:
        """Read a DICOM file (PS3.10) into this class.

        Raises :class:`ValidationError` when the file's SOP Class UID is not one of the
        class's SOP Classes.
        """
        from ..media import part10

        ds = part10.read(path)
        uids = _codec(cls).sop_class_uids
        e = ds._elems.get(0x00080016)
        uid = str(e.value).strip("\0 ") if e is not None and e.value else None
        if uids and uid is not None and uid not in uids:
            raise ValidationError(
                f"{cls.__qualname__} stores SOP Class {', '.join(uids)}, the file has {uid}",
                tag=0x00080016,
                path=str(path) if isinstance(path, (str, os.PathLike)) else None,
            )
        return cls.from_dataset(ds)

    # --- display ------------------------------------------------------------------------

    def __repr__(self) -> str:
        spec = type(self).__dict__.get("__dicom__")
        names = [f.name for f in spec.fields] if spec is not None else []
        shown = []
        for n in names:
            v = getattr(self, n, None)
            if v is not None:
                r = repr(v)
                shown.append(f"{n}={r if len(r) <= 60 else r[:57] + '...'}")
        if self.extra_elements:
            shown.append(f"extra_elements=<{len(self.extra_elements)} elements>")
        return f"{type(self).__qualname__}({', '.join(shown)})"


# --- IOD registry -----------------------------------------------------------------------------

_IOD_CACHE: dict[str, type[DicomObject] | None] = {}


def iod_class_for(sop_class_uid: str) -> type[DicomObject] | None:
    """The IOD class of a SOP Class UID (``dicomgen_std._registry.IOD_CLASSES``), or None.

    The registry and the IOD module are imported on first use.
    """
    uid = str(sop_class_uid).strip("\0 ")
    if uid in _IOD_CACHE:
        return _IOD_CACHE[uid]
    try:
        registry = importlib.import_module("dicomgen_std._registry")
    except ImportError:
        return None
    target = registry.IOD_CLASSES.get(uid)
    cls = None
    if target is not None:
        module, _, qualname = target.partition(":")
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        cls = obj
    _IOD_CACHE[uid] = cls
    return cls


def load(path: Union[str, os.PathLike[str], BinaryIO, bytes]) -> DicomObject:
    """Read a DICOM file into the IOD class of its SOP Class UID (0008,0016)."""
    from ..media import part10

    ds = part10.read(path)
    e = ds._elems.get(0x00080016)
    uid = str(e.value).strip("\0 ") if e is not None and e.value else ""
    cls = iod_class_for(uid) if uid else None
    if cls is None:
        raise ValidationError(
            f"no IOD class for SOP Class UID {uid or '(absent)'}",
            tag=0x00080016,
            path=str(path) if isinstance(path, (str, os.PathLike)) else None,
        )
    return cls.from_dataset(ds)
