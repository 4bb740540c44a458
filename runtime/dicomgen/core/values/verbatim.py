"""Text kept verbatim because it does not conform to its VR.

Reading never loses data: a DA that is not a date, a UI with letters, an LO longer than 64
characters are returned as :class:`VerbatimText` (a ``str``) by
:func:`dicomgen.encoding.values.decode_value`, and :func:`~dicomgen.encoding.values.encode_value`
writes them back unchanged, while a new plain ``str`` is validated strictly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["VerbatimText"]


class VerbatimText(str):
    """A non-conformant text value kept as read. ``.vr`` and ``.problems`` say why."""

    __slots__ = ("vr", "problems")

    vr: str
    problems: tuple[str, ...]

    def __new__(cls, text: str, vr: str = "", problems: tuple[str, ...] = ()) -> VerbatimText:
        self = super().__new__(cls, text)
        self.vr = str(vr)
        self.problems = tuple(problems)
        return self

    def __repr__(self) -> str:
        return f"VerbatimText({str.__repr__(self)}, vr={self.vr!r})"

    def __reduce__(self) -> Any:
        return (VerbatimText, (str(self), self.vr, self.problems))
