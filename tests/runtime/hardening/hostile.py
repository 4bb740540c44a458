"""Hostile inputs for the hardening tests, built in well under a second: a deflate bomb (a
Part 10 file and its data set bytes), a C-STORE source that sends bytes as they are, and
peak-memory readings of processes (``/proc``)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from dicomgen.net.dimse.store_sources import StoreSource

DEFLATED = "1.2.840.10008.1.2.1.99"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def _explicit(tag: int, vr: str, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\x00" if vr == "UI" else b" "
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr.encode(), len(value)) + value


def deflate_bomb_dataset(uid: str, inflated: int = 1 << 30) -> bytes:
    """A Deflated Explicit VR Little Endian data set (PS3.5 A.5) whose header declares an OB
    of about ``inflated`` zero bytes, all of which follow: ~1 KB deflated per MB inflated.

    Built from one compressed block of zeros repeated: after a full flush the compressor
    starts afresh, so every block of the same input compresses to the same bytes."""
    head = b"".join(
        (
            _explicit(0x00080016, "UI", SECONDARY_CAPTURE.encode()),
            _explicit(0x00080018, "UI", uid.encode()),
            _explicit(0x0020000D, "UI", (uid + ".1").encode()),
            _explicit(0x0020000E, "UI", (uid + ".2").encode()),
        )
    )
    block = 1 << 22
    count = max(1, inflated // block)
    head += struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, count * block)
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    zeros = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH)
    out = first + zeros * count + c.flush()
    return out + b"\x00" if len(out) % 2 else out


def deflate_bomb_file(path: Path, uid: str, inflated: int = 1 << 30) -> Path:
    """:func:`deflate_bomb_dataset` as a Part 10 file."""
    from dicomgen.archive.files import part10_header

    path.write_bytes(
        part10_header(SECONDARY_CAPTURE, uid, DEFLATED) + deflate_bomb_dataset(uid, inflated)
    )
    return path


class RawSource(StoreSource):
    """A C-STORE source sending ``data`` unchanged in ``transfer_syntax``, whatever it holds."""

    def __init__(self, data: bytes, sop_class_uid: str, sop_instance_uid: str, ts: str) -> None:
        self.data = data
        self.sop_class_uid = sop_class_uid
        self.sop_instance_uid = sop_instance_uid
        self.transfer_syntax = ts
        self.encapsulated = False

    def can_send_as(self, transfer_syntax: str) -> bool:
        return transfer_syntax == self.transfer_syntax

    def chunks(self, transfer_syntax: str) -> Any:
        return [self.data]


def proc_status(pid: int, field: str) -> int:
    """``VmRSS``/``VmHWM``/... of process ``pid`` in bytes (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)
