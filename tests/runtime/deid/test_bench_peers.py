"""bench_deid skips a peer that is not installed instead of failing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

import bench_deid


def test_a_missing_peer_python_or_package_is_skipped(tmp_path: Path) -> None:
    assert bench_deid.peer("deid", tmp_path / "no-python", [], tmp_path, 1) is None
    if importlib.util.find_spec("dicognito") is not None:
        pytest.skip("dicognito is installed in this interpreter")
    assert bench_deid.peer("dicognito", Path(sys.executable), [], tmp_path, 1) is None
