"""De-identified files vs dciodvfy (dicom3tools): no error that the input did not have."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pydicom.data
import pytest

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


def _errors(path: Path) -> set[str]:
    proc = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    lines = (proc.stdout + proc.stderr).splitlines()
    # the message without values, so that a changed value with the same problem matches
    return {re.sub(r"Value=<[^>]*>", "", x) for x in lines if x.startswith("Error")}


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy not installed")
@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: "+".join(o) or "basic")
@pytest.mark.parametrize("name", FILES)
def test_no_new_dciodvfy_error(name: str, options: list[str], tmp_path: Path) -> None:
    src = Path(pydicom.data.get_testdata_file(name))
    ds = part10.read(src)
    out, _ = Deidentifier(Profile([*options, "clean-pixel-data"]), Keys(b"k" * 32)).dataset(ds)
    target = tmp_path / name
    part10.write(target, out, ds.read_transfer_syntax)
    assert _errors(target) - _errors(src) == set()
