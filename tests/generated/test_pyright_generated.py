"""The generated package type-checks: pyright over all of ``generated/`` (standard mode but for
the IOD classes' narrowing of module fields, see ``pyright_session``) reports no error, so "go
to definition" lands in code the checker accepts."""

from __future__ import annotations

import pytest
from pyright_session import REPO, PyrightRun, shown

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def test_generated_package_has_no_pyright_error(pyright_run: PyrightRun) -> None:
    generated = REPO / "generated"
    analysed = [p for p in generated.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(analysed) >= 100 and pyright_run.summary["filesAnalyzed"] >= len(analysed)
    errors = pyright_run.errors_under(generated)
    assert not errors, f"{len(errors)} errors:\n" + shown(errors)
