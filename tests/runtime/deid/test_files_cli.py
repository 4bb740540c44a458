"""``dicomgen deid`` over files and folders: an interrupted run resumed equals an
uninterrupted one, no partial file under a final name, inputs untouched, bad inputs
reported and skipped without a traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pydicom.data
import pytest

from dicomgen.cli.main import main

REPO = Path(__file__).resolve().parents[3]
NAMES = [
    "CT_small.dcm",
    "MR_small.dcm",
    "rtplan.dcm",
    "rtdose.dcm",
    "ExplVR_BigEnd.dcm",
    "JPEG2000.dcm",
]
pytestmark = pytest.mark.filterwarnings("ignore")

# Runs the CLI in a child that dies (os._exit, like SIGKILL: no cleanup) halfway through
# writing its Nth output file.
KILLER = """
import os, sys
from dicomgen.deid import files
n = int(sys.argv[1]); calls = [0]; real = files._atomic_write
def dying(target, write):
    if target.suffix == ".jsonl":
        return real(target, write)
    calls[0] += 1
    if calls[0] < n:
        return real(target, write)
    def half(f):
        import io
        buf = io.BytesIO(); write(buf); data = buf.getvalue()
        f.write(data[: len(data) // 2]); f.flush()
        os._exit(9)
    return real(target, half)
files._atomic_write = dying
from dicomgen.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "key"
    }


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = (
        os.pathsep.join(str(REPO / d) for d in ("runtime", "generated", "codegen"))
        + os.pathsep
        + env.get("PYTHONPATH", "")
    )
    return env


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for i, name in enumerate(NAMES):
        shutil.copy(pydicom.data.get_testdata_file(name), src / ("sub" if i % 2 else "") / name)
    (src / "notes.txt").write_text("not DICOM")
    return src


def test_a_killed_run_resumed_equals_an_uninterrupted_run(inputs: Path, tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"files-test-key-0123456789abcdef")
    args = [str(inputs), "--pixels-clean", "--key", str(key), "-q"]
    before = {p: hashlib.sha256(b).hexdigest() for p, b in _tree(inputs).items()}
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert main(["deid", *args[:1], str(whole), *args[1:]]) == 1  # notes.txt is not DICOM
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, "4", "deid", *args[:1], str(cut), *args[1:]],
        env=_env(),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 9, proc.stderr.decode()
    partial = _tree(cut)
    finals = {k: v for k, v in partial.items() if not k.endswith(".deid-tmp")}
    temps = [k for k in partial if k.endswith(".deid-tmp")]
    assert len(temps) == 1  # the file being written when killed, under its temporary name
    dicom_outputs = [k for k in finals if not k.startswith(".deid/")]
    assert len(dicom_outputs) == 3
    for k, v in finals.items():  # every file under its final name is complete
        assert v == (whole / k).read_bytes(), k
    assert main(["deid", *args[:1], str(cut), *args[1:]]) == 1
    assert _tree(cut) == _tree(whole)
    assert {p: hashlib.sha256(b).hexdigest() for p, b in _tree(inputs).items()} == before


def test_bad_inputs_are_reported_without_traceback(inputs: Path, tmp_path: Path) -> None:
    (inputs / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dicomgen",
            "deid",
            str(inputs),
            str(tmp_path / "o"),
            "--pixels-clean",
        ],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "skipped" in proc.stderr and "broken.dcm" in proc.stderr and "notes.txt" in proc.stderr
    assert "new key written" in proc.stderr
    assert (tmp_path / "o" / "CT_small.dcm").is_file()
    assert f"{len(NAMES)} written" in proc.stdout


def test_records_name_the_rule_of_each_element(inputs: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "o"
    assert main(["deid", str(inputs / "CT_small.dcm"), str(out), "--pixels-clean", "-q"]) == 0
    lines = [
        json.loads(x) for x in (out / ".deid/records/CT_small.dcm.jsonl").read_text().splitlines()
    ]
    by_tag = {x["tag"]: x for x in lines}
    assert by_tag["(0010,0010)"]["action"] == "Z" and by_tag["(0010,0010)"]["row"] > 0
    assert by_tag["(0020,000D)"]["action"] == "U"
    assert all({"path", "tag", "vr", "action", "row", "column"} <= set(x) for x in lines)


def test_refused_without_pixels_clean_and_list_options(
    inputs: Path, tmp_path: Path, capsys
) -> None:
    assert main(["deid", str(inputs / "CT_small.dcm"), str(tmp_path / "o"), "-q"]) == 1
    assert "Burned In Annotation" in capsys.readouterr().err
    assert not (tmp_path / "o" / "CT_small.dcm").exists()
    assert main(["deid", "--list-options"]) == 0
    assert "retain-uids" in capsys.readouterr().out


def test_the_output_folder_cannot_be_an_input_folder(inputs: Path, capsys) -> None:
    before = _tree(inputs)
    assert main(["deid", str(inputs), str(inputs), "--pixels-clean", "-q"]) == 1
    assert "is an input folder" in capsys.readouterr().err
    assert _tree(inputs) == before and not (inputs / ".deid").exists()
