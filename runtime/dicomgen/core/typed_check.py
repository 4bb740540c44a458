"""Whether a decoded typed object holds what its annotations say (``docs/typed-classes.md``,
"Field types"): the check behind the strict readers :meth:`DicomObject.from_dataset` and
:meth:`DicomObject.from_file`.

A field conforms when its value is ``None`` and the field is optional, or when the value is of
the Python type of its VR (``str`` for text VRs, ``int`` for IS/US/..., ``datetime.date`` for
DA, ...; a ``Literal`` field's value is one of its Enumerated Values; a multi-valued field's
value is a tuple or list of such values; an SQ field's items are item objects that conform in
turn). Anything else (an absent or empty Type 1 value of a required field, ``"1A"`` kept as
text in an IS field, two values in a VM 1 field, a value outside the Enumerated Values) is a
:class:`Nonconformity` naming the attribute.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from .errors import NonConformingError, _fmt_tag
from .values import PersonName

if TYPE_CHECKING:
    from .typed import DicomObject
    from .typed_spec import FieldSpec

__all__ = ["NonConformingError", "Nonconformity", "nonconformities"]

_STR = (str,)
_INT = (int,)
_FLOAT = (int, float)
_BYTES = (bytes,)
_TYPES: dict[str, tuple[type, ...]] = {
    **{vr: _STR for vr in "AE AS CS LO LT SH ST UC UR UT UI".split()},
    "PN": (PersonName, str),
    "DA": (datetime.date,),
    "TM": (datetime.time,),
    "DT": (datetime.datetime,),
    **{vr: _INT for vr in "IS US UL SS SL UV SV AT".split()},
    **{vr: _FLOAT for vr in "DS FL FD".split()},
}
_TEXT_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI".split())


@attrs.frozen
class Nonconformity:
    """One field whose value is not what its annotation says."""

    path: str
    """Attribute path from the object read: ``ReferencedImageSequence[0].ReferencedSOPClassUID``."""
    tag: int
    type: str
    """The attribute's Type (PS3.3 5.4)."""
    module: str
    """The module (IOD classes) or class that declares the attribute."""
    problem: str

    def __str__(self) -> str:
        where = f"{self.path} {_fmt_tag(self.tag)}, Type {self.type}"
        if self.module:
            where += f" of {self.module}"
        return f"{where}: {self.problem}"


def _types_of(f: FieldSpec) -> tuple[type, ...]:
    types: list[type] = []
    for vr in f.vrs:
        for t in _TYPES.get(vr, _BYTES):
            if t not in types:
                types.append(t)
    return tuple(types)


def _literal(f: FieldSpec) -> frozenset[str] | None:
    """The Enumerated Values of a field annotated ``Literal[...]`` (text VR, VM 1)."""
    if f.enum and not f.multi and all(vr in _TEXT_VRS for vr in f.vrs):
        return frozenset(f.enum)
    return None


def _describe(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def _one(v: Any, types: tuple[type, ...]) -> bool:
    return isinstance(v, types) and v.__class__ is not bool


_Checker = Callable[[Any], "str | None"]


def _checker(f: FieldSpec) -> _Checker:
    """What is wrong with a non-None value of field ``f`` (None: nothing)."""
    if f.vrs[:1] == ("SQ",):
        return lambda v: None if isinstance(v, list) else f"{_describe(v)} is not a list of items"
    types = _types_of(f)
    names = " | ".join(t.__name__ for t in types)
    vrs = " or ".join(f.vrs)
    if f.multi and types != _BYTES:

        def multi(v: Any) -> str | None:
            if not isinstance(v, (tuple, list)):
                return f"{_describe(v)} is not a sequence of {names} ({vrs}, VM {f.vm})"
            for i, x in enumerate(v):
                if not _one(x, types):
                    return f"value {i + 1} {_describe(x)} is not of type {names} ({vrs})"
            return None

        return multi
    allowed = _literal(f)

    def single(v: Any) -> str | None:
        if not _one(v, types):
            if isinstance(v, (tuple, list)):
                return f"{len(v)} values {_describe(v)} where VM is {f.vm}"
            return f"{_describe(v)} is not of type {names} ({vrs})"
        if allowed is not None and v not in allowed:
            return f"{_describe(v)} is not one of the Enumerated Values {sorted(allowed)}"
        return None

    return single


_CHECKS_KEY = "__dicom_checks__"


def _checks(cls: type[DicomObject]) -> tuple[tuple[FieldSpec, _Checker], ...]:
    checks = cls.__dict__.get(_CHECKS_KEY)
    if checks is None:
        checks = tuple((f, _checker(f)) for f in cls.__dicom__.fields)
        type.__setattr__(cls, _CHECKS_KEY, checks)
    return checks


def nonconformities(obj: DicomObject, path: str = "") -> list[Nonconformity]:
    """Every field of ``obj`` (and of its sequence items) whose value is not what the field's
    annotation says; empty for an object whose types are honest."""
    found: list[Nonconformity] = []
    _walk(obj, path, found)
    return found


def _walk(obj: DicomObject, path: str, found: list[Nonconformity]) -> None:
    owner = type(obj).__dicom__.title
    read = obj._dicom_orig
    for f, check in _checks(type(obj)):
        v = getattr(obj, f.name)
        where = f"{path}{f.keyword or f.name}"
        if v is None:
            if f.required:
                what = "has no value" if read is not None and f.tag in read else "absent"
                found.append(Nonconformity(where, f.tag, f.type, f.module or owner, what))
            continue
        problem = check(v)
        if problem is not None:
            found.append(Nonconformity(where, f.tag, f.type, f.module or owner, problem))
        elif f.vrs[:1] == ("SQ",):
            for i, item in enumerate(v):
                if getattr(type(item), "__dicom__", None) is None:
                    found.append(
                        Nonconformity(
                            f"{where}[{i}]",
                            f.tag,
                            f.type,
                            f.module or owner,
                            f"item {_describe(item)} is not a typed item",
                        )
                    )
                else:
                    _walk(item, f"{where}[{i}].", found)
