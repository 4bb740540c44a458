"""dcmtk storescu -> ``dicomgen scp --deid``: corpus files of three studies (17 MR instances)
arrive de-identified (no X/Z/D element keeps its value), filed and indexed under the replaced
UIDs, the UIDs of each study, series and frame of reference linked across instances with the
UIDs ``dicomgen deid`` gives with the same key, and pixels byte-identical."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pydicom
import pytest
from deid_check import leftovers
from net_processes import dcmtk, kill
from net_store_helpers import pydicom_dir, start_our_scp

from dicomgen.deid.values import Keys

KEY = b"scp-dcmtk-deid-key-0123456789abc"
LINKED = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID")
pytestmark = [pytest.mark.interop, pytest.mark.timeout(180), pytest.mark.filterwarnings("ignore")]


def test_storescu_to_a_de_identifying_scp(tmp_path: Path) -> None:
    sent = sorted(
        p for p in (pydicom_dir() / "dicomdirtests" / "98892003").rglob("*") if p.is_file()
    )
    assert len(sent) == 17
    store, key = tmp_path / "store", tmp_path / "key"
    key.write_bytes(KEY)
    proc, port = start_our_scp(
        store, "--no-fsync", "--deid", "--deid-pixels-clean", "--deid-key", str(key)
    )
    try:
        out = subprocess.run(
            [dcmtk("storescu"), "-R", "-to", "20", "-aec", "K1SCP", "127.0.0.1", str(port)]
            + [str(p) for p in sent],
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        kill(proc)
    assert out.returncode == 0, out.stderr
    assert "Store Failed" not in out.stdout + out.stderr, out.stdout + out.stderr

    keys = Keys(KEY)
    stored = {pydicom.dcmread(p).SOPInstanceUID: p for p in store.rglob("*.dcm")}
    assert len(stored) == len(sent)
    studies: dict[str, set[str]] = {}
    for src in sent:
        a = pydicom.dcmread(src)
        path = stored[keys.uid(a.SOPInstanceUID)]
        b = pydicom.dcmread(path)
        assert leftovers(src, path) == [], src.name
        for kw in LINKED:
            assert b.get(kw) == keys.uid(a.get(kw)) != a.get(kw), (src.name, kw)
        assert path.parent.parent.name == b.StudyInstanceUID
        assert b.PixelData == a.PixelData
        studies.setdefault(a.StudyInstanceUID, set()).add(b.StudyInstanceUID)
    assert len(studies) == 3 and all(len(v) == 1 for v in studies.values())
