"""The hand-written Python (runtime/, codegen/, tests/, bench/) is as black formats it, with
the project's settings (``[tool.black]`` in pyproject.toml): generated code is formatted by
the generator itself (checked by the regeneration diff), this keeps the rest from drifting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

black = pytest.importorskip("black")

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("runtime", "codegen", "tests", "bench")


def _mode() -> "black.Mode":
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
