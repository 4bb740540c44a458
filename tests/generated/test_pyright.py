"""Static typing of the generated classes, checked by pyright (strict) as a subprocess.

The scripts in ``tests/generated/pyright/`` build a complete CT Image, RT Dose and Enhanced CT
Image with the typed classes; pyright must accept them. Copies of the CT Image script that omit
a Type 1 attribute, pass a ``str`` where a date belongs, use a value outside an enumeration or
give a multi-valued attribute a bare ``str`` must be rejected with the specific error on the specific line (``typing.dataclass_transform``
on ``dicom_class`` makes the generated ``__init__`` visible to pyright).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "pyright"
REPO = HERE.parents[1]
COMPLETE = ("ct_image_complete.py", "rt_dose_complete.py", "enhanced_ct_image_complete.py")

# (file name, text replaced, replacement, line marker, rule, message fragments)
BROKEN = (
    (
        "ct_missing_type1.py",
        '        sop_instance_uid=f"{UID_ROOT}.1.2.{index}",\n',
        "",
        "    return CTImageIOD(",
        "reportCallIssue",
        ('Argument missing for parameter "sop_instance_uid"',),
    ),
    (
        "ct_str_for_date.py",
        "        study_date=datetime.date(2020, 3, 4),\n",
        '        study_date="20200304",\n',
        '        study_date="20200304",',
        "reportArgumentType",
        ('parameter "study_date"', '"Literal[\'20200304\']" is not assignable to "date"'),
    ),
    (
        "ct_not_enumerated.py",
        '        patient_sex="F",\n',
        '        patient_sex="X",\n',
        '        patient_sex="X",',
        "reportArgumentType",
        ('parameter "patient_sex"', "Literal['M', 'F', 'O']"),
    ),
    (
        "ct_bare_str_multivalued.py",
        '        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),\n',
        '        image_type="ORIGINAL",\n',
        '        image_type="ORIGINAL",',
        "reportArgumentType",
        (
            'parameter "image_type"',
            'of type "list[str] | tuple[str, ...]"',
        ),
    ),
)
# Multi-valued attributes take a list as well as a tuple (a list display of str literals is
# inferred as list[str] from the annotation): this copy must pass strict mode too.
LIST_FORM = (
    "ct_list_multivalued.py",
    '        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),\n',
    '        image_type=["ORIGINAL", "PRIMARY", "AXIAL"],\n',
)

pytestmark = pytest.mark.slow


def _pyright() -> str:
    exe = shutil.which("pyright")
    if exe is None:
        pytest.skip("pyright is not installed")
    return exe


@pytest.fixture(scope="module")
def diagnostics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """pyright's diagnostics per file name, from one run over the scripts and broken copies."""
    pytest.importorskip("dicomgen_std.iods.ct_image", reason="generated IOD classes not present")
    exe = _pyright()
    work = tmp_path_factory.mktemp("pyright")
    for name in COMPLETE:
        shutil.copy(SCRIPTS / name, work / name)
    ct = (SCRIPTS / "ct_image_complete.py").read_text()
    for name, old, new, _marker, _rule, _msgs in BROKEN:
        assert old in ct, f"{old!r} not in ct_image_complete.py"
        (work / name).write_text(ct.replace(old, new))
    assert LIST_FORM[1] in ct
    (work / LIST_FORM[0]).write_text(ct.replace(LIST_FORM[1], LIST_FORM[2]))
    config = json.loads((SCRIPTS / "pyrightconfig.json").read_text())
    config["extraPaths"] = [str((SCRIPTS / p).resolve()) for p in config["extraPaths"]]
    assert set(config["strict"]) == set(COMPLETE)
    config["strict"] = [*COMPLETE, LIST_FORM[0], *(b[0] for b in BROKEN)]
    (work / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [exe, "--outputjson", "-p", str(work / "pyrightconfig.json")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=240,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not report JSON: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    out: dict[str, list[dict[str, Any]]] = {}
    for d in report["generalDiagnostics"]:
        out.setdefault(Path(d["file"]).name, []).append(d)
    out["__summary__"] = [report["summary"]]
    return out


def _errors(diags: dict[str, list[dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [d for d in diags.get(name, []) if d["severity"] == "error"]


def test_config_resolves_runtime_and_generated() -> None:
    config = json.loads((SCRIPTS / "pyrightconfig.json").read_text())
    paths = {(SCRIPTS / p).resolve() for p in config["extraPaths"]}
    assert paths == {REPO / "runtime", REPO / "generated"}


@pytest.mark.parametrize("name", [*COMPLETE, LIST_FORM[0]])
def test_complete_scripts_pass_strict(
    diagnostics: dict[str, list[dict[str, Any]]], name: str
) -> None:
    assert diagnostics["__summary__"][0]["filesAnalyzed"] >= len(COMPLETE) + len(BROKEN)
    errs = _errors(diagnostics, name)
    assert errs == [], "\n".join(f"{e['range']['start']['line'] + 1}: {e['message']}" for e in errs)


@pytest.mark.parametrize(
    "name, old, new, marker, rule, messages", BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_copies_are_rejected(
    diagnostics: dict[str, list[dict[str, Any]]],
    name: str,
    old: str,
    new: str,
    marker: str,
    rule: str,
    messages: tuple[str, ...],
) -> None:
    lines = (SCRIPTS / "ct_image_complete.py").read_text().replace(old, new).splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith(marker))  # 0-based
    errs = _errors(diagnostics, name)
    assert len(errs) == 1, [e["message"] for e in errs]
    err = errs[0]
    assert err.get("rule") == rule
    assert err["range"]["start"]["line"] == line, (err["range"], lines[line])
    for fragment in messages:
        assert fragment in err["message"], err["message"]
