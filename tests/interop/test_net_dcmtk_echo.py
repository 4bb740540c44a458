"""C-ECHO interoperability with dcmtk (oracle): echoscu -> our SCP, our SCU -> storescp.

dcmtk binaries are looked up in /usr/bin first (a pyenv shim named ``echoscu`` may be
pynetdicom's app) and must report a dcmtk version. Every process is killed in ``finally``.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from net_processes import dcmtk, free_port

from dicomgen.core.errors import AssociationRejected
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts

pytestmark = [pytest.mark.interop, pytest.mark.timeout(60)]

FAST = Timeouts(connect=5, acse=5, dimse=5, idle=10, artim=2)


def scp(**kw: object) -> AE:
    ae = AE("DGSCP", timeouts=FAST, **kw)  # type: ignore[arg-type]
    ae.add_supported_context(VERIFICATION_SOP_CLASS)
    return ae


def echoscu(port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            dcmtk("echoscu"),
            "-v",
            "-to",
            "10",
            "-ta",
            "10",
            "-td",
            "10",
            *args,
            "127.0.0.1",
            str(port),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_echoscu_to_our_scp() -> None:
    with scp().serve_sync(("127.0.0.1", 0)) as server:
        r = echoscu(server.port, "-aec", "DGSCP", "--repeat", "3")
        assert r.returncode == 0, r.stdout + r.stderr
        assert (
            r.stdout.count("Received Echo Response") + r.stderr.count("Received Echo Response") == 3
        )


def test_echoscu_small_pdu_many_contexts() -> None:
    with scp(max_pdu=4096).serve_sync(("127.0.0.1", 0)) as server:
        r = echoscu(server.port, "-aec", "DGSCP", "--max-pdu", "4096", "-ppc", "128", "-pts", "38")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Max Send PDV: 4084" in r.stdout + r.stderr  # 4096 - 12: dcmtk read our maximum


@pytest.mark.parametrize(
    "kw,args,reason",
    [
        (
            {"allowed_calling_aets": ["FRIEND"]},
            ["-aet", "STRANGER", "-aec", "DGSCP"],
            "Calling AE Title Not Recognized",
        ),
        ({"require_called_aet": True}, ["-aec", "SOMEONE"], "Called AE Title Not Recognized"),
    ],
)
def test_echoscu_rejected(kw: dict, args: list[str], reason: str) -> None:
    with scp(**kw).serve_sync(("127.0.0.1", 0)) as server:
        r = echoscu(server.port, *args)
        out = r.stdout + r.stderr
        assert r.returncode != 0
        assert "Association Rejected" in out
        assert "Rejected Permanent" in out and "Source: Service User" in out
        assert reason in out, out
        # the server keeps serving
        ok = echoscu(server.port, "-aet", "FRIEND", "-aec", "DGSCP")
        assert ok.returncode == 0, ok.stdout + ok.stderr


def test_garbage_and_truncated_then_echoscu() -> None:
    with scp().serve_sync(("127.0.0.1", 0)) as server:
        for junk in (b"\x00" * 3, b"\xff" * 64, bytes.fromhex("01 00 00001000 0001 0000")):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
                s.sendall(junk)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(5)
                try:
                    while s.recv(4096):
                        pass
                except (TimeoutError, ConnectionResetError):
                    pass
        r = echoscu(server.port, "-aec", "DGSCP")
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture()
def storescp(tmp_path: Path):
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> int:
        port = free_port()
        p = subprocess.Popen(
            [dcmtk("storescp"), "-od", str(tmp_path), "-aet", "STORESCP", *args, str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        procs.append(p)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if p.poll() is not None:
                pytest.fail(f"storescp exited: {p.stdout.read() if p.stdout else ''}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return port
            except OSError:
                time.sleep(0.05)
        pytest.fail("storescp did not start listening")

    try:
        yield start
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=10)


def test_our_scu_to_storescp(storescp) -> None:
    port = storescp()
    ae = AE("DGSCU", timeouts=FAST)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    with ae.associate_sync("127.0.0.1", port, "STORESCP") as assoc:
        assert assoc.send_c_echo() == 0
        assert assoc.send_c_echo() == 0
        assert assoc.peer_implementation_class_uid.startswith("1.2.276.0.7230010.3")
        assert assoc.peer_max_pdu > 0
    assert assoc.is_released


def test_our_scu_refused_by_storescp(storescp) -> None:
    port = storescp("--refuse")
    ae = AE("DGSCU", timeouts=FAST)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    with pytest.raises(AssociationRejected) as e:
        ae.associate_sync("127.0.0.1", port, "STORESCP")
    assert e.value.context["result"] == 1 and e.value.context["source"] == 1


def test_cli_echo_against_storescp(storescp) -> None:
    port = storescp()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "dicomgen",
            "echo",
            "127.0.0.1",
            str(port),
            "--aec",
            "STORESCP",
            "-v",
            "--timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Received Echo Response (Status: 0x0000 Success)" in r.stdout


def test_echoscu_tls_to_our_scp(cert: tuple[Path, Path]) -> None:
    crt, key = cert
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(crt, key)
    with scp().serve_sync(("127.0.0.1", 0), ssl_context=ctx) as server:
        r = echoscu(server.port, "+tla", "+cf", str(crt), "-aec", "DGSCP")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Received Echo Response" in r.stdout + r.stderr


def test_our_tls_scu_to_storescp_mutual_auth(storescp, cert: tuple[Path, Path]) -> None:
    crt, key = cert
    port = storescp("+tls", str(key), str(crt), "+cf", str(crt))  # storescp requires our cert
    ctx = ssl.create_default_context(cafile=str(crt))
    ctx.load_cert_chain(crt, key)
    ae = AE("DGSCU", timeouts=FAST)
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    with ae.associate_sync("127.0.0.1", port, "STORESCP", ssl_context=ctx) as assoc:
        assert assoc.send_c_echo() == 0
