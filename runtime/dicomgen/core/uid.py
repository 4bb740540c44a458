"""Unique identifiers (PS3.5 9): a ``str`` that knows its registry entry."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry_types import UIDEntry

_UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


class UID(str):
    """A UID string. Known UIDs expose their PS3.6 registry entry (name, keyword, type)."""

    __slots__ = ()

    @property
    def entry(self) -> UIDEntry | None:
        from dicomgen_std.uids import UIDS  # generated registry, loaded on first use

        return UIDS.get(str(self))

    @property
    def name(self) -> str:
        e = self.entry
        return e.name if e else str(self)

    @property
    def keyword(self) -> str:
        e = self.entry
        return e.keyword if e else ""

    @property
    def type(self) -> str:
        e = self.entry
        return e.type if e else ""

    @property
    def is_retired(self) -> bool:
        e = self.entry
        return bool(e and e.retired)

    @property
    def is_valid(self) -> bool:
        """Conforms to PS3.5 9.1: digits and dots, no leading zeros, at most 64 characters."""
        return len(self) <= 64 and bool(_UID_RE.match(self))

    def __repr__(self) -> str:
        return f"UID({str(self)!r})"
