"""Coded concepts: :class:`Code` and the base of the generated context groups (CIDs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dicomgen.core.errors import InvalidValueError


class Code:
    """A coded concept (PS3.3 Table 8.8-1): scheme designator, code value, meaning.

    Two codes are equal when scheme and value are (the meaning is descriptive). Generated
    context groups subclass it to give each CID its own code type.
    """

    __slots__ = ("meaning", "scheme", "scheme_version", "value")

    scheme: str
    value: str
    meaning: str
    scheme_version: str

    def __init__(self, scheme: str, value: str, meaning: str, scheme_version: str = "") -> None:
        if not scheme or not value:
            raise InvalidValueError(
                f"a code needs a scheme and a value, got ({value!r}, {scheme!r})"
            )
        self.scheme = scheme
        self.value = value
        self.meaning = meaning
        self.scheme_version = scheme_version

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Code):
            return NotImplemented
        return self.scheme == other.scheme and self.value == other.value

    def __hash__(self) -> int:
        return hash((self.scheme, self.value))

    def __repr__(self) -> str:
        return f"Code({self.value!r}, {self.scheme!r}, {self.meaning!r})"

    def __str__(self) -> str:
        return f'({self.value}, {self.scheme}, "{self.meaning}")'

    def plain(self) -> Code:
        """The same concept as a plain :class:`Code`."""
        return Code(self.scheme, self.value, self.meaning, self.scheme_version)


class ContextGroup:
    """Base of a generated context group: class attributes are its codes.

    ``codes()`` lists them with those of the groups it includes; ``contains`` tells whether
    a code belongs; ``accepts`` also admits any code when the group is extensible.
    """

    cid: ClassVar[str] = ""
    name: ClassVar[str] = ""
    version: ClassVar[str] = ""
    uid: ClassVar[str] = ""
    extensible: ClassVar[bool | None] = None
    includes: ClassVar[tuple[str, ...]] = ()
    code_type: ClassVar[type[Code]] = Code
    _members: ClassVar[tuple[Code, ...]] = ()

    @classmethod
    def own_codes(cls) -> tuple[Code, ...]:
        if "_members" not in cls.__dict__:
            cls._members = tuple(v for v in vars(cls).values() if isinstance(v, Code))
        return cls._members

    @classmethod
    def codes(cls) -> Iterator[Code]:
        yield from cls.own_codes()
        for cid in cls.includes:
            included = context_group(cid)
            if included is not None and included is not cls:
                yield from included.codes()

    @classmethod
    def contains(cls, code: Code) -> bool:
        return any(code == c for c in cls.codes())

    @classmethod
    def accepts(cls, code: Code) -> bool:
        """True if ``code`` may be used where this group is required: a member, or any code
        when the group is extensible (or its extensibility is not known)."""
        return cls.extensible is not False or cls.contains(code)

    @classmethod
    def by_value(cls, value: str, scheme: str | None = None) -> Code:
        for c in cls.codes():
            if c.value == value and (scheme is None or c.scheme == scheme):
                return c
        raise InvalidValueError(f"no code {value!r} in CID {cls.cid} {cls.name}")


def context_group(cid: str | int) -> type[ContextGroup] | None:
    """The generated class of CID ``cid``, or None if the standard package has none."""
    import importlib

    registry: Any = importlib.import_module("dicomgen_std.sr.cids")
    cls = getattr(registry, f"CID{cid}", None)
    return cls if isinstance(cls, type) and issubclass(cls, ContextGroup) else None
