"""C-FIND attribute matching (PS3.4 C.2.2): one key against one stored attribute, and a set
of keys against one entity's attributes.

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
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import InvalidValueError
from ..core.values import DA, DT, TM

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


# --- key values ------------------------------------------------------------------------


def key_values(e: DataElement | None) -> list[Any]:
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


def key_text(v: Any) -> str:
    return "" if v is None else str(v).strip("\x00 ")


def is_universal(e: DataElement) -> bool:
    """Universal Matching (C.2.2.2.3, C.2.2.2.4 ``*``, C.2.2.2.6 empty item)."""
    vals = key_values(e)
    if not vals:
        return True
    if e.vr == "SQ":
        return len(vals[0]) == 0
    if e.vr in WILDCARD_VRS or e.vr == "UI":
        return all(key_text(v) == "*" for v in vals)
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
    svals = key_values(stored)
    if not svals:
        return True  # zero-length stored value: unknown, matches (C.2.2.1.2)
    vr = key.vr if key.vr not in ("UN", "") else (stored.vr if stored is not None else "UN")
    if vr == "SQ" or key.vr == "SQ":
        if stored is None or stored.vr != "SQ":
            return False
        return matching_items(key.value[0], svals, pn_case_insensitive) != []
    kvals = key_values(key)
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
    drng = _split_range(key_text(key_values(date_key)[0]), "DA")
    trng = _split_range(key_text(key_values(time_key)[0]), "TM")
    assert drng is not None and trng is not None
    sd = key_values(ds.get(int(date_key.tag)))
    st = key_values(ds.get(int(time_key.tag)))
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
    vals = key_values(e)
    if len(vals) != 1:
        return False
    try:
        return _split_range(key_text(vals[0]), vr) is not None
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


__all__ = [
    "DATE_TIME_PAIRS",
    "DATE_TIME_VRS",
    "QueryOptions",
    "WILDCARD_VRS",
    "is_universal",
    "key_text",
    "key_values",
    "match_dataset",
    "match_element",
    "matching_items",
    "wildcard_regex",
]
