"""C-FIND search, response identifiers and C-MOVE/C-GET selection over the index (PS3.4 C.4).

Matching a key against a stored attribute is :mod:`.matching`.
The search (:func:`find`) is the Hierarchical Search (C.4.1.3.1) or, with ``relational``, the
Relational Search (C.4.1.3.2). See :class:`QueryOptions` for how baseline constraints on the
Identifier (C.4.1.2.1) are enforced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import DicomError
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
from .matching import (
    QueryOptions,
    is_universal,
    key_text,
    key_values,
    match_dataset,
    matching_items,
)

# Status codes (PS3.4 Tables C.4-1, C.4-2, C.4-3).
SUCCESS = 0x0000
PENDING = 0xFF00
CANCEL = 0xFE00
IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
UNABLE_TO_PROCESS = 0xC000


class QueryError(DicomError):
    """An Identifier that cannot be processed; ``status`` is the DIMSE status to return."""

    def __init__(self, message: str, status: int = IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, **kw: Any):
        super().__init__(message, **kw)
        self.status = status


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
    vals = key_values(e) if e is not None else []
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
    vals = key_values(e)
    if len(vals) != 1:
        return None
    s = key_text(vals[0]).strip()
    return None if not s or "*" in s or "?" in s else s


def _uid_list(e: DataElement | None) -> list[str] | None:
    """The UIDs of a unique key for a SQL prefilter, ``None`` when it is not a plain list."""
    if e is None or is_universal(e):
        return None
    vals = [key_text(v).strip() for v in key_values(e)]
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
    if stored is None or not key_values(stored):
        vr = key.vr if key.vr != "UN" or stored is None else stored.vr
        return DataElement(t, vr, [] if vr == "SQ" else None)
    if key.vr == "SQ" and stored.vr == "SQ":
        kitems = key_values(key)
        if not kitems or len(kitems[0]) == 0:
            return stored.copy()
        items = matching_items(kitems[0], key_values(stored), opts.pn_case_insensitive)
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
            for v in key_values(e):
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
            vals = [key_text(v).strip() for v in key_values(e)]
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
    "IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS",
    "PENDING",
    "ParsedQuery",
    "QueryError",
    "SUCCESS",
    "Selection",
    "UNABLE_TO_PROCESS",
    "build_response",
    "find",
    "find_problems",
    "model_of",
    "parse_identifier",
    "query_level",
    "select_instances",
]
