"""Deflated Explicit VR Little Endian (PS3.5 A.5): raw DEFLATE of the whole data set.

The data set (everything after the File Meta Information in a Part 10 file) is
compressed with the Deflate algorithm of RFC 1951 without zlib header or checksum
(``wbits=-15``). Inflated output is bounded (``MAX_INFLATED``) so that a small
crafted input cannot exhaust memory.
"""

from __future__ import annotations

import zlib
from typing import Union

from ..core.errors import DecodeError

MAX_INFLATED = 4 << 30
"""Largest inflated data set accepted (4 GiB, the most a 32-bit length can describe)."""

_CHUNK = 1 << 24


def inflate(data: Union[bytes, memoryview], *, offset: int = 0, limit: int = MAX_INFLATED) -> bytes:
    """Inflate raw DEFLATE data; ``offset`` (where ``data`` starts) is named in errors."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    out = []
    total = 0
    src = memoryview(data)
    try:
        for start in range(0, max(len(src), 1), _CHUNK):
            chunk = d.decompress(src[start : start + _CHUNK], limit - total + 1)
            total += len(chunk)
            out.append(chunk)
            while d.unconsumed_tail and total <= limit:
                chunk = d.decompress(d.unconsumed_tail, limit - total + 1)
                total += len(chunk)
                out.append(chunk)
            if total > limit:
                raise DecodeError(f"deflated data set inflates past {limit} bytes", offset=offset)
            if d.eof:
                break
        out.append(d.flush())
    except zlib.error as exc:
        raise DecodeError(f"corrupt deflated data set: {exc}", offset=offset) from None
    return b"".join(out)


def deflate(data: Union[bytes, memoryview], level: int = 6) -> bytes:
    """Raw DEFLATE (RFC 1951) of ``data``, as A.5 requires."""
    c = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


__all__ = ["MAX_INFLATED", "deflate", "inflate"]
