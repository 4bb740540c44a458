"""DICOMDIR reading and File-set building against hostile or corrupt input: File IDs too long
or with too many components, symbolic links out of the root (MediaError, nothing read or
copied from outside), and ``dicomdir build`` skipping corrupt files with a reason in every
profile without leaving empty folders."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from net_store_helpers import EXPLICIT, IMPLICIT, generated_files, make_dataset

from dicomgen.archive.files import part10_header
from dicomgen.core.element import DataElement
from dicomgen.core.errors import MediaError
from dicomgen.encoding.writer import encode_dataset
from dicomgen.media import file_ids as fids
from dicomgen.media.dicomdir import REFERENCED_FILE_ID, encode_dicomdir, read_dicomdir
from dicomgen.media.fileset import FileSet

pytestmark = pytest.mark.timeout(120)


def dicomgen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dicomgen.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def fileset(tmp_path: Path) -> Path:
    src = generated_files(tmp_path / "src", 2, [EXPLICIT])
    FileSet.build(src, tmp_path / "fs", invent=True)
    return tmp_path / "fs"


def rewrite_file_id(root: Path, value: str) -> None:
    """Give the first referenced instance of ``root``'s DICOMDIR the File ID ``value``."""
    dd = read_dicomdir(root / "DICOMDIR")
    for _, rec in dd.walk():
        if rec.dataset.get(REFERENCED_FILE_ID) is not None:
            raw = value.encode() + b" " * (len(value) % 2)  # as written, not validated
            rec.dataset.add(DataElement.from_raw(REFERENCED_FILE_ID, "CS", raw, True))
            break
    data = encode_dicomdir(dd.roots, fileset_uid=dd.fileset_uid or "2.25.1")
    (root / "DICOMDIR").write_bytes(data)


@pytest.mark.parametrize(
    "value",
    ["A" * 300, "\\".join(["A"] * 2000), "DICOM\\..\\X"],
    ids=["300 characters", "2000 components", "dot-dot"],
)
def test_bad_file_ids_are_media_errors(fileset: Path, value: str) -> None:
    rewrite_file_id(fileset, value)
    with pytest.raises(MediaError):
        FileSet.read(fileset)
    out = dicomgen("dicomdir", "list", str(fileset / "DICOMDIR"))
    assert out.returncode != 0
    assert "Traceback" not in out.stderr and "OSError" not in out.stderr, out.stderr


def test_parse_file_id_bounds() -> None:
    assert fids.parse_file_id("dicom\\im1") == ("dicom", "im1")  # lax creators: lower case
    for bad in ("A" * 17, "\\".join(["A"] * 9), "", "A\\\\B", "A\x00B"):
        with pytest.raises(MediaError):
            fids.parse_file_id(bad)


def test_symlink_out_of_the_root_is_refused(fileset: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.dcm"
    ds = make_dataset(99)
    secret.write_bytes(
        part10_header(ds.first_text(0x00080016), ds.first_text(0x00080018), EXPLICIT)
        + bytes(encode_dataset(ds, EXPLICIT))
    )
    fs = FileSet.read(fileset)
    inst = fs.instances[0]
    target = fids.to_path(fileset, inst.file_id)
    target.unlink()
    os.symlink(secret, target)
    with pytest.raises(MediaError, match="outside the File-set root"):
        FileSet.read(fileset)
    lax = FileSet.read(fileset, check_files=False)
    copy = tmp_path / "copy"
    with pytest.raises(MediaError, match="outside the File-set root"):
        lax.write(copy)
    copied = [p for p in copy.rglob("*") if p.is_file()] if copy.exists() else []
    assert not any(p.read_bytes() == secret.read_bytes() for p in copied)
    assert not copy.exists() or not [p for p in copy.rglob("*") if p.is_dir()]


def truncated(path: Path, folder: Path) -> Path:
    """``path`` less its last 62 bytes (Pixel Data cut short), as a file in ``folder``."""
    out = folder / ("trunc_" + path.name)
    out.write_bytes(path.read_bytes()[:-62])
    return out


def unconvertible(folder: Path) -> Path:
    """An Implicit VR file with a 70,000-byte LO: readable and complete, but no Explicit VR
    transfer syntax can hold its 16-bit length (conversion fails at write time)."""
    ds = make_dataset(7)
    data = bytes(encode_dataset(ds, IMPLICIT))
    at = data.index(b"\x10\x00\x10\x00")
    data = data[:at] + struct.pack("<HHI", 0x0009, 0x0010, 70000) + b"X" * 70000 + data[at:]
    path = folder / "unconvertible.dcm"
    head = part10_header(ds.first_text(0x00080016), ds.first_text(0x00080018), IMPLICIT)
    path.write_bytes(head + data)
    return path


def empty_dirs(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_dir() and not any(p.iterdir())]


@pytest.mark.parametrize("profile", ["STD-GEN-CD", "ANY"])
def test_build_skips_corrupt_files_in_every_profile(tmp_path: Path, profile: str) -> None:
    generated_files(tmp_path / "src", 3, [EXPLICIT, IMPLICIT])
    others = generated_files(tmp_path / "others", 2, [EXPLICIT, IMPLICIT])
    bad = [truncated(p, tmp_path / "src") for p in others]
    if profile != "ANY":
        bad.append(unconvertible(tmp_path / "src"))
    out_dir = tmp_path / "out"
    out = dicomgen(
        "dicomdir", "build", str(tmp_path / "src"), str(out_dir), "--profile", profile, "--invent"
    )
    assert out.returncode == 0, out.stderr
    for path in bad:
        assert f"skipped {path}: cannot" in out.stderr, out.stderr
    fs = FileSet.read(out_dir)
    assert len(fs.instances) == 3
    assert not empty_dirs(out_dir)


def test_failed_build_leaves_no_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    unconvertible(src)
    out_dir = tmp_path / "out"
    out = dicomgen("dicomdir", "build", str(src), str(out_dir), "--invent")
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert not out_dir.exists()
