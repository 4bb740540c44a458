"""The README's first command runs ``dicomgen demo``: every step of it must pass."""

from __future__ import annotations

import pytest

from dicomgen.cli.main import main


@pytest.mark.slow
def test_demo_runs_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "FAILED" not in out
    assert out.rstrip().endswith("demo: all steps passed")
    for title in ("regenerate", "data sets", "typed classes", "network", "media"):
        assert title in out
