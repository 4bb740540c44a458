"""The scripts the suite's one pyright run checks (see ``pyright_session``).

- The complete CT Image, RT Dose and Enhanced CT Image of ``tests/generated/pyright/`` (strict),
  and copies of the CT script that omit a Type 1 attribute, pass a ``str`` where a date belongs
  use a value outside an enumeration or give a multi-valued attribute a bare ``str``: each must
  be rejected with its error on its line; a copy giving that attribute a list passes.
- The 20 minimal IOD builders of ``tests/iods_minimal/`` (strict).
- The TID 1500 report of the SR tests and the README's SR example (standard), the code of the
  Structured reports guide page (strict), and a script whose lines each misuse a generated
  template or context group.
"""

from __future__ import annotations

import re
from pathlib import Path

from pyright_session import Scripts

REPO = Path(__file__).resolve().parents[1]
TYPED_SCRIPTS = REPO / "tests" / "generated" / "pyright"
COMPLETE = ("ct_image_complete.py", "rt_dose_complete.py", "enhanced_ct_image_complete.py")

# (file name, text replaced, replacement, line marker, rule, message fragments)
CT_BROKEN = (
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
        ('parameter "image_type"', 'of type "list[str] | tuple[str, ...]"'),
    ),
)
# Multi-valued attributes take a list as well as a tuple (a list display of str literals is
# inferred as list[str] from the annotation): this copy must pass strict mode too.
LIST_FORM = (
    "ct_list_multivalued.py",
    '        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),\n',
    '        image_type=["ORIGINAL", "PRIMARY", "AXIAL"],\n',
)
MINIMAL_IODS = REPO / "tests" / "iods_minimal"

# A line misusing the SR classes -> a fragment of the error pyright must report on it.
SR_BROKEN = {
    "laterality": (
        'TID1501.MeasurementGroup.FindingSite(value=LUNG, laterality=Code("SCT", "7771000", "Left"))',
        'parameter "laterality" of type "CID244Code | None"',
    ),
    "number": ("TID300(num=TID300.Num(value=12.5))", '"float" is not assignable to "Quantity"'),
    "missing": ("TID1500()", 'Argument missing for parameter "measurement_report_document_title"'),
}
SR_BROKEN_HEADER = (
    "from dicomgen.sr import Code, Quantity",
    "from dicomgen_std.sr.templates import TID300, TID1500, TID1501",
    'LUNG = Code("SCT", "39607008", "Lung")',
)


def ct_broken_text(old: str, new: str) -> str:
    ct = (TYPED_SCRIPTS / "ct_image_complete.py").read_text("utf-8")
    assert old in ct, f"{old!r} not in ct_image_complete.py"
    return ct.replace(old, new)


def typed_iod_scripts(scripts: Scripts) -> None:
    for name in COMPLETE:
        scripts.add(name, (TYPED_SCRIPTS / name).read_text("utf-8"), strict=True)
    for name, old, new, *_ in CT_BROKEN:
        scripts.add(name, ct_broken_text(old, new), strict=True)
    scripts.add(LIST_FORM[0], ct_broken_text(*LIST_FORM[1:]), strict=True)


def minimal_iod_builders(scripts: Scripts) -> None:
    for path in sorted(MINIMAL_IODS.glob("build_*.py")):
        scripts.add(path.name, path.read_text("utf-8"), strict=True)


def readme_sr_example() -> str:
    readme = (REPO / "README.md").read_text("utf-8")
    start = readme.index("### Author a structured report")
    return readme[readme.index("```python\n", start) + 10 : readme.index("```\n", start + 40)]


def sr_scripts(scripts: Scripts) -> None:
    scripts.add("readme_sr_example.py", readme_sr_example(), strict=False)
    tid1500 = REPO / "tests" / "runtime" / "sr_tid1500.py"
    scripts.add("sr_tid1500.py", tid1500.read_text("utf-8"), strict=False)
    lines = [*SR_BROKEN_HEADER, *(line for line, _ in SR_BROKEN.values())]
    scripts.add("sr_broken.py", "\n".join(lines) + "\n", strict=False)
    page = (REPO / "docs" / "guide" / "05-structured-reports.md").read_text("utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)
    scripts.add("guide_sr.py", "\n".join(blocks), strict=True)


WRITERS = (typed_iod_scripts, sr_scripts, minimal_iod_builders)
