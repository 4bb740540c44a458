"""Static typing of the generated SR templates and context groups, checked by pyright in the
suite's one run: the TID 1500 report of the SR tests and the README example pass; a plain Code
where a non-extensible CID's code type belongs, a number where a NUM needs a Quantity and a
missing mandatory row are each rejected on their line; the Structured reports guide page
(template classes -> typed Comprehensive SR -> content tree -> validation) is strict-clean."""

from __future__ import annotations

import pytest
from pyright_scripts import SR_BROKEN, SR_BROKEN_HEADER
from pyright_session import PyrightRun, shown

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


@pytest.mark.parametrize("name", ["readme_sr_example.py", "sr_tid1500.py"])
def test_sr_builders_type_check(pyright_run: PyrightRun, name: str) -> None:
    errs = pyright_run.script_errors(name)
    assert errs == [], shown(errs)


def test_sr_misuse_is_rejected_on_its_line(pyright_run: PyrightRun) -> None:
    got = sorted(
        (e["range"]["start"]["line"], e["message"])
        for e in pyright_run.script_errors("sr_broken.py")
    )
    assert len(got) == len(SR_BROKEN), got
    for (_line, message), (_, fragment) in zip(got, SR_BROKEN.values(), strict=True):
        assert fragment in message, message
    first = len(SR_BROKEN_HEADER)
    assert [line for line, _ in got] == list(range(first, first + len(SR_BROKEN)))


def test_sr_guide_page_is_strict_clean(pyright_run: PyrightRun) -> None:
    diagnostics = pyright_run.by_file.get(pyright_run.scripts["guide_sr.py"], [])
    assert diagnostics == [], shown(diagnostics)
