"""C-STORE statuses follow PS3.4 Annex B: invalid UIDs are refused as Cannot Understand (C000),
not Out of Resources; a disk that cannot take a large (streamed) instance answers A700 and
logs no traceback (the file size limit, RLIMIT_FSIZE, stands in for a full disk)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from net_processes import kill
from net_store_helpers import EXPLICIT, SECONDARY_CAPTURE, make_dataset

from dicomgen.archive.storage_scp import StorageSCP
from dicomgen.archive.store_status import (
    STORE_CANNOT_UNDERSTAND,
    STORE_OUT_OF_RESOURCES,
    STORE_PROCESSING_FAILURE,
    write_failure_status,
)
from dicomgen.core.element import DataElement
from dicomgen.encoding.writer import encode_dataset
from dicomgen.net import AE, Timeouts

from .hostile import RawSource

pytestmark = pytest.mark.timeout(120)

BAD_UIDS = ["1.2/3", "1.2..3", "../../etc", "1." + "2" * 63, "1." + "2" * 59_998]


def with_uid(uid: str) -> bytes:
    """A data set whose SOP Instance UID is ``uid`` as written (the writer would refuse it)."""
    ds = make_dataset(3)
    raw = uid.encode() + b"\x00" * (len(uid) % 2)
    ds.add(DataElement.from_raw(0x00080018, "UI", raw, True))
    return bytes(encode_dataset(ds, EXPLICIT))


@pytest.mark.parametrize("uid", BAD_UIDS, ids=["slash", "dot-dot", "traversal", "65", "60000"])
def test_invalid_dataset_uids_are_cannot_understand(tmp_path: Path, uid: str) -> None:
    with StorageSCP(tmp_path / "store", fsync=False) as scp:
        result = scp.store_encoded(with_uid(uid), EXPLICIT)
        assert result.status == STORE_CANNOT_UNDERSTAND, result
        streamed = scp.store_stream(
            [with_uid("2.25.5")], EXPLICIT, sop_class_uid=SECONDARY_CAPTURE, sop_instance_uid=uid
        )
        assert streamed.status == STORE_CANNOT_UNDERSTAND, streamed
    assert not list((tmp_path / "store").rglob("*.dcm"))


def test_invalid_uid_over_the_network(tmp_path: Path) -> None:
    from net_store_helpers import start_our_scp

    proc, port = start_our_scp(tmp_path / "store", "--no-fsync")
    try:
        ae = AE("SENDER", timeouts=Timeouts(connect=5, acse=10, dimse=20, idle=20, artim=5))
        ae.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
        with ae.associate_sync("127.0.0.1", port, "K1SCP") as assoc:
            for uid in BAD_UIDS:
                # the request names a valid UID, the data set carries the bad one
                src = RawSource(with_uid(uid), SECONDARY_CAPTURE, "2.25.6", EXPLICIT)
                assert assoc.send_c_store(src).status == STORE_CANNOT_UNDERSTAND
    finally:
        kill(proc)
    assert not list((tmp_path / "store").rglob("*.dcm"))


def test_write_failure_statuses() -> None:
    import errno

    assert write_failure_status(OSError(errno.ENOSPC, "full")) == STORE_OUT_OF_RESOURCES
    assert write_failure_status(OSError(errno.EDQUOT, "quota")) == STORE_OUT_OF_RESOURCES
    assert write_failure_status(OSError(errno.EACCES, "denied")) == STORE_PROCESSING_FAILURE


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))


@pytest.mark.parametrize("rows", [256, 2200], ids=["small", "large streamed"])
def test_full_disk_answers_a700_without_traceback(tmp_path: Path, rows: int) -> None:
    """A 4 MB file size limit: a ~9.7 MB instance (streamed to disk) cannot be written."""
    import re

    store = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dicomgen.cli.main", "scp", "--port", "0", "--aet", "K1SCP"]
        + ["--store", str(store), "--no-fsync"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_file_size,
    )
    try:
        m = re.search(r":(\d+)", proc.stdout.readline())  # type: ignore[union-attr]
        assert m, proc.stderr.read()  # type: ignore[union-attr]
        ae = AE("SENDER", timeouts=Timeouts(connect=5, acse=10, dimse=30, idle=30, artim=5))
        ae.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
        ds = make_dataset(5, rows=rows, cols=rows * 1)
        with ae.associate_sync("127.0.0.1", int(m.group(1)), "K1SCP") as assoc:
            status = assoc.send_c_store(ds).status
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        kill(proc)
    if rows == 256:  # 128 kB: fits under the limit
        assert status == 0
    else:
        assert status == STORE_OUT_OF_RESOURCES, hex(status)
        assert "Traceback" not in err, err
        assert "cannot store" in err
