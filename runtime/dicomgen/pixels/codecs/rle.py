"""RLE Lossless (1.2.840.10008.1.2.5): a pure Python/numpy decoder and encoder (PS3.5 Annex G).

An RLE frame is a 64-byte header (G.5: 16 little-endian uint32 - the number of segments,
at most 15, then the offset of each segment from the start of the header, unused ones 0)
followed by the segments. Each segment is one byte plane of one sample, PackBits encoded
(G.3.1: a control byte n of 0..127 is followed by n+1 literal bytes, -1..-127 by one byte
to repeat 1-n times, -128 is a no-op). The planes of a sample go most significant byte
first, samples in order (G.2), so a 16-bit RGB frame has 6 segments: R hi, R lo, G hi, ...
Each row is encoded separately and a segment is padded to an even length (G.3.1, G.4).
"""

from __future__ import annotations

import struct

import numpy as np

from dicomgen.core.errors import PixelDataError

from ..description import ImageDescription

RLE_LOSSLESS = "1.2.840.10008.1.2.5"
_HEADER = struct.Struct("<16L")


def parse_header(frame: bytes | memoryview) -> list[int]:
    """Segment offsets of an RLE frame (G.5), checked against the frame length."""
    if len(frame) < 64:
        raise PixelDataError(f"RLE frame of {len(frame)} bytes is shorter than its 64-byte header")
    fields = _HEADER.unpack_from(frame, 0)
    count = fields[0]
    if not 1 <= count <= 15:
        raise PixelDataError(f"RLE header gives {count} segments; 1 to 15 are allowed", offset=0)
    offsets = list(fields[1 : 1 + count])
    prev = 63
    for i, off in enumerate(offsets):
        if off <= prev or off > len(frame):
            raise PixelDataError(
                f"RLE segment {i} offset {off} is out of order or past the frame end "
                f"({len(frame)} bytes)",
                offset=4 + 4 * i,
            )
        prev = off
    return offsets


def unpack_segment(data: bytes | memoryview, length: int, *, offset: int = 0) -> bytes:
    """PackBits-decode a segment to ``length`` bytes (extra decoded bytes are dropped)."""
    src = bytes(data)
    out = bytearray()
    pos, end = 0, len(src)
    while pos < end and len(out) < length:
        n = src[pos]
        pos += 1
        if n < 128:  # literal run of n + 1 bytes
            if pos + n + 1 > end:
                raise PixelDataError(
                    "RLE literal run runs past the end of its segment", offset=offset + pos - 1
                )
            out += src[pos : pos + n + 1]
            pos += n + 1
        elif n > 128:  # replicate run: 257 - n copies of the next byte
            if pos >= end:
                raise PixelDataError(
                    "RLE replicate run has no byte to repeat", offset=offset + pos - 1
                )
            out += bytes((src[pos],)) * (257 - n)
            pos += 1
        # n == 128: no operation
    if len(out) < length:
        raise PixelDataError(
            f"RLE segment decodes to {len(out)} bytes, {length} expected", offset=offset
        )
    return bytes(out[:length])


def decode_frame(frame: bytes | memoryview, desc: ImageDescription) -> np.ndarray:
    """Decode one RLE frame to ``(rows, cols[, samples])`` of ``desc.dtype()``.

    Bits above Bits Stored are masked / sign-extended as for native data.
    """
    from ..native import correct_unused_bits

    if desc.bits_allocated == 1:
        raise PixelDataError("the built-in RLE decoder does not handle Bits Allocated 1")
    frame = bytes(frame)
    offsets = parse_header(frame)
    nbytes = desc.bits_allocated // 8
    spp = desc.samples_per_pixel
    if len(offsets) != nbytes * spp:
        raise PixelDataError(
            f"RLE frame has {len(offsets)} segments, {nbytes * spp} expected for "
            f"{spp} sample(s) of {desc.bits_allocated} bits"
        )
    npix = desc.rows * desc.columns
    bounds = offsets + [len(frame)]
    planes = np.empty((spp, nbytes, npix), dtype=np.uint8)
    for i in range(len(offsets)):
        seg = unpack_segment(frame[bounds[i] : bounds[i + 1]], npix, offset=bounds[i])
        planes[i // nbytes, i % nbytes] = np.frombuffer(seg, dtype=np.uint8)
    # most significant plane first -> big endian bytes per sample
    be = np.ascontiguousarray(planes.transpose(0, 2, 1)).view(
        desc.dtype().newbyteorder(">") if nbytes > 1 else desc.dtype()
    )
    arr = be.reshape(spp, desc.rows, desc.columns).astype(desc.dtype(), copy=nbytes > 1)
    arr = np.moveaxis(arr, 0, -1) if spp > 1 else arr[0]
    arr = np.ascontiguousarray(arr)
    return correct_unused_bits(arr, desc)


def pack_row(row: bytes) -> bytes:
    """PackBits-encode one row (G.3.1): replicate runs of 2+ equal bytes, else literals."""
    n = len(row)
    if n == 0:
        return b""
    a = np.frombuffer(row, dtype=np.uint8)
    # start index of each run of equal bytes
    starts = np.flatnonzero(np.concatenate(([True], a[1:] != a[:-1])))
    lengths = np.diff(np.append(starts, n))
    out = bytearray()
    literal_start = -1
    for s, ln in zip(starts.tolist(), lengths.tolist()):
        if ln >= 2:
            if literal_start >= 0:
                _emit_literal(out, row[literal_start:s])
                literal_start = -1
            value = row[s]
            while ln > 0:
                take = min(ln, 128)
                if take == 1:  # a leftover single byte becomes a literal
                    out += bytes((0, value))
                else:
                    out += bytes((257 - take, value))
                ln -= take
        elif literal_start < 0:
            literal_start = s
    if literal_start >= 0:
        _emit_literal(out, row[literal_start:])
    return bytes(out)


def _emit_literal(out: bytearray, data: bytes) -> None:
    for i in range(0, len(data), 128):
        chunk = data[i : i + 128]
        out.append(len(chunk) - 1)
        out += chunk


def encode_frame(arr: np.ndarray, desc: ImageDescription) -> bytes:
    """RLE-encode one frame ``(rows, cols[, samples])`` described by ``desc`` (Annex G)."""
    if desc.bits_allocated == 1 or desc.is_float:
        raise PixelDataError("RLE encoding needs integer samples of 8, 16, 32 or 64 bits")
    a = np.asarray(arr)
    if a.shape != desc.frame_shape:
        raise PixelDataError(f"frame shape {a.shape} does not match {desc.frame_shape}")
    nbytes = desc.bits_allocated // 8
    spp = desc.samples_per_pixel
    if spp * nbytes > 15:
        raise PixelDataError(f"RLE allows 15 segments, {spp * nbytes} would be needed")
    a = a.reshape(desc.rows, desc.columns, spp)
    be = np.ascontiguousarray(a, dtype=desc.dtype().newbyteorder(">") if nbytes > 1 else "u1")
    planes = be.view(np.uint8).reshape(desc.rows, desc.columns, spp, nbytes)
    segments = []
    for sample in range(spp):
        for byte in range(nbytes):
            plane = np.ascontiguousarray(planes[:, :, sample, byte])
            seg = b"".join(pack_row(plane[r].tobytes()) for r in range(desc.rows))
            if len(seg) % 2:
                seg += b"\x00"  # G.4: padded to an even length (no-op control byte is 128)
            segments.append(seg)
    offsets = []
    pos = 64
    for seg in segments:
        offsets.append(pos)
        pos += len(seg)
    header = _HEADER.pack(len(segments), *offsets, *([0] * (15 - len(offsets))))
    return header + b"".join(segments)
