"""Shared helpers of the C-STORE tests: sample files, generated instances,
comparison through the DICOM JSON model, processes cleaned up in ``finally`` (dcmtk lookup,
free ports and the other process helpers are in ``net_processes``).

Importable from any test folder (``tests/`` is on ``sys.path`` through its conftest).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from net_processes import kill

UNCOMPRESSED = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
}
IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
BIG = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def start_our_scp(store: Path, *args: str, aet: str = "K1SCP") -> tuple[subprocess.Popen, int]:
    """``dicomgen scp`` in a subprocess on a free port (it prints ``listening on H:P``)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dicomgen.cli.main", "scp", "--port", "0", "--aet", aet]
        + ["--store", str(store), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"listening on [\d.]+:(\d+)", line)
        if not m:
            raise RuntimeError(f"dicomgen scp did not start: {line!r} {proc.stderr.read()}")  # type: ignore[union-attr]
        return proc, int(m.group(1))
    except BaseException:
        kill(proc)
        raise


def pydicom_dir() -> Path:
    try:
        import pydicom.data
    except ImportError:
        pytest.skip("pydicom not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent


def dcmtk_reads(path: Path) -> bool:
    """dcmtk's dcmdump reads ``path`` without an error (some pydicom samples are broken)."""
    dump = shutil.which("dcmdump") if not Path("/usr/bin/dcmdump").exists() else "/usr/bin/dcmdump"
    if dump is None:
        return True
    out = subprocess.run(
        [dump, "-q", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30
    )
    return out.returncode == 0 and not re.search(rb"^[EF]:", out.stderr, re.M)


def file_transfer_syntax(path: Path) -> str:
    from dicomgen.net.dimse.store_sources import FileSource

    src = FileSource(path)
    try:
        return src.transfer_syntax or ""
    finally:
        src.close()


def odd_dataset(path: Path) -> bool:
    """The data set has an odd length (a malformed sample, e.g. SC_rgb_small_odd.dcm): our SCU
    refuses to send it (see ``dicomgen.net.dimse.store_sources._even``)."""
    from dicomgen.net.dimse.store_sources import FileSource

    src = FileSource(path)
    try:
        return bool((len(src.buf) - src.offset) % 2)
    finally:
        src.close()


def sample_files(
    *, max_size: int = 3 << 20, transfer_syntaxes: set[str] | None = None, limit: int | None = None
) -> list[Path]:
    """pydicom test files that are Part 10 files (preamble + meta) with Study/Series/SOP
    UIDs, one per SOP Instance UID, readable by dicomgen and by dcmtk."""
    from dicomgen.media.part10 import read
    from dicomgen.net.dimse.store_sources import FileSource

    seen: set[str] = set()
    out = []
    for f in sorted(pydicom_dir().glob("*.dcm")):
        if f.stat().st_size > max_size:
            continue
        with open(f, "rb") as fh:
            head = fh.read(132)
        if head[128:132] != b"DICM":
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                src = FileSource(f)
                uid, ts = src.sop_instance_uid, src.transfer_syntax
                src.close()
                ds = read(f)
                model(ds)
        except Exception:
            continue
        if not ds.get(0x0020000D) or not ds.get(0x0020000E) or uid in seen:
            continue
        if uid != str(ds.get(0x00080018).value).strip("\0 "):
            continue
        if transfer_syntaxes is not None and ts not in transfer_syntaxes:
            continue
        if not dcmtk_reads(f) or odd_dataset(f):
            continue
        seen.add(uid)
        out.append(f)
    return out[:limit]


_counter = [0]


def make_dataset(index: int, *, rows: int = 8, cols: int = 8, frames: int = 1) -> Any:
    """A small Secondary Capture instance with native 16-bit pixels, built with dicomgen."""
    from dicomgen.core.dataset import Dataset

    _counter[0] += 1
    n = _counter[0]
    ds = Dataset()
    root = f"2.25.{os.getpid()}{index:06d}{n:06d}"
    for tag, vr, value in (
        (0x00080016, "UI", SECONDARY_CAPTURE),
        (0x00080018, "UI", f"{root}.3"),
        (0x00080020, "DA", "20240101"),
        (0x00080060, "CS", "OT"),
        (0x00100010, "PN", f"Test^K1^{index}"),
        (0x00100020, "LO", f"K1-{index % 7}"),
        (0x0020000D, "UI", f"{root}.1"),
        (0x0020000E, "UI", f"{root}.2"),
        (0x00200013, "IS", str(index)),
        (0x00280002, "US", 1),
        (0x00280004, "CS", "MONOCHROME2"),
        (0x00280008, "IS", str(frames)),
        (0x00280010, "US", rows),
        (0x00280011, "US", cols),
        (0x00280100, "US", 16),
        (0x00280101, "US", 16),
        (0x00280102, "US", 15),
        (0x00280103, "US", 0),
    ):
        ds.add_new(tag, vr, value)
    pixels = bytes((i * 7 + index) & 0xFF for i in range(rows * cols * frames * 2))
    ds.add_new(0x7FE00010, "OW", pixels)
    return ds


def generated_files(folder: Path, count: int, transfer_syntaxes: Iterable[str]) -> list[Path]:
    """``count`` generated instances written as Part 10 files, cycling ``transfer_syntaxes``."""
    from dicomgen.media.part10 import write

    folder.mkdir(parents=True, exist_ok=True)
    tss = list(transfer_syntaxes)
    out = []
    for i in range(count):
        path = folder / f"gen{i:04d}.dcm"
        write(path, make_dataset(i), tss[i % len(tss)])
        out.append(path)
    return out


def model(ds_or_path: Any) -> dict:
    """The DICOM JSON model (PS3.18 F) of a data set or file (File Meta excluded)."""
    from dicomgen.encoding.json import to_json
    from dicomgen.media.part10 import read

    ds = ds_or_path if not isinstance(ds_or_path, (str, os.PathLike)) else read(ds_or_path)
    out = to_json(ds)
    # Data Set Trailing Padding may be removed by any application (PS3.10 7.2): dcmtk does.
    out.pop("FFFCFFFC", None)
    # Private elements sent in Implicit VR arrive as UN (their VR is not in any dictionary,
    # PS3.5 6.2.2): compare their values as Implicit VR Little Endian bytes instead.
    from dicomgen.core.dataset import Dataset
    from dicomgen.encoding.writer import encode_dataset

    # Group Length (gggg,0000) depends on the transfer syntax (PS3.5 7.2) and OB/OW of Pixel
    # Data read in Implicit VR is OW by convention (PS3.5 A.1): compare values only there.
    for key in [k for k in out if k.endswith("0000")]:
        del out[key]
    for _key, value in out.items():
        if isinstance(value, dict) and value.get("vr") in ("OB", "OW"):
            value["vr"] = "OB|OW"
    for tag in list(ds.keys()):
        if (tag >> 16) & 1:
            key = f"{tag:08X}"
            elem = ds[tag]
            if key in out:
                out[key] = encode_dataset(Dataset([elem]), "1.2.840.10008.1.2").hex()
    return out


def sop_instance_uid(path: Path) -> str:
    from dicomgen.media.part10 import read

    return str(read(path, stop_before_pixels=True)[0x00080018].value).strip("\0 ")


def stored_by_uid(root: Path) -> dict[str, Path]:
    """SOP Instance UID -> stored file, for every ``.dcm`` (or dcmtk-named) file under root."""
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and not p.name.startswith(".") and not p.name.startswith("index.sqlite"):
            out[sop_instance_uid(p)] = p
    return out


def assert_same_instances(sent: list[Path], root: Path) -> None:
    """Every sent file is stored under ``root`` as an equal data set (DICOM JSON model)."""
    stored = stored_by_uid(root)
    missing = [p.name for p in sent if sop_instance_uid(p) not in stored]
    assert not missing, f"not stored: {missing}"
    for p in sent:
        got = model(stored[sop_instance_uid(p)])
        want = model(p)
        if got != want:
            diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            raise AssertionError(f"{p.name}: stored data set differs in {diff[:10]}")


def temp_files(root: Path) -> list[Path]:
    """Temporary files (partial writes) left anywhere under the store."""
    return [p for p in root.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
