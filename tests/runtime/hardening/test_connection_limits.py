"""Connections cannot exhaust the SCP: 64 idle (half-open) associations plus 1,000 sockets
that declare a large A-ASSOCIATE-RQ and send part of it never keep dcmtk's echoscu out for
longer than the idle timeout, and the SCP's memory returns near idle once they are gone.
Loopback only; every socket and process is closed in ``finally``."""

from __future__ import annotations

import socket
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from net_processes import dcmtk, kill
from net_store_helpers import start_our_scp

from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts

from .hostile import proc_status

pytestmark = [pytest.mark.interop, pytest.mark.timeout(180)]

MB = 1 << 20
IDLE = 3.0


def idle_association(port: int, request_after: float = 0.0) -> socket.socket:
    """A socket that associates (sending its A-ASSOCIATE-RQ ``request_after`` seconds after
    connecting), reads the A-ASSOCIATE-AC, then neither sends, reads nor closes (a half-open
    peer)."""
    ae = AE("IDLER")
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    rq = ae.build_request("K1SCP").encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    time.sleep(request_after)
    s.sendall(rq)
    head = recv_exactly(s, 6)
    assert head[:1] == b"\x02", head  # A-ASSOCIATE-AC
    recv_exactly(s, struct.unpack(">I", head[2:])[0])
    return s


def recv_exactly(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, f"closed after {len(data)} of {n} bytes"
        data += chunk
    return data


def partial_request(port: int) -> socket.socket:
    """A socket declaring a 200 kB A-ASSOCIATE-RQ and sending 20 kB of it."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(struct.pack(">BBI", 1, 0, 200_000) + bytes(20_000))
    return s


def echoscu_ok(port: int) -> bool:
    out = subprocess.run(
        [dcmtk("echoscu"), "-to", "5", "-aec", "K1SCP", "127.0.0.1", str(port)],
        capture_output=True,
        timeout=30,
    )
    return out.returncode == 0


def test_idle_and_pre_association_floods(tmp_path: Path) -> None:
    proc, port = start_our_scp(
        tmp_path / "store", "--no-fsync", "--timeout", str(IDLE), "--acse-timeout", "20"
    )
    sockets: list[socket.socket] = []
    try:
        assert echoscu_ok(port)
        idle = proc_status(proc.pid, "VmRSS")
        sockets += [idle_association(port) for _ in range(64)]
        flood_started = time.monotonic()
        sockets += [partial_request(port) for _ in range(1000)]
        during = proc_status(proc.pid, "VmRSS")
        start = time.monotonic()
        while not echoscu_ok(port):
            assert time.monotonic() - start < IDLE + 3, "echoscu kept out past the idle timeout"
            time.sleep(0.2)
        waited = time.monotonic() - start
        print(
            f"idle {idle // MB} MB, with 64 idle associations + 1000 partial requests"
            f" {during // MB} MB; echoscu in after {waited:.1f} s"
            f" ({time.monotonic() - flood_started:.1f} s after the flood began)"
        )
        for s in sockets:
            s.close()
        sockets.clear()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            after = proc_status(proc.pid, "VmRSS")
            if after - idle < 20 * MB:
                break
            time.sleep(0.5)
        print(f"after closing them: {after // MB} MB")
        assert after - idle < 20 * MB, f"{(after - idle) // MB} MB above idle after they closed"
        assert echoscu_ok(port)
    finally:
        for s in sockets:
            s.close()
        kill(proc)


def test_aborted_association_frees_its_slot_at_once() -> None:
    """The idle A-ABORT frees the slot although the half-open peer never closes."""
    fast = Timeouts(connect=3, acse=3, dimse=3, idle=1.0, artim=30)
    scp = AE("K1SCP", timeouts=fast, max_associations=1)
    scp.add_supported_context(VERIFICATION_SOP_CLASS)
    with scp.serve_sync(("127.0.0.1", 0)) as server:
        s = idle_association(server.port)
        try:
            scu = AE("SCU", timeouts=fast)
            scu.add_requested_context(VERIFICATION_SOP_CLASS)
            # the idle association holds the one slot until its idle A-ABORT (after 1 s),
            # which must free it long before ARTIM (30 s) closes the half-open connection
            _wait_until(lambda: server.server.busy_slots == 1, 5, "the idle association")
            _wait_until(lambda: server.server.busy_slots == 0, 10, "the idle A-ABORT")
            with scu.associate_sync("127.0.0.1", server.port, "K1SCP") as assoc:
                assert assoc.send_c_echo() == 0
        finally:
            s.close()


def test_idle_timeout_bounds_an_association_requested_late() -> None:
    """The idle timeout counts from the A-ASSOCIATE-RQ even when the connection waited for it
    (the wait before it is bounded by ARTIM, 30 s here): the A-ABORT comes after about 1 s."""
    fast = Timeouts(connect=3, acse=3, dimse=3, idle=1.0, artim=30)
    scp = AE("K1SCP", timeouts=fast)
    scp.add_supported_context(VERIFICATION_SOP_CLASS)
    with scp.serve_sync(("127.0.0.1", 0)) as server:
        s = idle_association(server.port, request_after=0.3)
        try:
            associated = time.monotonic()
            try:
                abort = recv_exactly(s, 10)
            except TimeoutError:
                pytest.fail("no A-ABORT within 10 s of the association (idle timeout 1 s)")
            waited = time.monotonic() - associated
            assert abort[:1] == b"\x07", abort  # A-ABORT
            assert waited < 5, f"A-ABORT after {waited:.1f} s, not after the 1 s idle timeout"
        finally:
            s.close()


def _wait_until(done: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_pending_connections_are_bounded() -> None:
    fast = Timeouts(connect=3, acse=3, dimse=3, idle=5, artim=30)
    scp = AE("K1SCP", timeouts=fast, max_pending_connections=8)
    scp.add_supported_context(VERIFICATION_SOP_CLASS)
    with scp.serve_sync(("127.0.0.1", 0)) as server:
        silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
        try:
            time.sleep(0.5)
            closed = 0
            for s in silent:
                s.settimeout(2)
                try:
                    closed += s.recv(1) == b""
                except (ConnectionResetError, TimeoutError):
                    closed += 0
            assert closed >= 12  # the oldest were closed, the newest wait for their RQ
            scu = AE("SCU", timeouts=fast)
            scu.add_requested_context(VERIFICATION_SOP_CLASS)
            with scu.associate_sync("127.0.0.1", server.port, "K1SCP") as assoc:
                assert assoc.send_c_echo() == 0
        finally:
            for s in silent:
                s.close()


def test_associate_request_limit_is_configurable(tmp_path: Path) -> None:
    """``--max-associate-pdu`` bounds the A-ASSOCIATE-RQ a peer may send: echoscu's request
    (a few hundred bytes) is refused under a 100-byte limit and accepted under the default."""
    for limit, accepted in (("100", False), ("262144", True)):
        proc, port = start_our_scp(
            tmp_path / f"store{limit}", "--no-fsync", "--max-associate-pdu", limit
        )
        try:
            assert echoscu_ok(port) is accepted, limit
        finally:
            kill(proc)
