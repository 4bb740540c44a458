"""Multi-valued element values (PS3.5 6.4)."""

from __future__ import annotations

from typing import Any

__all__ = ["MultiValue"]


class MultiValue(list[Any]):
    """The values of an element with VM > 1, as decoded (a plain ``list`` subclass).

    :func:`dicomgen.encoding.values.decode_value` returns one for every VM > 1 value (text
    VRs split on backslash, binary VRs with more than one number, AT with several tags);
    VM == 1 values are returned bare.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MultiValue({list.__repr__(self)})"
