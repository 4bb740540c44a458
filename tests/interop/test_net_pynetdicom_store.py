"""C-STORE interoperability with pynetdicom (oracle, in-process): pynetdicom SCU -> our
Storage SCP, and our SCU -> a pynetdicom Storage SCP running in a thread.

Stored data sets must equal the sent ones through the DICOM JSON model.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from net_store_helpers import (
    BIG,
    DEFLATED,
    EXPLICIT,
    IMPLICIT,
    UNCOMPRESSED,
    assert_same_instances,
    file_transfer_syntax,
    generated_files,
    make_dataset,
    model,
    sample_files,
    stored_by_uid,
    temp_files,
)

from dicomgen.archive.storage import StorageService, add_storage_contexts
from dicomgen.archive.storage_scp import StorageSCP
from dicomgen.net import AE, Timeouts

pynetdicom = pytest.importorskip("pynetdicom")

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]

FAST = Timeouts(connect=5, acse=10, dimse=20, idle=20, artim=3)


@pytest.fixture(scope="module")
def sent_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    gen = generated_files(tmp_path_factory.mktemp("gen"), 8, [EXPLICIT, IMPLICIT, BIG, DEFLATED])
    return sample_files() + gen


def test_pynetdicom_scu_to_our_scp(tmp_path: Path, sent_files: list[Path]) -> None:
    from pydicom import dcmread
    from pynetdicom import AE as PynAE

    store = tmp_path / "store"
    storage = StorageSCP(store, fsync=False)
    ae = AE("K1SCP", timeouts=FAST, max_pdu=65536)
    add_storage_contexts(ae)
    server = ae.serve_sync(("127.0.0.1", 0), {"C-STORE": StorageService(storage)})
    try:
        scu = PynAE(ae_title="PYNSCU")
        scu.acse_timeout = scu.dimse_timeout = scu.network_timeout = 20
        contexts: set[tuple[str, str]] = set()
        for p in sent_files:
            ds = dcmread(p, stop_before_pixels=True)
            contexts.add((str(ds.SOPClassUID), file_transfer_syntax(p)))
        for cls, ts in sorted(contexts):
            scu.add_requested_context(cls, [ts])
        assert len(scu.requested_contexts) <= 128
        assoc = scu.associate("127.0.0.1", server.port, ae_title="K1SCP")
        assert assoc.is_established
        try:
            for p in sent_files:
                status = assoc.send_c_store(dcmread(p))
                assert status is not None and status.Status == 0, p.name
        finally:
            assoc.release()
    finally:
        server.shutdown()
        storage.close()
    assert_same_instances(sent_files, store)
    assert not temp_files(store)


class PynetdicomStorageSCP:
    """A pynetdicom Storage SCP in a background thread writing what it receives to ``root``."""

    def __init__(self, root: Path) -> None:
        from pynetdicom import AE as PynAE
        from pynetdicom import AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import Verification  # noqa: F401

        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.count = 0
        self.lock = threading.Lock()
        ae = PynAE(ae_title="PYNSCP")
        compressed = [
            "1.2.840.10008.1.2.4.50",
            "1.2.840.10008.1.2.4.51",
            "1.2.840.10008.1.2.4.70",
            "1.2.840.10008.1.2.4.80",
            "1.2.840.10008.1.2.4.81",
            "1.2.840.10008.1.2.4.90",
            "1.2.840.10008.1.2.4.91",
            "1.2.840.10008.1.2.5",
        ]
        for cx in AllStoragePresentationContexts:
            ae.add_supported_context(
                cx.abstract_syntax, [EXPLICIT, IMPLICIT, BIG, DEFLATED] + compressed
            )
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 20
        self.server = ae.start_server(
            ("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_STORE, self.on_store)]
        )
        self.port = self.server.socket.getsockname()[1]

    def on_store(self, event) -> int:
        with self.lock:
            self.count += 1
            n = self.count
        with open(self.root / f"{n:05d}.dcm", "wb") as f:
            f.write(event.encoded_dataset())
        return 0x0000

    def close(self) -> None:
        self.server.shutdown()


def test_our_scu_to_pynetdicom_scp(tmp_path: Path, sent_files: list[Path]) -> None:
    peer = PynetdicomStorageSCP(tmp_path / "pyn")
    try:
        ae = AE("K1SCU", timeouts=FAST)
        seen: set[tuple[str, tuple[str, ...]]] = set()
        from dicomgen.net.dimse.store_sources import FileSource

        for p in sent_files:
            src = FileSource(p)
            cls, ts = src.sop_class_uid, src.transfer_syntax or EXPLICIT
            src.close()
            for tss in ((EXPLICIT, IMPLICIT),) + (((ts,),) if ts not in UNCOMPRESSED else ()):
                if (cls, tss) not in seen:
                    seen.add((cls, tss))
                    ae.add_requested_context(cls, tss)
        # an in-memory Dataset and a second one sent in Big Endian
        ds1, ds2 = make_dataset(900), make_dataset(901)
        ae.add_requested_context(str(ds1[0x00080016].value), [BIG])
        with ae.associate_sync("127.0.0.1", peer.port, "PYNSCP") as assoc:
            for p in sent_files:
                rsp = assoc.send_c_store(str(p))
                assert rsp.ok, (p.name, hex(rsp.status))
            assert assoc.send_c_store(ds1).ok
            rsp = assoc.send_c_store(ds2, transfer_syntax=BIG)
            assert rsp.ok and rsp.transfer_syntax == BIG
    finally:
        peer.close()
    assert_same_instances(sent_files, tmp_path / "pyn")
    stored = stored_by_uid(tmp_path / "pyn")
    for ds in (ds1, ds2):
        assert model(stored[str(ds[0x00080018].value)]) == model(ds)
