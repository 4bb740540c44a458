"""Shared fixtures: where the published DocBook lives, and loading parts of it.

The standard is read in place from ``$DICOMGEN_STANDARD_XML`` or, by default,
``<repo>/../shared/standard_xml``; it is never copied into the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# On CI (``CI`` set) a skip is a failure unless its reason is one of these: reasons that hold
# there by design. A missing tool, package or standard source is not one of them (CI installs
# every peer and has ``../shared`` beside the clone), so a machine without them cannot go green.
CI_SKIP_REASONS: tuple[str, ...] = (
    r"encapsulated pixel data is written in its own transfer syntax only",
    r"holds only \(illegal\) group 0001 elements",
    r"highdicom MeasurementReport reads TID 1500 reports only",
)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if not any(re.search(p, reason) for p in CI_SKIP_REASONS):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where this reason does not hold: {reason}"


def pytest_terminal_summary(terminalreporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    counts: dict[str, int] = {}
    for report in skipped:
        reason = _skip_reason(report)
        counts[reason] = counts.get(reason, 0) + 1
    terminalreporter.write_line(f"{len(skipped)} tests skipped")
    for reason, n in sorted(counts.items()):
        terminalreporter.write_line(f"  {n:4d} x {reason}")


def standard_xml_dir() -> Path:
    env = os.environ.get("DICOMGEN_STANDARD_XML")
    return Path(env) if env else REPO.parent / "shared" / "standard_xml"


@cache
def newest_part_path(part: int) -> Path:
    """The newest edition of ``partNN.xml`` under the shared folder."""
    from dicomgen_codegen.sources import discover_sources

    found = discover_sources([standard_xml_dir()])
    if part not in found:
        pytest.skip(f"PS3.{part} is not available under {standard_xml_dir()}")
    return Path(found[part].path)


@cache
def _load(path: str, part: int):
    from dicomgen_codegen.docbook.xml import load_part

    return load_part(path, part)


@cache
def excerpt_part03():
    """The PS3.3 IR parsed from the 2016c DocBook excerpt (the committed IR is the newer
    extract's), records sorted as the pipeline writes them."""
    from dicomgen_codegen.pipeline import extract_part03

    path = standard_xml_dir() / "2016c-excerpt" / "part03.xml"
    if not path.is_file():
        pytest.skip(f"the 2016c DocBook excerpt is not at {path}")
    return extract_part03(_load(str(path), 3))


@pytest.fixture(scope="session")
def standard_xml() -> Path:
    d = standard_xml_dir()
    if not d.is_dir():
        pytest.skip(f"the published DocBook is not at {d}")
    return d


@pytest.fixture(scope="session")
def docbook(standard_xml: Path):
    """``docbook(6)`` -> the parsed newest PS3.6; ``docbook(3, "2016c-excerpt")`` a given folder."""

    def get(part: int, edition: str | None = None):
        if edition is None:
            path = newest_part_path(part)
        else:
            path = standard_xml / edition / f"part{part:02d}.xml"
        return _load(str(path), part)

    return get


@pytest.fixture(scope="session")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)``: a self-signed certificate for 127.0.0.1 (TLS tests, PS3.15 B.1)."""
    from net_processes import self_signed_cert

    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fresh_python() -> Callable[[str], str]:
    """Runs Python ``code`` in a new interpreter (to see what a first import loads) and
    returns its standard output; the process must exit with 0."""

    def run(code: str, timeout: float = 60) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    return run


@pytest.fixture(scope="session")
def pyright_run(tmp_path_factory: pytest.TempPathFactory):
    """The suite's one pyright run over runtime/, codegen/, generated/ and the test scripts."""
    import shutil

    from pyright_scripts import WRITERS
    from pyright_session import run

    if shutil.which("pyright") is None:
        pytest.skip("pyright is not installed")
    return run(tmp_path_factory.mktemp("pyright"), list(WRITERS))
