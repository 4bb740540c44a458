"""Load: 50 concurrent associations each storing 20 small instances into one ``dicomgen scp``
(a separate process): all 1,000 stored and indexed, none lost, none left half written."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from net_processes import kill
from net_store_helpers import (
    SECONDARY_CAPTURE,
    make_dataset,
    start_our_scp,
    stored_by_uid,
    temp_files,
)

from dicomgen.net import AE, Timeouts

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

ASSOCIATIONS = 50
PER_ASSOCIATION = 20


def test_fifty_concurrent_associations(tmp_path: Path) -> None:
    datasets = [
        [make_dataset(a * 100 + i) for i in range(PER_ASSOCIATION)] for a in range(ASSOCIATIONS)
    ]
    store = tmp_path / "store"
    proc, port = start_our_scp(store, "--no-fsync", "--max-associations", "64")
    try:
        t0 = time.monotonic()

        async def one(batch: list) -> list[int]:
            ae = AE("LOADSCU", timeouts=Timeouts(connect=10, acse=30, dimse=30, idle=30))
            ae.add_requested_context(SECONDARY_CAPTURE)
            async with ae.associate("127.0.0.1", port, "K1SCP") as assoc:
                return [(await assoc.send_c_store(ds)).status for ds in batch]

        async def all_of_them() -> list[list[int]]:
            return await asyncio.gather(*(one(batch) for batch in datasets))

        statuses = asyncio.run(asyncio.wait_for(all_of_them(), 75))
        elapsed = time.monotonic() - t0
    finally:
        kill(proc)
    assert [s for batch in statuses for s in batch] == [0] * (ASSOCIATIONS * PER_ASSOCIATION)
    assert elapsed < 60, f"{elapsed:.1f} s"
    stored = stored_by_uid(store)
    expected = {str(ds[0x00080018].value) for batch in datasets for ds in batch}
    assert set(stored) == expected
    assert not temp_files(store)
    from dicomgen.archive.index import Index
    from dicomgen.archive.levels import Level

    with Index(store / "index.sqlite") as index:
        assert index.count(Level.IMAGE) == ASSOCIATIONS * PER_ASSOCIATION
