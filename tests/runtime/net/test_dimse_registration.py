"""An AE serves the built-in DIMSE services from the table it is configured with (nothing
registers on import), and a C-CANCEL-RQ is routed by the association itself (PS3.7 9.1.2,
9.3.2.3).

Each server here runs in a fresh interpreter that imports nothing but ``dicomgen.net`` (no
``dicomgen.net.dimse.find``, no ``dicomgen.archive``), so what answers is only what the AE's
own table holds. dcmtk's findscu (from /usr/bin, an oracle) is the client.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)

FINDSCU = "/usr/bin/findscu"
PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"

# A server whose only handler is a plain {"C-FIND": fn}; ``delay`` between matches.
SERVER = textwrap.dedent("""
    import asyncio, sys
    from dicomgen.net import AE, Timeouts

    COUNT, DELAY = int(sys.argv[1]), float(sys.argv[2])

    async def find(event):
        from dicomgen.core.dataset import Dataset
        for i in range(COUNT):
            ds = Dataset()
            ds.QueryRetrieveLevel = "PATIENT"
            ds.PatientID = f"P{i}"
            yield ds
            await asyncio.sleep(DELAY)

    async def main():
        ae = AE("QRSCP", timeouts=Timeouts(connect=5, acse=5, dimse=10, idle=20, artim=2))
        ae.add_supported_context("1.2.840.10008.5.1.4.1.2.1.1")
        server = await ae.start_server(("127.0.0.1", 0), {"C-FIND": find})
        mods = sorted(m for m in sys.modules if m.startswith("dicomgen.archive"))
        print(server.port, ",".join(mods) or "-", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await server.close()

    asyncio.run(main())
    """)


@pytest.fixture
def server_factory() -> Iterator:
    procs: list[subprocess.Popen] = []

    def start(count: int, delay: float) -> int:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(count), str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        procs.append(proc)
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            pytest.fail("server did not start: " + (proc.stderr.read() if proc.stderr else ""))
        port, services = line.split()
        assert services == "-", f"the server imported {services}"
        return int(port)

    try:
        yield start
    finally:
        for proc in procs:
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()


def findscu(port: int, *args: str) -> str:
    if not Path(FINDSCU).exists():
        pytest.skip("dcmtk findscu not installed")
    cmd = [FINDSCU, "-d", "-to", "10", "-ta", "10", "-td", "10", "-aec", "QRSCP", "-P", *args]
    cmd += ["-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID", "127.0.0.1", str(port)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=40)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout + r.stderr


def test_plain_c_find_handler_answers_from_the_aes_table(server_factory) -> None:
    port = server_factory(3, 0.0)
    out = findscu(port)
    assert out.count("Received Find Response") == 3, out  # 3 Pending
    assert "Received Final Find Response" in out, out
    assert "0x0000: Success" in out, out
    assert "0x0211" not in out.lower(), out  # not "Unrecognized Operation"
    for i in range(3):
        assert f"[P{i}]" in out, out


def test_c_cancel_routed_by_the_association(server_factory) -> None:
    port = server_factory(40, 0.05)
    out = findscu(port, "--cancel", "1")
    assert "Sending Cancel Request" in out, out
    assert "0xfe00" in out.lower(), out  # the operation ends with Cancel (FE00H)
    assert out.count("Received Find Response") < 40, out
    assert "Abort" not in out, out  # the C-CANCEL-RQ did not abort the association


def test_importing_dicomgen_loads_no_networking(fresh_python) -> None:
    code = (
        "import sys, dicomgen\n"
        "print(sorted(m for m in sys.modules if m.startswith('dicomgen.')))\n"
        "import dicomgen.net.dimse\n"
        "print(sorted(m for m in sys.modules if m.startswith('dicomgen.net.dimse.')))\n"
        "from dicomgen.net.dimse import CommandField as F\n"
        "from dicomgen.net.dimse.providers import standard_services\n"
        "S = standard_services()\n"
        "need = [F.C_ECHO_RQ, F.C_STORE_RQ, F.C_FIND_RQ, F.C_MOVE_RQ, F.C_GET_RQ,\n"
        "        F.N_EVENT_REPORT_RQ, F.N_GET_RQ, F.N_SET_RQ, F.N_ACTION_RQ, F.N_CREATE_RQ,\n"
        "        F.N_DELETE_RQ]\n"
        "print([f.name for f in need if f not in S])\n"
        "print('dicomgen.net.association' in sys.modules)\n"
    )
    loaded, dimse, missing, assoc = fresh_python(code, timeout=30).split("\n")[:4]
    # the root package wires the services core calls in higher layers, nothing more
    assert loaded == "['dicomgen.core', 'dicomgen.core.errors', 'dicomgen.core.services']"
    # importing the package imports no service module: nothing registers as a side effect
    assert not {"find", "move", "get", "echo", "store_scp", "normalized"} & {
        m.rsplit(".", 1)[1] for m in eval(dimse)
    }, dimse
    assert missing == "[]"
    assert assoc == "False"  # building the table does not pull in the association


def test_an_ae_serves_only_the_services_it_is_configured_with() -> None:
    """The providers are the AE's own table: one AE's services do not leak into another."""
    from dicomgen.net import AE
    from dicomgen.net.dimse import CommandField
    from dicomgen.net.dimse.echo import EchoSCP
    from dicomgen.net.dimse.providers import standard_services

    echo_only = AE("ECHO", services={CommandField.C_ECHO_RQ: EchoSCP()})
    full = AE("FULL")
    assert set(echo_only.services) == {int(CommandField.C_ECHO_RQ)}
    assert set(full.services) == set(standard_services())
    assert full.services[CommandField.C_ECHO_RQ] is not echo_only.services[CommandField.C_ECHO_RQ]
