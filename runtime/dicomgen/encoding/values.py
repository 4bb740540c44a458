"""Value codecs: the bytes of a data element's Value Field <-> Python values, per VR.

PS3.5 6.2 (Table 6.2-1) and 6.4 (Value Multiplicity). This is the hot path of the reader and
writer; dispatch is by precomputed per-VR tables.

This module is the public face of the value codec; its parts are :mod:`.vr_rules` (the
rules of each VR), :mod:`.value_decoding` and :mod:`.value_encoding`. It also checks values
(:func:`validate_value`) and registers the codec as a service of :mod:`dicomgen.core.services`.

Decoding (:func:`decode_value`):

- empty raw -> ``None``. VM == 1 -> the value itself; VM > 1 -> a
  :class:`~dicomgen.core.values.MultiValue` (a ``list``) of values.
- AE, AS, CS, DS, IS, LO, SH, UI: leading and trailing spaces removed from each value;
  DA, DT, TM, PN, UC, UR, ST, LT, UT: trailing spaces removed (PS3.5 Table 6.2-1).
  Trailing NULs are removed too (UI padding; some writers also pad text with NUL).
- AE, AS, CS, LO, SH, UC, ST, LT, UT, UR -> ``str``; UI -> :class:`~dicomgen.core.uid.UID`;
  PN -> :class:`~dicomgen.core.values.PersonName`; DA/TM/DT -> ``DA``/``TM``/``DT`` (or a
  ``DateRange``/``TimeRange``/``DateTimeRange`` for a query range key); IS -> ``IS``;
  DS -> ``DS``. An empty value inside a multi-valued string gives ``""`` for plain string VRs
  and ``None`` for PN, DA, TM, DT, IS, DS.
- A text value that does not conform to its VR (too long, bad characters, a DA that is not a
  date...) is returned as :class:`~dicomgen.core.values.VerbatimText` (a ``str`` with
  ``.problems``) so nothing is lost; :func:`encode_value` writes it back unchanged.
- AT -> :class:`~dicomgen.core.tag.Tag`; US, SS, UL, SL, UV, SV -> ``int``; FL, FD -> ``float``.
  More than one number -> a ``MultiValue`` list (decided: always a list, never a tuple or an
  array; long arrays are converted with :mod:`array` in C).
- OB, UN -> ``bytes``; OW, OF, OD, OL, OV -> ``bytes`` in **little endian** order whatever the
  transfer syntax (big endian values are byte swapped per word on decode and back on encode),
  so values move between transfer syntaxes unchanged. The pixel data helper makes arrays.
- An unknown VR code is treated as UN (PS3.5 6.2: unknown VRs may be handled as UN).

Encoding (:func:`encode_value`) accepts the decoded types and plain ``str``, ``int``,
``float``, ``Decimal``, ``datetime.date/time/datetime``, numpy scalars and arrays, and
sequences of these for VM > 1 (a ``str`` containing ``\\`` is taken as already joined values).
It pads to even length with the VR's padding (``VR.padding``) and raises
:class:`~dicomgen.core.errors.InvalidValueError` (naming the VR and value) for wrong types,
values too long, characters outside the VR's repertoire, malformed DA/TM/DT/IS/DS/UI, and
numbers out of range. Typed values carrying their original string (decoded values) and
``VerbatimText`` are written verbatim.

:func:`validate_value` lists every problem of a value per the VR rules without raising.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..core import services
from ..core.errors import CharacterSetError, EncodeError, InvalidValueError
from ..core.uid import UID
from ..core.values.datetime_values import (
    DA,
    DT,
    TM,
    DateRange,
    DateTimeRange,
    TimeRange,
)
from ..core.values.numbers import DS, IS
from ..core.values.person_name import PersonName
from .value_decoding import decode_value
from .value_encoding import _is_sequence, encode_value
from .vr_rules import _CHARSET_VRS, _CHECKS, _SINGLE_VALUED_TEXT, TEXT_VRS, _check_ui

__all__ = ["decode_value", "encode_value", "validate_value", "TEXT_VRS"]

# --- validation ----------------------------------------------------------------------------


def _item_problems(vr: str, item: Any) -> list[str]:
    if item is None:
        return []
    if isinstance(item, PersonName):
        return item.problems()
    if isinstance(item, (IS, DS, DA, TM, DT, DateRange, TimeRange, DateTimeRange)):
        check = _CHECKS.get(vr)
        if check is None:
            return [f"{type(item).__name__} value is not valid for VR {vr}"]
        p = check(str(item))
        return [p] if p else []
    if isinstance(item, str):
        check = _CHECKS.get(vr)
        if check is None:
            return [f"str value is not valid for VR {vr}"]
        if vr == "UI":
            p = _check_ui(item)
            if p is None and item and not UID(item).is_valid:
                p = f"UI value {item!r} does not follow PS3.5 9.1 (empty component or leading 0)"
            return [p] if p else []
        if (
            vr in ("AE", "CS", "UI", "AS", "DA", "TM", "DT", "IS", "DS", "UR")
            and not item.isascii()
        ):
            return [f"{vr} value {item!r} has characters outside the default repertoire"]
        p = check(item)
        return [p] if p else []
    try:
        encode_value(vr, item)
    except (InvalidValueError, CharacterSetError, EncodeError) as e:
        return [e.message]
    return []


def validate_value(vr: str, value: Any, charsets: Sequence[str] | None = None) -> list[str]:
    """Every way ``value`` breaks the rules of VR ``vr`` (PS3.5 6.2, 6.4); ``[]`` if none.

    Checks types, lengths (``VR.max_length``), character repertoires, DA/TM/DT/IS/DS/AS/UI
    formats, binary ranges and VM 1 for ST/LT/UT/UR. With ``charsets`` given, text that the
    Specific Character Set cannot encode is reported too.
    """
    if value is None:
        return []
    problems: list[str] = []
    if vr in TEXT_VRS:
        if isinstance(value, str) and "\\" in value and vr not in _SINGLE_VALUED_TEXT:
            items: Iterable[Any] = value.split("\\")
        elif _is_sequence(value):
            items = list(value)
            if vr in _SINGLE_VALUED_TEXT and len(items) > 1:
                problems.append(f"{vr} is single valued but has {len(items)} values")
        else:
            items = [value]
        for item in items:
            problems += _item_problems(vr, item)
        if charsets is not None and vr in _CHARSET_VRS and not problems:
            try:
                encode_value(vr, value, charsets=tuple(charsets))
            except CharacterSetError as e:
                problems.append(e.message)
            except InvalidValueError:
                pass
        return problems
    if vr == "SQ":
        return [] if _is_sequence(value) else ["SQ value must be a sequence of items"]
    try:
        encode_value(vr, value)
    except (InvalidValueError, CharacterSetError, EncodeError) as e:
        problems.append(e.message)
    return problems


services.register("decode_value", decode_value)
services.register("validate_value", validate_value)
