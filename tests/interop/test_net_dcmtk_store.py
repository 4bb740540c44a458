"""C-STORE interoperability with dcmtk (oracle): storescu -> ``dicomgen scp`` and
``dicomgen store`` -> storescp, in several transfer syntaxes (native and compressed).

Stored files must be equal data sets to the sent ones through the DICOM JSON model.
dcmtk is run as /usr/bin/<tool> (checked to be dcmtk); every process is killed in finally.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from net_processes import dcmtk, free_port, kill, wait_port
from net_store_helpers import (
    BIG,
    DEFLATED,
    EXPLICIT,
    IMPLICIT,
    UNCOMPRESSED,
    assert_same_instances,
    file_transfer_syntax,
    generated_files,
    sample_files,
    sop_instance_uid,
    start_our_scp,
    stored_by_uid,
    temp_files,
)

pytestmark = [pytest.mark.interop, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    gen = tmp_path_factory.mktemp("gen")
    every = sample_files()  # one file per SOP Instance UID
    native = [p for p in every if file_transfer_syntax(p) in UNCOMPRESSED]
    compressed = [p for p in every if p not in native]
    generated = generated_files(gen, 12, [EXPLICIT, IMPLICIT, BIG, DEFLATED])
    assert len(native) + len(compressed) >= 30
    return {"native": native, "compressed": compressed, "generated": generated}


#: storescu's option proposing each compressed transfer syntax (with the uncompressed ones)
STORESCU_COMPRESSED = {
    "1.2.840.10008.1.2.4.50": "-xy",
    "1.2.840.10008.1.2.4.51": "-xx",
    "1.2.840.10008.1.2.4.70": "-xs",
    "1.2.840.10008.1.2.4.80": "-xt",
    "1.2.840.10008.1.2.4.81": "-xu",
    "1.2.840.10008.1.2.4.90": "-xv",
    "1.2.840.10008.1.2.4.91": "-xw",
    "1.2.840.10008.1.2.5": "-xr",
}


def storescu(port: int, options: list[str], paths: list[Path]) -> None:
    out = subprocess.run(
        [dcmtk("storescu"), "-R", *options, "-to", "20", "-aec", "K1SCP", "127.0.0.1", str(port)]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert out.returncode == 0, out.stderr
    assert "Store Failed" not in out.stdout + out.stderr, out.stdout + out.stderr


def check_store(store: Path, sent: list[Path]) -> None:
    from dicomgen.archive.index import Index
    from dicomgen.archive.levels import Level

    assert_same_instances(sent, store)
    assert not temp_files(store)
    with Index(store / "index.sqlite") as index:  # the index knows every instance
        assert index.count(Level.IMAGE) == len(sent)


@pytest.mark.parametrize("option", ["-xe", "-xi", "-xb", "-xd"])
def test_storescu_to_our_scp(tmp_path: Path, files: dict[str, list[Path]], option: str) -> None:
    """Native files (pydicom samples + generated in four transfer syntaxes) with storescu
    proposing the uncompressed syntaxes in the order of ``option``."""
    sent = files["native"] + files["generated"]
    store = tmp_path / "store"
    proc, port = start_our_scp(store, "--no-fsync")
    try:
        storescu(port, [option], sent)
    finally:
        kill(proc)
    check_store(store, sent)


def test_storescu_compressed_to_our_scp(tmp_path: Path, files: dict[str, list[Path]]) -> None:
    """Compressed files, storescu proposing each one's transfer syntax: stored unchanged."""
    from dicomgen.media.part10 import read
    from dicomgen.net.dimse.store_sources import FileSource

    groups: dict[str, list[Path]] = {}
    for p in files["compressed"]:
        src = FileSource(p)
        option = STORESCU_COMPRESSED.get(src.transfer_syntax or "")
        src.close()
        if option:
            groups.setdefault(option, []).append(p)
    assert len(groups) >= 3
    sent = [p for group in groups.values() for p in group]
    store = tmp_path / "store"
    proc, port = start_our_scp(store, "--no-fsync")
    try:
        for option, paths in groups.items():
            storescu(port, [option], paths)
    finally:
        kill(proc)
    check_store(store, sent)
    stored = stored_by_uid(store)
    for p in sent:  # kept in the transfer syntax it came in (no conversion happened)
        want = read(p, stop_before_pixels=True).file_meta.transfer_syntax_uid
        got = read(stored[sop_instance_uid(p)], stop_before_pixels=True).file_meta
        assert got.transfer_syntax_uid == want


@pytest.mark.parametrize(
    "option, kinds",
    [
        ([], ("native", "compressed", "generated")),
        (["-xi"], ("native", "generated")),
        (["-xb"], ("native", "generated")),
        (["--ts", "DeflatedExplicitVRLittleEndian"], ("native", "generated")),
    ],
)
def test_our_store_to_storescp(
    tmp_path: Path, files: dict[str, list[Path]], option: list[str], kinds: tuple[str, ...]
) -> None:
    sent = [p for k in kinds for p in files[k]]
    store = tmp_path / "storescp"
    store.mkdir()
    port = free_port()
    proc = subprocess.Popen(
        [dcmtk("storescp"), "+xa", "-od", str(store), "-aet", "STORESCP", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(port, proc=proc)
        out = subprocess.run(
            [sys.executable, "-m", "dicomgen.cli.main", "store", "127.0.0.1", str(port)]
            + ["--aec", "STORESCP", "--timeout", "20", *option]
            + [str(p) for p in sent],
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert out.returncode == 0, out.stderr
    finally:
        kill(proc)
    assert_same_instances(sent, store)


def test_our_store_directory_recursive(tmp_path: Path) -> None:
    """``dicomgen store HOST PORT DIR -r`` finds files in sub-folders."""
    src = tmp_path / "src"
    generated_files(src / "a", 3, [EXPLICIT])
    generated_files(src / "b" / "c", 2, [IMPLICIT])
    store = tmp_path / "storescp"
    store.mkdir()
    port = free_port()
    proc = subprocess.Popen(
        [dcmtk("storescp"), "-od", str(store), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc=proc)
        cmd = [sys.executable, "-m", "dicomgen.cli.main", "store", "127.0.0.1", str(port)]
        flat = subprocess.run(cmd + [str(src)], capture_output=True, text=True, timeout=60)
        assert flat.returncode == 1  # no file directly in src
        deep = subprocess.run(cmd + ["-r", str(src)], capture_output=True, text=True, timeout=60)
        assert deep.returncode == 0, deep.stderr
    finally:
        kill(proc)
    assert len(stored_by_uid(store)) == 5


def test_our_scp_serves_query_retrieve(tmp_path: Path, files: dict[str, list[Path]]) -> None:
    """``dicomgen scp`` answers findscu, and movescu/getscu get back what storescu stored
    (C-MOVE to a ``--move-dest`` storescp; C-GET on the same association)."""
    from dicomgen.media.part10 import read

    sent = files["generated"][:4]
    studies = {str(read(p, stop_before_pixels=True)[0x0020000D].value) for p in sent}
    dest_port = free_port()
    (tmp_path / "dest").mkdir()
    (tmp_path / "got").mkdir()
    dest = subprocess.Popen(
        [dcmtk("storescp"), "-aet", "DEST", "-od", str(tmp_path / "dest"), str(dest_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proc = None
    try:
        wait_port(dest_port, proc=dest)
        proc, port = start_our_scp(
            tmp_path / "store", "--no-fsync", "--move-dest", f"DEST=127.0.0.1:{dest_port}"
        )
        storescu(port, ["-xe"], sent)
        common = ["-aec", "K1SCP", "-to", "20", "-S", "-k", "QueryRetrieveLevel=STUDY"]
        find = subprocess.run(
            [dcmtk("findscu"), "-v", *common, "-k", "StudyInstanceUID", "127.0.0.1", str(port)],
            capture_output=True,
            timeout=60,
        )
        assert find.returncode == 0
        found = set(re.findall(rb"\(0020,000d\) UI \[([0-9.]+)", find.stdout + find.stderr))
        assert {s.decode() for s in found} == studies
        first, second = sorted(studies)[:2]
        move = subprocess.run(
            [dcmtk("movescu"), *common, "-aem", "DEST", "-k", f"StudyInstanceUID={first}"]
            + ["127.0.0.1", str(port)],
            capture_output=True,
            timeout=60,
        )
        assert move.returncode == 0, move.stderr
        get = subprocess.run(
            [dcmtk("getscu"), *common, "-od", str(tmp_path / "got")]
            + ["-k", f"StudyInstanceUID={second}", "127.0.0.1", str(port)],
            capture_output=True,
            timeout=60,
        )
        assert get.returncode == 0, get.stderr
    finally:
        kill(proc)
        kill(dest)
    by_study = {str(read(p, stop_before_pixels=True)[0x0020000D].value): p for p in sent}
    assert_same_instances([by_study[first]], tmp_path / "dest")
    assert_same_instances([by_study[second]], tmp_path / "got")
