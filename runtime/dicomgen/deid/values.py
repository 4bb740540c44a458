"""Replacement values: keyed UIDs, per-patient date shifts, dummy values valid for each VR.

* :class:`Keys` derives everything secret from one user key: UID replacement is
  ``2.25.<HMAC-SHA256(key, uid) as a 128-bit integer>`` (PS3.5 B.2), so one key gives the same
  UIDs in every run and a reference keeps pointing at its referent; the date shift of a patient
  is HMAC(key, patient id) reduced to 1..3650 days back.
* :func:`dummy` gives a non-empty value that the VR accepts (action D).
* :func:`shift_dates` moves DA/DT values by whole days (Retain Longitudinal Temporal
  Information with Modified Dates: intervals kept, dates changed).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import re
from typing import Any

from .profile import DeidError

MAX_SHIFT_DAYS = 3650
STANDARD_UID_ROOT = "1.2.840.10008."
"""UIDs of the standard itself (SOP classes, transfer syntaxes, well-known instances): kept."""

_TEXT_DUMMY = "ANONYMOUS"
DUMMY: dict[str, Any] = {
    "AE": _TEXT_DUMMY,
    "AS": "000D",
    "CS": _TEXT_DUMMY,
    "DA": "19000101",
    "DS": "0",
    "DT": "19000101000000",
    "FL": 0.0,
    "FD": 0.0,
    "IS": "0",
    "LO": _TEXT_DUMMY,
    "LT": _TEXT_DUMMY,
    "OB": b"\x00\x00",
    "OD": b"\x00" * 8,
    "OF": b"\x00" * 4,
    "OL": b"\x00" * 4,
    "OV": b"\x00" * 8,
    "OW": b"\x00\x00",
    "PN": _TEXT_DUMMY,
    "SH": _TEXT_DUMMY,
    "SL": 0,
    "SS": 0,
    "ST": _TEXT_DUMMY,
    "SV": 0,
    "TM": "000000",
    "UC": _TEXT_DUMMY,
    "UL": 0,
    "UN": b"\x00\x00",
    "UR": "urn:anonymous",
    "US": 0,
    "UT": _TEXT_DUMMY,
    "UV": 0,
    "AT": 0,
}
"""Action D: a non-zero-length value valid for each VR (UI is mapped, SQ is cleaned)."""


def dummy(vr: str) -> Any:
    try:
        return DUMMY[vr]
    except KeyError:
        raise DeidError(f"no dummy value for VR {vr!r}") from None


class Keys:
    """Everything derived from the user's secret key (at least 16 bytes)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise DeidError(
                f"the de-identification key must have at least 16 bytes, not {len(key)}"
            )
        self._key = bytes(key)
        self.uids: dict[str, str] = {}
        """Every UID replaced so far: original -> replacement (the mapping file's content)."""

    @classmethod
    def generate(cls) -> Keys:
        return cls(os.urandom(32))

    @property
    def secret(self) -> bytes:
        return self._key

    def _mac(self, purpose: bytes, text: str) -> bytes:
        return hmac.new(
            self._key, purpose + b"\x00" + text.encode("utf-8"), hashlib.sha256
        ).digest()

    def uid(self, original: str) -> str:
        """The replacement of ``original`` (standard UIDs and empty values are kept)."""
        u = original.strip("\x00 ")
        if not u or u.startswith(STANDARD_UID_ROOT):
            return u
        got = self.uids.get(u)
        if got is None:
            got = self.uids[u] = "2.25." + str(int.from_bytes(self._mac(b"uid", u)[:16], "big"))
        return got

    def day_shift(self, patient: str) -> int:
        """Days to subtract from every date of ``patient`` (1..MAX_SHIFT_DAYS)."""
        n = int.from_bytes(self._mac(b"date-shift", patient)[:8], "big")
        return 1 + n % MAX_SHIFT_DAYS


_DATE = re.compile(r"^(\d{4})\.?(\d{2})\.?(\d{2})(.*)$")


def _shift_one(text: str, days: int) -> str:
    m = _DATE.match(text.strip())
    if not m:
        return ""  # not a full date: nothing of the original survives
    try:
        d = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return ""
    try:
        d -= _dt.timedelta(days=days)
    except OverflowError:
        d = _dt.date(1, 1, 1)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}{m.group(4)}"


def value_texts(value: Any) -> list[str]:
    """The values of a string element as text (one per value; none when empty)."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return ["" if v is None else str(v) for v in value]
    return [str(value)]


def shift_dates(value: Any, days: int) -> str:
    """DA or DT value(s) moved ``days`` back, backslash-joined; time parts kept."""
    return "\\".join(_shift_one(t, days) for t in value_texts(value))


_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)


def identifying_words(values: list[str]) -> set[str]:
    """Words of three characters or more in ``values`` (upper-cased): what a cleaned
    descriptor must not contain."""
    out: set[str] = set()
    for v in values:
        out.update(w.upper() for w in _WORD.findall(v.replace("^", " ")))
    return out


def clean_text(text: str, words: set[str]) -> str:
    """``text`` with every word found in ``words`` replaced by ``*`` (action C on text)."""
    if not words:
        return text
    return _WORD.sub(lambda m: "*" if m.group(0).upper() in words else m.group(0), text)
