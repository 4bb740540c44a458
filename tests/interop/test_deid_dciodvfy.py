"""De-identified files vs dciodvfy (dicom3tools): no error that the input did not have.

The whole of pydicom's test corpus through the Basic Profile (pixels stated clean), every file
the run wrote compared with its input; a few files also under other option sets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pydicom.data
import pytest

from dicomgen.deid import files
from dicomgen.deid.profile import Profile
from dicomgen.deid.values import Keys
from dicomgen.deid.walker import Deidentifier
from dicomgen.media import part10

pytestmark = [pytest.mark.interop, pytest.mark.filterwarnings("ignore")]
FILES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtdose.dcm", "rtstruct.dcm", "JPEG2000.dcm"]
OPTION_SETS = [
    [],
    ["retain-uids", "retain-device-identity"],
    [
        "clean-descriptors",
        "retain-longitudinal-temporal-information-modified-dates",
        "retain-patient-characteristics",
    ],
]


NO_DCIODVFY = shutil.which("dciodvfy") is None
_VALUE = re.compile(r"(Value=|= )<[^<>]*>")  # a value shown in brackets
_NUMBER = re.compile(r"\b\d+(?:\.\d+)*\b")  # UIDs, counts, values: "1.2.840.10008.1" -> "#"


def normalised(line: str) -> str:
    """An error message without its values (shown values, UIDs, numbers), so that the same
    problem with a replaced value matches while another problem, or the same problem of
    another element or module, does not."""
    return _NUMBER.sub("#", _VALUE.sub(r"\1<>", line))


def _errors(path: Path) -> set[str]:
    proc = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=30)
    lines = (proc.stdout + proc.stderr).splitlines()
    return {normalised(x) for x in lines if x.startswith("Error")}


def test_normalised_drops_values_and_keeps_names() -> None:
    same = "Error - StudyInstanceUID has same value as FrameOfReferenceUID <{}>"
    assert normalised(same.format("1.2.3.4")) == normalised(same.format("2.25.991"))
    ref = "Error - Referenced SOP Instance is not listed ... but have IMAGE ReferencedSOPInstanceUID {}"
    assert normalised(ref.format("0")) == normalised(ref.format("2.25.17"))
    shown = "Error - Bad value Value=<{}> Element=<PatientName>"
    assert normalised(shown.format("Doe^John")) == normalised(shown.format("ANON"))
    missing = "Error - Missing attribute Type 1 Required Element=<{}> Module=<OverlayPlane>"
    assert normalised(missing.format("OverlayData")) != normalised(missing.format("OverlayRows"))


@pytest.mark.skipif(NO_DCIODVFY, reason="dciodvfy not installed")
def test_the_whole_corpus_has_no_new_dciodvfy_error(tmp_path: Path) -> None:
    src = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    out = tmp_path / "out"
    result = files.run([src], out, Profile(["clean-pixel-data"]), Keys(b"k" * 32))
    assert len(result.written) >= 140
    new = {}
    for rel in result.written:
        found = _errors(out / rel) - _errors(src / rel)
        if found:
            new[rel] = sorted(found)
    assert new == {}


@pytest.mark.skipif(NO_DCIODVFY, reason="dciodvfy not installed")
@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: "+".join(o) or "basic")
@pytest.mark.parametrize("name", FILES)
def test_no_new_dciodvfy_error(name: str, options: list[str], tmp_path: Path) -> None:
    src = Path(pydicom.data.get_testdata_file(name))
    ds = part10.read(src)
    out, _ = Deidentifier(Profile([*options, "clean-pixel-data"]), Keys(b"k" * 32)).dataset(ds)
    target = tmp_path / name
    part10.write(target, out, ds.read_transfer_syntax)
    assert _errors(target) - _errors(src) == set()
