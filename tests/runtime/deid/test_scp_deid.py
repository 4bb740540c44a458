"""``dicomgen scp --deid``: what the archive stores is de-identified (no element whose Basic
Profile action is X, Z or D keeps its value, in the files or the index), UIDs of one study stay
linked with the store's key, burned-in annotation is refused with C000 and its reason, and the
record of actions is written beside the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deid_check import leftovers
from net_processes import kill
from net_store_helpers import EXPLICIT, SECONDARY_CAPTURE, make_dataset, start_our_scp

from dicomgen.archive.store_status import STORE_CANNOT_UNDERSTAND, STORE_SUCCESS
from dicomgen.core.dataset import Dataset
from dicomgen.deid.values import Keys
from dicomgen.media import part10
from dicomgen.net import AE, Timeouts

KEY = b"scp-deid-test-key-0123456789abcd"
pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("ignore")]


def _instances() -> tuple[Dataset, Dataset, Dataset]:
    """Two instances of one study (Burned In Annotation NO) and one with burned-in text."""
    first, second, burned = make_dataset(1), make_dataset(2), make_dataset(3)
    study = first.first_text(0x0020000D)
    second.add_new(0x0020000D, "UI", study)
    for ds, burned_in in ((first, "NO"), (second, "NO"), (burned, "YES")):
        ds.add_new(0x00280301, "CS", burned_in)
        ds.add_new(0x00080090, "PN", "Referring^Doctor")
        ds.add_new(0x00100030, "DA", "19700101")
    return first, second, burned


def test_the_archive_holds_only_de_identified_data(tmp_path: Path) -> None:
    store, key = tmp_path / "store", tmp_path / "key"
    key.write_bytes(KEY)
    first, second, burned = _instances()
    sent = tmp_path / "sent"
    sent.mkdir()
    for i, ds in enumerate((first, second), 1):
        part10.write(sent / f"{i}.dcm", ds, EXPLICIT)
    proc, port = start_our_scp(store, "--no-fsync", "--deid", "--deid-key", str(key))
    try:
        ae = AE("SENDER", timeouts=Timeouts(connect=5, acse=10, dimse=20, idle=20, artim=5))
        ae.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
        with ae.associate_sync("127.0.0.1", port, "K1SCP") as assoc:
            ok = [assoc.send_c_store(sent / f"{i}.dcm") for i in (1, 2)]
            refused = assoc.send_c_store(burned)
    finally:
        kill(proc)
    assert [r.status for r in ok] == [STORE_SUCCESS, STORE_SUCCESS]
    assert refused.status == STORE_CANNOT_UNDERSTAND
    assert "Burned In Annotation" in (refused.error_comment or "")

    stored = sorted(store.rglob("*.dcm"))
    assert len(stored) == 2
    keys = Keys(KEY)
    by_instance = {part10.read(p).first_text(0x00080018): p for p in stored}
    for i, ds in enumerate((first, second), 1):
        new_uid = keys.uid(ds.first_text(0x00080018))
        assert new_uid in by_instance  # the UID of `dicomgen deid` with the same key
        out = by_instance[new_uid]
        assert leftovers(sent / f"{i}.dcm", out) == []
        # linked: one study, its UID replaced, the file filed under the replacement
        assert part10.read(out).first_text(0x0020000D) == keys.uid(first.first_text(0x0020000D))
        assert out.parent.parent.name == keys.uid(first.first_text(0x0020000D))
    # nothing identifying anywhere in the archive, index included
    originals = [b"Test^K1", b"Referring^Doctor", b"19700101", first.first_text(0x0020000D)]
    for path in store.rglob("*"):
        if path.is_file() and path.name != "key":
            data = path.read_bytes()
            for text in originals:
                raw = text if isinstance(text, bytes) else text.encode()
                assert raw not in data, (path, raw)
    lines = (store / ".deid" / "records.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["sop_instance_uid"] for r in records} == set(by_instance)
    actions = {a["tag"]: a["action"] for a in records[0]["actions"]}
    assert actions["(0010,0010)"] in ("Z", "D") and actions["(0008,0018)"] == "U"


def test_bad_deid_arguments_are_refused_before_the_store_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dicomgen.cli.main import main

    store = tmp_path / "store"
    assert main(["scp", "--store", str(store), "--deid-pixels-clean", "--port", "0"]) != 0
    assert "need --deid" in capsys.readouterr().err
    assert main(["scp", "--store", str(store), "--deid", "--deid-option", "nonsense"]) != 0
    assert "unknown de-identification option 'nonsense'" in capsys.readouterr().err
    assert not store.exists() or not list(store.glob("*.open"))
