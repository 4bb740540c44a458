"""PS3.16 front-end: PixelMed's compiled SR templates and context groups.

PixelMed's jar (Debian ``libpixelmed-java``) holds ``DicomSRDescriptionsCompiled.xsl``, every
template compiled to ``xsl:template name="TID_n"`` whose ``CheckContentItem`` calls carry one
published row each (row number, relationship, value type, concept name, VM, requirement type,
value set, units) and whose ``call-template name="TID_m"`` calls are the INCLUDE rows; the
nesting of a row is the number of enclosing ``xsl:for-each`` plus one. The templates named
``*ContentItemConstraints`` encode the SR IODs' relationship content constraints.
``DicomContextGroupsSource.xml`` holds the context groups. The jar is read in place.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import GenerationError

from ..ir.part16 import (
    CodeRecord,
    ContextGroupRecord,
    IODConstraintsRecord,
    Origin,
    RelationshipConstraint,
    TemplateRecord,
    TemplateRow,
    ValueSet,
)

DEFAULT_JAR = Path("/usr/share/java/pixelmed.jar")
XSL_NAME = "DicomSRDescriptionsCompiled.xsl"
CONTEXT_GROUPS_NAME = "DicomContextGroupsSource.xml"
X = "{http://www.w3.org/1999/XSL/Transform}"

_CHECK_TEXT = re.compile(r"Checking Template: (TID_\w+) \((\w*)\)")
_BY_VALUE = re.compile(r"@relationship = '([A-Z ]+)' and name\(\.\) = '(\w+)'")
_BY_REF = re.compile(
    r"@relationship = '([A-Z ]+)' and name\(\.\) = 'reference' and "
    r"name\(key\('idkey',@IDREF\)\) = '(\w+)'"
)


def read_jar(jar: Path) -> tuple[bytes, bytes]:
    """(the compiled templates, the context groups) from the jar at ``jar``."""
    try:
        with zipfile.ZipFile(jar) as z:
            names = {n.rsplit("/", 1)[-1]: n for n in z.namelist()}
            missing = [n for n in (XSL_NAME, CONTEXT_GROUPS_NAME) if n not in names]
            if missing:
                raise GenerationError(f"{jar}: no {', '.join(missing)} inside")
            return z.read(names[XSL_NAME]), z.read(names[CONTEXT_GROUPS_NAME])
    except (OSError, zipfile.BadZipFile) as exc:
        raise GenerationError(f"cannot read PixelMed jar {jar}: {exc}") from None


def _str(select: str | None) -> str:
    s = (select or "").strip()
    if len(s) >= 2 and s[0] == s[-1] == "'":
        return s[1:-1]
    return ""  # a parameter reference ($templatevmmin...) is not a value of the row


def _code(cv: str, csd: str, cm: str) -> CodeRecord | None:
    return CodeRecord(csd, cv, cm) if cv or csd else None


def _vm(text: str, default: int | None, upper: bool = False) -> int | None:
    """A VM bound; a range written where one bound belongs ("1-n") gives its lower or
    ``upper`` end."""
    if "-" in text:
        text = text.split("-")[1 if upper else 0]
    if text in ("", "n"):
        return default if text == "" else None
    if not text.isdigit():
        raise GenerationError(f"VM bound {text!r} is not a number or n")
    return int(text)


def _depth(node: etree._Element, stop: etree._Element) -> int:
    n = 0
    for a in node.iterancestors():
        if a is stop:
            break
        n += a.tag == X + "for-each"
    return n


def _row(index: int, parent: int, p: dict[str, str]) -> TemplateRow:
    concept = ValueSet(
        cid=p["conceptNameCID"],
        code=_code(p["cvConceptName"], p["csdConceptName"], p["cmConceptName"]),
    )
    value_set = ValueSet(
        cid=p["valueSetCID"],
        strength=p["valueSetBDE"],
        code=_code(p["cvValue"], p["csdValue"], p["cmValue"]),
    )
    units = ValueSet(
        cid=p["unitsCID"],
        strength=p["unitsBDE"],
        code=_code(p["cvUnits"], p["csdUnits"], p["cmUnits"]),
    )
    return TemplateRow(
        index=index,
        parent=parent,
        row=int(p["row"]) if p["row"].isdigit() else None,
        nesting=int(p["nestingLevel"]),
        kind="item",
        relationship=p["relationship"],
        by_reference=p["byReference"] == "T",
        value_type=p["valueType"].upper(),
        concept=concept,
        vm_min=_vm(p["vmmin"], 1) or 0,
        vm_max=_vm(p["vmmax"], 1, upper=True),
        requirement=p["requiredType"],
        value_set=value_set,
        units=units,
        graphic_type=p.get("graphicType", ""),
        text=p["description"],
    )


def _params(call: etree._Element) -> dict[str, str]:
    return {w.get("name", ""): _str(w.get("select")) for w in call.findall(X + "with-param")}


def parse_template(tpl: etree._Element, origin: Origin) -> TemplateRecord:
    """One ``xsl:template name="TID_n"`` -> its record; the same row reached on several
    branches of an ``xsl:choose`` is kept once."""
    tid = tpl.get("name", "")[4:]
    name = ""
    for text in tpl.iter(X + "text"):
        m = _CHECK_TEXT.search(text.text or "")
        if m:
            name = m.group(2)
            break
    root = any("Found Root Template" in (t.text or "") for t in tpl.iter(X + "text"))
    rows: list[TemplateRow] = []
    last_at: dict[int, int] = {}  # nesting level -> index of the last item row at that level
    seen: dict[tuple, int] = {}
    for call in tpl.iter(X + "call-template"):
        name_called = call.get("name", "")
        depth = _depth(call, tpl)
        parent = last_at.get(depth, -1) if depth else -1
        if name_called == "CheckContentItem":
            p = _params(call)
            key = ("item", parent, p["row"], p["description"])
            if key in seen:
                last_at[depth + 1] = seen[key]
                continue
            row = _row(len(rows), parent, p)
        elif name_called.startswith("TID_"):
            p = _params(call)
            key = ("include", parent, name_called)
            if key in seen:
                continue
            row = TemplateRow(
                index=len(rows),
                parent=parent,
                row=None,
                nesting=depth + 1,
                kind="include",
                vm_min=_vm(p.get("templatevmmin", ""), 1) or 0,
                vm_max=_vm(p.get("templatevmmax", ""), 1, upper=True),
                requirement=p.get("templateRequiredType", "") or "M",
                include_tid=name_called[4:],
                text=f"INCLUDE {name_called}",
            )
        else:
            continue
        seen[key] = row.index
        rows.append(row)
        if row.kind == "item":
            last_at[depth + 1] = row.index
            for deeper in [k for k in last_at if k > depth + 1]:
                del last_at[deeper]
    return TemplateRecord(tid=tid, name=name, root=root, rows=tuple(rows), origin=origin)


def parse_constraints(tpl: etree._Element, origin: Origin) -> IODConstraintsRecord:
    """One ``*ContentItemConstraints`` template -> the IOD's permitted relationships."""
    out: list[RelationshipConstraint] = []
    for outer in tpl.iter(X + "for-each"):
        sel = outer.get("select", "")
        if not sel.startswith("//"):
            continue
        source_vt = sel[2:].upper()
        for when in outer.iter(X + "when"):
            calls = [c.get("name", "") for c in when.iter(X + "call-template")]
            if not any(c.startswith("checkPermitted") for c in calls):
                continue
            test = when.get("test", "")
            m = _BY_REF.search(test)
            by_ref = m is not None
            m = m or _BY_VALUE.search(test)
            if m is None:
                raise GenerationError(f"{origin.ident}: unknown constraint test {test!r}")
            out.append(RelationshipConstraint(source_vt, m.group(1), m.group(2).upper(), by_ref))
    iod = tpl.get("name", "").removesuffix("ContentItemConstraints")
    return IODConstraintsRecord(iod=iod, constraints=tuple(out), origin=origin)


def parse_descriptions(
    xsl: bytes, edition: str
) -> tuple[list[TemplateRecord], list[IODConstraintsRecord]]:
    root = etree.fromstring(xsl, etree.XMLParser(huge_tree=True))
    templates: list[TemplateRecord] = []
    constraints: list[IODConstraintsRecord] = []
    for tpl in root.iterchildren(X + "template"):
        name = tpl.get("name") or ""
        if name.startswith("TID_"):
            templates.append(parse_template(tpl, Origin("pixelmed", edition, name)))
        elif name.endswith("ContentItemConstraints"):
            constraints.append(parse_constraints(tpl, Origin("pixelmed", edition, name)))
    return templates, constraints


def parse_context_groups(
    xml: bytes, edition: str, skipped: list[str] | None = None
) -> list[ContextGroupRecord]:
    """The context groups; a code without a code value or scheme cannot be used and is
    left out (named in ``skipped``)."""
    root = etree.fromstring(xml)
    out = []
    for g in root.iter("definecontextgroup"):
        cid = g.get("cid", "")
        codes = []
        for c in g.iter("contextgroupcode"):
            code = CodeRecord(c.get("csd", ""), c.get("cv", ""), c.get("cm", ""))
            if code.value and code.scheme:
                codes.append(code)
            elif skipped is not None:
                skipped.append(f"CID {cid}: code without value or scheme {code}")
        includes = tuple(i.get("cid", "") for i in g.iter("include"))
        ext = g.get("extensible", "")
        out.append(
            ContextGroupRecord(
                cid=cid,
                name=g.get("name", ""),
                version=g.get("version", ""),
                uid=g.get("uid", ""),
                extensible=ext.lower() in ("t", "true") if ext else None,
                codes=tuple(codes),
                includes=includes,
                origin=Origin("pixelmed", edition, f"CID {cid}"),
            )
        )
    return out
