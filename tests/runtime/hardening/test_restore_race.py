"""Concurrent re-stores of the same SOP Instances under different studies (4 associations,
100 stores each over 10 SOP Instance UIDs) leave exactly one file and one index row per
instance, the row naming the file, and that copy is the one the SCP answered last.

Each test repeats its race ``RUNS`` times (8; set ``DICOMGEN_RACE_RUNS`` for a longer soak,
e.g. 100 before changing the store paths), runs with fsync a third as often."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from net_processes import kill
from net_store_helpers import EXPLICIT, SECONDARY_CAPTURE, make_dataset, start_our_scp

from dicomgen.archive import StorageSCP
from dicomgen.archive.storage import StorageService, add_storage_contexts
from dicomgen.archive.storage_scp import StoreResult
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse.store_scp import StoreRequest

pytestmark = pytest.mark.timeout(300)

UIDS = [f"2.25.{4242000 + i}" for i in range(10)]
RUNS = int(os.environ.get("DICOMGEN_RACE_RUNS", "8"))
FSYNC_RUNS = max(2, RUNS // 3)


def copy_of(uid: str, study: int, marker: int = 0, rows: int = 8) -> object:
    """A copy of ``uid`` in study ``study``; ``marker``: its Instance Number, told apart
    from every other copy's; ``rows`` x 8 pixels."""
    ds = make_dataset(study, rows=rows)
    ds[0x00080018].value = uid
    ds[0x00200013].value = str(marker)
    ds[0x0020000D].value = f"2.25.777{study}"
    ds[0x0020000E].value = f"2.25.778{study}"
    return ds


async def restore_many(port: int, seed: int) -> dict[str, list[str]]:
    """Store 4 x 100 copies; returns the studies acknowledged with Success per UID, in the
    order their responses arrived."""
    acked: dict[str, list[str]] = {uid: [] for uid in UIDS}

    async def association(n: int) -> None:
        rnd = random.Random(seed * 10 + n)
        ae = AE(f"RACER{n}", timeouts=Timeouts(connect=5, acse=10, dimse=30, idle=30, artim=5))
        ae.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
        async with ae.associate("127.0.0.1", port, "K1SCP") as assoc:
            for _ in range(100):
                uid, study = rnd.choice(UIDS), rnd.randrange(8)
                rsp = await assoc.send_c_store(copy_of(uid, study))
                assert rsp.status == 0, hex(rsp.status)
                acked[uid].append(f"2.25.777{study}")

    await asyncio.gather(*(association(n) for n in range(4)))
    return acked


def check_store(store: Path, acked: dict[str, list[str]], run: int) -> None:
    """One file per acknowledged instance, the one its single index row names."""
    files: dict[str, list[str]] = {}
    for path in store.rglob("*.dcm"):
        if not path.name.startswith("."):
            files.setdefault(path.stem, []).append(path.relative_to(store).as_posix())
    with sqlite3.connect(store / "index.sqlite") as con:
        rows = dict(con.execute("SELECT sop_uid, path FROM instances"))
    stored = {uid for uid in UIDS if acked[uid]}
    assert set(rows) == stored, f"run {run}"
    assert set(files) == stored, f"run {run}"
    for uid in stored:
        assert files[uid] == [rows[uid]], f"run {run}: {uid} {files[uid]} {rows[uid]}"
        assert rows[uid].split("/")[0] in acked[uid]


@pytest.mark.parametrize("defer", [False, True], ids=["indexed at once", "deferred"])
def test_threads_restoring_leave_one_file_and_one_row(tmp_path: Path, defer: bool) -> None:
    """The StorageSCP itself, 4 threads as the 4 associations' workers: rows indexed at once
    (where the race was), and deferred (fewer runs)."""
    from dicomgen.archive.storage_scp import StorageSCP
    from dicomgen.encoding.writer import encode_dataset

    encoded = {
        (uid, study): bytes(encode_dataset(copy_of(uid, study), EXPLICIT))
        for uid in UIDS
        for study in range(8)
    }
    for run in range(FSYNC_RUNS if defer else RUNS):
        store = tmp_path / f"store{run}"
        acked: dict[str, list[str]] = {uid: [] for uid in UIDS}
        scp = StorageSCP(store, fsync=False)

        failures: list[object] = []

        def worker(n: int) -> None:
            rnd = random.Random(run * 10 + n)
            for _ in range(100):
                uid, study = rnd.choice(UIDS), rnd.randrange(8)
                result = scp.store_encoded(encoded[uid, study], EXPLICIT, defer_index=defer)
                if not result.ok:
                    failures.append(result)
                    continue
                acked[uid].append(f"2.25.777{study}")
                if defer and rnd.random() < 0.2:
                    scp.index_pending()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        scp.close()
        assert not failures, f"run {run}: {failures[:3]}"
        check_store(store, acked, run)


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize("fsync", [False, True], ids=["no-fsync", "fsync"])
def test_concurrent_restores_leave_one_file_and_one_row(tmp_path: Path, fsync: bool) -> None:
    """``dicomgen scp`` with 4 associations storing at once (fewer runs with fsync)."""
    for run in range(RUNS if not fsync else FSYNC_RUNS):
        store = tmp_path / f"store{run}"
        proc, port = start_our_scp(store, *(() if fsync else ("--no-fsync",)))
        try:
            acked = asyncio.run(asyncio.wait_for(restore_many(port, run), 120))
        finally:
            kill(proc)  # SIGTERM: a clean stop writes the queued rows
        check_store(store, acked, run)


class AnswerOrder:
    """Server side: the marker of each store of an instance answered with Success, in the
    order the SCP answered them (``on_stored`` runs in the event loop right before the
    response is handed to the association, with no wait in between)."""

    def __init__(self) -> None:
        self.answered: dict[str, list[int]] = {uid: [] for uid in UIDS}

    def __call__(self, request: StoreRequest, result: StoreResult) -> None:
        marker = request.command.MoveOriginatorMessageID
        assert marker is not None and result.sop_instance_uid == request.sop_instance_uid
        if result.ok:
            self.answered[request.sop_instance_uid].append(int(marker))


async def restore_marked(port: int, seed: int, sizes: tuple[int, ...]) -> int:
    """4 associations x 100 stores, each copy marked (Instance Number and the request's Move
    Originator Message ID) with its own number and ``rows`` of pixels one of ``sizes``;
    returns how many were answered Success."""
    ok = [0]

    async def association(n: int) -> None:
        rnd = random.Random(seed * 10 + n)
        ae = AE(f"RACER{n}", timeouts=Timeouts(connect=5, acse=10, dimse=30, idle=30, artim=5))
        ae.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
        async with ae.associate("127.0.0.1", port, "K1SCP") as assoc:
            for i in range(100):
                uid, study, marker = rnd.choice(UIDS), rnd.randrange(8), n * 1000 + i + 1
                rsp = await assoc.send_c_store(
                    copy_of(uid, study, marker, rnd.choice(sizes)),
                    move_originator_aet="RACER",
                    move_originator_message_id=marker,
                )
                assert rsp.status == 0, hex(rsp.status)
                ok[0] += 1

    await asyncio.gather(*(association(n) for n in range(4)))
    return ok[0]


class LateReturningStorageSCP(StorageSCP):
    """A store whose thread returns a random 0-5 ms after it published its copy (and
    released the instance): an answer taken from the return, not from ``published``, would
    then often reach the event loop after that of a copy published later."""

    def store_encoded(self, *args: Any, **kw: Any) -> StoreResult:
        result = super().store_encoded(*args, **kw)
        time.sleep(random.random() * 0.005)
        return result


def blank_patient_name(ds: Any) -> Any:
    """A de-identifying transform: Patient's Name emptied (PS3.15 Table E.1-1, action Z)."""
    ds[0x00100010].value = ""
    return ds


def check_last_answered(store: Path, answered: dict[str, list[int]], run: int) -> None:
    """One file and one row per instance, the row naming the file, and both the copy
    answered last: the file's Instance Number and the row's are its marker."""
    from dicomgen.media.part10 import read

    with sqlite3.connect(store / "index.sqlite") as con:
        rows = {
            uid: (path, number)
            for uid, path, number in con.execute(
                "SELECT sop_uid, path, instance_number FROM instances"
            )
        }
    files: dict[str, list[Path]] = {}
    for path in store.rglob("*.dcm"):
        if not path.name.startswith("."):
            files.setdefault(path.stem, []).append(path)
    stored = {uid for uid in UIDS if answered[uid]}
    assert set(rows) == stored == set(files), f"run {run}"
    for uid in stored:
        last = str(answered[uid][-1])
        (path,) = files[uid]
        assert path.relative_to(store).as_posix() == rows[uid][0], f"run {run}: {uid}"
        kept = read(path).first_text(0x00200013)
        assert (kept, rows[uid][1]) == (
            last,
            last,
        ), f"run {run}: {uid} answered last {last}, file {kept}, row {rows[uid][1]}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "setup",
    [
        ({}, (8,)),
        ({"inline_threshold": 0}, (8,)),
        ({"inline_threshold": 0, "spill_threshold": 0}, (8,)),
        ({"inline_threshold": 1000, "spill_threshold": 3000}, (8, 64, 256)),
        ({"transform": blank_patient_name}, (8, 64)),
    ],
    ids=["in the event loop", "in worker threads", "streamed", "all three mixed", "de-identified"],
)
def test_the_copy_kept_is_the_one_answered_last(
    tmp_path: Path, setup: tuple[dict, tuple[int, ...]]
) -> None:
    """Our SCP in process, 4 associations re-storing 10 instances under 8 studies: after
    each run the file and the row of every instance are those of the store the SCP
    answered last (stores made in the event loop, in worker threads, streamed to a thread,
    or each copy by the way its size selects: 8 rows in the loop, 64 in a thread, 256
    streamed; or de-identified on receipt, as ``dicomgen scp --deid`` does, each copy
    decoded and transformed in a worker thread)."""
    service_kw, sizes = setup
    for run in range(RUNS):
        store = tmp_path / f"store{run}"
        late = "transform" in service_kw
        storage = (LateReturningStorageSCP if late else StorageSCP)(store, fsync=False)
        order = AnswerOrder()
        ae = AE("K1SCP", timeouts=Timeouts(connect=5, acse=10, dimse=30, idle=30, artim=5))
        add_storage_contexts(ae, sop_classes=[SECONDARY_CAPTURE])
        service = StorageService(storage, on_stored=order, **service_kw)
        server = ae.serve_sync(("127.0.0.1", 0), {"C-STORE": service})
        try:
            ok = asyncio.run(asyncio.wait_for(restore_marked(server.port, run, sizes), 120))
        finally:
            server.shutdown()
            storage.close()
        assert ok == 400 == sum(map(len, order.answered.values())), f"run {run}"
        check_last_answered(store, order.answered, run)
        if "transform" in service_kw:
            from dicomgen.media.part10 import read

            names = {read(p).first_text(0x00100010) for p in store.rglob("*.dcm")}
            assert names == {""}, f"run {run}: not de-identified: {names}"
