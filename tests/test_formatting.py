"""The hand-written Python (runtime/, codegen/, tests/, bench/) is as black formats it and
ruff-clean, with the project's settings (``[tool.black]``, ``[tool.ruff]`` in pyproject.toml):
generated code is formatted by the generator itself (checked by the regeneration diff), this
keeps the rest from drifting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

black = pytest.importorskip("black")

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("runtime", "codegen", "tests", "bench")


def _mode() -> black.Mode:
    config = black.parse_pyproject_toml(str(REPO / "pyproject.toml"))
    return black.Mode(line_length=config.get("line_length", black.DEFAULT_LINE_LENGTH))


def test_hand_written_python_is_black_formatted() -> None:
    mode = _mode()
    unformatted = []
    files = sorted(p for folder in FOLDERS for p in (REPO / folder).rglob("*.py"))
    assert len(files) > 100
    for path in files:
        if "__pycache__" in path.parts or "fixtures" in path.parts:
            continue
        source = path.read_text("utf-8")
        try:
            black.format_file_contents(source, fast=True, mode=mode)
        except black.NothingChanged:
            continue
        unformatted.append(str(path.relative_to(REPO)))
    assert unformatted == [], f"run: black {' '.join(unformatted)}"


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
