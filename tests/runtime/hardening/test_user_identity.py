"""User identity cannot be skipped: with ``--user/--password`` an association without a User
Identity sub-item is refused (A-ASSOCIATE-RJ, permanent, service user, reason 1) whatever service
it proposes; dcmtk storescu/echoscu and pynetdicom as peers, on 127.0.0.1 only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from net_processes import dcmtk, kill
from net_store_helpers import EXPLICIT, generated_files, start_our_scp, stored_by_uid

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]

PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"
STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3"


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("store")
    proc, port = start_our_scp(store, "--user", "alice", "--password", "secret")
    try:
        yield store, port
    finally:
        kill(proc)


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_dcmtk_echoscu_without_identity_is_rejected(scp) -> None:
    _, port = scp
    out = run([dcmtk("echoscu"), "-to", "10", "-aec", "K1SCP", "127.0.0.1", str(port)])
    assert out.returncode != 0
    assert "Association Rejected" in out.stdout + out.stderr


def test_dcmtk_storescu_with_and_without_identity(scp, tmp_path: Path) -> None:
    store, port = scp
    sent, other = generated_files(tmp_path, 2, [EXPLICIT])
    base = [dcmtk("storescu"), "-to", "10", "-aec", "K1SCP"]
    bare = run(base + ["127.0.0.1", str(port), str(other)])
    assert bare.returncode != 0 and "Association Rejected" in bare.stdout + bare.stderr
    wrong = run(
        base + ["--user", "alice", "--password", "guess", "127.0.0.1", str(port), str(other)]
    )
    assert wrong.returncode != 0 and "Association Rejected" in wrong.stdout + wrong.stderr
    good = run(
        base + ["--user", "alice", "--password", "secret", "127.0.0.1", str(port), str(sent)]
    )
    assert good.returncode == 0, good.stdout + good.stderr
    stored = stored_by_uid(store)
    from net_store_helpers import sop_instance_uid

    assert sop_instance_uid(sent) in stored and sop_instance_uid(other) not in stored


@pytest.mark.parametrize(
    "abstract_syntax", ["1.2.840.10008.1.1", PATIENT_ROOT_FIND, STUDY_ROOT_GET]
)
def test_pynetdicom_without_identity_is_rejected_for_every_service(
    scp, abstract_syntax: str
) -> None:
    pynetdicom = pytest.importorskip("pynetdicom")
    from pynetdicom import evt
    from pynetdicom.pdu import A_ASSOCIATE_RJ
    from pynetdicom.pdu_primitives import UserIdentityNegotiation

    _, port = scp
    ae = pynetdicom.AE(ae_title="PYSCU")
    ae.acse_timeout = ae.network_timeout = 10
    ae.add_requested_context(abstract_syntax)
    # read in pynetdicom's reactor thread: its is_rejected flag races with it under load
    received: list[tuple[int, int, int]] = []

    def on_pdu(event: object) -> None:
        pdu = event.pdu  # type: ignore[attr-defined]
        if isinstance(pdu, A_ASSOCIATE_RJ):
            received.append((pdu.result, pdu.source, pdu.reason_diagnostic))

    handlers = [(evt.EVT_PDU_RECV, on_pdu)]
    assoc = ae.associate("127.0.0.1", port, ae_title="K1SCP", evt_handlers=handlers)
    assert not assoc.is_established
    assert received == [(1, 1, 1)]
    ui = UserIdentityNegotiation()
    ui.user_identity_type = 2
    ui.primary_field = b"alice"
    ui.secondary_field = b"secret"
    assoc = ae.associate("127.0.0.1", port, ae_title="K1SCP", ext_neg=[ui])
    assert assoc.is_established
    assoc.release()
