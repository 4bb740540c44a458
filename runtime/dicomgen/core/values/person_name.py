"""Person Name (PN) values, PS3.5 6.2 (Table 6.2-1) and 6.2.1.

A PN value has up to three component groups separated by ``=``: alphabetic, ideographic and
phonetic; each group has up to five components separated by ``^``: family name complex,
given name complex, middle name, name prefix, name suffix. Trailing empty components and
groups (and their delimiters) may be omitted; interior empty ones keep their delimiters.

:class:`PersonName` keeps the exact string it was made from (``str(pn)``), so a name read
from a file is written back unchanged, and exposes the parsed components.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Union

from ..errors import InvalidValueError

__all__ = ["PersonName", "ComponentGroup", "GROUP_MAX_CHARS"]

GROUP_MAX_CHARS = 64
"""PS3.5 6.2.1.2: 64 characters maximum per component group (delimiter included)."""

_COMPONENT_NAMES = ("family", "given", "middle", "prefix", "suffix")


class ComponentGroup(NamedTuple):
    """The five components of one PN component group (each may be ``""``)."""

    family: str = ""
    given: str = ""
    middle: str = ""
    prefix: str = ""
    suffix: str = ""

    def __str__(self) -> str:
        return _join(self, "^")

    def __bool__(self) -> bool:
        return any(self)

    @classmethod
    def parse(cls, text: str) -> ComponentGroup:
        """``"Adams^John Robert Quincy^^Rev.^B.A. M.Div."`` -> components. Any components
        beyond the fifth are kept in the suffix (joined by ``^``) so nothing is lost."""
        parts = text.split("^", 4)
        return cls(*parts)


def _join(parts: Iterable[str], sep: str) -> str:
    items = list(parts)
    while items and not items[-1]:
        items.pop()
    return sep.join(items)


GroupLike = Union[ComponentGroup, str, Mapping[str, str], Iterable[str], None]


def _as_group(value: GroupLike, what: str) -> ComponentGroup:
    if value is None:
        return ComponentGroup()
    if isinstance(value, ComponentGroup):
        group = value
    elif isinstance(value, str):
        group = ComponentGroup.parse(value)
    elif isinstance(value, Mapping):
        unknown = set(value) - set(_COMPONENT_NAMES)
        if unknown:
            raise InvalidValueError(f"unknown PN component(s) {sorted(unknown)} in {what}", vr="PN")
        group = ComponentGroup(**value)
    else:
        items = list(value)
        if len(items) > 5:
            raise InvalidValueError(
                f"a PN component group has at most 5 components ({what})", vr="PN"
            )
        group = ComponentGroup(*items)
    for name, comp in zip(_COMPONENT_NAMES, group):
        if not isinstance(comp, str):
            raise InvalidValueError(
                f"PN {what} {name} must be str, not {type(comp).__name__}", vr="PN"
            )
    return group


class PersonName:
    """A DICOM person name; immutable and hashable.

    ``PersonName("Yamada^Tarou=山田^太郎=やまだ^たろう")`` or
    ``PersonName.from_components(family="Doe", given="John")``. ``str(pn)`` is the exact
    original string. Equality is exact string equality, also against a plain ``str``;
    :meth:`same_name` compares components ignoring insignificant spaces and delimiters.
    """

    __slots__ = ("_original", "_groups")

    def __init__(self, value: str | PersonName = "") -> None:
        if isinstance(value, PersonName):
            original = value._original
        elif isinstance(value, str):
            original = value
            if "\\" in original:
                raise InvalidValueError(
                    f"PN value {value!r} contains a backslash (the value delimiter)", vr="PN"
                )
        else:
            raise InvalidValueError(
                f"cannot make a PersonName from {type(value).__name__}", vr="PN"
            )
        object.__setattr__(self, "_original", original)
        object.__setattr__(self, "_groups", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PersonName is immutable")

    # --- construction -------------------------------------------------------------

    @classmethod
    def from_components(
        cls,
        family: str = "",
        given: str = "",
        middle: str = "",
        prefix: str = "",
        suffix: str = "",
        *,
        ideographic: GroupLike = None,
        phonetic: GroupLike = None,
    ) -> PersonName:
        """Build a name from its alphabetic components and optional ideographic / phonetic
        groups (each a :class:`ComponentGroup`, a mapping of component names, a sequence of up
        to five strings, or a ``^``-delimited string). Components may not contain ``^``, ``=``
        or ``\\``."""
        groups = [
            _as_group((family, given, middle, prefix, suffix), "alphabetic group"),
            _as_group(ideographic, "ideographic group"),
            _as_group(phonetic, "phonetic group"),
        ]
        return cls.from_groups(*groups)

    @classmethod
    def from_groups(
        cls, alphabetic: GroupLike = None, ideographic: GroupLike = None, phonetic: GroupLike = None
    ) -> PersonName:
        """Build a name from up to three component groups."""
        groups = [
            _as_group(alphabetic, "alphabetic group"),
            _as_group(ideographic, "ideographic group"),
            _as_group(phonetic, "phonetic group"),
        ]
        for gname, group in zip(("alphabetic", "ideographic", "phonetic"), groups):
            for cname, comp in zip(_COMPONENT_NAMES, group):
                bad = [ch for ch in "^=\\" if ch in comp]
                if bad:
                    raise InvalidValueError(
                        f"PN {gname} {cname} component {comp!r} contains delimiter {bad[0]!r}",
                        vr="PN",
                    )
        return cls(_join((str(g) for g in groups), "="))

    # --- access -------------------------------------------------------------------

    def _parsed(self) -> tuple[ComponentGroup, ComponentGroup, ComponentGroup]:
        groups = self._groups
        if groups is None:
            texts = self._original.split("=", 2)
            texts += [""] * (3 - len(texts))
            groups = tuple(ComponentGroup.parse(t) for t in texts)
            object.__setattr__(self, "_groups", groups)
        return groups  # type: ignore[return-value]

    @property
    def original(self) -> str:
        return self._original

    @property
    def alphabetic(self) -> ComponentGroup:
        return self._parsed()[0]

    @property
    def ideographic(self) -> ComponentGroup:
        return self._parsed()[1]

    @property
    def phonetic(self) -> ComponentGroup:
        return self._parsed()[2]

    @property
    def groups(self) -> tuple[ComponentGroup, ComponentGroup, ComponentGroup]:
        """(alphabetic, ideographic, phonetic)."""
        return self._parsed()

    @property
    def family_name(self) -> str:
        return self.alphabetic.family

    @property
    def given_name(self) -> str:
        return self.alphabetic.given

    @property
    def middle_name(self) -> str:
        return self.alphabetic.middle

    @property
    def name_prefix(self) -> str:
        return self.alphabetic.prefix

    @property
    def name_suffix(self) -> str:
        return self.alphabetic.suffix

    def problems(self) -> list[str]:
        """Ways this name breaks PS3.5 6.2 / 6.2.1 (empty list when conformant)."""
        out: list[str] = []
        s = self._original
        texts = s.split("=")
        if len(texts) > 3:
            out.append(f"PN {s!r} has more than two '=' component group delimiters")
        for i, t in enumerate(texts[:3]):
            if t.count("^") > 4:
                out.append(f"PN {s!r} group {i + 1} has more than four '^' component delimiters")
            # the group delimiter counts toward the 64 characters (PS3.5 6.2.1.2)
            n = len(t) + (1 if i < len(texts) - 1 else 0)
            if n > GROUP_MAX_CHARS:
                out.append(f"PN {s!r} group {i + 1} is {n} characters (max {GROUP_MAX_CHARS})")
        if any(ord(ch) < 0x20 and ch != "\x1b" for ch in s) or "\x7f" in s:
            out.append(f"PN {s!r} contains control characters")
        if "\\" in s:
            out.append(f"PN {s!r} contains a backslash")
        return out

    def same_name(self, other: PersonName | str) -> bool:
        """True if both have the same components, ignoring leading/trailing spaces of
        components and omitted trailing delimiters (PS3.5 Table 6.2-1: not significant)."""
        o = other if isinstance(other, PersonName) else PersonName(other)

        def norm(pn: PersonName) -> tuple[tuple[str, ...], ...]:
            return tuple(tuple(c.strip(" ") for c in g) for g in pn.groups)

        return norm(self) == norm(o)

    # --- protocol -----------------------------------------------------------------

    def __str__(self) -> str:
        return self._original

    def __repr__(self) -> str:
        return f"PersonName({self._original!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersonName):
            return self._original == other._original
        if isinstance(other, str):
            return self._original == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self) -> int:
        return hash(self._original)

    def __bool__(self) -> bool:
        return bool(self._original)

    def __reduce__(self) -> Any:
        return (PersonName, (self._original,))
