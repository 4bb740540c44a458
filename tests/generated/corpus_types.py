"""Helpers of the corpus tests of the typed classes: pydicom's test files that have an IOD class,
and an annotation checker independent of the runtime's (``typing.get_type_hints`` over the
generated classes, including names imported only for type checking)."""

from __future__ import annotations

import ast
import collections.abc
import importlib
import os
import sys
import types
import typing
from functools import cache
from typing import Any

import attrs

from dicomgen.core.errors import DicomError
from dicomgen.core.typed import DicomObject, iod_class_for
from dicomgen.media import part10


@cache
def corpus() -> tuple[tuple[str, str], ...]:
    """(file name, path) of every file of pydicom's test corpus whose SOP Class has an IOD
    class; empty without pydicom."""
    try:
        from pydicom.data import get_testdata_files
    except ImportError:
        return ()
    found = []
    for path in sorted(get_testdata_files()):
        if not os.path.isfile(path):
            continue
        try:
            ds = part10.read(path, defer_size=256)
        except DicomError:
            continue  # not a DICOM file (or truncated): no IOD to load
        uid = str(ds.get_value(0x00080016, "") or "").strip("\0 ")
        if uid and iod_class_for(uid) is not None:
            found.append((os.path.basename(path), path))
    return tuple(found)


@cache
def _type_only_imports(module: str) -> dict[str, tuple[str, str | None]]:
    """Names a generated module imports under ``if TYPE_CHECKING:`` -> (module, name)."""
    tree = ast.parse(open(sys.modules[module].__file__ or "").read())
    names: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for imp in node.body:
                if isinstance(imp, ast.Import):
                    for a in imp.names:
                        names[a.asname or a.name] = (a.name, None)
                elif isinstance(imp, ast.ImportFrom) and imp.module:
                    source = imp.module
                    if imp.level:  # relative to the module's package
                        package = module.rsplit(".", imp.level)[0]
                        source = f"{package}.{imp.module}"
                    for a in imp.names:
                        names[a.asname or a.name] = (source, a.name)
    return names


class _TypeOnlyNames(dict[str, Any]):
    """Local namespace of ``get_type_hints``: the type-checking-only imports of the modules
    of a class's bases (other names fall through to each base's module globals)."""

    def __init__(self, cls: type) -> None:
        super().__init__()
        self.modules = [b.__module__ for b in cls.__mro__ if b.__module__.startswith("dicomgen")]

    def __missing__(self, key: str) -> Any:
        for module in self.modules:
            target = _type_only_imports(module).get(key)
            if target is not None:
                mod = importlib.import_module(target[0])
                return mod if target[1] is None else getattr(mod, target[1])
        raise KeyError(key)


@cache
def hints(cls: type) -> dict[str, Any]:
    """The evaluated annotations of a generated class's DICOM fields."""
    all_hints = typing.get_type_hints(cls, localns=_TypeOnlyNames(cls))
    return {a.name: all_hints[a.name] for a in attrs.fields(cls) if a.metadata.get("dicom")}


def fits(value: Any, t: Any) -> bool:
    """Whether ``value`` is what annotation ``t`` says (as a type checker reads it)."""
    origin = typing.get_origin(t)
    if t is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, a) for a in typing.get_args(t))
    if origin is typing.Literal:  # Enumerated Values: text
        return isinstance(value, str) and value in typing.get_args(t)
    if origin is list or origin is collections.abc.Sequence:
        (item,) = typing.get_args(t)
        if not isinstance(value, list if origin is list else (list, tuple)):
            return False
        return all(fits(x, item) for x in value)
    if origin is tuple:  # tuple[T, ...]: multi-valued attributes
        item, more = typing.get_args(t)
        assert more is Ellipsis, t
        return isinstance(value, tuple) and all(fits(x, item) for x in value)
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, t)  # str, bytes, date/time, PersonName, item classes, enums


def misfits(values: Any, cls: type[DicomObject], path: str = "") -> list[str]:
    """Attribute paths (``Keyword[0].Keyword``) of the fields whose values do not fit their
    annotations, in ``values`` (an object of ``cls`` or anything with its field names), with
    the items of its sequences."""
    found: list[str] = []
    by_name = cls.__dicom__.by_name
    for name, t in hints(cls).items():
        v = getattr(values, name)
        where = path + by_name[name].keyword
        if not fits(v, t):
            found.append(where)
        elif isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, DicomObject):
                    found += misfits(item, type(item), f"{where}[{i}].")
    return found
