"""Typed IOD, module, macro and sequence item classes: the runtime half of the contract.

The generator emits classes decorated with :func:`dicom_class` whose fields are declared with
:func:`attribute` (see ``docs/typed-classes.md``). This module gives them behaviour:

- :func:`dicom_class` (:mod:`.typed_decl`) makes a class an ``attrs`` class (keyword-only
  ``__init__``, dict based so that a class can inherit from several) with a :class:`ClassSpec`
  on ``cls.__dicom__`` (:mod:`.typed_spec`), both built on first use, so that importing a
  generated module imports neither ``attrs`` nor the codec; an IOD class's ``modules=`` give
  each field its module, usage and sources.
  ``typing.dataclass_transform`` tells type checkers that fields without a default are required
  keyword arguments.
- :meth:`DicomObject.to_dataset` / :meth:`DicomObject.from_dataset` encode and decode through a
  per-class codec (:mod:`.typed_codec`) built on first use and cached: rows of (attribute name,
  tag, VR, converter), and an encoder function compiled from them; no introspection per call. Type 2 attributes left ``None`` are written
  empty, Type 1/3 ``None`` are omitted (PS3.5 7.4). Values are converted to the VR types of
  :mod:`dicomgen.core.values` (``date`` -> ``DA``, ``str`` PN -> ``PersonName``, ``float`` DS ->
  ``DS``); encoding to bytes is left to :mod:`dicomgen.encoding.values`.
- Decoding is lossless: elements the class does not know (private, newer, retired) are kept in
  ``extra_elements`` and written back; a field whose value was not changed since it was read is
  written back from its original element (same VR, same bytes, same emptiness). A zero-length
  element decodes to the empty value of its field's type (``""``, ``()``, ``[]``, else None).
- Reading is strict: a data set whose values do not fit the annotations raises
  :class:`NonConformingError` (:mod:`.typed_check`); ``lenient=True`` gives an
  :class:`Unchecked` (:mod:`.typed_unchecked`) instead.
- :meth:`DicomObject.validate` checks the object against the standard
  (:mod:`dicomgen.core.validation`).
- IOD classes read and write Part 10 files (:meth:`DicomObject.to_file`,
  :meth:`DicomObject.from_file`) through the services the media layer registers
  (:mod:`dicomgen.core.services`); :func:`iod_class_for` maps a SOP Class UID to its IOD class
  through ``dicomgen_std._registry.IOD_CLASSES`` (imported on first use).
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Literal, Self, overload

from .errors import InvalidValueError, NonConformingError, ValidationError
from .services import service
from .typed_decl import attribute, dicom_class, lazy_define, lazy_field, lazy_refs, ready, uses
from .typed_spec import ClassSpec, FieldSpec, ModuleUse, SpecOf
from .typed_unchecked import Unchecked

if TYPE_CHECKING:
    from .dataset import Dataset
    from .element import DataElement
    from .validation import ValidationResult

_Source = str | os.PathLike[str] | BinaryIO | bytes

__all__ = [
    "ClassSpec",
    "DicomObject",
    "FieldSpec",
    "ModuleUse",
    "attribute",
    "dicom_class",
    "iod_class_for",
    "Unchecked",
    "lazy_refs",
    "load",
    "uses",
]


def _same_value(a: Any, b: Any) -> bool:
    """Field values equal as DICOM values: a list and a tuple of equal values are the same
    multi-valued attribute (or sequence), so an object written and read back is equal."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _is_empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, (list, tuple)) and not v)


def _eq_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """(field name, Type 2) of the fields compared by ``==``."""
    fields = cls.__dict__.get("__dicom_eq__")
    if fields is None:
        import attrs

        ready(cls)  # an unpickled object's class may not be built yet
        spec = getattr(cls, "__dicom__", None)
        type2 = {f.name for f in spec.fields if f.type.startswith("2")} if spec else set()
        fields = tuple((a.name, a.name in type2) for a in attrs.fields(cls) if a.eq)
        type.__setattr__(cls, "__dicom_eq__", fields)
    return fields


@lazy_define(eq=False, repr=False)
class DicomObject:
    """Base of every generated class: a set of DICOM attributes with their specs.

    ``extra_elements`` holds the elements read from a data set that the class does not know
    (private, newer, retired); :meth:`to_dataset` writes them back. Two objects are equal when
    they are of one class and their fields hold equal values (a list and a tuple of equal
    values alike; for a Type 2 attribute, ``None`` and an empty value alike, since both are
    written as the same empty element).
    """

    if TYPE_CHECKING:
        __dicom__: ClassVar[ClassSpec]
    else:
        __dicom__ = SpecOf()  # built on first use (typed_spec.class_spec)
    __hash__: ClassVar[None] = None  # type: ignore[assignment]  # mutable, compared by value

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        for name, type2 in _eq_fields(self.__class__):
            a, b = getattr(self, name), getattr(other, name)
            if not _same_value(a, b) and not (type2 and _is_empty(a) and _is_empty(b)):
                return False
        return True

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    extra_elements: Dataset | None = lazy_field(default=None)
    _dicom_orig: dict[int, tuple[Any, DataElement]] | None = lazy_field(
        default=None, init=False, eq=False
    )
    _dicom_file: tuple[Any, Any, Any] | None = lazy_field(default=None, init=False, eq=False)

    # --- pickling: every field of the concrete class (slotted or dict based) ----------

    def __getstate__(self) -> dict[str, Any]:
        import attrs

        ready(type(self))
        return {a.name: getattr(self, a.name) for a in attrs.fields(type(self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        ready(type(self))
        for name, value in state.items():
            object.__setattr__(self, name, value)

    # --- data sets ----------------------------------------------------------------------

    def to_dataset(self) -> Dataset:
        """The data set of this object (PS3.5 7): Type 2 ``None`` -> empty element,
        Type 1/3 ``None`` -> absent, SQ lists -> items; values converted per VR.

        Raises :class:`InvalidValueError` (naming the attribute path) for a value that cannot
        be converted to its VR's type.
        """
        from .typed_codec import _encode

        ds = _encode(self, [], True, "")
        meta = self._dicom_file
        if meta is not None:
            object.__setattr__(ds, "file_meta", meta[0])
            object.__setattr__(ds, "preamble", meta[1])
            object.__setattr__(ds, "read_transfer_syntax", meta[2])
        return ds

    @overload
    @classmethod
    def from_dataset(cls, ds: Dataset, *, lenient: Literal[False] = False) -> Self: ...
    @overload
    @classmethod
    def from_dataset(cls, ds: Dataset, *, lenient: Literal[True]) -> Unchecked[Self]: ...
    @overload
    @classmethod
    def from_dataset(cls, ds: Dataset, *, lenient: bool) -> Self | Unchecked[Self]: ...
    @classmethod
    def from_dataset(cls, ds: Dataset, *, lenient: bool = False) -> Self | Unchecked[Self]:
        """The typed object of a data set; lossless (unknown elements -> ``extra_elements``).

        Strict: raises :class:`NonConformingError` (naming each attribute: path, tag, Type,
        module) when a value does not fit its field's annotation, e.g. an absent Type 1 value
        or ``"1A"`` in an IS attribute. ``lenient=True`` returns an :class:`Unchecked` instead:
        the values as decoded, typed ``object``, with the list of what does not conform.
        """
        return cls._read(ds, lenient, None)

    @classmethod
    def _read(cls, ds: Dataset, lenient: bool, source: str | None) -> Self | Unchecked[Self]:
        from .dataset import Dataset
        from .typed_check import nonconformities
        from .typed_codec import _decode

        if not isinstance(ds, Dataset):
            raise InvalidValueError(f"from_dataset needs a Dataset, not {type(ds).__name__}")
        obj = _decode(cls, ds)
        if ds.file_meta is not None or ds.read_transfer_syntax is not None:
            object.__setattr__(
                obj, "_dicom_file", (ds.file_meta, ds.preamble, ds.read_transfer_syntax)
            )
        problems = nonconformities(obj)
        if lenient:
            return Unchecked(cls, obj, tuple(problems))
        if problems:
            raise NonConformingError(cls.__qualname__, problems, source)
        return obj

    def deidentify(self, profile: Any = (), keys: Any = None) -> Self:
        """A de-identified copy of this object (PS3.15 Annex E); see
        :func:`dicomgen.deid.typed.deidentify`."""
        return service("deidentify")(self, profile, keys)

    # --- validation ---------------------------------------------------------------------

    def validate(self) -> ValidationResult:
        """Every way this object breaks the standard (PS3.3 5.4, 7.4; PS3.5 6.2, 6.4)."""
        from .typed_codec import _encode
        from .validation import validate_dataset

        return validate_dataset(_encode(self, [], False, ""), type(self))

    # --- files (IOD classes) --------------------------------------------------------------

    def to_file(
        self,
        path: str | os.PathLike[str] | BinaryIO,
        transfer_syntax: Any = None,
    ) -> None:
        """Write this IOD as a DICOM file (PS3.10 7) via :func:`dicomgen.media.part10.write`.

        ``transfer_syntax`` (a UID or TransferSyntax) defaults to the one the object was read
        with, else Explicit VR Little Endian. A missing SOP Class UID (0008,0016) is filled in
        from the class when the IOD has exactly one SOP Class.
        """
        from .element import DataElement
        from .typed_codec import _codec

        ds = self.to_dataset()
        codec = _codec(type(self))
        e = ds.get_element(0x00080016)
        if (e is None or not e.value) and len(codec.sop_class_uids) == 1:
            ds.add(DataElement(0x00080016, "UI", codec.sop_class_uids[0]))
        service("write_file")(path, ds, transfer_syntax)

    @overload
    @classmethod
    def from_file(cls, path: _Source, *, lenient: Literal[False] = False) -> Self: ...
    @overload
    @classmethod
    def from_file(cls, path: _Source, *, lenient: Literal[True]) -> Unchecked[Self]: ...
    @overload
    @classmethod
    def from_file(cls, path: _Source, *, lenient: bool) -> Self | Unchecked[Self]: ...
    @classmethod
    def from_file(cls, path: _Source, *, lenient: bool = False) -> Self | Unchecked[Self]:
        """Read a DICOM file (PS3.10) into this class.

        Raises :class:`ValidationError` when the file's SOP Class UID is not one of the
        class's SOP Classes, and :class:`NonConformingError` (naming each attribute) when a
        value does not fit its field's annotation (see :meth:`from_dataset`);
        ``lenient=True`` returns an :class:`Unchecked` instead of raising the latter.
        """
        ds = service("read_file")(path)
        from .typed_codec import _codec

        uids = _codec(cls).sop_class_uids
        e = ds.get_element(0x00080016)
        uid = str(e.value).strip("\0 ") if e is not None and e.value else None
        where = str(path) if isinstance(path, (str, os.PathLike)) else None
        if uids and uid is not None and uid not in uids:
            raise ValidationError(
                f"{cls.__qualname__} stores SOP Class {', '.join(uids)}, the file has {uid}",
                tag=0x00080016,
                path=where,
            )
        return cls._read(ds, lenient, where)

    # --- display ------------------------------------------------------------------------

    def __repr__(self) -> str:
        spec = getattr(type(self), "__dicom__", None)
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


@overload
def load(path: _Source, *, lenient: Literal[False] = False) -> DicomObject: ...
@overload
def load(path: _Source, *, lenient: Literal[True]) -> Unchecked[DicomObject]: ...
@overload
def load(path: _Source, *, lenient: bool) -> DicomObject | Unchecked[DicomObject]: ...
def load(path: _Source, *, lenient: bool = False) -> DicomObject | Unchecked[DicomObject]:
    """Read a DICOM file into the IOD class of its SOP Class UID (0008,0016); strict or
    lenient as :meth:`DicomObject.from_file`."""
    ds = service("read_file")(path)
    e = ds.get_element(0x00080016)
    uid = str(e.value).strip("\0 ") if e is not None and e.value else ""
    cls = iod_class_for(uid) if uid else None
    where = str(path) if isinstance(path, (str, os.PathLike)) else None
    if cls is None:
        raise ValidationError(
            f"no IOD class for SOP Class UID {uid or '(absent)'}", tag=0x00080016, path=where
        )
    return cls._read(ds, lenient, where)
