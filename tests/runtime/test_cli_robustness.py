"""The ``dicomgen`` command under pipes and signals, and its error lines.

Run as a user runs it, in a subprocess: output piped into a reader that stops early
(``| head``) ends with status 141 and nothing on stderr; Ctrl-C (SIGINT) ends a command at work
with status 130 and no traceback, and stops a server cleanly; a bad file ends with one line naming the file and what is
wrong (status 1).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    paths = [str(REPO / p) for p in ("runtime", "generated", "codegen")]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
    return env


def _dicomgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "dicomgen", *args]


def _ct() -> str:
    data = pytest.importorskip("pydicom.data", reason="pydicom's test files are the input")
    path = data.get_testdata_file("CT_small.dcm")
    if path is None:
        pytest.skip("pydicom test file CT_small.dcm not available")
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ("dump", "{ct}"),
        ("dump", "--format", "json", "{ct}"),
        ("validate", "--show-info", *["{ct}"] * 40),
    ],
    ids=["dump", "dump-json", "validate"],
)
def test_output_closed_early_ends_quietly_with_141(args: tuple[str, ...]) -> None:
    ct = _ct()
    argv = [a.format(ct=ct) for a in args]
    proc = subprocess.Popen(
        _dicomgen(*argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    assert first  # the command did start writing
    proc.stdout.close()  # the reader goes away, as head does after its lines
    try:
        status = proc.wait(timeout=60)
        err = proc.stderr.read().decode()
    finally:
        proc.kill()
        proc.stderr.close()
    assert err == ""
    assert status == 141


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ctrl_c_stops_a_server_cleanly(tmp_path: Path) -> None:
    # The SCP takes SIGINT (like SIGTERM) as its stop request: it closes and exits 0.
    port = _free_port()
    proc = subprocess.Popen(
        _dicomgen("scp", "--port", str(port), "--store", str(tmp_path / "store")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the SCP did not listen within 30 s")
                time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert "Traceback" not in err.decode()
    assert proc.returncode == 0


def test_ctrl_c_while_working_ends_with_130(tmp_path: Path) -> None:
    ct = _ct()
    proc = subprocess.Popen(
        _dicomgen("validate", *[ct] * 2000),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # working: the first file is checked
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert "Traceback" not in err.decode()
    assert proc.returncode == 130


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ("dump", "{missing}"),
            "dicomgen dump: error: cannot open file: No such file or directory",
        ),
        (("dump", "{text}"), "dicomgen dump: error: not a DICOM file"),
        (("dump", "{folder}"), "dicomgen dump: error: cannot open file"),
        (("validate", "--iod", "nosuch:X", "{text}"), "dicomgen validate: error: --iod nosuch:X"),
        (
            ("dicomdir", "build", "{missing}", "{out}"),
            "dicomgen dicomdir: source {missing} does not exist",
        ),
        (("dicomdir", "build", "{empty}", "{out}"), "dicomgen dicomdir: from {empty}: "),
        (
            ("store", "127.0.0.1", "1", "{empty}"),
            "dicomgen store: no DICOM file to send in {empty}",
        ),
    ],
    ids=[
        "missing",
        "not-dicom",
        "folder",
        "bad-iod",
        "dicomdir-missing",
        "dicomdir-empty",
        "store",
    ],
)
def test_errors_are_one_line_naming_the_file(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM\n")
    (tmp_path / "empty").mkdir()
    names = {
        "missing": str(tmp_path / "gone.dcm"),
        "text": str(text),
        "folder": str(tmp_path),
        "empty": str(tmp_path / "empty"),
    }
    argv = [a.format(**names, out=tmp_path / "out") for a in args]
    expected = expected.format(**names)
    proc = subprocess.run(_dicomgen(*argv), capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), proc.stderr
    named = [a for a in argv if a in names.values()]
    assert all(n in lines[0] for n in named if "--iod" not in argv), lines[0]


def test_validate_names_each_file_that_cannot_be_read(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM\n")
    missing = tmp_path / "gone.dcm"
    proc = subprocess.run(
        _dicomgen("validate", str(text), str(missing)),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"{text}: Error - not a DICOM file")
    assert lines[1].startswith(f"{missing}: Error - cannot open file: No such file")
