"""Which action applies to an element under a chosen set of options (PS3.15 E.1-1, E.3).

A :class:`Profile` is the Basic Application Level Confidentiality Profile plus a set of
options. :meth:`Profile.decide` returns, for a tag, the :class:`Decision`: the table row that
matched, the column that decided (the Basic Profile or an option) and the action to apply,
with compound actions (Z/D, X/Z, X/D, X/Z/D, X/Z/U*) resolved to the branch that keeps the
object conformant whatever the attribute's Type (see :data:`COMPOUND`).
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from dicomgen_std.deid_profile import OPTIONS, ROWS, SAFE_PRIVATE, Action, Option

from ..core.errors import DicomError
from .rows import ProfileRow


class DeidError(DicomError):
    """De-identification cannot proceed (bad option set, burned-in annotation, bad key)."""


COMPOUND: dict[Action, Action] = {
    Action.Z_D: Action.D,
    Action.X_Z: Action.Z,
    Action.X_D: Action.D,
    Action.X_Z_D: Action.D,
    Action.X_Z_U: Action.U,
}
"""The branch taken for each compound action. Without the attribute's Type in the IOD at hand
the branch that satisfies every Type is chosen: D (a dummy value) satisfies Type 1 and 2, Z
(empty) Type 2, U keeps a sequence of references with its UIDs replaced."""

PROTECTIVE_ORDER = (Action.X, Action.Z, Action.D, Action.U, Action.C, Action.K)
"""When two chosen options give a row different actions, the first in this order wins."""

EXCLUSIVE = frozenset(
    {
        Option.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_FULL_DATES,
        Option.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES,
    }
)
"""Options that cannot be chosen together (PS3.15 E.3.6: full dates or modified dates)."""


class Decision(NamedTuple):
    """What to do with one element: ``action`` (never compound), the ``row`` of Table E.1-1
    that matched (``None`` for an element the table does not list: kept), the option whose
    column decided (``Option.BASIC_PROFILE`` for the Basic Profile column) and the action as
    published in that cell (``published``, compound or not)."""

    action: Action
    row: ProfileRow | None
    column: Option
    published: Action | None


_EXACT: dict[int, ProfileRow] = {r.tag: r for r in ROWS if r.mask == 0xFFFFFFFF}
_PATTERNS: tuple[ProfileRow, ...] = tuple(
    r for r in ROWS if r.mask != 0xFFFFFFFF and r.mask != r.tag
)
_PRIVATE: tuple[ProfileRow, ...] = tuple(r for r in ROWS if r.mask == r.tag == 0x00010000)
_SAFE: frozenset[tuple[str, int, int]] = frozenset(
    (s.creator.strip().upper(), s.group, s.offset) for s in SAFE_PRIVATE
)

OPTION_NAMES: dict[str, Option] = {o.name.lower().replace("_", "-"): o for o in Option}
"""CLI spelling of each option: ``retain-uids``, ``clean-descriptors``..."""


def option_named(name: str) -> Option:
    """The option spelled ``name`` (``retain-uids``, ``RETAIN_UIDS`` or its CID 7050 code)."""
    key = name.strip().lower().replace("_", "-")
    if key in OPTION_NAMES:
        return OPTION_NAMES[key]
    for o in Option:
        if o.value == name.strip():
            return o
    raise DeidError(f"unknown de-identification option {name!r}; known: {sorted(OPTION_NAMES)}")


def row_for(tag: int) -> ProfileRow | None:
    """The Table E.1-1 row that lists ``tag``: exact tag first, then repeating-group patterns
    ((50xx,xxxx), (60xx,3000)...), then the private row for odd groups."""
    row = _EXACT.get(tag)
    if row is not None:
        return row
    for r in _PATTERNS:
        if tag & r.mask == r.tag:
            return r
    if (tag >> 16) & 1:
        return _PRIVATE[0] if _PRIVATE else None
    return None


def is_safe_private(creator: str, group: int, offset: int) -> bool:
    """Whether Table E.3.10-1 lists element ``offset`` of ``creator``'s block in ``group``."""
    return (creator.strip().upper(), group, offset) in _SAFE


class Profile:
    """The Basic Profile plus ``options``; ``decide(tag)`` is cached per tag."""

    def __init__(self, options: Iterable[Option | str] = ()) -> None:
        chosen = frozenset(o if isinstance(o, Option) else option_named(o) for o in options)
        chosen -= {Option.BASIC_PROFILE}
        both = chosen & EXCLUSIVE
        if len(both) > 1:
            raise DeidError(
                "choose one of " + " and ".join(sorted(OPTIONS[o].code_meaning for o in both))
            )
        self.options: frozenset[Option] = chosen
        self._cache: dict[int, Decision] = {}

    def __repr__(self) -> str:
        return f"Profile({sorted(o.name for o in self.options)})"

    @property
    def pixels_clean(self) -> bool:
        """The caller states burned-in information was removed (Clean Pixel Data Option)."""
        return Option.CLEAN_PIXEL_DATA in self.options

    @property
    def modified_dates(self) -> bool:
        return Option.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES in self.options

    @property
    def full_dates(self) -> bool:
        return Option.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_FULL_DATES in self.options

    def codes(self) -> list[tuple[str, str, str]]:
        """(code value, coding scheme, code meaning) of CID 7050 for the profile and options,
        in code order: the items of De-identification Method Code Sequence (0012,0064)."""
        chosen = [Option.BASIC_PROFILE, *self.options]
        return sorted(
            (OPTIONS[o].code_value, OPTIONS[o].coding_scheme, OPTIONS[o].code_meaning)
            for o in chosen
        )

    def decide(self, tag: int) -> Decision:
        d = self._cache.get(tag)
        if d is None:
            d = self._cache[tag] = self._decide(row_for(tag))
        return d

    def decide_row(self, row: ProfileRow) -> Decision:
        """The decision for ``row`` itself (the tag-independent part of :meth:`decide`)."""
        return self._decide(row)

    def _decide(self, row: ProfileRow | None) -> Decision:
        if row is None:
            return Decision(Action.K, None, Option.BASIC_PROFILE, None)
        column, published = Option.BASIC_PROFILE, row.basic
        found = [(opt, act) for opt, act in row.options if opt in self.options]
        if found:
            column, published = min(
                found,
                key=lambda oa: (PROTECTIVE_ORDER.index(COMPOUND.get(oa[1], oa[1])), oa[0].value),
            )
        return Decision(COMPOUND.get(published, published), row, column, published)
