"""Field and class specs of the typed classes: :class:`ClassSpec` / :class:`FieldSpec` on
``cls.__dicom__`` (``docs/typed-classes.md``), built from a class's fields on first use
(:func:`class_spec`), and :class:`ModuleUse`. Imported with every generated module, so it
imports neither ``attrs`` nor the data dictionary (looked up when a title is asked for).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .conditions import Condition
    from .typed import DicomObject

__all__ = ["ClassSpec", "FieldSpec", "ModuleUse", "SpecOf", "class_spec"]

KEY = "dicom"
"""Key of the ``attrs`` field metadata that :func:`.typed_decl.attribute` writes."""
ARGS = "__dicom_args__"
"""Own class attribute of a ``dicom_class``-decorated class: the decorator's arguments."""
_SPEC = "__dicom_spec__"
"""Own class attribute caching the class's :class:`ClassSpec`."""


class _Record:
    """A frozen record: compared and hashed on the fields named in ``_EQ``, shown with them."""

    __slots__ = ()
    _EQ: ClassVar[tuple[str, ...]] = ()

    def _fill(self, values: dict[str, Any]) -> None:
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name}")

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self._EQ)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._EQ)
        return f"{type(self).__name__}({shown})"


class FieldSpec(_Record):
    """What the standard says about one field (one attribute) of a typed class."""

    __slots__ = (
        "name",
        "tag",
        "vr",
        "vm",
        "type",
        "keyword",
        "given_title",
        "required",
        "item",
        "enum",
        "defined_terms",
        "condition",
        "condition_text",
        "module",
        "sources",
        "usage",
        "module_condition",
        "defined_in",
    )
    _EQ = __slots__

    name: str
    """Python attribute name (snake_case of the keyword)."""
    tag: int
    vr: str
    """As in PS3.6, e.g. ``"US"`` or ``"US or SS"``."""
    vm: str
    type: str
    """Attribute Type: ``"1"``, ``"1C"``, ``"2"``, ``"2C"``, ``"3"`` (PS3.3 5.4)."""
    keyword: str
    given_title: str
    """The attribute name as the class declares it (``""``: PS3.6's, see :attr:`title`)."""
    required: bool
    """A required ``__init__`` argument (no default)."""
    item: Callable[[], type] | None
    enum: tuple[str, ...]
    defined_terms: tuple[str, ...]
    condition: Condition | None
    condition_text: str
    module: str
    sources: tuple[str, ...]
    usage: str
    module_condition: Condition | None
    defined_in: str
    """xml_id of the table (class) that declares the field (a macro's, for inherited ones)."""

    def __init__(
        self,
        *,
        name: str,
        tag: int,
        vr: str,
        vm: str,
        type: str,
        keyword: str,
        title: str,
        required: bool,
        item: Callable[[], type] | None = None,
        enum: tuple[str, ...] = (),
        defined_terms: tuple[str, ...] = (),
        condition: Condition | None = None,
        condition_text: str = "",
        module: str = "",
        sources: tuple[str, ...] = (),
        usage: str = "",
        module_condition: Condition | None = None,
        defined_in: str = "",
    ) -> None:
        self._fill({**locals(), "given_title": title})

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


class ClassSpec(_Record):
    """A typed class as the standard describes it (``cls.__dicom__``)."""

    __slots__ = (
        "kind",
        "title",
        "xml_id",
        "section",
        "sop_class_uids",
        "fields",
        "by_tag",
        "by_name",
        "modules",
    )
    _EQ = ("kind", "title", "xml_id", "section", "sop_class_uids", "fields")

    kind: str
    """``"iod"``, ``"module"``, ``"macro"`` or ``"item"``."""
    title: str
    xml_id: str
    section: str
    sop_class_uids: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    """Every field (inherited ones too) in tag order."""
    by_tag: dict[int, FieldSpec]
    by_name: dict[str, FieldSpec]
    modules: tuple[ModuleUse, ...]
    """IOD classes and functional group items: the module (macro) classes they are built on."""

    def __init__(
        self,
        *,
        kind: str,
        title: str,
        xml_id: str,
        section: str,
        sop_class_uids: tuple[str, ...],
        fields: tuple[FieldSpec, ...],
        by_tag: dict[int, FieldSpec],
        by_name: dict[str, FieldSpec],
        modules: tuple[ModuleUse, ...] = (),
    ) -> None:
        self._fill(locals())


class ModuleUse(_Record):
    """One part an IOD class (or a functional group item) is built on: a module (or macro)
    class, its usage in the IOD (``"M"``, ``"C"``, ``"U"``), the table it comes from
    (``"PS3.3 2016c table_C.7-1"``) and, for usage C, the module's condition."""

    __slots__ = ("cls", "usage", "source", "condition")
    _EQ = __slots__

    cls: type
    usage: str
    source: str
    condition: Condition | None

    def __init__(
        self, cls: type, usage: str, source: str = "", condition: Condition | None = None
    ) -> None:
        self._fill(locals())


def _split_vr(vr: str) -> tuple[str, ...]:
    parts = [p.strip() for p in vr.replace(",", " or ").split(" or ")]
    return tuple(p for p in parts if len(p) == 2 and p.isalpha() and p.isupper()) or ("UN",)


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


def _enclosing_table(cls: type) -> tuple[str, str]:
    """Table and section of the class ``cls`` is nested in (a nested class that gives none)."""
    import sys

    outer: Any = sys.modules[cls.__module__]
    path = cls.__qualname__.split(".")[:-1]
    if not path:
        return "", ""
    for part in path:
        outer = getattr(outer, part)
    args = outer.__dict__[ARGS]
    return (args[2], args[3]) if args[2] else _enclosing_table(outer)


def _implied(m: dict[str, Any]) -> dict[str, Any]:
    """What generated code leaves out of an ``attribute(...)`` because it is implied: the
    keyword of a PS3.6 attribute (the data dictionary's, by tag) and the condition text of an
    unparsed condition (its text)."""
    from .conditions import Unparsed

    out: dict[str, Any] = {}
    if not m["keyword"]:
        from .dictionary import entry_for

        e = entry_for(m["tag"])
        out["keyword"] = e.keyword if e is not None else ""
    if not m["condition_text"] and isinstance(m["condition"], Unparsed):
        out["condition_text"] = m["condition"].text
    return out


def class_spec(cls: type) -> ClassSpec:
    """The :class:`ClassSpec` of a decorated class (a plain subclass: its base's), built on
    first use. Raises ``AttributeError`` for a class that no decorated class is a base of."""
    spec = cls.__dict__.get(_SPEC)
    if spec is not None:
        return spec
    owner = next((c for c in cls.__mro__ if ARGS in c.__dict__), None)
    if owner is None:
        raise AttributeError(f"{cls.__qualname__} is not decorated with @dicom_class")
    if owner is not cls:
        return class_spec(owner)
    from .typed_decl import ready

    ready(cls)
    spec = _class_spec(cls, *cls.__dict__[ARGS])
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
    import attrs

    if not xml_id:
        xml_id, section = _enclosing_table(cls)
    fields = []
    for a in attrs.fields(cls):
        m = a.metadata.get(KEY)
        if m is None:
            continue
        defined_in = xml_id
        if a.inherited:
            for base in cls.__mro__[1:]:
                if ARGS not in base.__dict__:
                    continue
                base_spec = class_spec(base)
                if a.name in base_spec.by_name:
                    defined_in = base_spec.by_name[a.name].defined_in
                    break
        if modules and not m["module"]:
            m = {**m, **_module_facts(a.name, modules)}
        if not m["keyword"] or (not m["condition_text"] and m["condition"] is not None):
            m = {**m, **_implied(m)}
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
