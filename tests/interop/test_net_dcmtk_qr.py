"""Query/Retrieve interoperability with dcmtk (oracle): findscu, movescu and getscu against our
Q/R SCP (the file store as back end, PS3.4 C.4), movescu sending to dcmtk's storescp and to
our own storage SCP, findscu --cancel against a slow SCP (C-CANCEL-RQ -> Cancel FE00H).

Results are compared with what was stored through the DICOM JSON model (PS3.18 F). dcmtk
binaries are used from /usr/bin (a pyenv shim named ``findscu`` may be pynetdicom's app) and
must report a dcmtk version. Every process is killed in ``finally``.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from net_processes import dcmtk, free_port
from qr_archive import INSTANCES, filled_storage, make, move_destination, slow_patient_matches

from dicomgen.archive import query_retrieve as qr
from dicomgen.core.dataset import Dataset
from dicomgen.encoding.json import to_json
from dicomgen.encoding.reader import decode_dataset
from dicomgen.media.part10 import read
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse.find import PATIENT_ROOT_FIND

pytestmark = [pytest.mark.interop, pytest.mark.timeout(90)]

FAST = Timeouts(connect=5, acse=5, dimse=10, idle=20, artim=2)


def tool(name: str, port: int, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [dcmtk(name), "-d", "-to", "10", "-ta", "10", "-td", "10", "-aec", "QRSCP", *args]
    return subprocess.run(
        [*cmd, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=60, cwd=cwd
    )


def keys(**kw: str) -> list[str]:
    out = []
    for k, v in kw.items():
        out += ["-k", f"{k}={v}" if v is not None else k]
    return out


@pytest.fixture(scope="module")
def storescp(tmp_path_factory):
    """dcmtk's storescp as a Move Destination (AE title STORESCP)."""
    folder = tmp_path_factory.mktemp("storescp")
    port = free_port()
    proc = subprocess.Popen(
        [dcmtk("storescp"), "-aet", "STORESCP", "-od", str(folder), "-dhl", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("storescp did not start")
        yield port, folder
    finally:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def our_destination():
    with move_destination("DGDEST", FAST) as (server, received):
        yield server.port, received


@pytest.fixture(scope="module")
def qr_port(tmp_path_factory, storescp, our_destination):
    storage = filled_storage(tmp_path_factory.mktemp("qr") / "store")
    try:
        ae = AE("QRSCP", timeouts=FAST)
        qr.add_contexts(ae)
        handlers = qr.install(
            {},
            storage,
            {"STORESCP": ("127.0.0.1", storescp[0]), "DGDEST": ("127.0.0.1", our_destination[0])},
        )
        server = ae.serve_sync(("127.0.0.1", 0), handlers)
        try:
            yield server.port
        finally:
            server.shutdown()
    finally:
        storage.close()


def extracted(folder: Path) -> list[Dataset]:
    return [read(p) for p in sorted(folder.glob("rsp*.dcm"))]


def find(port: int, folder: Path, model: str, **kw: str) -> list[Dataset]:
    for old in folder.glob("rsp*.dcm"):
        old.unlink()
    r = tool("findscu", port, model, "-X", "-od", str(folder), *keys(**kw))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0x0000: Success" in r.stdout + r.stderr
    return extracted(folder)


def test_findscu_patient_root_levels(qr_port, tmp_path) -> None:
    got = find(
        qr_port, tmp_path, "-P", QueryRetrieveLevel="PATIENT", PatientID="PAT*", PatientName=None
    )
    assert {(d.PatientID, str(d.PatientName)) for d in got} == {(r[0], r[1]) for r in INSTANCES}
    got = find(
        qr_port,
        tmp_path,
        "-P",
        QueryRetrieveLevel="STUDY",
        PatientID="PAT1",
        StudyInstanceUID=None,
        StudyDate=None,
    )
    assert {(str(d.StudyInstanceUID), str(d.StudyDate)) for d in got} == {
        (r[2], r[3]) for r in INSTANCES if r[0] == "PAT1"
    }
    got = find(
        qr_port,
        tmp_path,
        "-P",
        QueryRetrieveLevel="SERIES",
        PatientID="PAT1",
        StudyInstanceUID="1.2.826.0.1.1",
        SeriesInstanceUID=None,
        Modality=None,
    )
    assert {(str(d.SeriesInstanceUID), d.Modality) for d in got} == {
        (r[4], r[5]) for r in INSTANCES if r[2] == "1.2.826.0.1.1"
    }
    got = find(
        qr_port,
        tmp_path,
        "-P",
        QueryRetrieveLevel="IMAGE",
        PatientID="PAT1",
        StudyInstanceUID="1.2.826.0.1.1",
        SeriesInstanceUID="1.2.826.0.1.1.1",
        SOPInstanceUID=None,
        InstanceNumber=None,
    )
    assert {(str(d.SOPInstanceUID), int(d.InstanceNumber)) for d in got} == {
        (r[7], int(r[7].rsplit(".", 1)[1])) for r in INSTANCES if r[4] == "1.2.826.0.1.1.1"
    }


def test_findscu_study_root_wildcards_and_date_range(qr_port, tmp_path) -> None:
    got = find(
        qr_port,
        tmp_path,
        "-S",
        QueryRetrieveLevel="STUDY",
        StudyInstanceUID=None,
        PatientName="?OE^J*",
        StudyDate="20200101-20201231",
    )
    assert {str(d.StudyInstanceUID) for d in got} == {
        r[2] for r in INSTANCES if r[1] in ("DOE^JOHN", "ROE^JANE") and r[3].startswith("2020")
    }
    got = find(
        qr_port,
        tmp_path,
        "-S",
        QueryRetrieveLevel="STUDY",
        StudyInstanceUID=None,
        StudyDate="-20000101",
    )
    assert {str(d.StudyInstanceUID) for d in got} == {"1.2.826.0.3.1"}
    got = find(
        qr_port,
        tmp_path,
        "-S",
        QueryRetrieveLevel="SERIES",
        StudyInstanceUID="1.2.826.0.2.1",
        SeriesInstanceUID=None,
        Modality="MR",
    )
    assert {str(d.SeriesInstanceUID) for d in got} == {"1.2.826.0.2.1.1"}


def received_json(datasets: list[Dataset]) -> dict[str, Any]:
    out = {}
    for ds in datasets:
        j = to_json(ds)
        out[str(ds.SOPInstanceUID)] = j
    return out


def expected_json(uids: set[str]) -> dict[str, Any]:
    return {r[7]: to_json(make(r)) for r in INSTANCES if r[7] in uids}


def test_movescu_to_dcmtk_storescp(qr_port, storescp) -> None:
    _, folder = storescp
    for old in folder.iterdir():
        old.unlink()
    r = tool(
        "movescu",
        qr_port,
        "-S",
        "--move",
        "STORESCP",
        *keys(QueryRetrieveLevel="STUDY", StudyInstanceUID="1.2.826.0.1.1"),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0x0000: Success" in r.stdout + r.stderr
    want = {x[7] for x in INSTANCES if x[2] == "1.2.826.0.1.1"}
    deadline = time.monotonic() + 10
    while len(list(folder.iterdir())) < len(want) and time.monotonic() < deadline:
        time.sleep(0.1)
    got = received_json([read(p) for p in folder.iterdir()])
    assert got == expected_json(want)


def test_movescu_to_our_storage_scp(qr_port, our_destination) -> None:
    _, received = our_destination
    received.instances.clear()
    r = tool(
        "movescu",
        qr_port,
        "-P",
        "--move",
        "DGDEST",
        *keys(QueryRetrieveLevel="PATIENT", PatientID="PAT2"),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    want = {x[7] for x in INSTANCES if x[0] == "PAT2"}
    got = received_json([decode_dataset(i.data, i.transfer_syntax) for i in received.instances])
    assert got == expected_json(want)


def test_movescu_unknown_destination(qr_port) -> None:
    r = tool(
        "movescu",
        qr_port,
        "-S",
        "--move",
        "NOWHERE",
        *keys(QueryRetrieveLevel="STUDY", StudyInstanceUID="1.2.826.0.1.1"),
    )
    assert "0xa801" in (r.stdout + r.stderr).lower()


def test_getscu_from_our_scp(qr_port, tmp_path) -> None:
    r = tool(
        "getscu",
        qr_port,
        "-S",
        "-od",
        str(tmp_path),
        *keys(
            QueryRetrieveLevel="SERIES",
            StudyInstanceUID="1.2.826.0.1.1",
            SeriesInstanceUID="1.2.826.0.1.1.1",
        ),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    want = {x[7] for x in INSTANCES if x[4] == "1.2.826.0.1.1.1"}
    got = received_json([read(p) for p in tmp_path.iterdir()])
    assert got == expected_json(want)


def test_getscu_patient_root_image_level(qr_port, tmp_path) -> None:
    r = tool(
        "getscu",
        qr_port,
        "-P",
        "-od",
        str(tmp_path),
        *keys(
            QueryRetrieveLevel="IMAGE",
            PatientID="PAT3",
            StudyInstanceUID="1.2.826.0.3.1",
            SeriesInstanceUID="1.2.826.0.3.1.1",
            SOPInstanceUID="1.2.826.0.3.1.1.1",
        ),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    got = received_json([read(p) for p in tmp_path.iterdir()])
    assert got == expected_json({"1.2.826.0.3.1.1.1"})


_slow = slow_patient_matches(40)


def test_findscu_cancel_gets_cancel_status() -> None:
    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(PATIENT_ROOT_FIND)
    with ae.serve_sync(("127.0.0.1", 0), {"C-FIND": _slow}) as server:
        r = tool(
            "findscu",
            server.port,
            "-P",
            "--cancel",
            "1",
            *keys(QueryRetrieveLevel="PATIENT", PatientID=None),
        )
    out = r.stdout + r.stderr
    assert "Sending Cancel Request" in out, out
    assert "0xfe00" in out.lower(), out
    assert out.count("Received Find Response") < 40  # not all 40 matches
