"""Static typing of the generated classes, checked by pyright (strict) in the suite's one run.

The scripts in ``tests/generated/pyright/`` build a complete CT Image, RT Dose and Enhanced CT
Image with the typed classes; pyright must accept them. Copies of the CT Image script that omit
a Type 1 attribute, pass a ``str`` where a date belongs, use a value outside an enumeration or
give a multi-valued attribute a bare ``str`` must be rejected with the specific error on the specific line (``typing.dataclass_transform``
on ``dicom_class`` makes the generated ``__init__`` visible to pyright).
"""

from __future__ import annotations

import json

import pytest
from pyright_scripts import COMPLETE, CT_BROKEN, LIST_FORM, TYPED_SCRIPTS, ct_broken_text
from pyright_session import REPO, PyrightRun, shown

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def test_config_resolves_runtime_and_generated() -> None:
    """The folder's own configuration, for running pyright there by hand."""
    config = json.loads((TYPED_SCRIPTS / "pyrightconfig.json").read_text())
    paths = {(TYPED_SCRIPTS / p).resolve() for p in config["extraPaths"]}
    assert paths == {REPO / "runtime", REPO / "generated"}
    assert set(config["strict"]) == set(COMPLETE)


@pytest.mark.parametrize("name", [*COMPLETE, LIST_FORM[0]])
def test_complete_scripts_pass_strict(pyright_run: PyrightRun, name: str) -> None:
    errs = pyright_run.script_errors(name)
    assert errs == [], shown(errs)


@pytest.mark.parametrize(
    "name, old, new, marker, rule, messages", CT_BROKEN, ids=[b[0] for b in CT_BROKEN]
)
def test_broken_copies_are_rejected(
    pyright_run: PyrightRun,
    name: str,
    old: str,
    new: str,
    marker: str,
    rule: str,
    messages: tuple[str, ...],
) -> None:
    lines = ct_broken_text(old, new).splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith(marker))  # 0-based
    errs = pyright_run.script_errors(name)
    assert len(errs) == 1, [e["message"] for e in errs]
    err = errs[0]
    assert err.get("rule") == rule
    assert err["range"]["start"]["line"] == line, (err["range"], lines[line])
    for fragment in messages:
        assert fragment in err["message"], err["message"]
