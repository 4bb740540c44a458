"""The Storage SCP's per-instance shortcuts give exactly what the general code gives.

- ``part10_header`` patches the SOP Instance UID into a cached File Meta template: it must be
  byte for byte what :func:`dicomgen.media.part10.encode_file_meta` writes (PS3.10 7.1).
- ``split_levels_json`` reuses the JSON of element values seen before: it must be the text
  ``json.dumps(split_levels(ds)[level], ensure_ascii=False)`` (PS3.18 F.2).
- Temporary files: created exclusively, folders created on demand, nothing left on failure.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from dicomgen.archive import files as files_mod
from dicomgen.archive import index as index_mod
from dicomgen.archive import level_json as level_json_mod
from dicomgen.archive.files import FileStore, part10_header
from dicomgen.archive.level_json import split_levels, split_levels_json
from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DicomError
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset
from dicomgen.media.part10 import FileMeta, encode_file_meta, read

from .conftest import CT, EXPLICIT_LE, IMPLICIT_LE, make_instance

EXPLICIT_BE = "1.2.840.10008.1.2.2"


def _reference_header(cls: str, inst: str, ts: str, ae: str | None) -> bytes:
    """The header built the general way: FileMeta.for_dataset + encode_file_meta."""
    ds = Dataset([DataElement(0x00080016, "UI", cls), DataElement(0x00080018, "UI", inst)])
    existing = Dataset([DataElement(0x00020016, "AE", ae.strip())]) if ae else None
    return b"\x00" * 128 + b"DICM" + encode_file_meta(FileMeta.for_dataset(ds, ts, existing))


@pytest.mark.parametrize("ts", [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE])
@pytest.mark.parametrize("ae", [None, "", "STORESCU", " AE 1 ", "ODD"])
def test_part10_header_template_is_byte_identical(ts, ae):
    rng = random.Random(5)
    for length in range(1, 65):  # odd lengths are padded with NUL, even ones not
        for _ in range(2):
            inst = "".join(rng.choice("0123456789.") for _ in range(length))
            for cls in (CT, "1.2.840.10008.5.1.4.1.1.7"):
                got = part10_header(cls, inst, ts, source_ae_title=ae)
                assert got == _reference_header(cls, inst, ts, ae), (cls, inst, ae)
    # the header parses back to the UIDs it was given
    head = part10_header(CT, "1.2.3.45", ts, source_ae_title=ae)
    ds = read(head + encode_dataset(make_instance("1.2.3.45"), ts))
    assert ds.file_meta.first_text(0x00020003) == "1.2.3.45"
    assert ds.file_meta.first_text(0x00020010) == ts


def test_part10_header_rejects_what_the_general_code_rejects():
    for bad in ("1.2 x", "é1", "", "1" * 65):
        with pytest.raises(DicomError) as fast:
            part10_header(CT, bad, EXPLICIT_LE)
        with pytest.raises(DicomError) as ref:
            _reference_header(CT, bad, EXPLICIT_LE, None)
        assert type(fast.value) is type(ref.value)
        assert str(fast.value) == str(ref.value)


def _rich_instance(i: int) -> Dataset:
    ds = make_instance(
        f"1.2.3.{i}",
        PatientName="Müller^Jörg" if i % 2 else "Doe^John",
        Modality="CT",
        StudyDate="20200102",
        InstanceNumber=str(i),
        Rows=64,
        Columns=64,
        PixelSpacing=["0.5", "0.25"],
        ImageType=["ORIGINAL", "PRIMARY"],
    )
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.add(DataElement(0x00091010, "LO", "private value"))  # private: kept
    ds.add(DataElement(0x00091011, "OB", b"\x01\x02" * 8))  # small binary: inline
    ds.add(DataElement(0x00091012, "OB", b"\x00" * 2048))  # large binary: not indexed
    item = Dataset([DataElement(0x00080100, "SH", "T-D1100"), DataElement(0x00080102, "SH", "SRT")])
    ds.add(DataElement(0x00082218, "SQ", [item]))
    ds.add(DataElement(0x7FE00010, "OW", b"\x00" * 64))
    return ds


@pytest.mark.parametrize("ts", [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE])
def test_split_levels_json_equals_split_levels(ts):
    level_json_mod._FRAGMENTS.clear()
    for round_ in range(2):  # the second round is served from the fragment cache
        for i in range(6):
            data = encode_dataset(_rich_instance(i), ts)
            fast = split_levels_json(decode_dataset(data, ts))
            ref = split_levels(decode_dataset(data, ts))
            assert set(fast) == set(ref)
            for lv, obj in ref.items():
                assert fast[lv] == json.dumps(obj, ensure_ascii=False), (round_, i, lv)
    assert level_json_mod._FRAGMENTS  # the cache was used
    # a decoded data set (no raw values) gives the same text
    ds = _rich_instance(3)
    for lv, obj in split_levels(ds).items():
        assert split_levels_json(ds)[lv] == json.dumps(obj, ensure_ascii=False)


def test_split_levels_json_keeps_values_apart_by_character_set():
    """The same bytes decode differently under another Specific Character Set."""
    level_json_mod._FRAGMENTS.clear()
    out = []
    for cs in ("ISO_IR 100", "ISO_IR 144"):  # Latin-1 vs Cyrillic
        ds = make_instance("1.2.3.9")
        ds.SpecificCharacterSet = cs
        ds.add(DataElement(0x00100010, "PN", "x"))
        data = bytearray(encode_dataset(ds, EXPLICIT_LE))
        at = data.find(b"\x10\x00\x10\x00PN")
        data[at + 8 : at + 10] = b"\xe4\xe4"
        got = split_levels_json(decode_dataset(bytes(data), EXPLICIT_LE))
        ref = split_levels(decode_dataset(bytes(data), EXPLICIT_LE))
        out.append(got)
        for lv, obj in ref.items():
            assert got[lv] == json.dumps(obj, ensure_ascii=False)
    assert out[0] != out[1]


def test_split_levels_json_drops_undecodable_values_like_split_levels():
    for round_ in range(2):  # computed, then from the fragment cache
        ds = make_instance("1.2.3.10")
        ds.add(DataElement.from_raw(0x00280010, "US", b"\x01\x02\x03"))  # odd length: undecodable
        ds.add(DataElement.from_raw(0x00280011, "US", b"\x40\x00"))
        ref = split_levels(ds)
        got = split_levels_json(ds)
        for lv, obj in ref.items():
            assert got[lv] == json.dumps(obj, ensure_ascii=False), round_
        assert "00280010" not in got[level_json_mod.Level.IMAGE]
        assert '"00280011": {"vr": "US", "Value": [64]}' in got[level_json_mod.Level.IMAGE]


def test_temp_files_create_missing_folders_and_refuse_existing_names(tmp_path, monkeypatch):
    store = FileStore(tmp_path, fsync=True)
    store.anonymous = False  # named temporary files (test_files.py covers nameless ones)
    final = tmp_path / "a" / "b" / "c.dcm"
    assert store.write_atomic(final, [b"ab", bytearray(b"cd"), memoryview(b"ef")]) == 6
    assert final.read_bytes() == b"abcdef"
    staged = store.stage([b"xyz"], "1.2.3")
    assert staged.parent == tmp_path / files_mod.INCOMING and staged.read_bytes() == b"xyz"
    store.discard(staged)
    # a name that already exists is never overwritten (O_EXCL) and nothing is published
    monkeypatch.setattr(files_mod.secrets, "token_hex", lambda n: "same")
    store.write_atomic(tmp_path / "a" / "d.dcm", [b"1"])
    (tmp_path / "a" / ".e.dcm.same.tmp").write_bytes(b"other")
    with pytest.raises(FileExistsError):
        store.write_atomic(tmp_path / "a" / "e.dcm", [b"2"])
    assert (tmp_path / "a" / ".e.dcm.same.tmp").read_bytes() == b"other"
    assert not (tmp_path / "a" / "e.dcm").exists()


def test_short_writes_are_completed(tmp_path, monkeypatch):
    real_write = files_mod.os.write
    monkeypatch.setattr(files_mod.os, "write", lambda fd, b: real_write(fd, bytes(b[:3])))
    store = FileStore(tmp_path, fsync=False)
    final = tmp_path / "s" / "x.dcm"
    assert store.write_atomic(final, [b"0123456789", memoryview(b"abcdefg")]) == 17
    assert final.read_bytes() == b"0123456789abcdefg"


def _store_request(sop_instance_uid: str) -> Any:
    """What StorageService reads of a C-STORE request (a StoreRequest's properties)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        transfer_syntax=EXPLICIT_LE,
        sop_class_uid=CT,
        sop_instance_uid=sop_instance_uid,
        calling_ae_title="SCU",
    )


@pytest.mark.parametrize("fsync", [False, True])
@pytest.mark.parametrize("inline_threshold", [0, 1 << 16])
def test_store_bytes_inline_or_in_a_worker_thread(tmp_path, fsync, inline_threshold, monkeypatch):
    """Small data sets without fsync are stored in the event loop; everything else in a
    worker thread; the result is the same."""
    import asyncio
    import threading

    from dicomgen.archive import StorageSCP
    from dicomgen.archive.storage import StorageService

    storage = StorageSCP(tmp_path, fsync=fsync)
    threads = []
    real = storage.store_encoded

    def spy(*a, **k):
        threads.append(threading.get_ident())
        return real(*a, **k)

    monkeypatch.setattr(storage, "store_encoded", spy)
    service = StorageService(storage, inline_threshold=inline_threshold)
    data = encode_dataset(make_instance("1.2.3.77"), EXPLICIT_LE)
    req = _store_request("1.2.3.77")

    async def go():
        return await service.store_bytes(req, data), threading.get_ident()

    try:
        result, loop_thread = asyncio.run(go())
    finally:
        storage.close()
    assert result.ok and result.path.read_bytes().endswith(data)
    assert read(result.path).file_meta.first_text(0x00020016) == "SCU"
    inline = inline_threshold > 0 and not fsync
    assert (threads == [loop_thread]) is inline


@pytest.mark.parametrize("fsync", [False, True])
@pytest.mark.parametrize("index_delay", [0.0, 0.2])
def test_inline_stores_write_their_index_row_after_the_response(
    tmp_path, fsync, index_delay, monkeypatch
):
    """In the event loop the row is queued, and a callback hands all rows queued by then to
    a worker thread that writes them in one transaction: right after the handler's task
    step (which sends the response) with ``index_delay=0``, else ``index_delay`` seconds
    after the first row was queued. A store made in a worker thread (fsync) writes its row
    at once."""
    import asyncio
    import threading

    from dicomgen.archive import StorageSCP
    from dicomgen.archive.levels import Level
    from dicomgen.archive.storage import StorageService

    batches: list[tuple[int, bool]] = []  # (rows, written in the event loop's thread)
    real_commit = index_mod.Index._commit

    def commit(self, rows):
        batches.append((len(rows), threading.current_thread() is loop_thread))
        return real_commit(self, rows)

    monkeypatch.setattr(index_mod.Index, "_commit", commit)
    storage = StorageSCP(tmp_path, fsync=fsync)
    service = StorageService(storage, index_delay=index_delay)
    reqs = [_store_request(f"1.2.3.{n}") for n in (80, 81)]
    loop_thread = threading.current_thread()

    async def go():
        loop = asyncio.get_running_loop()
        counts = []
        t0 = loop.time()
        for req in reqs:
            data = encode_dataset(make_instance(req.sop_instance_uid), EXPLICIT_LE)
            assert (await service.store_bytes(req, data)).ok
            counts.append(storage._index.count(Level.IMAGE))
        while storage._index.count(Level.IMAGE) < 2 and loop.time() - t0 < 5:
            await asyncio.sleep(0.01)
        return counts, loop.time() - t0

    try:
        counts, waited = asyncio.run(go())
        assert storage._index.count(Level.IMAGE) == 2
    finally:
        storage.close()
    if fsync:
        assert counts == [1, 2] and [n for n, _ in batches] == [1, 1]
    else:  # one batch for both rows, queued within the delay, written off the loop
        assert counts == [0, 0] and batches == [(2, False)]
        assert index_delay * 0.9 <= waited < index_delay + 2.0


def test_inline_stores_build_their_index_row_right_after_the_response(tmp_path):
    """The row of a store made in the event loop is built by a callback that runs right
    after the handler's step (the response is sent in it), not when the rows are written."""
    import asyncio

    from dicomgen.archive import StorageSCP
    from dicomgen.archive.storage import StorageService

    storage = StorageSCP(tmp_path, fsync=False)
    service = StorageService(storage, index_delay=5.0)
    req = _store_request("1.2.3.90")

    async def go():
        data = encode_dataset(make_instance("1.2.3.90"), EXPLICIT_LE)
        assert (await service.store_bytes(req, data)).ok
        queued = (len(storage._pending), len(storage._prepared))
        await asyncio.sleep(0)  # the callback scheduled with call_soon runs here
        return queued, (len(storage._pending), len(storage._prepared))

    try:
        before, after = asyncio.run(go())
        assert before == (1, 0) and after == (0, 1)
        assert storage.index_pending() == 1
    finally:
        storage.close()


def test_stores_completed_now_build_their_row_when_told_the_response_is_sent(tmp_path):
    """A store completed by ``complete_now`` (its response is sent from the read callback)
    schedules no callback for its row: ``responded_now``, called once the response is out,
    builds it in the same callback; a row never built that way is built with its batch."""
    import asyncio

    from dicomgen.archive import StorageSCP
    from dicomgen.archive.storage import StorageService

    storage = StorageSCP(tmp_path, fsync=False)
    service = StorageService(storage, index_delay=5.0)
    data = {
        uid: encode_dataset(make_instance(uid), EXPLICIT_LE) for uid in ("1.2.3.91", "1.2.3.92")
    }

    def queued():
        return len(storage._pending), len(storage._prepared)

    def complete_now(uid):
        req = _store_request(uid)
        sink = service.open_stream(req)
        sink.write(data[uid])
        return req, service.complete_now(req, sink)

    async def go():
        req, result = complete_now("1.2.3.91")
        assert result.ok
        steps = [queued()]
        await asyncio.sleep(0)  # nothing was scheduled: the row waits for responded_now
        steps.append(queued())
        service.responded_now(req)
        steps.append(queued())
        assert complete_now("1.2.3.92")[1].ok  # never told: built when the batch is written
        steps.append(queued())
        return steps

    try:
        assert asyncio.run(go()) == [(1, 0), (1, 0), (0, 1), (1, 1)]
        assert storage.index_pending() == 2
        assert all(storage._index.path_of(uid) for uid in data)
    finally:
        storage.close()


def test_index_delay_must_not_be_negative(tmp_path):
    from dicomgen.archive import StorageSCP
    from dicomgen.archive.storage import StorageService

    storage = StorageSCP(tmp_path, fsync=False)
    try:
        with pytest.raises(ValueError, match="index_delay"):
            StorageService(storage, index_delay=-1)
    finally:
        storage.close()


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("ts", [EXPLICIT_LE, IMPLICIT_LE])
def test_index_row_columns_are_first_text_whether_cached_or_not(tmp_path, monkeypatch, ts, cached):
    """The row's columns come from the level JSON pass: values the fragment cache holds,
    values it does not (too long for it; all of them with ``cached`` False) and absent
    elements ("") are each what ``Dataset.first_text`` says."""
    from dicomgen.archive.index import Index

    if not cached:
        monkeypatch.setattr(level_json_mod, "_MAX_CACHED_VALUE", -1)
    ds = make_instance("1.2.3.93", PatientName="Doe^Jane", AccessionNumber="ACC 9 ", SeriesNumber=7)
    read_back = decode_dataset(encode_dataset(ds, ts), ts)
    index = Index(tmp_path / "index.sqlite")
    try:
        row = index.prepare(read_back, "a/b.dcm", 10, ts)
    finally:
        index.close()
    assert read_back.first_text(0x00080050) == "ACC 9"
    assert row.patient[:2] == ("PAT1", "Doe^Jane")
    assert row.study[:6] == ("1.2.826.0.1.1", "PAT1", "", "", "ACC 9", "")
    assert row.series[:4] == ("1.2.826.0.1.1.1", "1.2.826.0.1.1", "", "7")
    assert row.instance[:5] == ("1.2.3.93", "1.2.826.0.1.1.1", CT, ts, "")
