"""Benchmark: one frame out of a ~1 GB multi-frame native file, dicomgen vs pydicom.

Writes (in a temporary folder) a valid Part 10 file - Explicit VR Little Endian,
Multi-frame Grayscale Word Secondary Capture, N frames of 512 x 512 x 16 bit (default
2000 frames, 1.05 GB) - then, in this one process:

1. dicomgen: ``dicomgen.read(path)`` (memory-mapped) and ``pixel_array(ds, frame=500)``;
2. pydicom: ``dcmread(path)`` and ``ds.pixel_array[500]`` (pydicom reads the whole value).

For each it prints wall time, the tracemalloc peak (Python allocations) and the growth of
VmRSS / RssAnon from /proc/self/status, checks the frame's values, and prints ratios.
Target for dicomgen: < 50 MB extra memory. Run: ``python bench/bench_large_multiframe.py
[--frames N] [--keep DIR]``. A benchmark, not a unit test.
"""

from __future__ import annotations

import argparse
import gc
import struct
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROWS = COLS = 512
FRAME = 500
SOP_CLASS = b"1.2.840.10008.5.1.4.1.1.7.3"  # Multi-frame Grayscale Word SC Image Storage
SOP_INSTANCE = b"1.2.826.0.1.3680043.10.1234.1.500"
EXPLICIT_LE = b"1.2.840.10008.1.2.1"
IMPL_UID = b"1.2.826.0.1.3680043.10.1234.99"


def _pad(value: bytes, pad: bytes = b"\x00") -> bytes:
    return value + pad if len(value) % 2 else value


def _short(group: int, elem: int, vr: bytes, value: bytes) -> bytes:
    """Explicit VR LE element with a 2-byte length (PS3.5 7.1.2)."""
    return struct.pack("<HH2sH", group, elem, vr, len(value)) + value


def _long(group: int, elem: int, vr: bytes, length: int) -> bytes:
    """Explicit VR LE header with a 4-byte length (OB, OW, ...: PS3.5 7.1.2)."""
    return struct.pack("<HH2sHL", group, elem, vr, 0, length)


def frame_values(i: int) -> np.ndarray:
    """Frame i: value (i * 3 + row + col) mod 4096 (12 bits stored)."""
    r = np.arange(ROWS, dtype=np.uint32)[:, None]
    c = np.arange(COLS, dtype=np.uint32)[None, :]
    return ((i * 3 + r + c) % 4096).astype("<u2")


def write_file(path: Path, frames: int) -> int:
    meta_body = b"".join(
        [
            _long(0x0002, 0x0001, b"OB", 2) + b"\x00\x01",
            _short(0x0002, 0x0002, b"UI", _pad(SOP_CLASS)),
            _short(0x0002, 0x0003, b"UI", _pad(SOP_INSTANCE)),
            _short(0x0002, 0x0010, b"UI", _pad(EXPLICIT_LE)),
            _short(0x0002, 0x0012, b"UI", _pad(IMPL_UID)),
        ]
    )
    meta = _short(0x0002, 0x0000, b"UL", struct.pack("<L", len(meta_body))) + meta_body
    us = lambda v: struct.pack("<H", v)
    body = b"".join(
        [
            _short(0x0008, 0x0016, b"UI", _pad(SOP_CLASS)),
            _short(0x0008, 0x0018, b"UI", _pad(SOP_INSTANCE)),
            _short(0x0008, 0x0060, b"CS", b"OT"),
            _short(0x0010, 0x0010, b"PN", _pad(b"Bench^Large", b" ")),
            _short(0x0010, 0x0020, b"LO", b"BENCH1"),
            _short(0x0020, 0x000D, b"UI", _pad(b"1.2.826.0.1.3680043.10.1234.2")),
            _short(0x0020, 0x000E, b"UI", _pad(b"1.2.826.0.1.3680043.10.1234.3")),
            _short(0x0028, 0x0002, b"US", us(1)),
            _short(0x0028, 0x0004, b"CS", b"MONOCHROME2 "),
            _short(0x0028, 0x0008, b"IS", _pad(str(frames).encode(), b" ")),
            _short(0x0028, 0x0010, b"US", us(ROWS)),
            _short(0x0028, 0x0011, b"US", us(COLS)),
            _short(0x0028, 0x0100, b"US", us(16)),
            _short(0x0028, 0x0101, b"US", us(12)),
            _short(0x0028, 0x0102, b"US", us(11)),
            _short(0x0028, 0x0103, b"US", us(0)),
            _long(0x7FE0, 0x0010, b"OW", frames * ROWS * COLS * 2),
        ]
    )
    with open(path, "wb") as f:
        f.write(b"\x00" * 128 + b"DICM" + meta + body)
        for i in range(frames):
            f.write(frame_values(i).tobytes())
    return path.stat().st_size


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(rest.split()[0]) * 1024
    return out


def measure(name: str, fn) -> dict[str, float]:
    gc.collect()
    before = _status()
    tracemalloc.start()
    t0 = time.perf_counter()
    frame, keep = fn()
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = _status()
    ok = np.array_equal(frame, frame_values(FRAME))
    res = {
        "seconds": elapsed,
        "tracemalloc_peak_mb": peak / 2**20,
        "rss_delta_mb": (after["VmRSS"] - before["VmRSS"]) / 2**20,
        "anon_delta_mb": (after.get("RssAnon", 0) - before.get("RssAnon", 0)) / 2**20,
        "file_delta_mb": (after.get("RssFile", 0) - before.get("RssFile", 0)) / 2**20,
        "correct": ok,
    }
    print(
        f"{name:10s} {elapsed:8.3f} s  tracemalloc peak {res['tracemalloc_peak_mb']:9.1f} MB  "
        f"RSS +{res['rss_delta_mb']:8.1f} MB (anon +{res['anon_delta_mb']:.1f}, "
        f"file +{res['file_delta_mb']:.1f})  frame correct: {ok}"
    )
    del keep
    return res


def ours(path: Path):
    import dicomgen
    from dicomgen.pixels import pixel_array

    ds = dicomgen.read(path)
    return pixel_array(ds, frame=FRAME), ds


def ours_without_reader(path: Path):
    """Fallback when the reader is unavailable: mmap + our frame slicing only."""
    import mmap

    from dicomgen.pixels.description import ImageDescription
    from dicomgen.pixels.native import decode_native

    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    mv = memoryview(mm)
    start = bytes(mv[:4096]).find(b"\xe0\x7f\x10\x00OW") + 12
    frames = int(_frames_from(bytes(mv[:4096])))
    desc = ImageDescription(
        rows=ROWS, columns=COLS, bits_allocated=16, bits_stored=12, number_of_frames=frames
    )
    return decode_native(mv[start:], desc, frame=FRAME), (mm, mv)


def _frames_from(header: bytes) -> bytes:
    i = header.find(b"\x28\x00\x08\x00IS")
    n = struct.unpack_from("<H", header, i + 6)[0]
    return header[i + 8 : i + 8 + n].strip()


def theirs(path: Path):
    import pydicom

    ds = pydicom.dcmread(path)
    return ds.pixel_array[FRAME], ds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="one frame of a ~1 GB multi-frame file: dicomgen vs pydicom"
    )
    p.add_argument("--frames", type=int, default=2000)
    p.add_argument("--keep", type=Path, help="write the file here and keep it")
    p.add_argument("--skip-pydicom", action="store_true")
    args = p.parse_args(argv)
    if args.frames <= FRAME:
        p.error(f"--frames must be > {FRAME}")
    tmp = None
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="dicomgen-bench-")
        folder = Path(tmp.name)
    path = folder / "large_multiframe.dcm"
    try:
        t0 = time.perf_counter()
        size = write_file(path, args.frames)
        print(f"wrote {path} ({size / 2**30:.2f} GiB, {args.frames} frames) in "
              f"{time.perf_counter() - t0:.1f} s; reading frame {FRAME}")  # fmt: skip
        try:
            res_ours = measure("dicomgen", lambda: ours(path))
        except Exception as exc:
            print(f"dicomgen.read failed ({type(exc).__name__}: {exc}); "
                  "measuring the pixel layer on a raw mmap instead")  # fmt: skip
            res_ours = measure("dicomgen*", lambda: ours_without_reader(path))
        target = max(res_ours["tracemalloc_peak_mb"], res_ours["rss_delta_mb"])
        print(f"dicomgen extra memory {target:.1f} MB: "
              f"{'within' if target < 50 else 'OVER'} the 50 MB target")  # fmt: skip
        if not args.skip_pydicom:
            res_theirs = measure("pydicom", lambda: theirs(path))
            for key in ("seconds", "tracemalloc_peak_mb", "rss_delta_mb"):
                a, b = res_ours[key], res_theirs[key]
                ratio = b / a if a > 0 else float("inf")
                print(f"pydicom / dicomgen {key:20s}: {ratio:10.1f}x")
        return 0 if res_ours["correct"] else 1
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
