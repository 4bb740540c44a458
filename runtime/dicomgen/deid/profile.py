"""Which action applies to an element under a chosen set of options (PS3.15 E.1-1, E.3).

A :class:`Profile` is the Basic Application Level Confidentiality Profile plus a set of
options. :meth:`Profile.decide` returns, for a tag, the :class:`Decision`: the table row that
matched, the column that decided (the Basic Profile or an option) and the action to apply,
with compound actions (Z/D, X/Z, X/D, X/Z/D, X/Z/U*) resolved to the branch that keeps the
object conformant whatever the attribute's Type (see :func:`tables`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple

from ..core.errors import DicomError
from .rows import ProfileRow


class DeidError(DicomError):
    """De-identification cannot proceed (bad option set, burned-in annotation, bad key)."""


@lru_cache(maxsize=1)
def std() -> Any:
    """The generated profile (``dicomgen_std.deid_profile``), imported on first use."""
    from dicomgen_std import deid_profile

    return deid_profile


@lru_cache(maxsize=1)
def tables() -> SimpleNamespace:
    """The generated rows indexed for lookup, and the rules built on the generated enums:

    * ``compound``: the branch taken for each compound action. Without the attribute's Type
      in the IOD at hand, the branch that satisfies every Type is chosen: D (a dummy value)
      satisfies Type 1 and 2, Z (empty) Type 2, U keeps a sequence of references with its
      UIDs replaced.
    * ``protective_order``: when two chosen options give a row different actions, the first
      in this order wins.
    * ``exclusive``: options that cannot be chosen together (PS3.15 E.3.6: full dates or
      modified dates).
    """
    m = std()
    A, Opt = m.Action, m.Option
    rows = m.ROWS
    return SimpleNamespace(
        compound={A.Z_D: A.D, A.X_Z: A.Z, A.X_D: A.D, A.X_Z_D: A.D, A.X_Z_U: A.U},
        protective_order=(A.X, A.Z, A.D, A.U, A.C, A.K),
        exclusive=frozenset(
            {
                Opt.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_FULL_DATES,
                Opt.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES,
            }
        ),
        exact={r.tag: r for r in rows if r.mask == 0xFFFFFFFF},
        patterns=tuple(r for r in rows if r.mask != 0xFFFFFFFF and r.mask != r.tag),
        private=tuple(r for r in rows if r.mask == r.tag == 0x00010000),
        safe=frozenset((s.creator.strip().upper(), s.group, s.offset) for s in m.SAFE_PRIVATE),
        names={o.name.lower().replace("_", "-"): o for o in Opt},
    )


class Decision(NamedTuple):
    """What to do with one element: ``action`` (never compound), the ``row`` of Table E.1-1
    that matched (``None`` for an element the table does not list: kept), the option whose
    column decided (``Option.BASIC_PROFILE`` for the Basic Profile column) and the action as
    published in that cell (``published``, compound or not)."""

    action: Any
    row: ProfileRow | None
    column: Any
    published: Any


def option_names() -> dict[str, Any]:
    """CLI spelling of each option: ``retain-uids``, ``clean-descriptors``..."""
    return dict(tables().names)


def option_named(name: str) -> Any:
    """The option spelled ``name`` (``retain-uids``, ``RETAIN_UIDS`` or its CID 7050 code)."""
    names = tables().names
    key = name.strip().lower().replace("_", "-")
    if key in names:
        return names[key]
    for o in std().Option:
        if o.value == name.strip():
            return o
    raise DeidError(f"unknown de-identification option {name!r}; known: {sorted(names)}")


def row_for(tag: int) -> ProfileRow | None:
    """The Table E.1-1 row that lists ``tag``: exact tag first, then repeating-group patterns
    ((50xx,xxxx), (60xx,3000)...), then the private row for odd groups."""
    t = tables()
    row = t.exact.get(tag)
    if row is not None:
        return row
    for r in t.patterns:
        if tag & r.mask == r.tag:
            return r
    if (tag >> 16) & 1:
        return t.private[0] if t.private else None
    return None


def is_safe_private(creator: str, group: int, offset: int) -> bool:
    """Whether Table E.3.10-1 lists element ``offset`` of ``creator``'s block in ``group``."""
    return (creator.strip().upper(), group, offset) in tables().safe


class Profile:
    """The Basic Profile plus ``options``; ``decide(tag)`` is cached per tag."""

    def __init__(self, options: Iterable[Any] = ()) -> None:
        m, t = std(), tables()
        self._std, self._tables = m, t
        chosen = frozenset(o if isinstance(o, m.Option) else option_named(o) for o in options)
        chosen -= {m.Option.BASIC_PROFILE}
        both = chosen & t.exclusive
        if len(both) > 1:
            raise DeidError(
                "choose one of " + " and ".join(sorted(m.OPTIONS[o].code_meaning for o in both))
            )
        self.options: frozenset[Any] = chosen
        self._cache: dict[int, Decision] = {}

    def __repr__(self) -> str:
        return f"Profile({sorted(o.name for o in self.options)})"

    @property
    def pixels_clean(self) -> bool:
        """The caller states burned-in information was removed (Clean Pixel Data Option)."""
        return self._std.Option.CLEAN_PIXEL_DATA in self.options

    @property
    def modified_dates(self) -> bool:
        return (
            self._std.Option.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES in self.options
        )

    @property
    def full_dates(self) -> bool:
        return self._std.Option.RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_FULL_DATES in self.options

    def codes(self) -> list[tuple[str, str, str]]:
        """(code value, coding scheme, code meaning) of CID 7050 for the profile and options,
        in code order: the items of De-identification Method Code Sequence (0012,0064)."""
        info = self._std.OPTIONS
        chosen = [self._std.Option.BASIC_PROFILE, *self.options]
        return sorted(
            (info[o].code_value, info[o].coding_scheme, info[o].code_meaning) for o in chosen
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
        m, t = self._std, self._tables
        if row is None:
            return Decision(m.Action.K, None, m.Option.BASIC_PROFILE, None)
        column, published = m.Option.BASIC_PROFILE, row.basic
        found = [(opt, act) for opt, act in row.options if opt in self.options]
        if found:
            order, compound = t.protective_order, t.compound
            column, published = min(
                found, key=lambda oa: (order.index(compound.get(oa[1], oa[1])), oa[0].value)
            )
        return Decision(t.compound.get(published, published), row, column, published)
