"""On CI a skip whose reason does not hold there fails the run; the summary counts skips."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()

TESTS = """
import pytest

def test_missing_tool():
    pytest.skip("dcmtk storescu not installed")

def test_by_design():
    pytest.skip("encapsulated pixel data is written in its own transfer syntax only")
"""


@pytest.mark.parametrize("ci", ["true", ""])
def test_skips_on_and_off_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str):
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_sample=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    if ci:
        result.assert_outcomes(failed=1, skipped=1)
        result.stdout.fnmatch_lines(["*skipped on CI, where this reason does not hold*"])
        result.stdout.fnmatch_lines(["1 tests skipped"])
    else:
        result.assert_outcomes(skipped=2)
        result.stdout.fnmatch_lines(["2 tests skipped"])
