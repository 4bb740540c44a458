"""The C-STORE statuses of the archive (PS3.4 Table B.2-1, PS3.7 Annex C) and which failure
earns which: Refused: Out of Resources (A700) only when the machine lacks a resource (disk
space, quota, memory, file descriptors); Error: Cannot Understand (C000) for a data set or
request that is malformed (an invalid UID included); Processing Failure (0110) for any other
failure to write. Each is an expected outcome, answered and logged without a traceback."""

from __future__ import annotations

import errno
import re

STORE_SUCCESS = 0x0000
STORE_PROCESSING_FAILURE = 0x0110
STORE_OUT_OF_RESOURCES = 0xA700
STORE_DOES_NOT_MATCH_SOP_CLASS = 0xA900
STORE_CANNOT_UNDERSTAND = 0xC000

#: ``errno`` values that mean a resource ran out (A700).
RESOURCE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.EFBIG}
)

#: A UID as an archive accepts it for a path and an index key: PS3.5 9.1 digits and dots,
#: at most 64 characters (leading zeros, which some creators write, are tolerated).
_UID = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def uid_problem(uid: str, what: str) -> str | None:
    """Why ``uid`` (named ``what``) is not a usable UID, or None."""
    if len(uid) > 64:
        return f"{what} is {len(uid)} characters long (at most 64, PS3.5 9.1)"
    if not _UID.fullmatch(uid):
        shown = uid if len(uid) <= 64 else uid[:61] + "..."
        return f"{what} {shown!r} is not digits separated by dots (PS3.5 9.1)"
    return None


def write_failure_status(exc: OSError) -> int:
    """The status of a store that failed with ``exc`` while writing."""
    return STORE_OUT_OF_RESOURCES if exc.errno in RESOURCE_ERRNOS else STORE_PROCESSING_FAILURE


__all__ = [
    "RESOURCE_ERRNOS",
    "STORE_CANNOT_UNDERSTAND",
    "STORE_DOES_NOT_MATCH_SOP_CLASS",
    "STORE_OUT_OF_RESOURCES",
    "STORE_PROCESSING_FAILURE",
    "STORE_SUCCESS",
    "uid_problem",
    "write_failure_status",
]
