"""Typed IOD classes vs dciodvfy (dicom3tools), the reference IOD validator.

A CT Image, an RT Dose and an Enhanced CT Image built with the generated classes
(``tests/generated/pyright/*_complete.py``) and written as Part 10 must pass dciodvfy with no
"Error -" line, and our validator must agree. On deliberately broken copies (Type 1 and Type 2
attributes removed or emptied, at top level and inside sequence items) our validator must
report exactly the missing/empty attributes that dciodvfy reports.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.typed import DicomObject
from dicomgen.core.validation import Finding, validate_dataset
from dicomgen.media import part10

pytestmark = pytest.mark.interop

SCRIPTS = Path(__file__).resolve().parents[1] / "generated" / "pyright"

_MISSING = re.compile(
    r"^Error - (Missing attribute|Empty attribute \(no value\)) Type (\w+) "
    r"(?:Required|Conditional) Element=<(\w+)>"
)


def _builder(module: str, function: str) -> Callable[[], DicomObject]:
    pytest.importorskip("dicomgen_std.iods", reason="generated IOD classes not present")
    name = f"_dicomgen_test_{module}"
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{module}.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    assert isinstance(mod, ModuleType)
    return getattr(mod, function)


def _dciodvfy(path: Path) -> list[str]:
    exe = shutil.which("dciodvfy")
    if exe is None:
        pytest.skip("dciodvfy (dicom3tools) is not installed")
    proc = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=60)
    lines = (proc.stdout + proc.stderr).splitlines()
    assert not any("Assertion" in line for line in lines), lines
    return lines


def _errors(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("Error -")]


def _their_missing(lines: list[str]) -> set[tuple[str, str]]:
    """{(keyword, "missing" | "empty")} of dciodvfy's Type 1/2 findings."""
    out = set()
    for line in lines:
        m = _MISSING.match(line)
        if m:
            out.add((m.group(3), "missing" if m.group(1).startswith("Missing") else "empty"))
    return out


def _our_missing(findings: list[Finding]) -> set[tuple[str, str]]:
    out = set()
    for f in findings:
        m = re.match(r"type\w+-(missing|empty)$", f.rule)
        if m and f.severity == "error":
            out.add((f.path.rsplit(".", 1)[-1], m.group(1)))
    return out


IODS = [
    ("ct_image_complete", "build_ct_image", "CTImage"),
    ("rt_dose_complete", "build_rt_dose", "RTDose"),
    ("enhanced_ct_image_complete", "build_enhanced_ct_image", "EnhancedCTImage"),
]


@pytest.mark.parametrize("module, function, iod_name", IODS, ids=[i[2] for i in IODS])
def test_built_iods_pass_dciodvfy(
    tmp_path: Path, module: str, function: str, iod_name: str
) -> None:
    obj = _builder(module, function)()
    path = tmp_path / f"{iod_name}.dcm"
    obj.to_file(path)
    lines = _dciodvfy(path)
    assert iod_name in lines, lines  # dciodvfy recognised the IOD from the SOP Class UID
    assert _errors(lines) == []
    ours = [f for f in obj.validate() if f.severity == "error"]
    assert ours == [], "\n".join(map(str, ours))
    # the file read back validates the same
    back = type(obj).from_file(path)
    assert back.to_dataset() == obj.to_dataset()  # ("" and None are both an empty value)
    assert [
        f for f in validate_dataset(part10.read(path), type(obj)) if f.severity == "error"
    ] == []


def _drop(ds: Dataset, path: tuple[Any, ...], empty: bool = False) -> None:
    """Remove (or empty) the element at ``path``: tags and item indexes, e.g. (seq, 0, tag)."""
    target = ds
    for step in path[:-1]:
        target = target[step].value if isinstance(step, int) and step > 0xFFFF else target[step]
    tag = path[-1]
    if empty:
        target[tag] = DataElement(tag, target[tag].vr, None)
    else:
        del target[tag]


# (IOD, [(path, empty?)]) - Type 1 and Type 2 attributes removed or emptied
BROKEN = [
    (
        IODS[0],
        [
            ((0x0020000D,), False),  # Study Instance UID, Type 1
            ((0x00100020,), False),  # Patient ID, Type 2
            ((0x00080020,), False),  # Study Date, Type 2
            ((0x00180060,), False),  # KVP, Type 2 (CT Image Module)
            ((0x00080060,), True),  # Modality, Type 1, empty
            ((0x00280010,), True),  # Rows, Type 1, empty
            ((0x00081140, 0, 0x00081150), False),  # Referenced Image Seq item: Ref SOP Class UID
        ],
    ),
    (
        IODS[1],
        [
            ((0x30040002,), False),  # Dose Units, Type 1
            ((0x00200052,), False),  # Frame of Reference UID, Type 1
            ((0x00201040,), False),  # Position Reference Indicator, Type 2
            ((0x00200010,), False),  # Study ID, Type 2
            ((0x3004000E,), False),  # Dose Grid Scaling, Type 1C (Pixel Data present)
            ((0x300C0002, 0, 0x00081155), False),  # Referenced RT Plan item: Ref SOP Instance UID
        ],
    ),
    (
        IODS[2],
        [
            ((0x00080023,), False),  # Content Date, Type 1
            ((0x00089205,), False),  # Pixel Presentation, Type 1
            ((0x00080050,), False),  # Accession Number, Type 2
            ((0x00081090,), True),  # Manufacturer's Model Name, Type 1, empty
            ((0x52009229, 0, 0x00289145, 0, 0x00281054), False),  # shared FG: Rescale Type
        ],
    ),
]


@pytest.mark.parametrize("iod, removals", BROKEN, ids=[b[0][2] for b in BROKEN])
def test_validator_agrees_with_dciodvfy_on_missing_attributes(
    tmp_path: Path, iod: tuple[str, str, str], removals: list[tuple[tuple[Any, ...], bool]]
) -> None:
    module, function, iod_name = iod
    obj = _builder(module, function)()
    ds = obj.to_dataset()
    for path, empty in removals:
        _drop(ds, path, empty)
    file = tmp_path / f"{iod_name}-broken.dcm"
    part10.write(file, ds)
    theirs = _their_missing(_dciodvfy(file))
    ours = _our_missing(validate_dataset(part10.read(file), type(obj)))
    assert len(theirs) == len(removals), theirs  # every removal is seen by dciodvfy...
    assert ours == theirs  # ...and by us, the same way


_NOT_IN_IOD = re.compile(
    r"Attribute is not present in standard DICOM IOD - \(0x(\w{4}),0x(\w{4})\)"
)


# (IOD, module) pairs where dciodvfy carries a newer edition's rule than PS3.3 2020a, each with
# the 2020a text that shows the difference.
NEWER_RULES: dict[tuple[str, str], str] = {
    ("RT Structure Set", "Frame of Reference"): (
        "PS3.3 2020a Table A.19-1 lists the Frame of Reference Module with Usage U in the RT "
        "Structure Set IOD; dciodvfy requires its Type 1/2 attributes."
    ),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_validator_agrees_with_dciodvfy_on_pydicom_corpus() -> None:
    """Every pydicom test file of an IOD we have that dciodvfy can check: the Type 1/2
    attributes we report missing or empty are the ones dciodvfy reports, except where

    - our condition is Unparsed (we count it as not checked; dciodvfy has its own rules), or
    - dciodvfy carries a newer edition's rule (``NEWER_RULES``, each with the 2020a text), or
    - dciodvfy treats a C/U module as absent although one of its attributes is present (it
      lists the attribute as "not present in standard DICOM IOD"); we take the module as
      present and report its missing Type 1/2 attributes.
    """
    pydicom_data = pytest.importorskip("pydicom.data")
    pytest.importorskip("dicomgen_std.iods", reason="generated IOD classes not present")
    from dicomgen.cli.validate import validate_file
    from dicomgen.core.errors import DicomError
    from dicomgen.core.typed import iod_class_for

    checked = 0
    for path in sorted(pydicom_data.get_testdata_files()):
        try:
            ds = part10.read(path)
            uid = str(ds.get_value(0x00080016, "")).strip("\0 ")
        except DicomError:
            continue
        cls = iod_class_for(uid) if uid else None
        if cls is None:
            continue
        lines = subprocess.run(
            [shutil.which("dciodvfy") or "dciodvfy", path], capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        out = (lines.stdout + lines.stderr).splitlines()
        if any("Assertion" in line for line in out):
            continue  # dciodvfy aborts on some 32-bit RT Dose files
        findings, _ = validate_file(path)
        theirs = _their_missing(out)
        ours = _our_missing(findings)
        unchecked = {
            f.path.rsplit(".", 1)[-1] for f in findings if f.rule == "condition-not-checked"
        }
        newer = {
            f.keyword
            for f in cls.__dicom__.fields
            if (cls.__dicom__.title, f.module) in NEWER_RULES and f.usage != "M"
        }
        assert {kw for kw, _ in theirs - ours} - newer <= unchecked, (path, theirs - ours)
        absent_tags = {int(a + b, 16) for line in out for a, b in _NOT_IN_IOD.findall(line)}
        modules_absent = {
            f.module for f in cls.__dicom__.fields if f.tag in absent_tags and f.module
        }
        ours_only = [
            f
            for f in findings
            if (f.path.rsplit(".", 1)[-1], f.rule.rsplit("-", 1)[-1]) in ours - theirs
        ]
        assert all(f.module in modules_absent for f in ours_only), (path, ours - theirs)
        checked += 1
    assert checked >= 20


def test_write_and_check_helper_of_the_pyright_script(tmp_path: Path) -> None:
    check = _builder("ct_image_complete", "write_and_check")
    assert check(str(tmp_path / "ct.dcm")) == []  # type: ignore[call-arg]
