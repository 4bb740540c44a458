"""The hand-written code type-checks: pyright in standard mode, with the repository's
``pyrightconfig.json`` (``runtime/`` and ``codegen/``; ``generated/`` has a test of its own in
basic mode), reports no error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_config_checks_hand_written_code_in_standard_mode() -> None:
    config = json.loads((REPO / "pyrightconfig.json").read_text())
    assert config["typeCheckingMode"] == "standard"
    assert sorted(config["include"]) == ["codegen", "runtime"]
    assert "generated" in config["exclude"]
    assert sorted(config["extraPaths"]) == ["codegen", "generated", "runtime"]


def test_hand_written_code_has_no_pyright_error() -> None:
    exe = shutil.which("pyright")
    if exe is None:
        pytest.skip("pyright is not installed")
    proc = subprocess.run(
        [
            exe,
            "--outputjson",
            "--pythonpath",
            sys.executable,
            "-p",
            str(REPO / "pyrightconfig.json"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not report JSON: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    sources = sum(1 for root in ("runtime", "codegen") for _ in (REPO / root).rglob("*.py"))
    analyzed = report["summary"]["filesAnalyzed"]
    assert analyzed >= sources, f"pyright analysed {analyzed} of {sources} source files"
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    shown = [
        f"{Path(e['file']).relative_to(REPO)}:{e['range']['start']['line'] + 1}:"
        f" {e['message']} ({e.get('rule', '')})"
        for e in errors
    ]
    if errors:
        pytest.fail(f"{len(errors)} pyright errors:\n" + "\n".join(shown), pytrace=False)
