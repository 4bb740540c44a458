"""C-STORE SCU and SCP (PS3.7 9.1.1, 9.3.1; PS3.4 Annex B) against our own peer, in process.

Covers fragmentation of streamed data sets, the assembler's data set sinks, the Storage SCP
over the real store (memory and spilled-to-file paths), statuses, context choice and
re-encoding, the CLI, and memory use while streaming.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from net_store_helpers import (
    BIG,
    DEFLATED,
    EXPLICIT,
    IMPLICIT,
    SECONDARY_CAPTURE,
    generated_files,
    make_dataset,
    model,
    stored_by_uid,
    temp_files,
)

from dicomgen.archive.storage import (
    StorageService,
    add_storage_contexts,
    storage_transfer_syntaxes,
)
from dicomgen.archive.storage_scp import StorageSCP
from dicomgen.core.errors import DicomError, DimseError
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse import MessageAssembler
from dicomgen.net.dimse.message import (
    PDV_OVERHEAD,
    encode_pdata,
    encoded_fragments,
    fragment_size,
)
from dicomgen.net.dimse.store import StoreStatus, store_request
from dicomgen.net.dimse.store_sources import FileSource
from dicomgen.net.pdu import PDV, PDataTF, decode_pdu
from dicomgen_std.commands import CommandSet

pytestmark = pytest.mark.timeout(60)

FAST = Timeouts(connect=5, acse=5, dimse=15, idle=15, artim=2)


# --- fragmentation -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 7, 16, 1000])
@pytest.mark.parametrize(
    "chunks",
    [[], [b""], [b"a" * 999], [b"x" * 16, b"y" * 16], [b"ab", bytearray(b"cde"), b"f" * 40, b"g"]],
)
def test_encoded_fragments_reassemble(chunks: list[bytes], size: int) -> None:
    pieces = list(encoded_fragments(chunks, size))
    assert b"".join(bytes(p) for p, _ in pieces) == b"".join(chunks)
    assert [last for _, last in pieces] == [False] * (len(pieces) - 1) + [True]
    assert all(len(p) == size for p, _ in pieces[:-1])
    assert 0 < len(pieces[-1][0]) <= size or b"".join(chunks) == b""


def test_large_chunks_are_sliced_not_copied() -> None:
    big = memoryview(bytearray(10_000))
    pieces = list(encoded_fragments([big], 4096))
    assert [len(p) for p, _ in pieces] == [4096, 4096, 1808]
    # whole fragments are views of the chunk; only a tail shorter than a fragment is copied
    assert all(isinstance(p, memoryview) and p.obj is big.obj for p, _ in pieces[:-1])


def test_encode_pdata_matches_pdu_codec() -> None:
    # 04 00 | 00 00 00 09 (PDU-length) | 00 00 00 05 (PDV length) | 03 (context) | 02 (last data)
    raw = encode_pdata(3, False, True, b"abc")
    assert raw == bytes.fromhex("04 00 00000009 00000005 03 02") + b"abc"
    assert decode_pdu(raw) == PDataTF((PDV(3, False, True, b"abc"),))
    assert fragment_size(16384) == 16384 - PDV_OVERHEAD
    with pytest.raises(DimseError):
        fragment_size(4)


class RecordingSink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def room(self) -> None:
        return None


def _command_pdu(ctx: int = 1) -> PDataTF:
    from dicomgen.net.dimse import encode_command

    cmd = store_request(ctx, 7, SECONDARY_CAPTURE, "1.2.3")
    return PDataTF((PDV(ctx, True, True, encode_command(cmd)),))


def test_assembler_streams_to_sink() -> None:
    sinks: list[RecordingSink] = []

    def opener(ctx: int, command: CommandSet) -> RecordingSink:
        assert command.MessageID == 7
        sinks.append(RecordingSink())
        return sinks[-1]

    asm = MessageAssembler(opener)
    assert asm.feed(_command_pdu()) == []
    assert asm.feed(PDataTF((PDV(1, False, False, b"ab"),))) == []
    (msg,) = asm.feed(PDataTF((PDV(1, False, True, b"cd"),)))
    assert msg.dataset is None and msg.stream is sinks[0]
    assert sinks[0].parts == [b"ab", b"cd"] and sinks[0].closed and not sinks[0].aborted


def test_assembler_aborts_sink_on_violation_and_on_abort() -> None:
    sinks: list[RecordingSink] = []
    asm = MessageAssembler(lambda c, cmd: sinks.append(RecordingSink()) or sinks[-1])
    asm.feed(_command_pdu())
    asm.feed(PDataTF((PDV(1, False, False, b"ab"),)))
    with pytest.raises(DimseError):  # a command fragment while the data set is expected
        asm.feed(_command_pdu())
    assert sinks[0].aborted
    asm.feed(_command_pdu())
    asm.feed(PDataTF((PDV(1, False, False, b"ab"),)))
    asm.abort()
    assert sinks[1].aborted and asm.idle


# --- SCU -> SCP in process -----------------------------------------------------------------


class Peer:
    """Our Storage SCP over a real store, in a background thread."""

    def __init__(self, root: Path, **service_kw: object) -> None:
        self.storage = StorageSCP(root, fsync=False)
        self.service = StorageService(self.storage, **service_kw)  # type: ignore[arg-type]
        self.ae = AE("K1SCP", timeouts=FAST, max_pdu=32768)
        add_storage_contexts(self.ae)
        self.server = self.ae.serve_sync(("127.0.0.1", 0), {"C-STORE": self.service})

    def close(self) -> None:
        self.server.shutdown()
        self.storage.close()


@pytest.fixture
def peer(tmp_path: Path):
    p = Peer(tmp_path / "store", spill_threshold=50_000)
    try:
        yield p
    finally:
        p.close()


def scu(*tss: str, sop_class: str = SECONDARY_CAPTURE, max_pdu: int = 16384) -> AE:
    ae = AE("K1SCU", timeouts=FAST, max_pdu=max_pdu)
    ae.add_requested_context(sop_class, tss or (EXPLICIT, IMPLICIT))
    return ae


def test_store_files_datasets_and_typed_objects(tmp_path: Path, peer: Peer) -> None:
    files = generated_files(tmp_path / "src", 4, [EXPLICIT, IMPLICIT, BIG, DEFLATED])
    big = make_dataset(77, rows=256, cols=256)  # 131 kB: above the spill threshold
    small = make_dataset(78)

    class Typed:
        def __init__(self, ds: object) -> None:
            self.ds = ds

        def to_dataset(self) -> object:
            return self.ds

    typed_ds = make_dataset(79)
    with scu(EXPLICIT, IMPLICIT).associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        responses = [a.send_c_store(str(p)) for p in files]
        responses.append(a.send_c_store(big))
        responses.append(a.send_c_store(small))
        responses.append(a.send_c_store(Typed(typed_ds)))
        responses.append(a.send_c_store(files[0].read_bytes()))  # Part 10 bytes; replaces
    assert [r.status for r in responses] == [0] * 8
    # files in BE/deflated were re-encoded for the accepted Explicit VR LE context
    assert {r.transfer_syntax for r in responses} == {EXPLICIT}
    stored = stored_by_uid(peer.storage.root)
    assert len(stored) == 7
    for p in files:
        assert model(stored[FileSource(p).sop_instance_uid]) == model(p)
    for ds in (big, small, typed_ds):
        assert model(stored[str(ds[0x00080018].value)]) == model(ds)
    assert peer.service.stored == 8 and peer.service.failed == 0
    assert not temp_files(peer.storage.root)


def test_file_sent_unchanged_when_its_syntax_is_accepted(tmp_path: Path, peer: Peer) -> None:
    (path,) = generated_files(tmp_path / "src", 1, [BIG])
    ae = scu(EXPLICIT)
    ae.add_requested_context(SECONDARY_CAPTURE, [BIG])  # a second context, BE only
    with ae.associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        rsp = a.send_c_store(str(path))
    assert rsp.ok and rsp.transfer_syntax == BIG
    stored = stored_by_uid(peer.storage.root)[rsp.sop_instance_uid]
    # the stored data set is byte for byte the file's (after the File Meta Information)
    src = FileSource(path)
    try:
        assert stored.read_bytes().endswith(bytes(src.buf[src.offset :]))
    finally:
        src.close()


def test_small_peer_max_pdu_fragments(tmp_path: Path) -> None:
    peer = Peer(tmp_path / "store")
    peer.ae.max_pdu = 1024
    peer.server.shutdown()
    peer.server = peer.ae.serve_sync(("127.0.0.1", 0), {"C-STORE": peer.service})
    try:
        ds = make_dataset(5, rows=64, cols=64)
        with scu().associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
            assert a.peer_max_pdu == 1024
            assert a.send_c_store(ds).ok
            sent = [h for h in a.provider.history if h[1].name == "EVT9"]
        assert len(sent) >= 1 + -(-8192 // 1018)  # command + pixel data alone in 1018-byte PDVs
        assert model(stored_by_uid(peer.storage.root)[str(ds[0x00080018].value)]) == model(ds)
    finally:
        peer.close()


def test_statuses_and_errors(tmp_path: Path, peer: Peer) -> None:
    ds = make_dataset(1)
    other = make_dataset(2)
    ae = scu()
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.2", [EXPLICIT])  # CT Image Storage
    with ae.associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        # a data set whose SOP Instance UID differs from the request's: A900 (PS3.4 B.2.3)
        from dicomgen.net.dimse.store_sources import DatasetSource

        src = DatasetSource(ds)
        src.sop_instance_uid = str(other[0x00080018].value)
        rsp = a.send_c_store(src)
        assert rsp.status == StoreStatus.DATASET_DOES_NOT_MATCH_SOP_CLASS and rsp.error_comment
        # the SOP Class of the request differs from the context's abstract syntax: 0122
        src = DatasetSource(make_dataset(3))
        src.sop_class_uid = "1.2.840.10008.5.1.4.1.1.2"
        rsp = a.send_c_store(src)
        assert rsp.status == StoreStatus.DATASET_DOES_NOT_MATCH_SOP_CLASS  # store checks UIDs
        # a request whose SOP Class is not the context's abstract syntax: 0122 (PS3.7 C.5)
        from dicomgen.net.dimse.message import DimseMessage
        from dicomgen.net.dimse.store_sources import _encode_chunks

        assoc = a.association
        ctx = assoc.context_for(SECONDARY_CAPTURE)
        bad = store_request(ctx.context_id, 99, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4")
        chunks = _encode_chunks(make_dataset(12), ctx.transfer_syntax)
        answer = a.run(assoc.request(DimseMessage(ctx.context_id, bad), chunks=chunks))
        assert answer.command.Status == StoreStatus.REFUSED_SOP_CLASS_NOT_SUPPORTED
        # no context for the SOP Class: refused locally, nothing sent, association goes on
        ds_mr = make_dataset(4)
        ds_mr[0x00080016].value = "1.2.840.10008.5.1.4.1.1.4"
        with pytest.raises(DimseError, match="no accepted presentation context"):
            a.send_c_store(ds_mr)
        assert a.send_c_store(make_dataset(6)).ok
    assert len(stored_by_uid(peer.storage.root)) == 1


def test_compressed_file_needs_its_own_syntax(tmp_path: Path, peer: Peer) -> None:
    from net_store_helpers import file_transfer_syntax, sample_files

    jpeg = next(p for p in sample_files() if file_transfer_syntax(p) == "1.2.840.10008.1.2.4.50")
    sop_class = FileSource(jpeg).sop_class_uid
    ae = scu(EXPLICIT, sop_class=sop_class)
    with ae.associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        with pytest.raises(DimseError, match="can carry"):
            a.send_c_store(str(jpeg))
    ae = scu(EXPLICIT, sop_class=sop_class)
    ae.add_requested_context(sop_class, ["1.2.840.10008.1.2.4.50", EXPLICIT])
    with ae.associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        rsp = a.send_c_store(str(jpeg))
    assert rsp.ok and rsp.transfer_syntax == "1.2.840.10008.1.2.4.50"
    assert model(stored_by_uid(peer.storage.root)[rsp.sop_instance_uid]) == model(jpeg)


def test_odd_length_dataset_is_refused_before_sending(tmp_path: Path, peer: Peer) -> None:
    path = tmp_path / "odd.dcm"
    (good,) = generated_files(tmp_path / "src", 1, [EXPLICIT])
    path.write_bytes(good.read_bytes() + b"\x00")  # one stray byte after the data set
    with scu().associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        # the whole data set is decoded before sending: the stray byte is a truncated header
        with pytest.raises(DicomError, match="odd length|truncated element header"):
            a.send_c_store(str(path))
        assert a.send_c_store(str(good)).ok  # the association is still usable


def test_plain_function_handler_and_failing_handler(tmp_path: Path) -> None:
    seen = []

    async def on_store(event):
        if event.command.AffectedSOPInstanceUID.endswith(".3") and not seen:
            seen.append(event.dataset)
            return 0xB000, "coerced"
        raise RuntimeError("disk on fire")

    ae = AE("K1SCP", timeouts=FAST)
    add_storage_contexts(ae, sop_classes=[SECONDARY_CAPTURE])
    with ae.serve_sync(("127.0.0.1", 0), {"C-STORE": on_store}) as server:
        with scu().associate_sync("127.0.0.1", server.port, "K1SCP") as a:
            ds = make_dataset(10)
            first = a.send_c_store(ds)
            second = a.send_c_store(ds)
    assert first.status == 0xB000 and first.status_class == "Warning"
    assert model(seen[0]) == model(ds)
    assert second.status == StoreStatus.PROCESSING_FAILURE
    assert "disk on fire" in (second.error_comment or "")


def test_no_handler_gives_out_of_resources() -> None:
    ae = AE("K1SCP", timeouts=FAST)
    add_storage_contexts(ae, sop_classes=[SECONDARY_CAPTURE])
    with ae.serve_sync(("127.0.0.1", 0)) as server:
        with scu().associate_sync("127.0.0.1", server.port, "K1SCP") as a:
            assert a.send_c_store(make_dataset(11)).status == StoreStatus.OUT_OF_RESOURCES


def test_storage_prefers_compressed_when_proposed_with_native() -> None:
    from dicomgen.net.pdu import PresentationContextRQItem

    ae = AE("K1SCP")
    add_storage_contexts(ae, sop_classes=[SECONDARY_CAPTURE])
    tss = storage_transfer_syntaxes()
    assert tss.index("1.2.840.10008.1.2.4.90") < tss.index(EXPLICIT) < tss.index(IMPLICIT)
    scu_ae = scu(sop_class=SECONDARY_CAPTURE)
    request = scu_ae.build_request("K1SCP")
    items = [
        PresentationContextRQItem(1, SECONDARY_CAPTURE, ("1.2.840.10008.1.2.4.90", EXPLICIT)),
        PresentationContextRQItem(3, SECONDARY_CAPTURE, (IMPLICIT, EXPLICIT)),
    ]
    import attrs

    request = attrs.evolve(request, presentation_contexts=items)
    _ac, contexts = ae.negotiate(request)
    assert [c.transfer_syntax for c in contexts] == ["1.2.840.10008.1.2.4.90", EXPLICIT]


# --- CLI ----------------------------------------------------------------------------------


def test_cli_store_exit_codes(tmp_path: Path, peer: Peer, capsys: pytest.CaptureFixture) -> None:
    from dicomgen.cli.main import main

    files = generated_files(tmp_path / "src", 3, [EXPLICIT, BIG])
    (tmp_path / "src" / "junk.dcm").write_bytes(b"not dicom at all")
    port = str(peer.server.port)
    assert main(["store", "127.0.0.1", port, "--aec", "K1SCP", *map(str, files)]) == 0
    assert main(["store", "127.0.0.1", port, "--aec", "K1SCP", str(tmp_path / "src")]) == 1
    assert "junk.dcm" in capsys.readouterr().err
    assert main(["store", "127.0.0.1", port, "-xi", "-v", str(files[0])]) == 0
    assert "1.2.840.10008.1.2)" in capsys.readouterr().out  # sent in Implicit VR LE
    assert len(stored_by_uid(peer.storage.root)) == 3


def test_cli_scp_parses_move_destinations() -> None:
    from dicomgen.cli.scp import parse_move_destinations
    from dicomgen.core.errors import NetworkError

    assert parse_move_destinations(["A=127.0.0.1:104", "B=h:1"]) == {
        "A": ("127.0.0.1", 104),
        "B": ("h", 1),
    }
    with pytest.raises(NetworkError):
        parse_move_destinations(["A127.0.0.1:104"])


# --- memory ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_large_instance_streams_without_a_second_copy(tmp_path: Path) -> None:
    """A 48 MB instance: neither side allocates a buffer of the data set's size (the SCU
    sends from the mmap-ed file, the SCP spills fragments to a temporary file)."""
    from dicomgen.media.part10 import write

    ds = make_dataset(1, rows=1024, cols=1024, frames=1)
    frames = 24
    ds[0x00280008].value = str(frames)
    ds[0x7FE00010].value = os.urandom(1024 * 1024 * 2 * frames)
    path = tmp_path / "big.dcm"
    write(path, ds, EXPLICIT)
    size = path.stat().st_size
    del ds
    peer = Peer(tmp_path / "store")  # default spill threshold (8 MB)
    peer.ae.max_pdu = 1 << 20
    peer.server.shutdown()
    peer.server = peer.ae.serve_sync(("127.0.0.1", 0), {"C-STORE": peer.service})
    try:
        tracemalloc.start()
        try:
            with scu(max_pdu=1 << 20).associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
                rsp = a.send_c_store(str(path))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert rsp.ok
        assert peak < size / 2, f"peak {peak} bytes for a {size}-byte instance"
        stored = stored_by_uid(peer.storage.root)[rsp.sop_instance_uid]
        src = FileSource(path)
        try:
            with open(stored, "rb") as f:
                f.seek(stored.stat().st_size - (size - src.offset))
                assert f.read(1 << 20) == bytes(src.buf[src.offset : src.offset + (1 << 20)])
        finally:
            src.close()
        assert not temp_files(peer.storage.root)
    finally:
        peer.close()


def test_file_source_uids_come_from_the_data_set_then_the_file_meta(tmp_path: Path) -> None:
    """The data set's SOP Class/Instance UIDs rule; the File Meta copies (padding removed)
    stand in only when the data set lacks them (PS3.10 7.1)."""
    from dicomgen.media.part10 import write

    ds = make_dataset(1)
    path = tmp_path / "a.dcm"
    write(path, ds, EXPLICIT)
    src = FileSource(path)
    assert (src.sop_class_uid, src.sop_instance_uid) == (
        SECONDARY_CAPTURE,
        str(ds[0x00080018].value),
    )
    assert src.transfer_syntax == EXPLICIT
    src.close()
    data = path.read_bytes()
    meta_uid = str(ds[0x00080018].value).encode()
    other = b"9" * len(meta_uid)  # same length: the File Meta keeps its layout
    at = data.index(meta_uid, 132)  # (0002,0003), the File Meta copy
    src = FileSource(data[:at] + other + data[at + len(other) :])
    assert src.sop_instance_uid == meta_uid.decode()  # the data set's, not the meta's
    src.close()
    # a data set without its SOP UIDs after the File Meta Information that names them
    from dicomgen.encoding.writer import encode_dataset
    from dicomgen.media.part10 import scan_meta

    _meta, meta_end = scan_meta(memoryview(data), 132)
    del ds[0x00080016]
    del ds[0x00080018]
    src = FileSource(data[:meta_end] + encode_dataset(ds, EXPLICIT))
    assert (src.sop_class_uid, src.sop_instance_uid) == (SECONDARY_CAPTURE, meta_uid.decode())
    src.close()


def test_file_source_refuses_a_header_that_does_not_decode(tmp_path: Path) -> None:
    from dicomgen.media.part10 import write

    path = tmp_path / "bad.dcm"
    write(path, make_dataset(3), EXPLICIT)
    data = bytearray(path.read_bytes())
    at = data.index(b"\x08\x00\x60\x00CS")  # Modality: its length now runs past the end
    data[at + 6 : at + 8] = b"\xff\x7f"
    path.write_bytes(bytes(data))
    with pytest.raises(DicomError) as info:
        FileSource(path)
    assert str(path) in str(info.value)


def test_event_loop_is_not_required_for_sources(tmp_path: Path) -> None:
    """Sources are plain objects: opening and closing needs no loop (used by the CLI)."""
    (path,) = generated_files(tmp_path, 1, [EXPLICIT])
    src = FileSource(path)
    assert src.transfer_syntax == EXPLICIT and src.sop_class_uid == SECONDARY_CAPTURE
    src.close()
    asyncio.run(asyncio.sleep(0))


def test_deflated_context_round_trip(tmp_path: Path, peer: Peer) -> None:
    """Data sets re-encoded into Deflated Explicit VR LE (padded to even length, PS3.5 A.5)."""
    files = generated_files(tmp_path / "src", 6, [EXPLICIT, BIG, IMPLICIT])
    with scu(DEFLATED).associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        responses = [a.send_c_store(str(p)) for p in files]
    assert all(r.ok and r.transfer_syntax == DEFLATED for r in responses)
    stored = stored_by_uid(peer.storage.root)
    for p in files:
        assert model(stored[FileSource(p).sop_instance_uid]) == model(p)


def test_sockets_have_nagle_off(peer: Peer) -> None:
    """Small DIMSE messages must not wait for delayed ACKs (asyncio sets TCP_NODELAY)."""
    import socket

    with scu().associate_sync("127.0.0.1", peer.server.port, "K1SCP") as a:
        sock = a.provider.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_a_store_record_is_sent_without_decoding_its_header_again(tmp_path: Path) -> None:
    """C-MOVE/C-GET sub-operations send files of the store: the index record's SOP UIDs are
    used, the header is not decoded again (only the File Meta Information is read)."""
    from dicomgen.archive.index import InstanceRecord
    from dicomgen.net.dimse.move import source_of
    from dicomgen.net.dimse.store_sources import open_source

    (path,) = generated_files(tmp_path, 1, [EXPLICIT])
    good = FileSource(path)
    record = InstanceRecord(
        sop_instance_uid=good.sop_instance_uid,
        sop_class_uid=good.sop_class_uid,
        transfer_syntax=EXPLICIT,
        path=path,
        size=path.stat().st_size,
        series_instance_uid="",
        study_instance_uid="",
        patient_id="",
    )
    offset = good.offset
    good.close()
    data = bytearray(path.read_bytes())
    at = data.index(b"\x08\x00\x60\x00CS", offset)  # breaks the header after the UIDs
    data[at + 6 : at + 8] = b"\xff\x7f"
    path.write_bytes(bytes(data))
    src = open_source(record)
    try:
        assert isinstance(src, FileSource) and src.offset == offset
        assert (src.sop_class_uid, src.sop_instance_uid, src.transfer_syntax) == (
            record.sop_class_uid,
            record.sop_instance_uid,
            EXPLICIT,
        )
    finally:
        src.close()
    with pytest.raises(DicomError):  # without the record's UIDs the header is decoded
        FileSource(path)
    assert source_of(str(path)) == str(path)  # a path is opened by c_store itself
    assert source_of(record) == path  # source_of keeps naming a record's file
