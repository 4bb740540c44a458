"""New UIDs (PS3.5 9.1 and B.2): the ``2.25.<UUID>`` form, or a suffix under an organization root.

:func:`generate_uid` gives random UIDs by default; given ``entropy_srcs`` (for example the
Study Instance UID and the file name an instance was converted from) it gives the same UID for
the same sources every time, so that converting twice gives the same identifiers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable

from .errors import InvalidValueError
from .uid import UID

__all__ = ["generate_uid", "UUID_ROOT", "MAX_UID_LENGTH"]

UUID_ROOT = "2.25."
"""The root of UIDs derived from a UUID (PS3.5 B.2, ISO/IEC 9834-8)."""
MAX_UID_LENGTH = 64
"""PS3.5 9.1: a UID is at most 64 characters."""

_ROOT_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\.$")
_MIN_SUFFIX_DIGITS = 10  # below this a random suffix collides too easily to be unique


def generate_uid(prefix: str | None = None, entropy_srcs: Iterable[str] | None = None) -> UID:
    """A new UID.

    ``prefix=None``: ``2.25.`` followed by the decimal value of a UUID (PS3.5 B.2): a random
    (version 4) UUID, or with ``entropy_srcs`` a name-based one (version 5 layout over SHA-512
    of the sources), the same for the same sources. ``prefix``: an organization's root ending
    in ``"."`` (digits and dots, no leading zeros); the UID is the root followed by up to
    ``64 - len(prefix)`` digits, random or derived from ``entropy_srcs``. A root leaving fewer
    than 10 digits for the suffix raises :class:`~dicomgen.core.errors.InvalidValueError`.
    """
    digest = _digest(entropy_srcs)
    if prefix is None:
        return UID(UUID_ROOT + str(_uuid_int(digest)))
    _check_root(prefix)
    room = MAX_UID_LENGTH - len(prefix)
    if room < _MIN_SUFFIX_DIGITS:
        raise InvalidValueError(
            f"UID root {prefix!r} is {len(prefix)} characters: it leaves {room} of the 64 a UID "
            f"may have (PS3.5 9.1); at least {_MIN_SUFFIX_DIGITS} are needed for a unique suffix"
        )
    number = int.from_bytes(digest if digest is not None else secrets.token_bytes(64), "big")
    # A suffix component has no leading zero (PS3.5 9.1): its first digit is 1-9.
    head = 1 + number % 9
    tail = str(number // 9).zfill(room - 1)[-(room - 1) :]
    return UID(f"{prefix}{head}{tail}")


def _digest(entropy_srcs: Iterable[str] | None) -> bytes | None:
    if entropy_srcs is None:
        return None
    h = hashlib.sha512()
    for src in entropy_srcs:
        if not isinstance(src, str):
            raise InvalidValueError(
                f"entropy source {src!r} is a {type(src).__name__}; generate_uid takes strings"
            )
        data = src.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))  # length-prefixed: ("ab","c") != ("a","bc")
        h.update(data)
    return h.digest()


def _uuid_int(digest: bytes | None) -> int:
    if digest is None:
        return uuid.uuid4().int
    return uuid.UUID(bytes=digest[:16], version=5).int


def _check_root(prefix: str) -> None:
    if not _ROOT_RE.match(prefix):
        what = "does not end in '.'" if not prefix.endswith(".") else "is not digits and dots"
        raise InvalidValueError(
            f"UID root {prefix!r} {what}: a root is components of digits without leading zeros "
            "separated by '.', ending in '.' (PS3.5 9.1), e.g. '1.2.826.0.1.3680043.10.1071.'"
        )
