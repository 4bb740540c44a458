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
from sr_tid1500 import (
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
        pytest.skip("highdicom MeasurementReport reads TID 1500 reports only")
    pydicom = pytest.importorskip("pydicom")
    hd_sr = pytest.importorskip("highdicom.sr")
    report = hd_sr.MeasurementReport.from_sequence([pydicom.dcmread(report_file)])
    (group,) = report.get_image_measurement_groups()
    assert group.tracking_identifier == "lesion 1"
    (m,) = group.get_measurements()
    assert (m.name.value, float(m.value), m.unit.value) == ("410668003", 12.5, "mm")


@pytest.mark.parametrize("iod", ["Comprehensive3DSR", "EnhancedSR"])
def test_highdicom_written_report_reads_validates_and_writes_back(iod: str, tmp_path: Path) -> None:
    """A TID 1500 report written by highdicom (as its tests build one) reads into a tree,
    dumps, passes our checks and writes back unchanged."""
    pytest.importorskip("highdicom")
    import highdicom as hd
    import numpy as np
    import pydicom
    from highdicom import sr
    from pydicom.data import get_testdata_file
    from pydicom.sr.codedict import codes

    from dicomgen.sr import dump_tree, read_tree, validate_sr, write_tree

    img = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    observer = sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=sr.PersonObserverIdentifyingAttributes(name="Foo^Bar"),
    )
    region = sr.ImageRegion(
        graphic_type=sr.GraphicTypeValues.CIRCLE,
        graphic_data=np.array([[45.0, 55.0], [45.0, 65.0]]),
        source_image=sr.SourceImageForRegion.from_source_image(img),
    )
    group = sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=sr.TrackingIdentifier(uid=hd.UID(), identifier="Region0001"),
        referenced_region=region,
        finding_type=codes.SCT.Lesion,
        measurements=[sr.Measurement(codes.SCT.Area, 10.0, codes.UCUM.SquareMillimeter)],
    )
    report = sr.MeasurementReport(
        observation_context=sr.ObservationContext(observer_person_context=observer),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion,
        imaging_measurements=[group],
    )
    cls = getattr(sr, iod)
    doc = cls(
        evidence=[img],
        content=report,
        series_number=1,
        series_instance_uid=hd.UID(),
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="highdicom",
    )
    path = tmp_path / "hd.dcm"
    doc.save_as(path)
    ds = dicomgen.read(str(path))
    tree = read_tree(ds)
    assert 'NUM:(42798000, SCT, "Area") = "10.0"' in dump_tree(tree)
    assert validate_sr(ds) == []
    out = tmp_path / "back.dcm"
    dicomgen.write(str(out), write_tree(tree))
    assert dicomgen.read(str(out)) == ds
