"""What generated code calls while its modules are imported: the class decorator
:func:`dicom_class`, the field specifier :func:`attribute`, :func:`uses` and :func:`lazy_refs`
(``docs/typed-classes.md``); and :func:`ready`, which builds the ``attrs`` classes on first use.

Importing a generated module only runs its class bodies and records what they declare; no
``attrs`` class is built and ``attrs`` is not imported. :func:`ready` builds a class (its bases
first) on its first instance, ``cls.__dicom__``, encoding or decoding: an IOD module imports
dozens of module and item classes of which a program uses a few. Classes are built in place,
so the class object is the one the ``class`` statement made, and are never slotted (an
``attrs`` slotted class is a new object).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform

from .typed_spec import ARGS, KEY, ModuleUse

if TYPE_CHECKING:
    from .conditions import Condition

__all__ = ["attribute", "dicom_class", "lazy_define", "lazy_field", "lazy_refs", "ready", "uses"]

_T = TypeVar("_T")

_DEFINE = "__dicom_define__"
"""Own class attribute of a class not built yet: the keyword arguments of ``attrs.define``."""
_LOCK = threading.RLock()
_REQUIRED: Any = object()
"""``default`` of a field without a default (a required keyword argument)."""


class Declared:
    """A field as a class body declares it, turned into an ``attrs.field`` by :func:`ready`
    (found anywhere else, it was declared in a class that is not decorated)."""

    __slots__ = ("default", "init", "eq", "metadata")

    default: Any
    init: bool
    eq: bool
    metadata: dict[str, Any]

    def __init__(self, default: Any, init: bool, eq: bool, metadata: dict[str, Any]) -> None:
        self.default = default
        self.init = init
        self.eq = eq
        self.metadata = metadata


def lazy_field(*, default: Any = _REQUIRED, init: bool = True, eq: bool = True) -> Any:
    """A field of a :func:`lazy_define` class (an ``attrs.field`` once the class is built)."""
    return Declared(default, init, eq, {})


def _placeholder_init(owner: type) -> Callable[..., None]:
    """``owner.__init__`` until the class is built: builds it, then calls the built one."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        ready(owner)
        owner.__init__(self, *args, **kwargs)  # type: ignore[misc]

    __init__.__qualname__ = f"{owner.__qualname__}.__init__"
    return __init__


def _declare(cls: type, define: dict[str, Any]) -> None:
    type.__setattr__(cls, _DEFINE, define)
    type.__setattr__(cls, "__init__", _placeholder_init(cls))


@dataclass_transform(kw_only_default=True, field_specifiers=(lazy_field,))
def lazy_define(*, eq: bool = False, repr: bool = False) -> Callable[[type[_T]], type[_T]]:
    """``attrs.define(kw_only=True)`` of a class whose fields are :func:`lazy_field`, built
    on first use (:func:`ready`); the base of the typed classes uses it."""

    def wrap(cls: type[_T]) -> type[_T]:
        _declare(cls, {"eq": eq, "repr": repr})
        return cls

    return wrap


def ready(cls: type) -> None:
    """Build the ``attrs`` class of ``cls`` and of its bases declared here, bases first (once)."""
    with _LOCK:
        for c in reversed(cls.__mro__):
            define = c.__dict__.get(_DEFINE)
            if define is None or "__attrs_attrs__" in c.__dict__:
                continue
            import attrs

            for name, d in list(c.__dict__.items()):
                if isinstance(d, Declared):
                    default = attrs.NOTHING if d.default is _REQUIRED else d.default
                    f = attrs.field(default=default, init=d.init, eq=d.eq, metadata=d.metadata)
                    type.__setattr__(c, name, f)
            attrs.define(
                c,
                kw_only=True,
                init=True,  # replaces the placeholder __init__
                slots=False,
                weakref_slot=False,
                **define,
            )


def attribute(
    tag: int,
    vr: str,
    vm: str = "1",
    type: str = "3",
    *,
    keyword: str = "",
    name: str = "",
    default: Any = _REQUIRED,
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
    ``type``; ``keyword`` and ``name`` (the attribute name) only where they are not PS3.6's
    (looked up by tag when the class's spec is built), ``condition_text`` only where it is
    not the text of an unparsed ``condition``.
    ``default`` absent makes the field a required keyword argument; generated code passes
    ``default=None`` for every optional field. ``item`` is a thunk returning the item class of
    an SQ attribute (a thunk so that classes may refer to themselves, PS3.3 table_10-18).
    """
    meta = {
        KEY: {
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
    return Declared(default, True, True, meta)


def uses(
    cls: type, *, usage: str, source: str = "", condition: Condition | None = None
) -> ModuleUse:
    """A module (or macro) class as a part of an IOD class: ``modules=(uses(PatientModule,
    usage="M", source="PS3.3 2016c table_C.7-1"), ...)`` in :func:`dicom_class`."""
    return ModuleUse(cls, usage, source, condition)


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
    xml_id: str = "",
    section: str = "",
    sop_class_uids: tuple[str, ...] = (),
    modules: tuple[ModuleUse, ...] = (),
) -> Callable[[type[_T]], type[_T]]:
    """Class decorator of generated classes: ``attrs.define(kw_only=True)`` + ``__dicom__``,
    both built on first use (:func:`ready`, :func:`.typed_spec.class_spec`). ``modules`` (IOD
    classes, functional group items) names the module classes the class is built on, with
    their usage: each field's module, usage and sources come from them. A nested (item) class
    without ``xml_id`` has its enclosing class's table and section.
    """
    args = (kind, title, xml_id, section, tuple(sop_class_uids), tuple(modules))

    def wrap(cls: type[_T]) -> type[_T]:
        type.__setattr__(cls, ARGS, args)
        # DicomObject.__eq__: lists and tuples of values compare alike
        _declare(cls, {"eq": False, "repr": False})
        return cls

    return wrap
