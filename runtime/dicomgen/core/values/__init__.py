"""Typed values for the VRs whose text has structure (PS3.5 6.2).

- :class:`PersonName` (PN) with :class:`ComponentGroup`
- :class:`DA`, :class:`TM`, :class:`DT` (subclasses of ``datetime.date/time/datetime``) and the
  query range keys :class:`DateRange`, :class:`TimeRange`, :class:`DateTimeRange`
- :class:`IS` (``int``) and :class:`DS` (``float``)
- :class:`MultiValue` (VM > 1) and :class:`VerbatimText` (non-conformant text kept as read)

Every decoded value keeps its original string so unchanged values are written back exactly.
"""

from .datetime_values import DA, DT, TM, DateRange, DateTimeRange, TimeRange
from .multivalue import MultiValue
from .numbers import DS, IS, format_ds, format_is
from .person_name import ComponentGroup, PersonName
from .verbatim import VerbatimText

__all__ = [
    "ComponentGroup",
    "DA",
    "DS",
    "DT",
    "DateRange",
    "DateTimeRange",
    "IS",
    "MultiValue",
    "PersonName",
    "TM",
    "TimeRange",
    "VerbatimText",
    "format_ds",
    "format_is",
]
