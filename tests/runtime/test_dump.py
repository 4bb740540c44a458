"""``dicomgen dump``: dcmdump-like listing and the JSON model."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from dicomgen.cli.main import main
from dicomgen.core.dataset import Dataset
from dicomgen.media.part10 import write


@pytest.fixture()
def ct_file(tmp_path: Path) -> Path:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.PatientName = "Doe^John"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.Rows = 2
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3.5"
    ds.ReferencedImageSequence = [item]
    ds.add_new(0x7FE00010, "OW", struct.pack("<2H", 0x1234, 0xABCD))
    path = tmp_path / "ct.dcm"
    write(path, ds, "1.2.840.10008.1.2.1")
    return path


def test_dump_text(ct_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dump", str(ct_file)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    name = next(line for line in lines if line.startswith("(0010,0010)"))
    assert name.startswith("(0010,0010) PN [Doe^John]") and name.endswith("#    8, 1 PatientName")
    it = next(line for line in lines if line.startswith("(0008,0008)"))
    assert "[ORIGINAL\\PRIMARY]" in it and it.endswith(", 2 ImageType")
    assert any(line.startswith("(0028,0010) US 2 ") for line in lines)
    # nested item indented
    idx = next(i for i, line in enumerate(lines) if line.startswith("(0008,1140) SQ"))
    assert lines[idx + 1].startswith("  (FFFE,E000) na (Item #1")
    assert lines[idx + 2].startswith("    (0008,1155) UI [1.2.3.5]")
    assert any(line.startswith("(7FE0,0010) OW 1234\\abcd") for line in lines)
    assert (
        "# Dicom-Meta-Information-Header" in out and "(0002,0010) UI [1.2.840.10008.1.2.1]" in out
    )


def test_dump_json(ct_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dump", "--format", "json", str(ct_file)]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["00100010"] == {"vr": "PN", "Value": [{"Alphabetic": "Doe^John"}]}
    assert obj["00020010"]["Value"] == ["1.2.840.10008.1.2.1"]
    assert obj["00081140"]["Value"][0]["00081155"]["Value"] == ["1.2.3.5"]


def test_dump_error_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"not dicom at all, really")
    assert main(["dump", str(bad)]) == 1
    assert "error" in capsys.readouterr().err
