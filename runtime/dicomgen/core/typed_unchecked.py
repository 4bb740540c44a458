"""The lenient reading of a data set into a typed class: :class:`Unchecked`.

A file that does not conform (a Type 1 value absent, ``"1A"`` in an IS attribute) cannot be an
instance of its IOD class without breaking that class's annotations. ``from_file(path,
lenient=True)`` gives an :class:`Unchecked` instead: every field value as decoded, typed
``object`` (the caller narrows it), the list of what does not conform, and a lossless way back
to a data set or file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar

from .errors import NonConformingError

if TYPE_CHECKING:
    from .dataset import Dataset
    from .typed import DicomObject
    from .typed_check import Nonconformity
    from .validation import Finding

__all__ = ["Unchecked"]

T = TypeVar("T", bound="DicomObject")


class Unchecked(Generic[T]):
    """A data set read into typed class ``T`` without ``T``'s guarantees.

    ``obj.patient_name`` (any field of ``T``) is the value as decoded, typed ``object``;
    :attr:`problems` lists the fields whose values do not fit their annotations (empty for a
    conforming data set); :meth:`checked` gives the ``T`` itself when there are none.
    :meth:`to_dataset` and :meth:`to_file` write the values back unchanged.
    """

    __slots__ = ("cls", "problems", "_obj")

    cls: type[T]
    problems: tuple[Nonconformity, ...]

    def __init__(self, cls: type[T], obj: T, problems: tuple[Nonconformity, ...]) -> None:
        object.__setattr__(self, "cls", cls)
        object.__setattr__(self, "problems", problems)
        object.__setattr__(self, "_obj", obj)

    def __getattr__(self, name: str) -> object:
        spec = self.cls.__dicom__
        if name in spec.by_name or name == "extra_elements":
            return getattr(self._obj, name)
        raise AttributeError(f"{self.cls.__qualname__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"an Unchecked {self.cls.__qualname__} is read-only")

    @property
    def conforms(self) -> bool:
        """True when every field's value fits its annotation (:meth:`checked` will succeed)."""
        return not self.problems

    def checked(self) -> T:
        """The typed object; raises :class:`NonConformingError` naming the fields that do not
        fit their annotations."""
        if self.problems:
            raise NonConformingError(self.cls.__qualname__, self.problems, None)
        return self._obj  # type: ignore[no-any-return]

    def to_dataset(self) -> Dataset:
        """The data set, as read (unknown elements kept, unchanged values from their bytes)."""
        return self._obj.to_dataset()  # type: ignore[no-any-return]

    def to_file(self, path: str | os.PathLike[str] | BinaryIO, transfer_syntax: Any = None) -> None:
        """Write the values back as a DICOM file (see :meth:`DicomObject.to_file`)."""
        self._obj.to_file(path, transfer_syntax)

    def validate(self) -> list[Finding]:
        """Every way the data set breaks the standard (see :meth:`DicomObject.validate`)."""
        return self._obj.validate()  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return (
            f"Unchecked[{self.cls.__qualname__}]({len(self.problems)} problems: "
            f"{'; '.join(str(p) for p in self.problems[:2])})"
        )
