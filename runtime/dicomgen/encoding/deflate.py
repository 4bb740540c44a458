"""Deflated Explicit VR Little Endian (PS3.5 A.5): raw DEFLATE of the whole data set.

The data set (everything after the File Meta Information in a Part 10 file) is
compressed with the Deflate algorithm of RFC 1951 without zlib header or checksum
(``wbits=-15``). Inflated output is bounded (:meth:`Limits.inflate_limit
<dicomgen.encoding.limits.Limits.inflate_limit>`: a multiple of the deflated size, at least
a floor, at most an absolute cap) and the bound is checked by a first pass that inflates
chunk by chunk and keeps nothing, so a small crafted input (a "deflate bomb") is refused
without its output ever being held in memory.
"""

from __future__ import annotations

import zlib

from ..core.errors import DecodeError
from .limits import MAX_INFLATED, default_limits

#: Bytes of output inflated at a time.
_CHUNK = 1 << 20


def inflated_size(data: bytes | memoryview, limit: int, *, offset: int = 0) -> int:
    """The size ``data`` (raw DEFLATE) inflates to, found in bounded memory; DecodeError
    once it passes ``limit`` bytes or if the stream is corrupt."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    tail: bytes | memoryview = memoryview(data)
    try:
        while tail and not d.eof:
            total += len(d.decompress(tail, _CHUNK))
            tail = d.unconsumed_tail
            if total > limit:
                raise DecodeError(
                    f"deflated data set inflates past {limit} bytes (limit for"
                    f" {len(data)} deflated bytes)",
                    offset=offset,
                )
        total += len(d.flush())
    except zlib.error as exc:
        raise DecodeError(f"corrupt deflated data set: {exc}", offset=offset) from None
    if total > limit:
        raise DecodeError(f"deflated data set inflates past {limit} bytes", offset=offset)
    return total


def inflate(data: bytes | memoryview, *, offset: int = 0, limit: int | None = None) -> bytearray:
    """Inflate raw DEFLATE data; ``offset`` (where ``data`` starts) is named in errors.
    ``limit``: most bytes of output (default: the default limits' bound for ``data``'s size)."""
    if limit is None:
        limit = default_limits().inflate_limit(len(data))
    size = inflated_size(data, limit, offset=offset)
    out = bytearray(size)
    view = memoryview(out)
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    pos = 0
    tail: bytes | memoryview = memoryview(data)
    while tail and not d.eof and pos < size:
        chunk = d.decompress(tail, min(_CHUNK, size - pos))
        view[pos : pos + len(chunk)] = chunk
        pos += len(chunk)
        tail = d.unconsumed_tail
    rest = d.flush()
    view[pos : pos + len(rest)] = rest
    view.release()
    return out


def deflate(data: bytes | memoryview, level: int = 6) -> bytes:
    """Raw DEFLATE (RFC 1951) of ``data``, as A.5 requires."""
    c = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


__all__ = ["MAX_INFLATED", "deflate", "inflate", "inflated_size"]
