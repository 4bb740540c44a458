"""Type checkers follow the README install: a fresh venv, ``python3 -m pip install -e '.[codegen]'``
run in the checkout, then pyright (strict) and mypy on a user script with no configuration file
and no search paths: only the venv activated, as in a shell or an IDE with that interpreter.

The user script is the complete CT Image of ``tests/generated/pyright/ct_image_complete.py``;
broken copies (a Type 1 attribute left out, a ``str`` where a date belongs, a value outside an
enumeration, a multi-valued attribute given a bare ``str``) must each add exactly the diagnostic
expected, on the expected line. The non-editable wheel must ship the three packages with their
data files. Needs the package index (pip fetches hatchling and the dependencies); skipped with
that reason when pip cannot reach it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
USER_SCRIPT = REPO / "tests" / "generated" / "pyright" / "ct_image_complete.py"

pytestmark = [pytest.mark.slow, pytest.mark.interop, pytest.mark.timeout(900)]

_OFFLINE = re.compile(
    r"(Could not find a version|No matching distribution|NewConnectionError|"
    r"Temporary failure in name resolution|Network is unreachable|ConnectionError)"
)

# (copy, text replaced, replacement, line marker, pyright rule, mypy code, message fragments)
BROKEN: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "ct_missing_type1.py",
        '        sop_instance_uid=f"{UID_ROOT}.1.2.{index}",\n',
        "",
        "    return CTImageIOD(",
        "reportCallIssue",
        "call-arg",
        ('"sop_instance_uid"',),
    ),
    (
        "ct_str_for_date.py",
        "        study_date=datetime.date(2020, 3, 4),\n",
        '        study_date="20200304",\n',
        '        study_date="20200304",',
        "reportArgumentType",
        "arg-type",
        ('"study_date"', "date"),
    ),
    (
        "ct_not_enumerated.py",
        '        patient_sex="F",\n',
        '        patient_sex="X",\n',
        '        patient_sex="X",',
        "reportArgumentType",
        "arg-type",
        ('"patient_sex"', "Literal['M', 'F', 'O']"),
    ),
    (
        "ct_bare_str_multivalued.py",
        '        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),\n',
        '        image_type="ORIGINAL",\n',
        '        image_type="ORIGINAL",',
        "reportArgumentType",
        "arg-type",
        ('"image_type"',),
    ),
)


def _run(cmd: list[str], timeout: float, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def _user_env(venv: Path) -> dict[str, str]:
    """The environment of a shell where ``venv`` is activated (no PYTHONPATH of the tests)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _pip(venv: Path, args: list[str], cwd: Path, timeout: float) -> None:
    proc = _run([str(venv / "bin" / "python"), "-m", "pip", *args], timeout, cwd=cwd)
    if proc.returncode != 0:
        if _OFFLINE.search(proc.stdout + proc.stderr):
            pytest.skip(f"pip cannot reach the package index: {proc.stderr.strip()[-300:]}")
        pytest.fail(f"pip {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with dicomgen installed exactly as the README says."""
    readme = (REPO / "README.md").read_text()
    assert "python3 -m pip install -e '.[codegen]'" in readme
    where = tmp_path_factory.mktemp("venv") / "v"
    proc = _run([sys.executable, "-m", "venv", str(where)], 120)
    assert proc.returncode == 0, proc.stderr
    _pip(where, ["install", "-q", "-e", ".[codegen]"], REPO, 600)
    return where


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user script (strict by a comment, no configuration file) and its broken copies."""
    work = tmp_path_factory.mktemp("user")
    text = "# pyright: strict\n" + USER_SCRIPT.read_text()
    (work / "user_ct.py").write_text(text)
    for name, old, new, *_ in BROKEN:
        assert old in text, f"{old!r} not in {USER_SCRIPT.name}"
        (work / name).write_text(text.replace(old, new))
    return work


def _line_of(path: Path, marker: str) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(marker))


@pytest.fixture(scope="module")
def pyright_errors(venv: Path, scripts: Path) -> dict[str, list[tuple[int, str, str]]]:
    """pyright's errors per file: (line, rule, message)."""
    pytest.importorskip("pyright", reason="pyright is not installed")
    files = ["user_ct.py", *(b[0] for b in BROKEN)]
    proc = _run(
        [sys.executable, "-m", "pyright", "--outputjson", *files],
        300,
        cwd=scripts,
        env=_user_env(venv),
    )
    report = json.loads(proc.stdout)
    out: dict[str, list[tuple[int, str, str]]] = {name: [] for name in files}
    for d in report["generalDiagnostics"]:
        if d["severity"] == "error":
            line = d["range"]["start"]["line"] + 1
            out[Path(d["file"]).name].append((line, d.get("rule", ""), d["message"]))
    return out


def test_pyright_resolves_and_accepts_the_user_script(
    pyright_errors: dict[str, list[tuple[int, str, str]]],
) -> None:
    assert pyright_errors["user_ct.py"] == []


def _broken(name: str) -> Any:
    return pytest.param(*next(b for b in BROKEN if b[0] == name), id=name)


@pytest.mark.parametrize(
    "name, old, new, marker, rule, code, fragments", [_broken(b[0]) for b in BROKEN]
)
def test_pyright_reports_the_broken_copy(
    pyright_errors: dict[str, list[tuple[int, str, str]]],
    scripts: Path,
    name: str,
    old: str,
    new: str,
    marker: str,
    rule: str,
    code: str,
    fragments: tuple[str, ...],
) -> None:
    errs = pyright_errors[name]
    assert [(line, r) for line, r, _ in errs] == [(_line_of(scripts / name, marker), rule)], errs
    for fragment in fragments:
        assert fragment in errs[0][2]


@pytest.fixture(scope="module")
def mypy_errors(venv: Path, scripts: Path) -> dict[str, set[tuple[int, str, str]]]:
    """mypy's errors per file: (line, code, message), mypy installed into the user's venv."""
    _pip(venv, ["install", "-q", "mypy"], scripts, 300)
    out: dict[str, set[tuple[int, str, str]]] = {}
    for name in ["user_ct.py", *(b[0] for b in BROKEN)]:
        proc = _run(
            [str(venv / "bin" / "mypy"), "--cache-dir", str(scripts / ".mypy"), name],
            300,
            cwd=scripts,
            env=_user_env(venv),
        )
        found = set()
        for m in re.finditer(r"^[^:\n]+:(\d+): error: (.*?)  \[([a-z-]+)\]$", proc.stdout, re.M):
            found.add((int(m.group(1)), m.group(3), m.group(2)))
        out[name] = found
    return out


def test_mypy_resolves_the_packages(mypy_errors: dict[str, set[tuple[int, str, str]]]) -> None:
    codes = {code for errs in mypy_errors.values() for _, code, _ in errs}
    assert not codes & {"import-not-found", "import-untyped", "attr-defined", "name-defined"}


@pytest.mark.parametrize(
    "name, old, new, marker, rule, code, fragments", [_broken(b[0]) for b in BROKEN]
)
def test_mypy_reports_the_broken_copy(
    mypy_errors: dict[str, set[tuple[int, str, str]]],
    scripts: Path,
    name: str,
    old: str,
    new: str,
    marker: str,
    rule: str,
    code: str,
    fragments: tuple[str, ...],
) -> None:
    # Compared with the complete script: the broken copy adds exactly one error (one line less
    # for the copy missing an argument, so lines after it shift).
    shift = old.count("\n") - new.count("\n")
    line = _line_of(scripts / name, marker)
    baseline = {(n - shift if n > line else n, c, msg) for n, c, msg in mypy_errors["user_ct.py"]}
    added = mypy_errors[name] - baseline
    assert [(n, c) for n, c, _ in added] == [(line, code)], added
    for fragment in fragments:
        assert fragment in next(iter(added))[2]


def test_the_wheel_ships_three_packages_with_their_data(venv: Path, tmp_path: Path) -> None:
    _pip(venv, ["wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)], REPO, 300)
    (wheel,) = tmp_path.glob("dicomgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = _run(["git", "ls-files", "runtime", "generated", "codegen"], 60, cwd=REPO)
    expected = {str(Path(*Path(p).parts[1:])) for p in tracked.stdout.split()}
    assert expected, "git ls-files listed nothing"
    assert expected <= names
    assert {"dicomgen/py.typed", "dicomgen_std/py.typed"} <= names
    assert any(n.startswith("dicomgen_codegen/render/templates/") for n in names)
    assert any(n.startswith("dicomgen_codegen/errata/") for n in names)


@pytest.mark.parametrize("package", ["dicomgen", "dicomgen_std"])
def test_public_api_type_completeness(venv: Path, scripts: Path, package: str) -> None:
    """``pyright --verifytypes``: at least 95 % of the public symbols have known types."""
    pytest.importorskip("pyright", reason="pyright is not installed")
    proc = _run(
        [sys.executable, "-m", "pyright", "--verifytypes", package, "--ignoreexternal"]
        + ["--outputjson"],
        600,
        cwd=scripts,
        env=_user_env(venv),
    )
    report = json.loads(proc.stdout)["typeCompleteness"]
    counts = report["exportedSymbolCounts"]
    assert counts["withKnownType"] > 1000, counts
    assert report["completenessScore"] >= 0.95, counts
