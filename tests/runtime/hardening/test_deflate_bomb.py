"""Bounded inflation: a 1 MB Deflated Explicit VR Little Endian data set inflating to 1 GB is
refused with a DicomError by the reader, by ``dicomgen dump`` and by the SCP (a failure
status), with peak memory under 100 MB (measured from ``/proc`` and ``getrusage``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from net_processes import kill
from net_store_helpers import start_our_scp

from dicomgen.core.errors import DecodeError
from dicomgen.encoding.deflate import deflate, inflate, inflated_size
from dicomgen.encoding.limits import Limits
from dicomgen.encoding.reader import decode_dataset

from .hostile import (
    DEFLATED,
    SECONDARY_CAPTURE,
    RawSource,
    deflate_bomb_dataset,
    deflate_bomb_file,
    proc_status,
)

pytestmark = pytest.mark.timeout(120)

MB = 1 << 20


def test_bomb_is_one_megabyte_inflating_to_a_gigabyte() -> None:
    data = deflate_bomb_dataset("2.25.1")
    assert len(data) < 1.1 * MB
    assert inflated_size(data, 2 << 30) > 1 << 30


def test_reader_refuses_the_bomb() -> None:
    with pytest.raises(DecodeError, match="inflates past"):
        decode_dataset(deflate_bomb_dataset("2.25.2"), DEFLATED)


def test_inflate_limit_is_configurable() -> None:
    data = deflate(bytes(10 * MB))
    assert len(inflate(data)) == 10 * MB  # under the default floor
    small = Limits(inflate_floor=MB, inflate_ratio=2)
    assert small.inflate_limit(len(data)) == MB
    with pytest.raises(DecodeError, match="inflates past 1048576"):
        inflate(data, limit=small.inflate_limit(len(data)))
    with pytest.raises(DecodeError, match="corrupt"):
        inflate(b"\xff" * 64)


def test_dump_of_the_bomb_stays_under_100_mb(tmp_path: Path) -> None:
    bomb = deflate_bomb_file(tmp_path / "bomb.dcm", "2.25.3")
    # a fresh process whose only child is the dump: RUSAGE_CHILDREN is the dump's peak
    probe = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run([sys.executable, '-m', 'dicomgen.cli.main', 'dump', sys.argv[1]],"
        " capture_output=True, text=True, timeout=60)\n"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(p.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(bomb)], capture_output=True, text=True, timeout=90
    )
    code, peak_kb = out.stdout.split("\n", 1)[0].split()
    print(f"dump of the bomb: peak {int(peak_kb) // 1024} MB")
    assert int(code) != 0, out.stdout
    assert "inflates past" in out.stdout
    assert "Traceback" not in out.stdout
    assert int(peak_kb) * 1024 < 100 * MB, f"dump peaked at {int(peak_kb) // 1024} MB"


async def _send_bombs(port: int, count: int) -> list[int]:
    from dicomgen.net import AE, Timeouts

    async def one(i: int) -> int:
        ae = AE("BOMBER", timeouts=Timeouts(connect=5, acse=10, dimse=30, idle=30, artim=5))
        ae.add_requested_context(SECONDARY_CAPTURE, [DEFLATED])
        uid = f"2.25.{time.time_ns()}{i}"
        src = RawSource(deflate_bomb_dataset(uid), SECONDARY_CAPTURE, uid, DEFLATED)
        async with ae.associate("127.0.0.1", port, "K1SCP") as assoc:
            rsp = await assoc.send_c_store(src)
            return rsp.status

    return list(await asyncio.gather(*(one(i) for i in range(count))))


@pytest.mark.parametrize("count", [1, 4])
def test_scp_refuses_bombs_in_bounded_memory(tmp_path: Path, count: int) -> None:
    proc, port = start_our_scp(tmp_path / "store", "--no-fsync")
    try:
        from dicomgen.net import AE, VERIFICATION_SOP_CLASS

        ae = AE("WARMUP")
        ae.add_requested_context(VERIFICATION_SOP_CLASS)
        with ae.associate_sync("127.0.0.1", port, "K1SCP") as assoc:
            assert assoc.send_c_echo() == 0
        idle = proc_status(proc.pid, "VmRSS")
        statuses = asyncio.run(asyncio.wait_for(_send_bombs(port, count), 90))
        peak = proc_status(proc.pid, "VmHWM")
    finally:
        kill(proc)
    print(f"SCP: {count} bomb(s), idle {idle // MB} MB, peak {peak // MB} MB")
    assert all(s >> 12 in (0xA, 0xC) for s in statuses), [hex(s) for s in statuses]
    assert peak - idle < 100 * MB, f"SCP rose {(peak - idle) // MB} MB above idle"
    assert not list((tmp_path / "store").rglob("*.dcm"))
