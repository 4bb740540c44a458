"""Bounds on what one decoded input may cost, shared by every decoder (Part 10, DIMSE data
sets, DICOM JSON, DICOMDIR).

A hostile or broken input must end in a :class:`~dicomgen.core.errors.DicomError`, never in
memory or recursion exhaustion. Each bound has a safe default (:data:`DEFAULT_LIMITS`) and is
configurable per call (``limits=``) or for the whole process (:func:`set_default_limits`).
"""

from __future__ import annotations

import attrs

#: Deepest nesting of sequences (items within items) accepted; real data sets nest well
#: under 10 levels.
MAX_DEPTH = 64
#: Most data elements and items one decoded data set may hold, counting every nested item.
MAX_ELEMENTS = 1_000_000
#: Largest inflated Deflated Explicit VR Little Endian data set (PS3.5 A.5) accepted at all.
MAX_INFLATED = 1 << 30
#: An inflated data set may be this many times its deflated size ...
INFLATE_RATIO = 64
#: ... or this many bytes, whichever is larger (and at most ``MAX_INFLATED``).
INFLATE_FLOOR = 32 << 20


@attrs.frozen
class Limits:
    """The bounds of one decode; see the module constants for each field's meaning."""

    max_depth: int = MAX_DEPTH
    max_elements: int = MAX_ELEMENTS
    max_inflated: int = MAX_INFLATED
    inflate_ratio: int = INFLATE_RATIO
    inflate_floor: int = INFLATE_FLOOR

    def inflate_limit(self, deflated_size: int) -> int:
        """The most bytes ``deflated_size`` bytes of DEFLATE data may inflate to."""
        return min(self.max_inflated, max(self.inflate_floor, self.inflate_ratio * deflated_size))


DEFAULT_LIMITS = Limits()


def default_limits() -> Limits:
    """The limits used when a call gives none."""
    return DEFAULT_LIMITS


def set_default_limits(limits: Limits) -> Limits:
    """Make ``limits`` the process-wide default; returns the previous default."""
    global DEFAULT_LIMITS
    previous, DEFAULT_LIMITS = DEFAULT_LIMITS, limits
    return previous


__all__ = [
    "DEFAULT_LIMITS",
    "INFLATE_FLOOR",
    "INFLATE_RATIO",
    "Limits",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_INFLATED",
    "default_limits",
    "set_default_limits",
]
