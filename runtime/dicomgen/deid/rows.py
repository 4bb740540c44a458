"""Record types of the generated de-identification profile (``dicomgen_std.deid_profile``).

The generated module instantiates these from PS3.15 Annex E; the de-identifier reads them.
``NamedTuple`` classes: immutable and cheap to build at import.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class ProfileRow(NamedTuple):
    """A row of PS3.15 Table E.1-1.

    ``tag``/``mask``: an element matches when ``element_tag & mask == tag`` (a plain tag has
    mask FFFFFFFFH; "(60xx,3000)" has FF00FFFFH; the private row has both 00010000H: odd
    groups). ``basic`` is the Basic Profile action and ``options`` the (option, action) pairs
    of the option columns that say something; ``row`` the row number in the published table.
    """

    tag: int
    mask: int
    tag_text: str
    name: str
    retired: bool
    in_std_iod: bool
    basic: Any
    options: tuple[tuple[Any, Any], ...]
    row: int

    def action_for(self, option: Any) -> Any:
        """The action this row gives under ``option`` (``None`` when its cell is empty)."""
        for opt, action in self.options:
            if opt is option:
                return action
        return None


class OptionInfo(NamedTuple):
    """A profile or option: its CID 7050 code, E.1-1 column header and E.3 section."""

    code_value: str
    coding_scheme: str
    code_meaning: str
    column: str
    section: str
    text: str


class SafePrivate(NamedTuple):
    """A safe private element of PS3.15 Table E.3.10-1: creator, group, element offset."""

    creator: str
    group: int
    offset: int
    vr: str
    vm: str
    meaning: str
