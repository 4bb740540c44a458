"""Flow control on receive: a data set streamed to a slow store holds the peer back (TCP)
instead of piling up in memory; a store that takes nothing ends the association."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from net_store_helpers import (
    EXPLICIT,
    SECONDARY_CAPTURE,
    make_dataset,
    stored_by_uid,
)

from dicomgen.archive import StorageSCP
from dicomgen.archive import files as files_mod
from dicomgen.archive import storage as storage_mod
from dicomgen.archive.storage import StorageService, add_storage_contexts
from dicomgen.core.errors import NetworkError
from dicomgen.media.part10 import write
from dicomgen.net import AE, Timeouts

TIMEOUTS = Timeouts(connect=5, acse=5, dimse=15, idle=15, artim=2)
MAX_PDU = 1 << 20


def _scu(timeouts: Timeouts = TIMEOUTS) -> AE:
    ae = AE("K1SCU", timeouts=timeouts, max_pdu=MAX_PDU)
    ae.add_requested_context(SECONDARY_CAPTURE, (EXPLICIT,))
    ae.add_requested_context("1.2.840.10008.1.1")
    return ae


def _serve(handlers: dict, timeouts: Timeouts = TIMEOUTS):
    ae = AE("K1SCP", timeouts=timeouts, max_pdu=MAX_PDU)
    add_storage_contexts(ae)
    ae.add_supported_context("1.2.840.10008.1.1")
    return ae.serve_sync(("127.0.0.1", 0), handlers)


def _big_file(folder: Path, frames: int) -> Path:
    ds = make_dataset(1, rows=1024, cols=1024, frames=1)
    ds[0x00280008].value = str(frames)
    ds[0x7FE00010].value = os.urandom(1024 * 1024 * 2 * frames)
    path = folder / "big.dcm"
    write(path, ds, EXPLICIT)
    return path


@pytest.mark.slow
def test_a_slow_store_holds_the_peer_back(tmp_path: Path, monkeypatch) -> None:
    """96 MB into a store writing at ~50 MB/s (sleeping 20 ms per 1 MB fragment): what the
    SCP holds stays bounded (spill threshold + sink backlog + provider backlog + transport),
    far below the data set."""
    path = _big_file(tmp_path, 48)
    size = path.stat().st_size
    real_write = os.write

    def slow_write(fd: int, data) -> int:
        if len(data) >= 1 << 19:
            time.sleep(0.02)
        return real_write(fd, data)

    monkeypatch.setattr(files_mod.os, "write", slow_write)
    storage = StorageSCP(tmp_path / "store", fsync=False)
    server = _serve({"C-STORE": StorageService(storage)})
    try:
        tracemalloc.start()
        try:
            with _scu().associate_sync("127.0.0.1", server.port, "K1SCP") as a:
                rsp = a.send_c_store(str(path))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert rsp.ok
        # without flow control the whole data set waited in memory (peak ~ size)
        assert peak < 40 << 20, f"peak {peak} bytes for a {size}-byte instance"
        stored = stored_by_uid(storage.root)[rsp.sop_instance_uid]
        assert stored.stat().st_size > size - 1024
        with open(stored, "rb") as f, open(path, "rb") as g:
            f.seek(-(1 << 20), os.SEEK_END)
            g.seek(-(1 << 20), os.SEEK_END)
            assert f.read() == g.read()
    finally:
        server.shutdown()
        storage.close()


class _SlowStorage:
    """``store_stream`` consumes one chunk per ``step()``; records what it got."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.files = SimpleNamespace(fsync=False)
        self.steps = threading.Semaphore(0)
        self.got = 0
        self.fail_after = fail_after
        self.ended = threading.Event()

    def store_stream(self, chunks, *a, **k):
        try:
            for n, chunk in enumerate(chunks):
                if self.fail_after is not None and n >= self.fail_after:
                    raise OSError(28, "No space left on device")
                self.steps.acquire()
                self.got += len(chunk)
            return SimpleNamespace(status=0, ok=True)
        finally:
            self.ended.set()


def _sink(storage: _SlowStorage):
    service = StorageService(storage, spill_threshold=1 << 20)  # type: ignore[arg-type]
    req = SimpleNamespace(
        transfer_syntax=EXPLICIT,
        sop_class_uid="1.2",
        sop_instance_uid="1.2.3",
        calling_ae_title="A",
    )
    return service.open_stream(req)  # type: ignore[arg-type]


def test_sink_asks_for_a_pause_above_the_high_mark_until_under_the_low_mark(monkeypatch):
    monkeypatch.setattr(storage_mod, "BACKLOG_HIGH", 4 << 20)
    monkeypatch.setattr(storage_mod, "BACKLOG_LOW", 2 << 20)
    storage = _SlowStorage()
    sink = _sink(storage)
    mb = b"\0" * (1 << 20)

    async def go() -> None:
        for _ in range(4):
            sink.write(mb)
        assert sink.room() is None  # 4 MB waiting: at the mark, not above
        sink.write(mb)
        waiter = sink.room()
        assert waiter is not None and not waiter.done()
        for _ in range(2):  # 5 -> 3 MB: still above the low mark
            storage.steps.release()
        await asyncio.sleep(0.2)
        assert not waiter.done()
        storage.steps.release()  # 2 MB: room again
        await asyncio.wait_for(waiter, 5)
        sink.close()
        for _ in range(2):
            storage.steps.release()
        assert (await asyncio.wait_for(sink.result(), 5)).ok

    asyncio.run(go())
    assert storage.got == 5 << 20 and sink.backlog == 0


def test_abort_and_a_failed_store_release_the_association(monkeypatch):
    monkeypatch.setattr(storage_mod, "BACKLOG_HIGH", 1 << 20)
    monkeypatch.setattr(storage_mod, "BACKLOG_LOW", 1 << 19)
    mb = b"\0" * (1 << 20)

    async def aborted() -> None:
        storage = _SlowStorage()
        sink = _sink(storage)
        sink.write(mb)
        sink.write(mb)
        waiter = sink.room()
        assert waiter is not None
        sink.abort()
        await asyncio.wait_for(waiter, 5)
        assert sink.room() is None
        storage.steps.release(10)  # the thread takes what was queued, then sees the abort
        assert storage.ended.wait(5)

    async def failed() -> None:
        storage = _SlowStorage(fail_after=0)
        sink = _sink(storage)
        sink.write(mb)
        sink.write(mb)  # spilled: the thread fails on its first chunk
        assert storage.ended.wait(5)
        await asyncio.sleep(0.05)
        assert sink.room() is None
        sink.write(mb)  # dropped: nobody reads the queue any more
        sink.close()
        with pytest.raises(OSError):
            await sink.result()

    asyncio.run(aborted())
    asyncio.run(failed())


def test_a_store_that_takes_nothing_ends_the_association(tmp_path: Path, monkeypatch) -> None:
    """The SCP's store thread takes no data: after the DIMSE timeout the association is
    aborted, and the SCP keeps serving."""
    monkeypatch.setattr(storage_mod, "BACKLOG_HIGH", 1 << 20)
    path = _big_file(tmp_path, 8)  # 16 MB
    stuck = _SlowStorage()
    quick = Timeouts(connect=3, acse=3, dimse=1, idle=10, artim=1)

    async def echo(event):
        return 0

    service = StorageService(stuck, spill_threshold=1 << 20)  # type: ignore[arg-type]
    server = _serve({"C-STORE": service, "C-ECHO": echo}, quick)
    try:
        started = time.monotonic()
        with pytest.raises(NetworkError):
            with _scu().associate_sync("127.0.0.1", server.port, "K1SCP") as a:
                a.send_c_store(str(path))
        assert time.monotonic() - started < 12
        stuck.steps.release(1000)  # let the thread run into the abort and end
        assert stuck.ended.wait(5)
        with _scu().associate_sync("127.0.0.1", server.port, "K1SCP") as a:
            assert a.send_c_echo() == 0
    finally:
        server.shutdown()
