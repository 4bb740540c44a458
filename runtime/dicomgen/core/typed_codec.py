"""The per-class codec of the typed classes: a class's specs compiled, on first use, into an
encoder (a straight-line function, as attrs compiles ``__init__``) and a decoder; values
converted to the VR types of :mod:`dicomgen.core.values` (PS3.5 6.2); Type 2 and conditional
Type 2 rules of PS3.3 5.4 / A.1.3 applied when writing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from .conditions import ABSENT, UNKNOWN, evaluate
from .dataset import Dataset, resolve_ambiguous_vr
from .element import DataElement
from .errors import DicomError, InvalidValueError
from .tag import Tag
from .typed_decl import Declared, ready
from .typed_spec import ARGS, KEY, FieldSpec
from .values import DA, DS, DT, IS, TM, MultiValue, PersonName

if TYPE_CHECKING:
    from .typed import DicomObject

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
        if isinstance(v, str):  # annotated list | tuple: a bare str is a type error
            raise InvalidValueError(
                f"multi-valued: give a list or tuple of values, not the str {v!r}"
            )
        if isinstance(v, bytes):
            return v
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
        dec: dict[int, tuple[str, int, Any, bool, Any]] = {}
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
            dec[f.tag] = (f.name, sq, item, f.multi, _empty_value(f))
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
        self.init_none: dict[str, Any] = {f.name: None for f in spec.fields if f.required}
        self.sop_class_uids = spec.sop_class_uids
        self.fast: Callable[..., Dataset] | None = None


_TEXT_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI PN".split())
_BYTES_VRS = frozenset("OB OD OF OL OV OW UN".split())


def _empty_value(f: FieldSpec) -> Any:
    """The value a present but empty (zero-length) element decodes to: the empty value of the
    field's type, so that writing it back gives an empty element again (PS3.5 7.4).

    ``""`` for a text field, ``()`` for a multi-valued field, ``None`` where the type has no
    empty value (numbers, dates, bytes, Enumerated Values; for Type 2 attributes ``None`` is
    what is written empty). Sequences decode to ``[]`` (no items).
    """
    vrs = f.vrs
    if f.multi and not _BYTES_VRS.intersection(vrs):
        return ()
    if not f.multi and _TEXT_VRS.issuperset(vrs) and not (f.enum and vrs != ("PN",)):
        return ""
    return None


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
        ready(cls)
        if ARGS not in cls.__dict__:  # a plain subclass: its base's spec, if complete
            names = {a.name for a in attrs.fields(cls) if a.metadata.get(KEY) is not None}
            undecorated = any(
                isinstance(v, Declared)
                for c in cls.__mro__
                for v in [
                    *vars(c).values(),
                    *(a.default for a in c.__dict__.get("__attrs_attrs__", ())),
                ]
            )
            if names != set(spec.by_name) or undecorated:
                raise DicomError(
                    f"{cls.__qualname__} adds DICOM attributes but is not decorated with "
                    "@dicom_class"
                )
        c = _Codec(cls)
        type.__setattr__(cls, "__dicom_codec__", c)
    return c


def _encode(obj: DicomObject, parents: list[Dataset], strict: bool, path: str) -> Dataset:
    """The data set of ``obj``, through its class's compiled encoder (built on first use)."""
    codec = _codec(type(obj))
    fast = codec.fast
    if fast is None:
        fast = codec.fast = _compile_encoder(codec, type(obj).__qualname__)
    return fast(obj, parents, strict, path)


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
        if getattr(type(it), "__dicom__", None) is not None:  # a typed object
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

    Per field, in tag order: a value unchanged since it was read (``obj._dicom_orig``) is
    written back from its original element; a read data set without the element keeps it
    absent; ``None`` follows the field's Type 2 rule (:func:`_type2_rule`); "" is an empty
    value; a sequence's items are encoded in turn; other values are converted to the VR's type.
    """
    ns: dict[str, Any] = {
        "_DE": DataElement,
        "_new": Dataset.from_element_dict,
        "_finish": _finish,
        "_items": _items,
        "_sq_form": _keep_sequence_form,
        "_bad": _bad_value,
        "_ERRS": _CONVERSION_ERRORS,
        "_codec": codec,
    }
    lines = [
        "def encode(obj, parents, strict, path):",
        "    orig = obj._dicom_orig",
        "    elems = {}",
        "    ds = _new(elems, ordered=True)",
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
        mod = codec.module_of.get(name)
        lines.append(f"    v = obj.{name}")
        lines.append(f"    if orig is not None and (o := orig.get({t})) is not None and o[0] is v:")
        lines.append(f"        elems[{t}] = o[1].copy()")
        if mod is not None:
            lines.append(f"        used.add({mod})")
        lines.append("    elif v is None:")
        if t2:
            lines.append(f"        if orig is None or {t} in orig:")
            if t2 is True:
                if vr is None:
                    lines.append(
                        f"            ambiguous = ambiguous or []; ambiguous.append({amb})"
                    )
                lines.append(f"            elems[{t}] = _DE({t}, {vr_code}, None)")
            else:
                ns[f"_d{i}"] = (tag, vr, vrs, t2)
                lines.append(f"            deferred = deferred or []; deferred.append(_d{i})")
        else:
            lines.append("        pass")
        lines.append("    else:")
        if mod is not None:
            lines.append(f"        used.add({mod})")
        if sq:
            ns[f"_i{i}"] = item
            lines.append("        if v.__class__ is str and not v:")
            lines.append(f"            elems[{t}] = _DE({t}, 'SQ', None)")
            lines.append("        else:")
            lines.append(
                f"            e = elems[{t}] = _DE({t}, 'SQ', "
                f"_items(v, ds, parents, strict, path, {kw!r}, _i{i}, {t}))"
            )
            lines.append("            if orig is not None:")
            lines.append(f"                _sq_form(e, orig.get({t}))")
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
    exec(compile(source, f"<dicomgen encoder {qualname}>", "exec"), ns)
    return ns["encode"]  # type: ignore[no-any-return]


def _keep_sequence_form(seq: DataElement, o: tuple[Any, DataElement] | None) -> None:
    """A sequence that was read keeps how it was encoded (undefined lengths of the sequence
    and of its items at the same positions)."""
    if o is None or o[0] is not _SQ_READ:
        return
    seq.undefined_length = o[1].undefined_length
    for new, old in zip(seq.value, o[1].value):
        if new.item_undefined_length is None:
            object.__setattr__(new, "item_undefined_length", old.item_undefined_length)


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
    ds.record_order(ordered=not resort)
    if ambiguous:
        chain = [ds, *parents]
        for tag, vrs in ambiguous:
            elems[tag].vr = resolve_ambiguous_vr(tag, vrs, chain)
    return ds


_SQ_READ = object()  # marks a sequence that was read (its items are compared item by item)


def _lookup(chain: list[Dataset]) -> Callable[[int], Any]:
    """Condition look-up: the value of a tag in the nearest data set of ``chain``."""

    def lookup(tag: int) -> Any:
        for d in chain:
            e = d.get_element(tag)
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
    kwargs: dict[str, Any] = dict(codec.init_none)
    orig: dict[int, tuple[Any, DataElement]] = {}
    extra: dict[int, DataElement] | None = None
    for tag, e in ds.items():
        f = dec.get(tag)
        if f is None:
            if extra is None:
                extra = {}
            extra[tag] = e
            continue
        name, sq, item, multi, empty = f
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
        if v is None or (isinstance(v, str) and not v):  # absent, or empty text set by hand
            v = empty
        else:
            if type(v) is str and e.vr in ("IS", "DS"):
                v = _number_text(e.vr, v)
            if multi and type(v) in (MultiValue, list):
                v = tuple(v)
            elif multi and not isinstance(v, (bytes, memoryview)):
                v = (v,)
        kwargs[name] = v
        orig[tag] = (v, e)
    obj = cls(**kwargs)
    object.__setattr__(obj, "_dicom_orig", orig)
    if extra is not None:
        object.__setattr__(obj, "extra_elements", Dataset.from_element_dict(extra, ordered=True))
    return obj


def _number_text(vr: str, text: str) -> Any:
    """An IS/DS value set as text on a hand-built data set, as its values decode from a file
    (:class:`IS`/:class:`DS`, a list when multi-valued); text that is no number stays text."""
    convert = _CONVERTERS[vr]
    try:
        values = [convert(part.strip()) for part in text.split("\\")]
    except (ValueError, TypeError, DicomError):
        return text
    return values[0] if len(values) == 1 else values
