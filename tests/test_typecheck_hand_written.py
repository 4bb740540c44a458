"""The hand-written code type-checks: pyright in standard mode, with the repository's
``pyrightconfig.json`` (``runtime/`` and ``codegen/``), reports no error. The check is part of
the suite's one pyright run (``pyright_session``)."""

from __future__ import annotations

import json

import pytest
from pyright_session import REPO, PyrightRun, shown

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def test_config_checks_hand_written_code_in_standard_mode() -> None:
    config = json.loads((REPO / "pyrightconfig.json").read_text())
    assert config["typeCheckingMode"] == "standard"
    assert sorted(config["include"]) == ["codegen", "runtime"]
    assert "generated" in config["exclude"]
    assert sorted(config["extraPaths"]) == ["codegen", "generated", "runtime"]


def test_hand_written_code_has_no_pyright_error(pyright_run: PyrightRun) -> None:
    sources = [p for root in ("runtime", "codegen") for p in (REPO / root).rglob("*.py")]
    generated = list((REPO / "generated").rglob("*.py"))
    analysed = pyright_run.summary["filesAnalyzed"]
    assert analysed >= len(sources) + len(generated), f"pyright analysed {analysed} files"
    errors = [
        *pyright_run.errors_under(REPO / "runtime"),
        *pyright_run.errors_under(REPO / "codegen"),
    ]
    if errors:
        pytest.fail(f"{len(errors)} pyright errors:\n" + shown(errors, 200), pytrace=False)
