"""Agreement of ``dicomgen validate`` with dciodvfy (dicom3tools) over pydicom's test corpus.

    python bench/dciodvfy_agreement.py [--details]

For every corpus file whose SOP Class has an IOD class, both validators run and their findings
of three rule kinds are compared as sets of (file, attribute, what):

* ``type1``: a Type 1 attribute missing or empty (dciodvfy "Missing attribute" / "Empty
  attribute (no value)" ... "Type 1 Required"; ours ``type1-missing`` / ``type1-empty``);
* ``type2``: a Type 2 attribute missing (dciodvfy "Missing attribute Type 2 Required"; ours
  ``type2-missing``);
* ``enum``: a value outside the Enumerated Values (dciodvfy "Unrecognized enumerated value";
  ours ``enum``), keyed by the attribute's dictionary name, which is what dciodvfy prints.

Agreement of a kind is |both| / |either|. Each disagreement is put in a class that explains it
(below, ``_explain``); the ones no class explains are printed as "unexplained".
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for sub in ("runtime", "generated"):
    sys.path.insert(0, str(REPO / sub))

from dicomgen.cli.validate import validate_file  # noqa: E402
from dicomgen.core.dictionary import entry_for  # noqa: E402
from dicomgen.core.errors import DicomError  # noqa: E402
from dicomgen.core.typed import DicomObject, iod_class_for  # noqa: E402
from dicomgen.core.validation import Finding  # noqa: E402
from dicomgen.media import part10  # noqa: E402

KINDS = ("type1", "type2", "enum")
_MISSING = re.compile(
    r"^Error - (Missing attribute|Empty attribute \(no value\)) Type (1|2) "
    r"Required Element=<(\w+)> Module=<(\w+)>"
)
_ENUM = re.compile(
    r"^Error - Unrecognized enumerated value <[^>]*> for value \d+ of attribute <([^>]+)>"
)
_NOT_IN_IOD = re.compile(
    r"Attribute is not present in standard DICOM IOD - \(0x(\w{4}),0x(\w{4})\)"
)

# (IOD title, module) where dciodvfy carries a rule newer than PS3.3 2020a, with the 2020a text.
NEWER_RULES = {
    ("RT Structure Set", "Frame of Reference"): (
        "PS3.3 2020a Table A.19.3-1 lists the Frame of Reference Module with Usage U in the RT "
        "Structure Set IOD; dciodvfy requires its Type 1/2 attributes."
    ),
}

Key = tuple[str, str, str]  # (kind, attribute, what)


def theirs(lines: list[str]) -> set[Key]:
    out: set[Key] = set()
    for line in lines:
        m = _MISSING.match(line)
        if m:
            what = "missing" if m.group(1).startswith("Missing") else "empty"
            out.add(("type" + m.group(2), m.group(3), what))
            continue
        m = _ENUM.match(line)
        if m:
            out.add(("enum", m.group(1), "outside"))
    return out


def _name(tag: int | None) -> str:
    e = entry_for(tag) if tag is not None else None
    return e.name if e is not None else f"{tag}"


def ours(findings: list[Finding]) -> dict[Key, Finding]:
    out: dict[Key, Finding] = {}
    for f in findings:
        if f.severity != "error":
            continue
        m = re.fullmatch(r"type(1|2)-(missing|empty)", f.rule)
        if m:
            out[("type" + m.group(1), f.path.rsplit(".", 1)[-1], m.group(2))] = f
        elif f.rule == "enum":
            out[("enum", _name(f.tag), "outside")] = f
    return out


def _explain(
    key: Key,
    side: str,
    cls: type[DicomObject],
    findings: list[Finding],
    lines: list[str],
    mine: dict[Key, Finding],
) -> str:
    """Why the two validators differ on ``key`` (reported by ``side`` only)."""
    kind, attr, _what = key
    spec = cls.__dicom__
    fields = [f for f in spec.fields if (f.keyword or f.name) == attr or _name(f.tag) == attr]
    if side == "theirs":
        if any(
            f.rule.endswith("not-checked") and f.path.rsplit(".", 1)[-1] == attr for f in findings
        ):
            return "ours: condition not executable, reported as not checked"
        if any((spec.title, f.module) in NEWER_RULES for f in fields):
            return "dciodvfy carries a rule newer than 2020a (NEWER_RULES)"
        if not fields:
            return "attribute not in the IOD in 2020a (dciodvfy too lists it as not in the IOD)"
        if kind == "enum" and any(f.defined_terms and not f.enum for f in fields):
            return "2020a gives Defined Terms here, not Enumerated Values (we warn only)"
        if kind == "enum":
            return "dciodvfy's enumerated list differs from 2020a's for this attribute"
        if any(f.module_condition is not None or f.usage not in ("M", "") for f in fields):
            return "C/U module: dciodvfy takes it as present, we do not (its condition)"
        return "unexplained"
    absent = {int(a + b, 16) for line in lines for a, b in _NOT_IN_IOD.findall(line)}
    f = mine[key]
    if any(g.tag in absent for g in spec.fields if g.module == f.module):
        return "dciodvfy takes the C/U module as absent (lists its attributes as not in IOD)"
    if "[" in f.path:
        return "inside a sequence item dciodvfy does not check the same way"
    if kind == "enum":
        return "dciodvfy's enumerated list differs from 2020a's (or it does not check it)"
    return "unexplained"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--details", action="store_true", help="print every disagreement")
    args = ap.parse_args()
    exe = shutil.which("dciodvfy")
    if exe is None:
        print("dciodvfy (dicom3tools) is not installed", file=sys.stderr)
        return 2
    import pydicom.data

    both: Counter[str] = Counter()
    only: Counter[tuple[str, str]] = Counter()
    why: Counter[tuple[str, str, str]] = Counter()
    details: list[str] = []
    files = 0
    for path in sorted(pydicom.data.get_testdata_files()):
        try:
            uid = str(part10.read(path).get_value(0x00080016, "")).strip("\0 ")
        except DicomError:
            continue
        cls = iod_class_for(uid) if uid else None
        if cls is None:
            continue
        proc = subprocess.run([exe, path], capture_output=True, text=True, timeout=60)
        lines = (proc.stdout + proc.stderr).splitlines()
        if any("Assertion" in line for line in lines):
            continue  # dciodvfy aborts on some files: nothing to compare
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            findings, _ = validate_file(path)
        files += 1
        t = theirs(lines)
        mine = ours(findings)
        o = set(mine)
        for k in t & o:
            both[k[0]] += 1
        for side, keys in (("theirs", t - o), ("ours", o - t)):
            for k in sorted(keys):
                reason = _explain(k, side, cls, findings, lines, mine)
                only[(k[0], side)] += 1
                why[(k[0], side, reason)] += 1
                details.append(f"  {Path(path).name}: {side} only {k} - {reason}")
    print(f"files compared: {files}")
    print(f"{'kind':6} {'both':>5} {'dciodvfy only':>14} {'ours only':>10} {'agreement':>10}")
    tb = tt = 0
    for kind in KINDS:
        b, t_, o_ = both[kind], only[(kind, "theirs")], only[(kind, "ours")]
        tb, tt = tb + b, tt + b + t_ + o_
        agree = f"{100 * b / (b + t_ + o_):.1f} %" if b + t_ + o_ else "-"
        print(f"{kind:6} {b:5} {t_:14} {o_:10} {agree:>10}")
    print(f"{'all':6} {tb:5} {'':14} {'':10} {100 * tb / tt:9.1f} %")
    print("disagreements by explanation:")
    for (kind, side, reason), n in sorted(why.items()):
        print(f"  {kind:5} {side:6} only {n:4}  {reason}")
    if args.details:
        print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
