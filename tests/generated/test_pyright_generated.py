"""The generated package type-checks: pyright (basic mode) over all of ``generated/`` reports
no error, so "go to definition" lands in code the checker accepts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_generated_package_has_no_pyright_error(tmp_path: Path) -> None:
    exe = shutil.which("pyright")
    if exe is None:
        pytest.skip("pyright is not installed")
    config = {
        "typeCheckingMode": "basic",
        "pythonVersion": "3.11",
        "extraPaths": [str(REPO / "runtime"), str(REPO / "generated")],
    }
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [
            exe,
            "--outputjson",
            "--pythonpath",
            sys.executable,
            "-p",
            str(tmp_path / "pyrightconfig.json"),
            str(REPO / "generated"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not report JSON: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    assert report["summary"]["filesAnalyzed"] >= 100
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    shown = [
        f"{Path(e['file']).relative_to(REPO)}:{e['range']['start']['line'] + 1}: {e['message']}"
        for e in errors[:20]
    ]
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(shown)
