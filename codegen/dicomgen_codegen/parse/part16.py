"""PS3.16 DocBook -> IR: template tables (TIDs) and context group tables (CIDs).

The published shape (the one NEMA's own extraction stylesheets read):

- a template is a ``table`` with ``label="TID n"`` (caption: its title); header cells
  ``'' | NL | Rel with Parent | VT | Concept Name | VM | Req Type | Condition | Value Set
  Constraint`` (some templates have no Rel column); the first cell is the row number, NL the
  nesting as ``>`` marks; ``Type:``/``Order:``/``Root:`` sit in a ``variablelist`` beside it;
  a table captioned "Parameters" lists the ``$Params``;
- an INCLUDE row has VT ``INCLUDE`` and ``xref linkend="sect_TID_m"`` in Concept Name;
- a concept or value is ``EV (cv, csd, "cm")`` / ``DT (...)`` or ``BCID|DCID|ECID`` with
  ``xref linkend="sect_CID_n"``; units ``UNITS = EV (...)`` or ``UNITS = DCID n``;
- a context group is a ``table`` with ``label="CID n"``: ``Coding Scheme Designator |
  [Coding Scheme Version] | Code Value | Code Meaning | ...``, "Include CID n" rows with an
  xref; ``Version:``, ``UID:`` and ``Type:`` (Extensible / Non-extensible) in a variablelist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import SpecParseError

from ..ir.part16 import (
    CodeRecord,
    ContextGroupRecord,
    Origin,
    TemplateRecord,
    TemplateRow,
    ValueSet,
)

DB = "{http://docbook.org/ns/docbook}"
_TUPLE = re.compile(r'\(\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*"?(.*?)"?\s*\)\s*$')
_CID_REF = re.compile(r"^([BDE])CID\b")


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _variables(table: etree._Element) -> dict[str, str]:
    """The ``variablelist`` beside ``table``: {"Type:": "Extensible", ...}."""
    parent = table.getparent()
    out: dict[str, str] = {}
    if parent is None:
        return out
    for entry in parent.iter(DB + "varlistentry"):
        out[_text(entry.find(DB + "term"))] = _text(entry.find(DB + "listitem"))
    return out


def _xref_id(el: etree._Element, prefix: str) -> str:
    for x in el.iter(DB + "xref"):
        link = x.get("linkend", "")
        if link.startswith(prefix):
            return link[len(prefix) :]
    return ""


def _tuple(text: str) -> CodeRecord | None:
    m = _TUPLE.search(text)
    return CodeRecord(m.group(2), m.group(1), m.group(3)) if m else None


def _value_set(cell: etree._Element, tid: str, row: str) -> tuple[ValueSet, ValueSet, str]:
    """(value set, units, text not understood) of a Value Set Constraint cell."""
    value, units, rest = ValueSet(), ValueSet(), []
    for para in cell.iter(DB + "para"):
        text = _text(para)
        is_units = text.startswith("UNITS")
        body = text.split("=", 1)[1].strip() if is_units and "=" in text else text
        cid = _xref_id(para, "sect_CID_")
        m = _CID_REF.match(body)
        if m and cid:
            vs = ValueSet(cid=cid, strength=m.group(1))
        elif body.startswith(("EV", "DT")) and _tuple(body):
            vs = ValueSet(code=_tuple(body))
        else:
            rest.append(text)
            continue
        if is_units:
            units = vs
        else:
            value = vs
    return value, units, "; ".join(rest)


def _vm(text: str, tid: str, row: str) -> tuple[int, int | None]:
    lo, _, hi = text.partition("-")
    hi = hi or lo
    if not lo.isdigit() or not (hi.isdigit() or hi == "n"):
        raise SpecParseError(f"VM {text!r} is not n, m or n-m", path=f"TID {tid} row {row}")
    return int(lo), None if hi == "n" else int(hi)


def _header(table: etree._Element) -> list[str]:
    return [_text(th) for th in table.iter(DB + "th")]


def parse_template(table: etree._Element, edition: str) -> TemplateRecord:
    tid = table.get("label", "")[4:].strip()
    head = _header(table)
    has_rel = "Rel with Parent" in head
    expected = ["", "NL", *(["Rel with Parent"] if has_rel else []), "VT", "Concept Name", "VM"]
    expected += ["Req Type", "Condition", "Value Set Constraint"]
    if head != expected:
        raise SpecParseError(f"TID {tid}: header {head!r}, expected {expected!r}")
    vars_ = _variables(table)
    rows: list[TemplateRow] = []
    last_at: dict[int, int] = {}
    params: list[str] = []
    for tr in table.iter(DB + "tr"):
        cells = tr.findall(DB + "td")
        if not cells or not _text(cells[0]):
            continue
        if not has_rel:
            cells.insert(2, etree.Element(DB + "td"))
        number, nl, rel, vt, concept_cell, vm, req, cond, vsc = cells[:9]
        row = _text(number)
        nesting = _text(nl).count(">") + 1
        parent = last_at.get(nesting - 1, -1) if nesting > 1 else -1
        vm_min, vm_max = _vm(_text(vm), tid, row)
        relationship = _text(rel)
        by_reference = relationship.startswith("R-")  # "R-INFERRED FROM": by reference
        base = dict(
            index=len(rows),
            parent=parent,
            row=int(row) if row.isdigit() else None,
            nesting=nesting,
            relationship=relationship.removeprefix("R-"),
            by_reference=by_reference,
            vm_min=vm_min,
            vm_max=vm_max,
            requirement=_text(req),
            condition=_text(cond),
            text=" | ".join(_text(c) for c in cells[:9]),
        )
        concept_text = _text(concept_cell)
        params += re.findall(r"\$\w+", concept_text + " " + _text(vsc))
        if _text(vt) == "INCLUDE":
            include = _xref_id(concept_cell, "sect_TID_")
            rows.append(TemplateRow(kind="include", include_tid=include, **base))  # type: ignore[arg-type]
            continue
        cid = _xref_id(concept_cell, "sect_CID_")
        if concept_text.startswith(("EV", "DT")):
            concept = ValueSet(code=_tuple(concept_text))
        elif cid and _CID_REF.match(concept_text):
            concept = ValueSet(cid=cid, strength=concept_text[0])
        else:
            concept = ValueSet()
        value, units, _rest = _value_set(vsc, tid, row)
        rows.append(
            TemplateRow(
                kind="item",
                value_type=_text(vt),
                concept=concept,
                value_set=value,
                units=units,
                **base,  # type: ignore[arg-type]
            )
        )
        last_at[nesting] = len(rows) - 1
        for deeper in [k for k in last_at if k > nesting]:
            del last_at[deeper]
    return TemplateRecord(
        tid=tid,
        name=_text(table.find(DB + "caption")).replace(" ", "").replace("-", ""),
        root=vars_.get("Root:", "").startswith("Yes"),
        rows=tuple(rows),
        parameters=tuple(dict.fromkeys(params)),
        origin=Origin("docbook", edition, table.get(_XML_ID, "") or f"TID {tid}"),
    )


_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def parse_context_group(table: etree._Element, edition: str) -> ContextGroupRecord:
    cid = table.get("label", "")[4:].strip()
    head = _header(table)
    if head[:1] != ["Coding Scheme Designator"] or "Code Value" not in head:
        raise SpecParseError(f"CID {cid}: header {head!r} is not a context group's")
    i_value, i_meaning = head.index("Code Value"), head.index("Code Meaning")
    codes: list[CodeRecord] = []
    includes: list[str] = []
    for tr in table.iter(DB + "tr"):
        cells = tr.findall(DB + "td")
        if not cells or not _text(cells[0]):
            continue
        if _text(cells[0]).startswith("Include"):
            inc = _xref_id(cells[0], "sect_CID_")
            if inc:
                includes.append(inc)
            continue
        codes.append(CodeRecord(_text(cells[0]), _text(cells[i_value]), _text(cells[i_meaning])))
    vars_ = _variables(table)
    return ContextGroupRecord(
        cid=cid,
        name=_text(table.find(DB + "caption")).replace(" ", "").replace("-", ""),
        version=vars_.get("Version:", ""),
        uid=vars_.get("UID:", ""),
        extensible=not vars_.get("Type:", "").startswith("Non"),
        codes=tuple(codes),
        includes=tuple(includes),
        origin=Origin("docbook", edition, table.get(_XML_ID, "") or f"CID {cid}"),
    )


def _tables(root: etree._Element, prefix: str) -> Iterator[etree._Element]:
    for t in root.iter(DB + "table"):
        label = t.get("label", "")
        if (
            label.startswith(prefix)
            and "<" not in label
            and _text(t.find(DB + "caption")) != "Parameters"
        ):
            yield t


def parse_part16(
    root: etree._Element, edition: str
) -> tuple[list[TemplateRecord], list[ContextGroupRecord]]:
    """Every template and context group table of a PS3.16 DocBook document (or excerpt)."""
    templates = [parse_template(t, edition) for t in _tables(root, "TID ")]
    groups = [parse_context_group(t, edition) for t in _tables(root, "CID ")]
    return templates, groups
