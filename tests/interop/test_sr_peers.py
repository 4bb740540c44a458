"""The TID 1500 report built from generated classes, checked by dcmtk's dsrdump, dciodvfy,
PixelMed's DicomSRValidator and highdicom's MeasurementReport."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dicomgen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))
from sr_tid1500 import (  # noqa: E402
    basic_document,
    build_basic_report,
    build_report,
    document,
)

pytestmark = pytest.mark.interop
JAR = Path("/usr/share/java/pixelmed.jar")


@pytest.fixture(params=["1500", "2000"])
def report_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The TID 1500 Measurement Report (Comprehensive SR) or the TID 2000 Basic Diagnostic
    Imaging Report (Enhanced SR)."""
    path = tmp_path / f"tid{request.param}.dcm"
    ds = (
        document(build_report())
        if request.param == "1500"
        else basic_document(build_basic_report())
    )
    dicomgen.write(str(path), ds, transfer_syntax="1.2.840.10008.1.2.1")
    return path


@pytest.mark.skipif(shutil.which("dsrdump") is None, reason="dcmtk not installed")
def test_dsrdump_reads_it(report_file: Path) -> None:
    r = subprocess.run(["dsrdump", str(report_file)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "E:" not in r.stderr and "F:" not in r.stderr, r.stderr


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
def test_dciodvfy_no_error(report_file: Path) -> None:
    r = subprocess.run(["dciodvfy", str(report_file)], capture_output=True, text=True, timeout=60)
    assert "Error" not in r.stdout + r.stderr, r.stdout + r.stderr


@pytest.mark.skipif(not JAR.is_file() or shutil.which("java") is None, reason="no PixelMed")
def test_pixelmed_validator_no_error(report_file: Path) -> None:
    limits = [
        f"-Djdk.xml.{k}=0" for k in ("xpathExprOpLimit", "xpathExprGrpLimit", "xpathTotalOpLimit")
    ]
    cmd = ["java", *limits, "-cp", str(JAR), "com.pixelmed.validate.DicomSRValidator"]
    r = subprocess.run([*cmd, str(report_file)], capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    tid = report_file.stem[3:]
    assert f"Found Root Template TID_{tid}" in out and "Error" not in out, out


def test_highdicom_reads_measurements(report_file: Path) -> None:
    if report_file.stem != "tid1500":
        pytest.skip("a measurement report only")
    pydicom = pytest.importorskip("pydicom")
    hd_sr = pytest.importorskip("highdicom.sr")
    report = hd_sr.MeasurementReport.from_sequence([pydicom.dcmread(report_file)])
    (group,) = report.get_image_measurement_groups()
    assert group.tracking_identifier == "lesion 1"
    (m,) = group.get_measurements()
    assert (m.name.value, float(m.value), m.unit.value) == ("410668003", 12.5, "mm")
