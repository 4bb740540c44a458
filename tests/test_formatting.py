"""The hand-written Python (runtime/, codegen/, tests/, bench/) is as black formats it and
ruff-clean, with the project's settings (``[tool.black]``, ``[tool.ruff]`` in pyproject.toml):
generated code is formatted by the generator itself (checked by the regeneration diff), this
keeps the rest from drifting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

black = pytest.importorskip("black")  # the test extra installs it

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("runtime", "codegen", "tests", "bench")


def test_hand_written_python_is_black_formatted() -> None:
    """``black --check`` with the project's settings (one process, files formatted in parallel)."""
    import subprocess
    import sys

    files = [p for folder in FOLDERS for p in (REPO / folder).rglob("*.py")]
    assert len(files) > 100
    proc = subprocess.run(
        [sys.executable, "-m", "black", "--check", "--extend-exclude", "/fixtures/", *FOLDERS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    would = [line for line in proc.stderr.splitlines() if line.startswith("would reformat")]
    assert proc.returncode == 0 and not would, proc.stderr[-3000:]


def test_hand_written_python_is_ruff_clean() -> None:
    """ruff with the project's rule set (``[tool.ruff]`` in pyproject.toml) finds nothing."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    proc = subprocess.run(
        [ruff, "check", "--output-format", "concise", *FOLDERS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
