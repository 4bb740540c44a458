"""IR records for de-identification (PS3.15 Annex E).

Table E.1-1 rows (:class:`DeidAttributeRecord`), the options of E.3 with their CID 7050
codes (:class:`DeidOptionRecord`) and the safe private attributes of Table E.3.10-1
(:class:`SafePrivateRecord`), gathered in :class:`Part15Result`. Provenance never takes part
in equality, so the same content from another edition compares equal.
"""

from __future__ import annotations

import attrs

from .model import Provenance, _prov


@attrs.frozen
class DeidOptionRecord:
    """A profile or option: its CID 7050 code, the E.1-1 column it owns and its E.3 text.

    ``key`` is the upper-case identifier (``RETAIN_UIDS``); ``column`` is the header of its
    Table E.1-1 column ("" for the Basic Profile and for options without a column, such as
    Clean Pixel Data); ``section`` the ``xml:id`` of the E.3 section that describes it.
    """

    key: str
    name: str
    code_value: str
    coding_scheme: str
    code_meaning: str
    column: str
    section: str
    text: str
    source: Provenance | None = _prov()


@attrs.frozen
class DeidAttributeRecord:
    """A row of Table E.1-1: attribute, tag (or pattern), flags and the action per column.

    ``tag`` is the published text ("(0010,0010)", "(50xx,xxxx)"); ``tag_value``/``tag_mask``
    its numeric form (x digits zero in both); ``private`` marks the "(gggg,eeee) where gggg is
    odd" row. ``options`` holds (option key, action) for the non-empty option cells.
    """

    tag: str
    name: str
    tag_value: int
    tag_mask: int
    private: bool
    retired: bool
    in_std_iod: bool
    basic: str
    options: tuple[tuple[str, str], ...]
    source: Provenance | None = _prov()


@attrs.frozen
class SafePrivateRecord:
    """A row of Table E.3.10-1: a private element, by creator and element offset, safe to keep.

    ``tag`` is the published text upper-cased ("(7053,XX00)" keeps its block digits as xx).
    """

    tag: str
    creator: str
    group: int
    offset: int
    vr: str
    vm: str
    meaning: str
    source: Provenance | None = _prov()


@attrs.frozen
class Part15Result:
    """Everything parsed from PS3.15 Annex E (one IR folder, ``standard_xml/ir/part15``)."""

    part: str
    edition: str
    attributes: tuple[DeidAttributeRecord, ...] = ()
    options: tuple[DeidOptionRecord, ...] = ()
    safe_private: tuple[SafePrivateRecord, ...] = ()
