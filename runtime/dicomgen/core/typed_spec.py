"""Field and class specs of the typed classes, and the decorator and field specifier that
generated code uses (``docs/typed-classes.md``): :func:`dicom_class`, :func:`attribute`,
:func:`uses`, :func:`lazy_refs`; :class:`ClassSpec` / :class:`FieldSpec` on ``cls.__dicom__``.

Importing a generated module only runs its class bodies: :func:`dicom_class` records its
arguments, and the ``attrs`` class (``__init__`` and the fields) is built on first use
(:func:`ready`: the first instance, ``cls.__dicom__``, encoding or decoding), and the
:class:`ClassSpec` after it (:func:`class_spec`). An IOD module imports dozens of module and
item classes of which a program uses a few.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform

import attrs

if TYPE_CHECKING:
    from .conditions import Condition
    from .typed import DicomObject

__all__ = [
    "ClassSpec",
    "FieldSpec",
    "ModuleUse",
    "SpecOf",
    "attribute",
    "class_spec",
    "dicom_class",
    "lazy_refs",
    "ready",
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
    type: str = "3",
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


_ARGS = "__dicom_args__"
"""Class attribute (own ``__dict__``) of a decorated class: the arguments of :func:`dicom_class`."""
_SPEC = "__dicom_spec__"
"""Class attribute (own ``__dict__``) caching the class's :class:`ClassSpec`."""
_LOCK = threading.RLock()


def ready(cls: type) -> None:
    """Build the ``attrs`` classes of ``cls`` and of its decorated bases, bases first (once).

    Item classes are not slotted: an ``attrs`` slotted class is a new class object, and a
    class built on first use must stay the object its module bound (and other classes
    derived from)."""
    with _LOCK:
        for c in reversed(cls.__mro__):
            if _ARGS in c.__dict__ and "__attrs_attrs__" not in c.__dict__:
                attrs.define(
                    c,
                    kw_only=True,
                    init=True,  # replaces the placeholder __init__ of dicom_class
                    slots=False,
                    eq=False,  # DicomObject.__eq__: lists and tuples of values compare alike
                    repr=False,
                    weakref_slot=False,
                )


def class_spec(cls: type) -> ClassSpec:
    """The :class:`ClassSpec` of a decorated class (a plain subclass: its base's), built on
    first use. Raises ``AttributeError`` for a class that no decorated class is a base of."""
    spec = cls.__dict__.get(_SPEC)
    if spec is not None:
        return spec
    owner = next((c for c in cls.__mro__ if _ARGS in c.__dict__), None)
    if owner is None:
        raise AttributeError(f"{cls.__qualname__} is not decorated with @dicom_class")
    if owner is not cls:
        return class_spec(owner)
    ready(cls)
    with _LOCK:
        spec = cls.__dict__.get(_SPEC)
        if spec is None:
            spec = _class_spec(cls, *cls.__dict__[_ARGS])
            type.__setattr__(cls, _SPEC, spec)
    return spec


class SpecOf:
    """``DicomObject.__dicom__``: the :class:`ClassSpec` of the class it is read on (from the
    class or an instance), built on first use."""

    def __get__(self, obj: object, owner: type) -> ClassSpec:
        return class_spec(owner)


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
                if _ARGS not in base.__dict__:
                    continue
                base_spec = class_spec(base)
                if a.name in base_spec.by_name:
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
    """Class decorator of generated classes: ``attrs.define(kw_only=True)`` + ``__dicom__``,
    both built on first use (:func:`ready`, :func:`class_spec`); the class object is the one
    the class statement made (never slotted, so that a class can inherit from several).
    ``modules`` (IOD classes, functional group items) names the module classes the class is
    built on, with their usage: each field's module, usage and sources come from them.
    """
    args = (kind, title, xml_id, section, tuple(sop_class_uids), tuple(modules))

    def wrap(cls: type[_T]) -> type[_T]:
        type.__setattr__(cls, _ARGS, args)
        type.__setattr__(cls, "__init__", _placeholder_init(cls))
        return cls

    return wrap


def _placeholder_init(owner: type) -> Callable[..., None]:
    """``owner.__init__`` until its ``attrs`` class is built: builds it, then calls it."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        ready(owner)
        owner.__init__(self, *args, **kwargs)  # type: ignore[misc]

    __init__.__qualname__ = f"{owner.__qualname__}.__init__"
    return __init__
