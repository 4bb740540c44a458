"""The one error hierarchy of dicomgen.

Every error raised on bad input is a :class:`DicomError` subclass. Each carries
where it happened as data (``offset``, ``tag``, ``path``; ``part``, ``table``,
``row`` for the generator) so that tools can report it and tests can assert it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .typed_check import Nonconformity


def _fmt_tag(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


class DicomError(Exception):
    """Base of every dicomgen error.

    ``where`` fields are optional; ``str(err)`` names all that are known.
    """

    def __init__(
        self,
        message: str,
        *,
        offset: int | None = None,
        tag: int | None = None,
        path: str | None = None,
        **context: Any,
    ) -> None:
        self.message = message
        self.offset = offset
        self.tag = tag
        self.path = path
        self.context = context
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"in {self.path}")
        if self.tag is not None:
            where.append(f"at tag {_fmt_tag(self.tag)}")
        if self.offset is not None:
            where.append(f"at offset {self.offset}")
        for key, value in self.context.items():
            if value is not None:
                where.append(f"{key} {value}")
        return self.message if not where else f"{self.message} ({', '.join(where)})"


# --- data layer ---------------------------------------------------------------


class DecodeError(DicomError):
    """Bytes that are not a valid DICOM encoding (truncated, bad length, bad VR...)."""


class EncodeError(DicomError):
    """A value or data set that cannot be encoded as asked."""


class InvalidValueError(DicomError, ValueError):
    """A Python value that is not valid for its VR (wrong type, format or length)."""


class CharacterSetError(DicomError):
    """Text that cannot be decoded or encoded with the Specific Character Set."""


class TransferSyntaxError(DicomError):
    """An unknown or unsupported transfer syntax."""


class PixelDataError(DicomError):
    """Pixel data that cannot be decoded, encoded, or does not match its description."""


class MissingCodecError(PixelDataError):
    """The codec plugin for a compressed transfer syntax is not installed."""


class DicomKeyError(DicomError, KeyError):
    """A tag or keyword that is not in a data set or dictionary."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return self.args[0] if self.args else self.message


# --- typed classes and validation --------------------------------------------


class ValidationError(DicomError):
    """An object that does not conform to its IOD (raised when asked to be strict)."""


class NonConformingError(ValidationError):
    """A data set whose values do not fit the typed class it is read into (an absent Type 1
    value, a value that is not of its VR's type or outside its Enumerated Values).

    ``problems`` lists every such field (:class:`dicomgen.core.typed_check.Nonconformity`:
    attribute path, tag, Type, module, problem); the message names the first ones. Read with
    ``lenient=True`` to get the values anyway (:class:`dicomgen.core.typed_unchecked.Unchecked`).
    """

    def __init__(self, cls_name: str, problems: Sequence[Nonconformity], path: str | None) -> None:
        self.problems: tuple[Nonconformity, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in problems[:3])
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        super().__init__(
            f"not a conforming {cls_name}: {shown}{more}",
            tag=problems[0].tag if problems else None,
            path=path,
        )


# --- generator ----------------------------------------------------------------


class StandardSourceError(DicomError):
    """A DocBook source that is missing, not XML, of the wrong part, or failed to download."""


class SpecParseError(DicomError):
    """A table of the standard that does not have the expected shape.

    Names the part, the table's xml:id and the row.
    """


class GenerationError(DicomError):
    """Code generation failed (name collision, template error, output that does not import)."""


# --- network ------------------------------------------------------------------


class NetworkError(DicomError):
    """Base of Upper Layer and DIMSE errors."""


class PDUError(NetworkError, DecodeError):
    """A malformed Protocol Data Unit."""


class AssociationRejected(NetworkError):
    """The peer rejected the association (result, source and reason kept)."""


class AssociationAborted(NetworkError):
    """The association was aborted (by the peer or the provider)."""


class DimseError(NetworkError):
    """A malformed or unexpected DIMSE message."""


class NetworkTimeout(NetworkError, TimeoutError):
    """A network operation did not complete in time."""


# --- media --------------------------------------------------------------------


class MediaError(DicomError):
    """A File-set or DICOMDIR that is invalid (bad offset, record loop, missing file)."""


__all__ = [name for name in dir() if name.endswith(("Error", "Rejected", "Aborted", "Timeout"))]
