"""The Storage SCP under faults: garbage, truncated and oversized PDUs, peers that abort or
vanish mid data set, AE titles not allowed, user identity, TLS (``dicomgen scp`` options).

After each fault the SCP keeps serving (a normal C-STORE succeeds) and no partial file is
left in the store.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from net_store_helpers import (
    SECONDARY_CAPTURE,
    make_dataset,
    stored_by_uid,
    temp_files,
)

from dicomgen.core.errors import AssociationAborted, AssociationRejected
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts
from dicomgen.net.dimse.store import store_request
from dicomgen.net.dimse.store_sources import _encode_chunks
from dicomgen.net.pdu import UserIdentityRQSubItem

pytestmark = pytest.mark.timeout(60)

FAST = Timeouts(connect=5, acse=5, dimse=10, idle=10, artim=1)


def scp_args(store: Path, *extra: str) -> argparse.Namespace:
    """``dicomgen scp`` arguments as parsed by its CLI."""
    from dicomgen.cli import scp

    parser = argparse.ArgumentParser()
    scp.add_arguments(parser)
    return parser.parse_args(["--store", str(store), "--aet", "K1SCP", "--no-fsync", *extra])


class CliSCP:
    """The AE, handlers and store that ``dicomgen scp`` builds, served in a thread."""

    def __init__(self, store: Path, *extra: str, ssl_context: Any = None) -> None:
        from dicomgen.cli.scp import build

        args = scp_args(store, "--max-pdu", "65536", *extra)
        self.ae, handlers, built_ssl, self.storage = build(args)
        self.ae.timeouts = FAST
        self.root = store
        self.server = self.ae.serve_sync(
            ("127.0.0.1", 0), handlers, ssl_context=ssl_context or built_ssl
        )
        self.port = self.server.port
        self.service = handlers["C-STORE"]

    def close(self) -> None:
        self.server.shutdown()
        self.storage.close()


@pytest.fixture
def scp(tmp_path: Path) -> Iterator[CliSCP]:
    s = CliSCP(tmp_path / "store")
    try:
        yield s
    finally:
        s.close()


def scu(title: str = "K1SCU") -> AE:
    ae = AE(title, timeouts=FAST)
    ae.add_requested_context(SECONDARY_CAPTURE)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    return ae


def still_serving(scp: CliSCP) -> None:
    ds = make_dataset(500)
    with scu().associate_sync("127.0.0.1", scp.port, "K1SCP") as a:
        assert a.send_c_echo() == 0
        assert a.send_c_store(ds).ok
    assert str(ds[0x00080018].value) in stored_by_uid(scp.root)


def no_partial_files(root: Path, timeout: float = 5.0) -> None:
    """No temporary file under the store (waits for the store thread to clean up)."""
    deadline = time.monotonic() + timeout
    while temp_files(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not temp_files(root)


def raw_exchange(port: int, data: bytes, *, read_timeout: float = 5.0) -> bytes:
    """Send raw bytes, return what the SCP answers until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return got


# --- malformed PDUs ---------------------------------------------------------------------------


def test_garbage_gets_abort_and_scp_keeps_serving(scp: CliSCP) -> None:
    got = raw_exchange(scp.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 4)
    # A-ABORT (07H), source 2 (service provider), reason 1 (unrecognized PDU), PS3.8 9.3.8
    assert got[:1] == b"\x07" and got[8:10] == b"\x02\x01"
    still_serving(scp)


def test_truncated_pdu_is_dropped(scp: CliSCP) -> None:
    # an A-ASSOCIATE-RQ header announcing 200 bytes, only 10 sent, then the peer closes
    raw_exchange(
        scp.port, struct.pack(">BBI", 1, 0, 200) + b"\x00\x01" + b"\x00" * 8, read_timeout=1
    )
    still_serving(scp)
    # ``served`` counts a connection once it has closed, which may be a moment after the
    # peer's side returned: wait for it (bounded) instead of reading it at once.
    deadline = time.monotonic() + 10
    while scp.server.served < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scp.server.served >= 2


def test_oversized_pdata_aborts_association(scp: CliSCP) -> None:
    async def go(assoc: Any) -> None:
        # a P-DATA-TF whose PDU-length exceeds the 65536 the SCP announced (PS3.8 D.1)
        assoc.provider.transport.write(struct.pack(">BBI", 4, 0, 1 << 24) + b"\x00" * 64)
        await assoc.provider.drain()
        await assoc.wait_closed(5)

    a = scu().associate_sync("127.0.0.1", scp.port, "K1SCP")
    try:
        a.run(go(a.association))
        assert a.is_aborted
        assert "service-provider" in (a.abort_detail or "")
    finally:
        a.abort()
    still_serving(scp)


# --- peers that stop mid data set -----------------------------------------------------------


def _partial_store(scp: CliSCP, size: int, *, vanish: bool) -> str:
    """Send a C-STORE-RQ and part of its data set, then abort (A-ABORT) or vanish (RST)."""
    ds = make_dataset(600, rows=512, cols=size // 1024)
    uid = str(ds[0x00080018].value)
    a = scu().associate_sync("127.0.0.1", scp.port, "K1SCP")
    assoc = a.association
    ctx = assoc.context_for(SECONDARY_CAPTURE)
    chunks = _encode_chunks(ds, ctx.transfer_syntax)
    total = sum(len(c) for c in chunks)

    def some_chunks() -> Iterator[Any]:
        sent = 0
        for c in chunks:
            yield c
            sent += len(c)
            if sent > total // 2:
                break
        if vanish:
            assoc.provider.transport.transport.abort()  # RST, no A-ABORT
        raise ConnectionError("peer went away")

    command = store_request(ctx.context_id, 1, SECONDARY_CAPTURE, uid)
    try:
        with pytest.raises((ConnectionError, AssociationAborted)):
            a.run(assoc.send_message_stream(ctx.context_id, command, some_chunks()))
    finally:
        a.abort()
    return uid


@pytest.mark.parametrize("vanish", [False, True], ids=["a-abort", "vanish"])
@pytest.mark.parametrize("size", [20_000, 24 << 20], ids=["in-memory", "spilled-to-file"])
def test_peer_gone_mid_dataset_leaves_no_file(scp: CliSCP, size: int, vanish: bool) -> None:
    uid = _partial_store(scp, size, vanish=vanish)
    no_partial_files(scp.root)
    assert uid not in stored_by_uid(scp.root)
    assert scp.service.stored == 0
    still_serving(scp)
    from dicomgen.archive.levels import Level

    assert scp.storage.index.count(Level.IMAGE) == 1  # only the instance of still_serving


# --- who may associate ----------------------------------------------------------------------


def test_calling_aet_not_allowed_is_rejected(tmp_path: Path) -> None:
    s = CliSCP(tmp_path / "store", "--allow-aet", "GOOD", "--allow-aet", "ALSO-GOOD")
    try:
        with pytest.raises(AssociationRejected) as err:
            scu("INTRUDER").associate_sync("127.0.0.1", s.port, "K1SCP")
        # permanent (1), service-user (1), calling-AE-title-not-recognized (3): PS3.8 9.3.4
        assert (err.value.context["result"], err.value.context["source"]) == (1, 1)
        assert err.value.context["reason"] == 3
        with scu("GOOD").associate_sync("127.0.0.1", s.port, "K1SCP") as a:
            assert a.send_c_store(make_dataset(1)).ok
    finally:
        s.close()


def test_called_aet_must_match_when_required(tmp_path: Path) -> None:
    s = CliSCP(tmp_path / "store", "--require-called-aet")
    try:
        with pytest.raises(AssociationRejected) as err:
            scu().associate_sync("127.0.0.1", s.port, "SOMEONE-ELSE")
        assert err.value.context["reason"] == 7  # called-AE-title-not-recognized
        with scu().associate_sync("127.0.0.1", s.port, "K1SCP") as a:
            assert a.send_c_echo() == 0
    finally:
        s.close()


def test_user_identity_required(tmp_path: Path) -> None:
    s = CliSCP(tmp_path / "store", "--user", "alice", "--password", "s3cret")
    try:
        wrong = UserIdentityRQSubItem(2, b"alice", b"guess", False)
        with pytest.raises(AssociationRejected):
            scu().associate_sync("127.0.0.1", s.port, "K1SCP", user_identity=wrong)
        right = UserIdentityRQSubItem(2, b"alice", b"s3cret", False)
        with scu().associate_sync("127.0.0.1", s.port, "K1SCP", user_identity=right) as a:
            assert a.send_c_store(make_dataset(2)).ok
    finally:
        s.close()


def test_tls_store(tmp_path: Path, cert: tuple[Path, Path]) -> None:
    from dicomgen.cli.main import main

    crt, key = cert
    s = CliSCP(tmp_path / "store", "--tls-cert", str(crt), "--tls-key", str(key))
    try:
        from net_store_helpers import generated_files

        (path,) = generated_files(tmp_path / "src", 1, ["1.2.840.10008.1.2.1"])
        port = str(s.port)
        assert (
            main(["store", "127.0.0.1", port, "--aec", "K1SCP", "--tls-ca", str(crt), str(path)])
            == 0
        )
        # a plain TCP peer cannot talk to the TLS port
        assert main(["store", "127.0.0.1", port, "--aec", "K1SCP", "-to", "3", str(path)]) == 1
        client_ctx = ssl.create_default_context(cafile=str(crt))
        with scu().associate_sync("127.0.0.1", s.port, "K1SCP", ssl_context=client_ctx) as a:
            assert a.send_c_store(make_dataset(3)).ok
        assert len(stored_by_uid(s.root)) == 2
    finally:
        s.close()
