"""Jinja filters of the SR templates (``sr_*.py.j2``): Python source for PS3.16 codes, value
set references and template rows. Each is pure and tested."""

from __future__ import annotations

from typing import Any

from ..ir.part16 import TemplateRow, ValueSet
from .filters import py


def complete(code: Any) -> bool:
    """A code with a coding scheme and a value (the generator leaves out any other)."""
    return bool(getattr(code, "scheme", "") and getattr(code, "value", ""))


def sr_code(code: Any, cls: str = "Code") -> str:
    """``Code("SCT", "39607008", "Lung")`` (``cls`` names the code class)."""
    if not complete(code):
        raise ValueError(f"code without scheme or value: {code!r}")
    return f"{cls}({py(code.scheme)}, {py(code.value)}, {py(code.meaning)})"


def sr_value_set(vs: ValueSet) -> str | None:
    """A value set as PS3.16 writes it: ``"DCID 603"`` (``"CID 12"`` without strength), or
    the one code it allows; None when it allows anything."""
    if vs.cid:
        return py(f"{vs.strength}CID {vs.cid}")
    if vs.code is not None and complete(vs.code):
        return sr_code(vs.code)
    return None


def sr_vm(row: TemplateRow) -> str:
    """``"1"``, ``"1-n"``, ``"2"``, ``"1-3"``: the row's VM as PS3.16 writes it."""
    if row.vm_min == row.vm_max:
        return str(row.vm_min)
    return f"{row.vm_min}-{'n' if row.vm_max is None else row.vm_max}"


def sr_row(row: TemplateRow) -> str:
    """The ``row(...)`` call (:func:`dicomgen.sr.template.row`) of a template row: parent,
    number, relationship, value type, concept, requirement, then what differs from the
    defaults (VM 1, no value set, no units, no include, by value)."""
    concept = (
        sr_code(row.concept.code)
        if row.concept.code is not None and complete(row.concept.code)
        else (py(f"CID {row.concept.cid}") if row.concept.cid else "None")
    )
    args = [str(row.parent), py(row.row), py(row.relationship), py(row.value_type), concept]
    if row.requirement != "M":
        args.append(py(row.requirement))
    elif concept == "None":
        args.pop()
    kw = {
        "vm": py(sr_vm(row)) if sr_vm(row) != "1" else None,
        "value_set": sr_value_set(row.value_set),
        "units": sr_value_set(row.units),
        "include": py(row.include_tid) if row.include_tid else None,
        "by_reference": "True" if row.by_reference else None,
    }
    if row.concept.cid and concept != py(f"CID {row.concept.cid}"):
        kw["concept_cid"] = py(row.concept.cid)
    args += [f"{k}={v}" for k, v in kw.items() if v is not None]
    return f"row({', '.join(args)})"


SR_FILTERS = {
    "sr_code": sr_code,
    "sr_row": sr_row,
    "sr_value_set": sr_value_set,
}
