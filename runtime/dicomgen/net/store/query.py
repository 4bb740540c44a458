"""C-FIND matching, response identifiers and C-MOVE/C-GET selection (PS3.4 C.2.2, C.4).

Matching of one key against one stored attribute (:func:`match_element`) implements the
matching types of PS3.4 C.2.2.2:

- Universal Matching (C.2.2.2.3): a zero-length key, a wild card key of only ``*``, a sequence
  key with no item or an empty item (C.2.2.2.6) match everything.
- Single Value Matching (C.2.2.2.1): exact and case-sensitive, except PN; DA, TM and DT are
  compared by meaning (``"2230"`` matches ``"223000"``; DT with a UTC offset is compared as
  a moment in time); IS, DS and binary numbers are compared as numbers.
- PN (C.2.2.2.1.1): case-insensitive literal matching (``pn_case_insensitive``, the default);
  trailing empty components do not matter (``"Doe^John"`` = ``"Doe^John^^"``); a key without
  ``=`` is matched against the whole value and against each component group, so
  ``"Wang^XiaoDong"`` matches ``"Wang^XiaoDong=王^小東"``.
- List of UID Matching (C.2.2.2.2): a UI key with several values matches any of them. A key
  of another VR with several values (e.g. Modalities in Study ``CT\\MR``) matches when any
  key value matches (an extension; the standard defines multi-valued keys only for UIDs).
- Wild Card Matching (C.2.2.2.4) for AE, CS, LO, LT, PN, SH, ST, UC, UR, UT: ``*`` is any
  sequence of characters (also none), ``?`` any single character; every other character is
  literal (matching is done with an escaped regular expression in Python, not SQL). A UI
  key with ``*`` or ``?`` is also matched as a wild card (UIDs cannot contain them; C.4.1.3.2
  allows a Wild Card Match on the Unique Key of the lowest level in relational queries).
- Range Matching (C.2.2.2.5) for DA, TM, DT: ``a-b``, ``-b``, ``a-`` inclusive. An end value
  of reduced precision includes its whole period (TM ``-1130`` includes 11:30:59.999999;
  DT ``-2020`` includes all of 2020). With ``combined_datetime`` (extended negotiation,
  C.2.2.2.5.4) a DA and TM pair (Study Date/Time, Series Date/Time, ...) that are both ranges
  are matched as one DT range.
- Sequence Matching (C.2.2.2.6): the key item's attributes must all match within one stored
  item; the response holds the matching items reduced to the requested attributes.
- A stored attribute that is absent or zero length matches any key (C.2.2.1.2: "the value
  is considered unknown and all matching against the zero length Required Key shall be
  considered a successful match"; supported Optional Keys are processed the same way).
- A stored attribute with several values matches when any value matches.

DT values without a UTC offset are compared with offset-bearing values by their wall clock
time (the Timezone Offset From UTC (0008,0201) adjustment of C.2.2.2.1.3 is not done).

The search (:func:`find`) is the Hierarchical Search (C.4.1.3.1) or, with ``relational``, the
Relational Search (C.4.1.3.2). See :class:`QueryOptions` for how baseline constraints on the
Identifier (C.4.1.2.1) are enforced.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.dataset import Dataset
from ...core.element import DataElement
from ...core.errors import DicomError, InvalidValueError
from ...core.values import DA, DT, TM
from .index import Entity, Index, InstanceRecord
from .levels import (
    COMPUTED_LEVEL,
    NON_KEYS,
    QUERY_RETRIEVE_LEVEL,
    RETRIEVE_AE_TITLE,
    SPECIFIC_CHARACTER_SET,
    UNIQUE_KEY,
    Level,
    Model,
    effective_level,
)

# Status codes (PS3.4 Tables C.4-1, C.4-2, C.4-3).
SUCCESS = 0x0000
PENDING = 0xFF00
CANCEL = 0xFE00
IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
UNABLE_TO_PROCESS = 0xC000

WILDCARD_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
DATE_TIME_VRS = frozenset({"DA", "TM", "DT"})
_NUMERIC_VRS = frozenset({"IS", "DS", "US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"})

# DA/TM pairs matched together with combined datetime matching (PS3.4 C.2.2.2.5.4).
DATE_TIME_PAIRS: tuple[tuple[int, int], ...] = (
    (0x00080020, 0x00080030),  # Study Date / Study Time
    (0x00080021, 0x00080031),  # Series Date / Series Time
    (0x00080022, 0x00080032),  # Acquisition Date / Time
    (0x00080023, 0x00080033),  # Content Date / Time
    (0x00100030, 0x00100032),  # Patient's Birth Date / Time
    (0x00400244, 0x00400245),  # Performed Procedure Step Start Date / Time
)


@dataclass(frozen=True)
class QueryOptions:
    """How the SCP searches (PS3.4 C.4.1.3).

    ``relational``: Relational Search (negotiated extended behaviour, C.4.1.3.2) instead of
    the Hierarchical Search. ``strict``: reject (status A900) Identifiers that break the
    baseline rules of C.4.1.2.1 (a missing or non-single Unique Key above the query level,
    Required/Optional Keys of levels above it, a missing Unique Key of the query level);
    when not strict such keys are simply matched (and missing Unique Keys of higher levels
    are treated as universal), i.e. the search degrades to relational. ``retrieve_ae_title``
    is returned as Retrieve AE Title (0008,0054) in every response (C.4.1.1.3.2).
    """

    relational: bool = False
    strict: bool = False
    pn_case_insensitive: bool = True
    combined_datetime: bool = False
    retrieve_ae_title: str | None = None


class QueryError(DicomError):
    """An Identifier that cannot be processed; ``status`` is the DIMSE status to return."""

    def __init__(self, message: str, status: int = IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, **kw: Any):
        super().__init__(message, **kw)
        self.status = status


# --- key values ------------------------------------------------------------------------


def _values(e: DataElement | None) -> list[Any]:
    """The values of ``e`` as a list (``[]`` for an absent or zero-length element)."""
    if e is None:
        return []
    v = e.value
    if v is None:
        return []
    if e.vr == "SQ":
        return list(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return [bytes(v)] if len(v) else []
    if isinstance(v, (list, tuple)):
        return [x for x in v]
    if isinstance(v, str) and v == "":
        return []
    return [v]


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip("\x00 ")


def is_universal(e: DataElement) -> bool:
    """Universal Matching (C.2.2.2.3, C.2.2.2.4 ``*``, C.2.2.2.6 empty item)."""
    vals = _values(e)
    if not vals:
        return True
    if e.vr == "SQ":
        return len(vals[0]) == 0
    if e.vr in WILDCARD_VRS or e.vr == "UI":
        return all(_text(v) == "*" for v in vals)
    return False


# --- wild cards and PN -----------------------------------------------------------------


def wildcard_regex(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """``*`` -> any run of characters, ``?`` -> one character, the rest literal (C.2.2.2.4)."""
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def _norm_pn(text: str) -> str:
    """A PN without trailing empty components or groups (PS3.5 6.2.1)."""
    groups = [g.rstrip("^ ") for g in text.rstrip("\x00 ").split("=")]
    while groups and not groups[-1]:
        groups.pop()
    return "=".join(groups)


def _pn_candidates(stored: str) -> list[str]:
    whole = _norm_pn(stored)
    out = [whole]
    if "=" in whole:
        out.extend(g for g in (_norm_pn(x) for x in whole.split("=")) if g)
    return out


def _match_string(vr: str, key: str, stored: str, pn_ci: bool) -> bool:
    if vr == "PN":
        wild = "*" in key or "?" in key
        keys = key if wild else _norm_pn(key)
        cands = _pn_candidates(stored) if "=" not in key else [_norm_pn(stored)]
        if wild:
            rx = wildcard_regex(keys, ignore_case=pn_ci)
            return any(rx.fullmatch(c) for c in cands) or bool(rx.fullmatch(stored))
        if pn_ci:
            k = keys.casefold()
            return any(c.casefold() == k for c in cands)
        return keys in cands
    if (vr in WILDCARD_VRS or vr == "UI") and ("*" in key or "?" in key):
        return wildcard_regex(key).fullmatch(stored) is not None
    return key == stored


# --- dates and times ---------------------------------------------------------------------


def _tm_end(t: TM) -> _dt.time:
    """The last moment of the period a TM of reduced precision stands for."""
    p = t.precision
    if p == "hour":
        return _dt.time(t.hour, 59, 59, 999999)
    if p == "minute":
        return _dt.time(t.hour, t.minute, 59, 999999)
    if p == "second":
        return _dt.time(t.hour, t.minute, t.second, 999999)
    return _dt.time(t.hour, t.minute, t.second, t.microsecond)


def _dt_end(d: DT) -> _dt.datetime:
    p = d.precision
    tz = d.tzinfo
    if p == "year":
        return _dt.datetime(d.year, 12, 31, 23, 59, 59, 999999, tz)
    if p == "month":
        nxt = _dt.datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=tz)
        return nxt - _dt.timedelta(microseconds=1)
    if p == "day":
        return _dt.datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tz)
    if p == "hour":
        return d.replace(minute=59, second=59, microsecond=999999)
    if p == "minute":
        return d.replace(second=59, microsecond=999999)
    if p == "second":
        return d.replace(microsecond=999999)
    return _dt.datetime(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, tz)


def _plain_dt(d: _dt.datetime) -> _dt.datetime:
    return _dt.datetime(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, d.tzinfo)


def _cmp_pair(a: _dt.datetime, b: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime]:
    """Both aware -> compare as moments; otherwise compare wall clock times."""
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def _parse(vr: str, text: str) -> Any:
    if vr == "DA":
        return DA(text)
    if vr == "TM":
        return TM(text)
    return DT(text)


def _split_range(text: str, vr: str) -> tuple[str, str] | None:
    """``(start, end)`` strings of a range key, or ``None`` for a single value."""
    s = text.strip()
    if "-" not in s:
        return None
    if vr == "DT":
        try:
            DT(s)  # a single DT with a negative UTC offset (C.2.2.2.1.3 note)
            return None
        except InvalidValueError:
            pass
        for i, ch in enumerate(s):
            if ch != "-":
                continue
            a, b = s[:i].strip(), s[i + 1 :].strip()
            try:
                if a:
                    DT(a)
                if b:
                    DT(b)
            except InvalidValueError:
                continue
            if a or b:
                return a, b
        raise InvalidValueError(f"DT range key {text!r} is not <datetime1>-<datetime2>", vr="DT")
    a, _, b = s.partition("-")
    if "-" in b or not (a.strip() or b.strip()):
        raise InvalidValueError(f"{vr} range key {text!r} is not <value1>-<value2>", vr=vr)
    return a.strip(), b.strip()


def _in_range(vr: str, start: str, end: str, stored: str) -> bool:
    try:
        value = _parse(vr, stored)
    except InvalidValueError:
        return False
    if vr == "DA":
        lo = DA(start) if start else None
        hi = DA(end) if end else None
        v: Any = _dt.date(value.year, value.month, value.day)
    elif vr == "TM":
        lo = TM(start) if start else None
        hi = _tm_end(TM(end)) if end else None
        v = _dt.time(value.hour, value.minute, value.second, value.microsecond)
        lo = _dt.time(lo.hour, lo.minute, lo.second, lo.microsecond) if lo is not None else None
    else:
        v = _plain_dt(value)
        lo_dt = _plain_dt(DT(start)) if start else None
        hi_dt = _dt_end(DT(end)) if end else None
        if lo_dt is not None:
            a, b = _cmp_pair(lo_dt, v)
            if b < a:
                return False
        if hi_dt is not None:
            a, b = _cmp_pair(v, hi_dt)
            if a > b:
                return False
        return True
    if lo is not None and v < lo:
        return False
    return hi is None or v <= hi


def _single_datetime(vr: str, key: str, stored: str) -> bool:
    """Single Value Matching of DA/TM/DT by meaning (C.2.2.2.1.3)."""
    try:
        k = _parse(vr, key)
        s = _parse(vr, stored)
    except InvalidValueError:
        return key.strip() == stored.strip()
    if vr == "DA":
        return (k.year, k.month, k.day) == (s.year, s.month, s.day)
    if vr == "TM":
        return (k.hour, k.minute, k.second, k.microsecond) == (
            s.hour,
            s.minute,
            s.second,
            s.microsecond,
        )
    a, b = _cmp_pair(_plain_dt(k), _plain_dt(s))
    return a == b


def _match_datetime(vr: str, key: str, stored: str) -> bool:
    rng = _split_range(key, vr)
    if rng is None:
        return _single_datetime(vr, key, stored)
    return _in_range(vr, rng[0], rng[1], stored)


def _number(v: Any) -> float | None:
    try:
        return float(str(v).strip())
    except ValueError:
        return None


# --- element matching ------------------------------------------------------------------


def match_element(
    key: DataElement, stored: DataElement | None, *, pn_case_insensitive: bool = True
) -> bool:
    """Does the stored attribute match the key (PS3.4 C.2.2.2)? See the module docstring."""
    if is_universal(key):
        return True
    svals = _values(stored)
    if not svals:
        return True  # zero-length stored value: unknown, matches (C.2.2.1.2)
    vr = key.vr if key.vr not in ("UN", "") else (stored.vr if stored is not None else "UN")
    if vr == "SQ" or key.vr == "SQ":
        if stored is None or stored.vr != "SQ":
            return False
        return matching_items(key.value[0], svals, pn_case_insensitive) != []
    kvals = _values(key)
    for kv in kvals:
        for sv in svals:
            if _match_value(vr, kv, sv, pn_case_insensitive):
                return True
    return False


def _match_value(vr: str, kv: Any, sv: Any, pn_ci: bool) -> bool:
    if vr in DATE_TIME_VRS:
        return _match_datetime(vr, str(kv).strip(), str(sv).strip())
    if vr in _NUMERIC_VRS:
        a, b = _number(kv), _number(sv)
        if a is None or b is None:
            return str(kv).strip() == str(sv).strip()
        return a == b
    if isinstance(kv, (bytes, bytearray)) or isinstance(sv, (bytes, bytearray)):
        return bytes(kv) == bytes(sv) if isinstance(kv, (bytes, bytearray)) else False
    k = str(kv)
    s = str(sv)
    if vr in ("LT", "ST", "UT", "UR"):
        k, s = k.rstrip(" "), s.rstrip(" ")
    else:
        k, s = k.strip(" "), s.strip(" ")
    if k == "*" and vr in WILDCARD_VRS:
        return True
    return _match_string(vr, k, s, pn_ci)


def matching_items(key_item: Dataset, stored_items: list[Any], pn_ci: bool) -> list[Dataset]:
    """The stored items in which every Item Key Attribute matches (C.2.2.2.6)."""
    out = []
    for item in stored_items:
        if all(
            match_element(k, item.get(int(k.tag)), pn_case_insensitive=pn_ci)
            for k in key_item.elements()
        ):
            out.append(item)
    return out


def _combined_match(date_key: DataElement, time_key: DataElement, ds: Dataset) -> bool:
    """Combined datetime Range Matching of a DA/TM key pair (C.2.2.2.5.4)."""
    drng = _split_range(_text(_values(date_key)[0]), "DA")
    trng = _split_range(_text(_values(time_key)[0]), "TM")
    assert drng is not None and trng is not None
    sd = _values(ds.get(int(date_key.tag)))
    st = _values(ds.get(int(time_key.tag)))
    if not sd:
        return True
    if not st:
        return _in_range("DA", drng[0], drng[1], str(sd[0]))
    start = drng[0] + trng[0] if drng[0] else ""
    end = drng[1] + trng[1] if drng[1] else ""
    if drng[0] and not trng[0]:
        start = drng[0]
    if drng[1] and not trng[1]:
        end = drng[1]
    stored = str(sd[0]).strip() + str(st[0]).strip()
    return _in_range("DT", start, end, stored)


def _is_range(e: DataElement, vr: str) -> bool:
    vals = _values(e)
    if len(vals) != 1:
        return False
    try:
        return _split_range(_text(vals[0]), vr) is not None
    except InvalidValueError:
        return False


def match_dataset(
    keys: list[DataElement], ds: Dataset, options: QueryOptions | None = None
) -> bool:
    """Do all ``keys`` match the attributes ``ds`` of one entity?"""
    opts = options or QueryOptions()
    ci = opts.pn_case_insensitive
    skip: set[int] = set()
    if opts.combined_datetime:
        by_tag = {int(k.tag): k for k in keys}
        for dtag, ttag in DATE_TIME_PAIRS:
            dk, tk = by_tag.get(dtag), by_tag.get(ttag)
            if dk is not None and tk is not None and _is_range(dk, "DA") and _is_range(tk, "TM"):
                if not _combined_match(dk, tk, ds):
                    return False
                skip.update((dtag, ttag))
    for k in keys:
        t = int(k.tag)
        if t in skip:
            continue
        if not match_element(k, ds.get(t), pn_case_insensitive=ci):
            return False
    return True


# --- identifiers -------------------------------------------------------------------------


def model_of(model: Model | str) -> Model:
    """A :class:`Model` from itself, ``"PATIENT"``/``"STUDY"`` or a Q/R SOP Class UID."""
    if isinstance(model, Model):
        return model
    from .levels import MODEL_SOP_CLASSES

    s = str(model).strip("\x00 ")
    if s in MODEL_SOP_CLASSES:
        return MODEL_SOP_CLASSES[s][0]
    try:
        return Model(s.upper())
    except ValueError:
        raise QueryError(f"unknown Query/Retrieve Information Model {model!r}") from None


def query_level(identifier: Dataset, model: Model) -> Level:
    """Query/Retrieve Level (0008,0052) of the Identifier (PS3.4 C.6.1.1.1, C.6.2.1.1)."""
    e = identifier.get(QUERY_RETRIEVE_LEVEL)
    vals = _values(e) if e is not None else []
    if len(vals) != 1:
        raise QueryError("the Identifier has no single Query/Retrieve Level (0008,0052)")
    text = str(vals[0]).strip().upper()
    try:
        level = Level[text]
    except KeyError:
        raise QueryError(
            f"Query/Retrieve Level {text!r} is not PATIENT/STUDY/SERIES/IMAGE"
        ) from None
    if level not in model.levels:
        raise QueryError(f"Query/Retrieve Level {text} is not in the {model.name} model")
    return level


@dataclass
class ParsedQuery:
    model: Model
    level: Level
    keys: dict[Level, list[DataElement]] = field(default_factory=dict)
    below: list[DataElement] = field(default_factory=list)  # keys of lower levels (ignored)
    order: list[int] = field(default_factory=list)  # requested tags in Identifier order


def parse_identifier(identifier: Dataset, model: Model | str) -> ParsedQuery:
    """Split a C-FIND Identifier into keys per level (PS3.4 C.4.1.1.3.1)."""
    m = model_of(model)
    level = query_level(identifier, m)
    pq = ParsedQuery(m, level, {lv: [] for lv in m.levels})
    for e in identifier.elements():
        t = int(e.tag)
        if t in NON_KEYS or t >> 16 in (0x0000, 0x0002) or t & 0xFFFF == 0:
            continue
        if e.tag.is_private:
            continue  # unrecognised private keys may be ignored (C.4.1.1.3.2)
        try:
            _ = e.value  # decoded here so that a bad key is refused up front
        except DicomError as exc:
            raise QueryError(f"key {e.tag} cannot be decoded: {exc}", UNABLE_TO_PROCESS) from exc
        lv = effective_level(t, m)
        pq.order.append(t)
        if lv > level:
            pq.below.append(e)
        else:
            pq.keys[lv].append(e)
    return pq


def _single_uid(e: DataElement | None) -> str | None:
    vals = _values(e)
    if len(vals) != 1:
        return None
    s = _text(vals[0]).strip()
    return None if not s or "*" in s or "?" in s else s


def _uid_list(e: DataElement | None) -> list[str] | None:
    """The UIDs of a unique key for a SQL prefilter, ``None`` when it is not a plain list."""
    if e is None or is_universal(e):
        return None
    vals = [_text(v).strip() for v in _values(e)]
    if any("*" in v or "?" in v for v in vals):
        return None
    return [v for v in vals if v]


def find_problems(pq: ParsedQuery, relational: bool = False) -> list[str]:
    """Violations of the baseline (C.4.1.2.1) or relational (C.4.1.2.2) Identifier rules."""
    problems = []
    for lv in pq.model.levels:
        ukey = UNIQUE_KEY[lv]
        keys = pq.keys.get(lv, [])
        u = next((k for k in keys if int(k.tag) == ukey), None)
        if lv < pq.level and not relational:
            if u is None or _single_uid(u) is None:
                problems.append(
                    f"{lv.name} level: the Unique Key {u.tag if u else hex(ukey)} "
                    "needs a single value above the query level"
                )
            others = [k for k in keys if int(k.tag) != ukey]
            if others:
                problems.append(
                    f"{lv.name} level: keys {', '.join(str(k.tag) for k in others)} are not "
                    "allowed above the query level in a hierarchical query"
                )
        elif lv == pq.level and u is None:
            problems.append(f"the Unique Key of the {lv.name} level is missing")
    return problems


# --- search ------------------------------------------------------------------------------


def _computed(level: Level, ent: Entity, stats: Any) -> list[DataElement]:
    if level is Level.PATIENT:
        a, b, c = stats.get(ent.key, (0, 0, 0))
        return [
            DataElement(0x00201200, "IS", str(a)),
            DataElement(0x00201202, "IS", str(b)),
            DataElement(0x00201204, "IS", str(c)),
        ]
    if level is Level.STUDY:
        s = stats.get(ent.key) or {"series": 0, "instances": 0, "modalities": [], "sop_classes": []}
        return [
            DataElement(0x00201206, "IS", str(s["series"])),
            DataElement(0x00201208, "IS", str(s["instances"])),
            DataElement(0x00080061, "CS", list(s["modalities"]) or None),
            DataElement(0x00080062, "UI", list(s["sop_classes"]) or None),
        ]
    if level is Level.SERIES:
        return [DataElement(0x00201209, "IS", str(stats.get(ent.key, 0)))]
    ts = ent.extra.get("transfer_syntax")
    return [DataElement(0x00083002, "UI", ts or None)]


_PATIENT_COUNTS = frozenset({0x00201200, 0x00201202, 0x00201204})


def _stats(index: Index, level: Level, keys: list[str]) -> Any:
    if level is Level.PATIENT:
        return index.patient_stats(keys)
    if level is Level.STUDY:
        return index.study_stats(keys)
    if level is Level.SERIES:
        return index.series_stats(keys)
    return None


@dataclass
class _Match:
    key: str
    attrs: dict[int, DataElement]  # attributes prepared at this and higher levels
    ds: Dataset


def _entities_at(
    index: Index,
    pq: ParsedQuery,
    level: Level,
    parents: list[_Match] | None,
    opts: QueryOptions,
) -> list[_Match]:
    keys = pq.keys.get(level, [])
    ukey = UNIQUE_KEY[level]
    u = next((k for k in keys if int(k.tag) == ukey), None)
    uids = _uid_list(u)
    parent_by_key = {p.key: p for p in parents} if parents is not None else None
    first = level is pq.model.levels[0]
    ents = list(
        index.entities(
            level,
            keys=uids,
            parents=None if (first or parent_by_key is None) else list(parent_by_key),
        )
    )
    need_stats = any(int(k.tag) in COMPUTED_LEVEL for k in keys)
    stats = (
        _stats(index, level, [e.key for e in ents]) if need_stats or level is Level.IMAGE else None
    )
    patients: dict[str, Entity] = {}
    if pq.model is Model.STUDY_ROOT and level is Level.STUDY:
        pids = sorted({e.parent or "" for e in ents})
        if pids and any(
            effective_level(int(k.tag), Model.PATIENT_ROOT) is Level.PATIENT for k in keys
        ):
            patients = {p.key: p for p in index.entities(Level.PATIENT, keys=pids)}
    pstats = None
    if patients and any(int(k.tag) in _PATIENT_COUNTS for k in keys):
        pstats = index.patient_stats(list(patients))  # Study Root: Table C.3-1 at STUDY
    out: list[_Match] = []
    for ent in ents:
        ds = Dataset()
        if patients:
            p = patients.get(ent.parent or "")
            if p is not None:
                for e in p.attrs.elements():
                    ds.add(e)
                if pstats is not None:
                    for e in _computed(Level.PATIENT, p, pstats):
                        ds.add(e)
        for e in ent.attrs.elements():
            ds.add(e)
        if stats is not None or level is Level.IMAGE:
            for e in _computed(level, ent, stats or {}):
                ds.add(e)
        if not match_dataset(keys, ds, opts):
            continue
        prepared: dict[int, DataElement] = {}
        if parent_by_key is not None and not first:
            parent = parent_by_key.get(ent.parent or "")
            if parent is None:
                continue
            prepared.update(parent.attrs)
        for k in keys:
            prepared[int(k.tag)] = _response_element(k, ds.get(int(k.tag)), opts)
        out.append(_Match(ent.key, prepared, ds))
    return out


def _response_element(
    key: DataElement, stored: DataElement | None, opts: QueryOptions
) -> DataElement:
    """The value returned for a requested key (C.4.1.1.3.2; sequences C.2.2.2.6)."""
    t = int(key.tag)
    if stored is None or not _values(stored):
        vr = key.vr if key.vr != "UN" or stored is None else stored.vr
        return DataElement(t, vr, [] if vr == "SQ" else None)
    if key.vr == "SQ" and stored.vr == "SQ":
        kitems = _values(key)
        if not kitems or len(kitems[0]) == 0:
            return stored.copy()
        items = matching_items(kitems[0], _values(stored), opts.pn_case_insensitive)
        reduced = []
        for it in items:
            r = Dataset()
            for k in kitems[0].elements():
                r.add(_response_element(k, it.get(int(k.tag)), opts))
            reduced.append(r)
        return DataElement(t, "SQ", reduced)
    return stored.copy()


def _needs_utf8(ds: Dataset) -> bool:
    for _, e in ds.walk():
        if e.vr in ("SH", "LO", "UC", "ST", "LT", "UT", "PN"):
            for v in _values(e):
                if not str(v).isascii():
                    return True
    return False


def build_response(pq: ParsedQuery, attrs: dict[int, DataElement], opts: QueryOptions) -> Dataset:
    """A response Identifier: the requested keys with the entity's values, Query/Retrieve
    Level, Retrieve AE Title and, when needed, Specific Character Set ``ISO_IR 192``
    (C.4.1.1.3.2)."""
    out = Dataset()
    out.add(DataElement(QUERY_RETRIEVE_LEVEL, "CS", pq.level.name))
    for t in pq.order:
        e = attrs.get(t)
        if e is not None:
            out.add(e)
    ukey = UNIQUE_KEY[pq.level]
    if ukey not in out and ukey in attrs:
        out.add(attrs[ukey])
    if opts.retrieve_ae_title:
        out.add(DataElement(RETRIEVE_AE_TITLE, "AE", opts.retrieve_ae_title))
    if _needs_utf8(out):
        out.add(DataElement(SPECIFIC_CHARACTER_SET, "CS", "ISO_IR 192"))
    return out


def find(
    index: Index,
    identifier: Dataset,
    model: Model | str,
    options: QueryOptions | None = None,
    *,
    cancelled: Callable[[], bool] | None = None,
    errors: list[str] | None = None,
) -> Iterator[tuple[int, Dataset | None]]:
    """Answer a C-FIND request: ``(status, identifier)`` pairs (PS3.4 C.4.1.3, Table C.4-1).

    Yields ``(0xFF00, response identifier)`` for each match, then ``(0x0000, None)``; or a
    single failure ``(0xA900, None)`` (Identifier does not match SOP Class) /
    ``(0xC000, None)`` (unable to process); ``(0xFE00, None)`` when ``cancelled()`` turns
    true between matches (C-FIND-CANCEL). The reasons of a failure are appended to
    ``errors`` if given (for the Error Comment (0000,0902) of the response).
    """
    opts = options or QueryOptions()
    errs = errors if errors is not None else []
    try:
        pq = parse_identifier(identifier, model)
        problems = find_problems(pq, opts.relational) if opts.strict else []
        if problems:
            errs.extend(problems)
            yield IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, None
            return
        ukey = UNIQUE_KEY[pq.level]
        if not any(int(k.tag) == ukey for k in pq.keys[pq.level]):
            pq.keys[pq.level].append(
                DataElement(ukey, "UI" if pq.level is not Level.PATIENT else "LO")
            )
        parents: list[_Match] | None = None
        matches: list[_Match] = []
        for lv in pq.model.levels:
            if cancelled is not None and cancelled():
                yield CANCEL, None
                return
            if lv < pq.level and not pq.keys[lv]:
                # no key at this level: every entity matches (C.4.1.3.2); nothing to return
                if parents is not None:
                    parents = _carry(index, lv, parents)
                continue
            matches = _entities_at(index, pq, lv, parents, opts)
            parents = matches
            if lv == pq.level:
                break
            if not matches:
                break
    except QueryError as exc:
        errs.append(str(exc))
        yield exc.status, None
        return
    except DicomError as exc:
        errs.append(str(exc))
        yield UNABLE_TO_PROCESS, None
        return
    for m in matches:
        if cancelled is not None and cancelled():
            yield CANCEL, None
            return
        yield PENDING, build_response(pq, m.attrs, opts)
    yield SUCCESS, None


def _carry(index: Index, level: Level, parents: list[_Match]) -> list[_Match]:
    """Entities of a level without keys under ``parents``, carrying the parents' attributes."""
    by_key = {p.key: p for p in parents}
    out = []
    for ent in index.entities(level, parents=list(by_key)):
        p = by_key.get(ent.parent or "")
        if p is not None:
            out.append(_Match(ent.key, dict(p.attrs), Dataset()))
    return out


# --- C-MOVE / C-GET ----------------------------------------------------------------------


@dataclass
class Selection:
    """The instances a C-MOVE/C-GET Identifier selects (PS3.4 C.4.2.3.1, C.4.3.3.1)."""

    status: int
    records: list[InstanceRecord]
    error_comment: str | None = None


def select_instances(
    index: Index,
    identifier: Dataset,
    model: Model | str,
    *,
    relational: bool = False,
    root: Path | None = None,
) -> Selection:
    """Which stored instances a C-MOVE or C-GET Identifier selects.

    Baseline (C.4.2.2.1): a single Unique Key value for each level above the retrieve level,
    and at the retrieve level one Patient ID (PATIENT) or one or more UIDs (STUDY, SERIES,
    IMAGE). With ``relational`` (extended negotiation, C.4.2.2.2) the Unique Keys above the
    retrieve level may be absent. Required and Optional Keys are ignored. Failure status
    A900 when the Identifier breaks these rules.
    """
    try:
        m = model_of(model)
        level = query_level(identifier, m)
    except QueryError as exc:
        return Selection(exc.status, [], str(exc))
    constraint: dict[Level, list[str]] = {}
    for lv in m.levels:
        if lv > level:
            break
        e = identifier.get(UNIQUE_KEY[lv])
        try:
            vals = [_text(v).strip() for v in _values(e)]
        except DicomError as exc:
            return Selection(UNABLE_TO_PROCESS, [], f"cannot decode {UNIQUE_KEY[lv]:08X}: {exc}")
        vals = [v for v in vals if v]
        if any("*" in v or "?" in v for v in vals):
            return Selection(
                IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, [], f"{lv.name} Unique Key has wild cards"
            )
        if lv == level:
            if not vals:
                return Selection(
                    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
                    [],
                    f"the {lv.name} level Unique Key is missing or empty",
                )
            if lv is Level.PATIENT and len(vals) > 1:
                return Selection(
                    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, [], "one Patient ID is allowed"
                )
        else:
            if not vals:
                if relational:
                    continue
                return Selection(
                    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
                    [],
                    f"the {lv.name} level Unique Key is needed above the retrieve level",
                )
            if len(vals) > 1:
                return Selection(
                    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS,
                    [],
                    f"the {lv.name} level Unique Key must be a single value",
                )
        constraint[lv] = vals
    try:
        records = index.instance_records(
            patient_ids=constraint.get(Level.PATIENT),
            study_uids=constraint.get(Level.STUDY),
            series_uids=constraint.get(Level.SERIES),
            sop_uids=constraint.get(Level.IMAGE),
            root=root,
        )
    except DicomError as exc:
        return Selection(UNABLE_TO_PROCESS, [], str(exc))
    return Selection(SUCCESS, records)


__all__ = [
    "CANCEL",
    "DATE_TIME_PAIRS",
    "IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS",
    "PENDING",
    "ParsedQuery",
    "QueryError",
    "QueryOptions",
    "SUCCESS",
    "Selection",
    "UNABLE_TO_PROCESS",
    "build_response",
    "find",
    "find_problems",
    "is_universal",
    "match_dataset",
    "match_element",
    "matching_items",
    "model_of",
    "parse_identifier",
    "query_level",
    "select_instances",
    "wildcard_regex",
]
