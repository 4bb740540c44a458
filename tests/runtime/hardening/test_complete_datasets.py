"""Nothing broken is acknowledged or sent: the SCP answers a C-class status and stores nothing
for a truncated data set (a value running past the end, or native Pixel Data shorter than its
Image Pixel attributes describe); ``dicomgen store`` checks each file before sending, goes on
past a bad one (exit 1 at the end) and stops at it with ``--halt``."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from net_processes import kill
from net_store_helpers import (
    EXPLICIT,
    SECONDARY_CAPTURE,
    generated_files,
    make_dataset,
    sop_instance_uid,
    start_our_scp,
    stored_by_uid,
)

from dicomgen.encoding.writer import encode_dataset
from dicomgen.net import AE, Timeouts

from .hostile import RawSource

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("store")
    proc, port = start_our_scp(store, "--no-fsync")
    try:
        yield store, port
    finally:
        kill(proc)


def short_pixels(data: bytes, missing: int) -> bytes:
    """``data`` (Explicit VR LE, Pixel Data last) with Pixel Data ``missing`` bytes shorter
    and its length field saying so: well formed, but fewer pixels than described."""
    at = data.rindex(b"\xe0\x7f\x10\x00OW")
    (length,) = struct.unpack_from("<I", data, at + 8)
    return data[: at + 8] + struct.pack("<I", length - missing) + data[at + 12 : -missing]


def send(port: int, data: bytes, uid: str) -> int:
    ae = AE("SENDER", timeouts=Timeouts(connect=5, acse=10, dimse=20, idle=20, artim=5))
    ae.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
    with ae.associate_sync("127.0.0.1", port, "K1SCP") as assoc:
        return assoc.send_c_store(RawSource(data, SECONDARY_CAPTURE, uid, EXPLICIT)).status


@pytest.mark.parametrize("defect", ["truncated", "short_pixels", "large_truncated"])
def test_scp_refuses_incomplete_dataset(scp, defect: str) -> None:
    store, port = scp
    size = 2200 if defect == "large_truncated" else 64  # 2200^2 x 2 bytes: the streamed path
    ds = make_dataset(hash(defect) % 1000, rows=size, cols=size)
    uid = ds.first_text(0x00080018)
    data = bytes(encode_dataset(ds, EXPLICIT))
    bad = short_pixels(data, 62) if defect == "short_pixels" else data[:-62]
    status = send(port, bad, uid)
    assert status >> 12 == 0xC, hex(status)
    assert uid not in stored_by_uid(store)
    assert send(port, data, uid) == 0  # the same instance, complete, is stored
    assert uid in stored_by_uid(store)


def dicomgen_store(port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dicomgen.cli.main", "store", "127.0.0.1", str(port)]
        + ["--aec", "K1SCP", "-to", "20", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_store_goes_on_past_a_bad_file_and_halts_on_request(scp, tmp_path: Path) -> None:
    store, port = scp
    good = generated_files(tmp_path / "a", 3, [EXPLICIT])
    bad = tmp_path / "truncated.dcm"
    bad.write_bytes(generated_files(tmp_path / "b", 1, [EXPLICIT])[0].read_bytes()[:-62])
    out = dicomgen_store(port, str(good[0]), str(bad), str(good[1]), str(good[2]))
    assert out.returncode == 1
    assert "truncated.dcm" in out.stderr and "1 file(s) not stored" in out.stderr
    stored = stored_by_uid(store)
    assert all(sop_instance_uid(p) in stored for p in good)
    assert "Traceback" not in out.stderr

    more = generated_files(tmp_path / "c", 2, [EXPLICIT])
    halted = dicomgen_store(port, "--halt", str(bad), str(more[0]), str(more[1]))
    assert halted.returncode == 1 and "halted" in halted.stderr
    stored = stored_by_uid(store)
    assert not any(sop_instance_uid(p) in stored for p in more)


@pytest.mark.parametrize(
    "rows, frames, samples, photometric, pixel_bytes, complete",
    [
        (4, 1, 1, "MONOCHROME2", 32, True),
        (4, 1, 1, "MONOCHROME2", 30, False),
        (4, 3, 1, "MONOCHROME2", 96, True),
        (4, 3, 1, "MONOCHROME2", 64, False),
        (4, 1, 3, "RGB", 96, True),
        (4, 1, 3, "RGB", 94, False),
        (4, 1, 3, "YBR_FULL_422", 64, True),  # two samples per pixel on average
        (4, 1, 3, "YBR_FULL_422", 62, False),
    ],
)
def test_check_complete(
    rows: int, frames: int, samples: int, photometric: str, pixel_bytes: int, complete: bool
) -> None:
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.errors import DecodeError
    from dicomgen.encoding.complete import check_complete
    from dicomgen.encoding.reader import decode_dataset

    ds = Dataset()
    for tag, vr, value in (
        (0x00280002, "US", samples),
        (0x00280004, "CS", photometric),
        (0x00280008, "IS", str(frames)),
        (0x00280010, "US", rows),
        (0x00280011, "US", rows),
        (0x00280100, "US", 16),
    ):
        ds.add_new(tag, vr, value)
    ds.add_new(0x7FE00010, "OW", bytes(pixel_bytes))
    read = decode_dataset(encode_dataset(ds, EXPLICIT), EXPLICIT)  # values read from bytes
    for candidate in (ds, read):
        if complete:
            check_complete(candidate)
        else:
            with pytest.raises(DecodeError, match="fewer than"):
                check_complete(candidate)
