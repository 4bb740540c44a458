"""Resolving transfer syntax UIDs to their records (PS3.5 section 10 and Annex A).

The records come from the generated registry ``dicomgen_std.transfer_syntaxes``.
A private (or otherwise unknown) transfer syntax can be declared with
:func:`register`; its data set encoding (implicit/explicit VR, byte order, deflate,
encapsulated pixel data) is then known and data sets in it can be read and written.
"""

from __future__ import annotations

from typing import Union

from ..core.errors import TransferSyntaxError
from ..core.registry_types import TransferSyntax

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"

_DECLARED: dict[str, TransferSyntax] = {}

TransferSyntaxLike = Union[str, TransferSyntax]


def _registry() -> dict[str, TransferSyntax]:
    from dicomgen_std.transfer_syntaxes import TRANSFER_SYNTAXES

    return TRANSFER_SYNTAXES


def register(ts: TransferSyntax) -> TransferSyntax:
    """Declare a private transfer syntax so that data sets in it can be read and written."""
    if not isinstance(ts, TransferSyntax):
        raise TransferSyntaxError(f"not a TransferSyntax record: {ts!r}")
    _DECLARED[str(ts.uid)] = ts
    return ts


def unregister(uid: str) -> None:
    _DECLARED.pop(str(uid), None)


def resolve(ts: TransferSyntaxLike) -> TransferSyntax:
    """The :class:`TransferSyntax` record of a UID (or the record itself).

    Raises :class:`TransferSyntaxError` for a UID that is neither in the standard's
    registry nor declared with :func:`register`.
    """
    if isinstance(ts, TransferSyntax):
        return ts
    uid = str(ts).strip("\x00 ") if ts is not None else ""
    found = _DECLARED.get(uid)
    if found is None:
        found = _registry().get(uid)
    if found is None:
        raise TransferSyntaxError(
            f"unknown transfer syntax {uid!r}; declare a private one with "
            "dicomgen.encoding.transfer_syntax.register()",
            uid=uid,
        )
    return found


def is_known(uid: str) -> bool:
    uid = str(uid).strip("\x00 ")
    return uid in _DECLARED or uid in _registry()


__all__ = [
    "DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN",
    "EXPLICIT_VR_BIG_ENDIAN",
    "EXPLICIT_VR_LITTLE_ENDIAN",
    "IMPLICIT_VR_LITTLE_ENDIAN",
    "TransferSyntaxLike",
    "is_known",
    "register",
    "resolve",
    "unregister",
]
