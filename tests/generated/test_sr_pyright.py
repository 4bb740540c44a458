"""Static typing of the generated SR templates and context groups, checked by pyright: the TID
1500 report of the SR tests and the README example pass; a plain Code where a non-extensible
CID's code type belongs, a number where a NUM needs a Quantity and a missing mandatory row are
each rejected on their line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BROKEN = {
    "laterality": (
        'TID1501.MeasurementGroup.FindingSite(value=LUNG, laterality=Code("SCT", "7771000", "Left"))',
        'parameter "laterality" of type "CID244Code | None"',
    ),
    "number": ("TID300(num=TID300.Num(value=12.5))", '"float" is not assignable to "Quantity"'),
    "missing": ("TID1500()", 'Argument missing for parameter "measurement_report_document_title"'),
}

pytestmark = pytest.mark.slow


def test_sr_builders_type_check(tmp_path: Path) -> None:
    exe = shutil.which("pyright")
    if exe is None:
        pytest.skip("pyright is not installed")
    readme = (REPO / "README.md").read_text("utf-8")
    start = readme.index("### Author a structured report")
    example = readme[readme.index("```python\n", start) + 10 : readme.index("```\n", start + 40)]
    (tmp_path / "readme_example.py").write_text(example)
    shutil.copy(REPO / "tests" / "runtime" / "sr_tid1500.py", tmp_path / "sr_tid1500.py")
    broken = [
        "from dicomgen.sr import Code, Quantity",
        "from dicomgen_std.sr.templates import TID300, TID1500, TID1501",
        'LUNG = Code("SCT", "39607008", "Lung")',
        *(line for line, _ in BROKEN.values()),
    ]
    (tmp_path / "broken.py").write_text("\n".join(broken) + "\n")
    config = {
        "include": ["."],
        "extraPaths": [str(REPO / "runtime"), str(REPO / "generated")],
        "pythonVersion": "3.11",
        "typeCheckingMode": "standard",
        "reportMissingModuleSource": "none",
    }
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [exe, "--outputjson", "-p", str(tmp_path / "pyrightconfig.json")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(proc.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    by_file: dict[str, list[dict]] = {}
    for e in errors:
        by_file.setdefault(Path(e["file"]).name, []).append(e)
    assert "readme_example.py" not in by_file and "sr_tid1500.py" not in by_file, by_file
    got = sorted((e["range"]["start"]["line"], e["message"]) for e in by_file["broken.py"])
    assert len(got) == len(BROKEN), got
    for (line, message), (_, fragment) in zip(got, BROKEN.values()):
        assert fragment in message, message
    assert [line for line, _ in got] == [3, 4, 5]


def test_sr_guide_page_is_strict_clean(tmp_path: Path) -> None:
    """The Structured reports guide page (template classes -> typed Comprehensive SR ->
    content tree -> validation) type-checks in pyright's strict mode."""
    exe = shutil.which("pyright")
    if exe is None:
        pytest.skip("pyright is not installed")
    page = (REPO / "docs" / "guide" / "05-structured-reports.md").read_text("utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)
    (tmp_path / "guide_sr.py").write_text("\n".join(blocks))
    config = {
        "include": ["guide_sr.py"],
        "extraPaths": [str(REPO / "runtime"), str(REPO / "generated")],
        "pythonVersion": "3.11",
        "typeCheckingMode": "strict",
        "reportMissingModuleSource": "none",
    }
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [exe, "--outputjson", "-p", str(tmp_path / "pyrightconfig.json")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(proc.stdout)
    assert report["summary"]["filesAnalyzed"] == 1
    assert report["generalDiagnostics"] == [], report["generalDiagnostics"]
