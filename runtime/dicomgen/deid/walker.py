"""De-identify one data set: walk it (sequence items, private blocks, repeating groups
included), apply the action each element's Table E.1-1 row gives under the profile, and add
the attributes that say it was done (PS3.15 E.1.1).

The input is never changed: a new :class:`Dataset` is built. Each element a row of the table
decided on is recorded as an :class:`Entry` (path, tag, action, table row, deciding column).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..core.dataset import Dataset
from ..core.element import DataElement
from .profile import Decision, DeidError, Profile, is_safe_private, std, tables
from .values import Keys, clean_text, dummy, identifying_words, shift_dates, value_texts

PIXEL_DATA = 0x7FE00010
BURNED_IN_ANNOTATION = 0x00280301
PATIENT_ID = 0x00100020
PATIENT_NAME = 0x00100010
PATIENT_IDENTITY_REMOVED = 0x00120062
DEID_METHOD = 0x00120063
DEID_METHOD_CODES = 0x00120064
LONGITUDINAL_MODIFIED = 0x00280303
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
DATE_VRS = frozenset({"DA", "DT"})
TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT", "UR"})
REMOVING = frozenset({"X", "Z", "D", "U"})
# The data element of a curve (50xx,3000) or overlay (60xx,3000): the other elements of its
# group only describe it, and Overlay Data is Type 1 in the Overlay Plane Module (PS3.3
# C.9.2), so a group whose data the profile removed is removed whole (the module is optional).
GROUP_DATA = frozenset({0x50003000, 0x60003000})
REPEATING_GROUP_MASK = 0xFF00FFFF


class Entry(NamedTuple):
    """One element handled by a rule: where, what, and which row and column decided."""

    path: str
    tag: int
    vr: str
    action: str
    row: int | None
    column: str
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "tag": f"({self.tag >> 16:04X},{self.tag & 0xFFFF:04X})",
            "vr": self.vr,
            "action": self.action,
            "row": self.row,
            "column": self.column,
            **({"note": self.note} if self.note else {}),
        }


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


class Deidentifier:
    """Applies ``profile`` with the secrets of ``keys`` to data sets, one at a time."""

    def __init__(self, profile: Profile, keys: Keys) -> None:
        self.profile = profile
        self.keys = keys
        self._A = std().Action

    # --- entry point ------------------------------------------------------------------

    def dataset(self, ds: Dataset) -> tuple[Dataset, list[Entry]]:
        """The de-identified copy of ``ds`` and what was done to it."""
        self._check_pixels(ds)
        self._entries: list[Entry] = []
        self._days = self.keys.day_shift(ds.first_text(PATIENT_ID) or ds.first_text(PATIENT_NAME))
        self._source = ds
        self._words: set[str] | None = None  # computed on the first text to clean
        out = self._walk(ds, "")
        self._mark(out)
        object.__setattr__(out, "read_transfer_syntax", ds.read_transfer_syntax)
        return out, self._entries

    def _check_pixels(self, ds: Dataset) -> None:
        if PIXEL_DATA not in ds or self.profile.pixels_clean:
            return
        burned = ds.first_text(BURNED_IN_ANNOTATION).upper()
        if burned != "NO":
            state = f"is {burned}" if burned else "is absent (unknown)"
            raise DeidError(
                f"Burned In Annotation (0028,0301) {state}: the pixels may show identifying "
                "text; remove it and state the pixels are clean (Clean Pixel Data Option)",
                tag=BURNED_IN_ANNOTATION,
            )

    def _identifying_words(self, ds: Dataset) -> set[str]:
        """Words of the text values the profile removes or replaces, anywhere in ``ds``:
        what action C must take out of the descriptors it keeps."""
        values: list[str] = []
        for _, e in ds.walk():
            if e.vr in TEXT_VRS and e.vr != "CS":
                d = self.profile.decide(e.tag)
                if d.row is not None and d.action.value in REMOVING:
                    values.extend(value_texts(_value(e)))
        return identifying_words(values)

    # --- the walk ---------------------------------------------------------------------

    def _walk(self, ds: Dataset, path: str) -> Dataset:
        out = Dataset()
        creators: dict[int, dict[int, str]] = {}
        kept_blocks: set[tuple[int, int]] = set()
        pending_creators: list[DataElement] = []
        for e in ds.elements():
            tag = int(e.tag)
            group, elem = tag >> 16, tag & 0xFFFF
            here = f"{path}{_tag_text(tag)}"
            if elem == 0 and group != 0x0002:
                self._entries.append(Entry(here, tag, e.vr, "X", None, "group length"))
                continue
            if group & 1:
                if 0x0010 <= elem <= 0x00FF:
                    pending_creators.append(e)
                    continue
                if group not in creators:
                    creators[group] = ds.private_creators(group)
                if self._private(e, here, creators[group], out):
                    kept_blocks.add((group, elem >> 8))
                continue
            self._apply(e, here, self.profile.decide(tag), out)
        self._drop_described_groups(ds, out, path)
        for e in pending_creators:
            tag = int(e.tag)
            key = (tag >> 16, tag & 0xFF)
            d = self.profile.decide(tag)
            if key in kept_blocks:
                out.add(e.copy())
                self._entry(f"{path}{_tag_text(tag)}", e, "K", d, "creator of kept safe elements")
            else:
                self._entry(f"{path}{_tag_text(tag)}", e, "X", d)
        return out

    def _drop_described_groups(self, ds: Dataset, out: Dataset, path: str) -> None:
        """Remove the rest of each curve or overlay group whose data element was removed."""
        for tag in [t for t in ds.keys() if t & REPEATING_GROUP_MASK in GROUP_DATA]:
            if tag in out:
                continue
            group = tag >> 16
            d = self.profile.decide(tag)
            for rest in [t for t in out.keys() if t >> 16 == group]:
                e = out[rest]
                del out[rest]
                note = f"describes the removed {_tag_text(tag)}: the group is removed whole"
                self._entry(f"{path}{_tag_text(rest)}", e, "X", d, note)

    def _private(self, e: DataElement, here: str, creators: dict[int, str], out: Dataset) -> bool:
        d = self.profile.decide(int(e.tag))
        creator = creators.get((e.tag & 0xFFFF) >> 8, "")
        if d.action is self._A.C:
            if creator and is_safe_private(creator, e.tag >> 16, e.tag & 0xFF):
                out.add(self._kept(e, here))
                self._entry(here, e, "K", d, f"safe private of {creator!r} (Table E.3.10-1)")
                return True
            self._entry(here, e, "X", d, f"not a safe private element of {creator!r}")
            return False
        if d.action is self._A.K:
            out.add(self._kept(e, here))
            self._entry(here, e, "K", d)
            return True
        self._entry(here, e, "X", d)
        return False

    def _kept(self, e: DataElement, here: str) -> DataElement:
        if e.vr != "SQ":
            return e.copy()
        return self._sequence(e, here)

    def _sequence(self, e: DataElement, here: str) -> DataElement:
        items = [self._walk(item, f"{here}[{i}]") for i, item in enumerate(_value(e) or [])]
        return DataElement(e.tag, "SQ", items)

    def _apply(self, e: DataElement, here: str, d: Decision, out: Dataset) -> None:
        act, vr = d.action, e.vr
        if d.row is None:
            out.add(self._kept(e, here))
            return
        if act is self._A.C:
            act = self._clean(e, here, d, out)
            if act is None:
                return
        if act is self._A.X:
            self._entry(here, e, "X", d)
        elif act is self._A.K:
            out.add(self._kept(e, here))
            self._entry(here, e, "K", d)
        elif act is self._A.Z:
            out.add(DataElement(e.tag, vr, [] if vr == "SQ" else None))
            self._entry(here, e, "Z", d)
        elif vr == "SQ":  # D or U on a sequence: keep its items, each cleaned by the profile
            out.add(self._sequence(e, here))
            self._entry(here, e, act.value, d, "items de-identified")
        elif vr == "UI":
            mapped = [self.keys.uid(u) for u in value_texts(_value(e))]
            out.add(DataElement(e.tag, vr, "\\".join(mapped) if mapped else None))
            self._entry(here, e, act.value, d)
        else:
            out.add(DataElement(e.tag, vr, dummy(vr)))
            self._entry(here, e, "D", d, "" if act is self._A.D else f"{act.value} on VR {vr}")

    def _clean(self, e: DataElement, here: str, d: Decision, out: Dataset) -> Any:
        """Action C. Returns the action to apply instead, or ``None`` when done here."""
        vr = e.vr
        if vr == "SQ":
            out.add(self._sequence(e, here))
            self._entry(here, e, "C", d, "items de-identified")
        elif vr in DATE_VRS and self.profile.modified_dates:
            out.add(DataElement(e.tag, vr, shift_dates(_value(e), self._days) or None))
            self._entry(here, e, "C", d, "date shifted")
        elif vr == "TM" and self.profile.modified_dates:
            out.add(e.copy())
            self._entry(here, e, "C", d, "time of day kept (dates shifted by whole days)")
        elif vr in BINARY_VRS:
            if not self.profile.pixels_clean:
                return self._basic(d)
            out.add(e.copy())
            self._entry(here, e, "C", d, "kept: stated clean (Clean Pixel Data Option)")
        elif vr in TEXT_VRS or vr in ("UN",):
            texts = value_texts(_value(e))
            if self._words is None:
                self._words = self._identifying_words(self._source)
            cleaned = [clean_text(t, self._words) for t in texts]
            out.add(DataElement(e.tag, vr, "\\".join(cleaned) if cleaned else None))
            self._entry(here, e, "C", d, "identifying words removed")
        else:
            return self._basic(d)
        return None

    def _basic(self, d: Decision) -> Any:
        """The Basic Profile's action of ``d``'s row, compound resolved."""
        published = d.row.basic  # type: ignore[union-attr]
        return tables().compound.get(published, published)

    # --- records and the attributes that say what was done ---------------------------------

    def _entry(self, here: str, e: DataElement, action: str, d: Decision, note: str = "") -> None:
        self._entries.append(
            Entry(
                here,
                int(e.tag),
                e.vr,
                action,
                d.row.row if d.row is not None else None,
                std().OPTIONS[d.column].code_meaning,
                note,
            )
        )

    def _mark(self, out: Dataset) -> None:
        p = self.profile
        out.add(DataElement(PATIENT_IDENTITY_REMOVED, "CS", "YES"))
        meanings = [m for _, _, m in p.codes()]
        out.add(
            DataElement(
                DEID_METHOD, "LO", "\\".join([f"DICOMGEN PS3.15 {std().EDITION}", *meanings])
            )
        )
        items = []
        for value, scheme, meaning in p.codes():
            item = Dataset()
            item.add(DataElement(0x00080100, "SH", value))
            item.add(DataElement(0x00080102, "SH", scheme))
            item.add(DataElement(0x00080104, "LO", meaning))
            items.append(item)
        out.add(DataElement(DEID_METHOD_CODES, "SQ", items))
        state = "MODIFIED" if p.modified_dates else "UNMODIFIED" if p.full_dates else "REMOVED"
        out.add(DataElement(LONGITUDINAL_MODIFIED, "CS", state))
        if p.pixels_clean and BURNED_IN_ANNOTATION in out:
            out.add(DataElement(BURNED_IN_ANNOTATION, "CS", "NO"))


def _value(e: DataElement) -> Any:
    return e.value
