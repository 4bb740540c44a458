"""Every ``python`` block of the user guide (``docs/guide/*.md``) and of the README runs.

The blocks of one page are joined in order into one script and run in a subprocess (bounded in
time) with the checkout's packages first on ``sys.path``. The guide's pages run in file-name
order in one temporary folder, each using the files the previous ones wrote; the README runs
in a folder of its own. Network examples listen on 127.0.0.1 on a port the system chooses
(port 0) and use bounded timeouts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "guide"
PAGES = sorted(p for p in GUIDE.glob("*.md") if p.name != "README.md")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    """The ``python`` code blocks of a Markdown page, in order."""
    return _BLOCK.findall(page.read_text())


def _run_page(page: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    blocks = python_blocks(page)
    script = cwd / f"{page.stem}.py"
    script.write_text("\n".join(blocks))
    env = dict(os.environ)
    roots = [str(REPO / p) for p in ("runtime", "generated", "codegen")]
    env["PYTHONPATH"] = os.pathsep.join([*roots, env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def guide_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("guide")


def test_the_guide_has_its_pages() -> None:
    names = [p.name for p in PAGES]
    assert names == [
        "01-build-an-iod.md",
        "02-read-and-validate.md",
        "03-send-and-receive.md",
        "04-media.md",
        "05-structured-reports.md",
    ]
    index = (GUIDE / "README.md").read_text()
    assert all(f"({name})" in index for name in names)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_guide_page_runs(page: Path, guide_dir: Path) -> None:
    assert python_blocks(page), f"{page.name} has no python block"
    proc = _run_page(page, guide_dir)
    assert proc.returncode == 0, f"{page.name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def test_readme_snippets_run(tmp_path: Path) -> None:
    readme = REPO / "README.md"
    blocks = python_blocks(readme)
    assert len(blocks) >= 3
    for block in blocks:
        compile(block, "README.md", "exec")  # each block alone is valid Python
    proc = _run_page(readme, tmp_path)
    assert proc.returncode == 0, f"README.md:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert (tmp_path / "ct.dcm").is_file() and (tmp_path / "out.dcm").is_file()
