"""Rendering of the registries that combine parts: transfer syntaxes (PS3.5 + PS3.6),
SOP classes (PS3.4, keyed to PS3.6 names), DIMSE commands and statuses (PS3.7), VRs (PS3.5)."""

from __future__ import annotations

import re
from typing import Any

from ..ir.model import Registry
from ..passes.naming import uid_keyword
from .env import render
from .registries import _sources_text, element_views


def _ts_doc(t: Any) -> str:
    facts = [
        "implicit VR" if t.implicit_vr else "explicit VR",
        "little endian" if t.little_endian else "big endian",
    ]
    if t.deflated:
        facts.append("deflated")
    if t.encapsulated:
        facts.append("encapsulated pixel data" + (", lossy" if t.lossy else ""))
    ret = " Retired." if t.retired else ""
    return f"{t.name}: {', '.join(facts)}.{ret} UID {t.uid}."


def command_member(name: str) -> str:
    """``"C-STORE-RQ"`` -> ``"C_STORE_RQ"``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").upper()


def render_more(reg: Registry) -> dict[str, str]:
    out: dict[str, str] = {}
    uid_kw = {u.uid: u.keyword for u in reg.uids}
    uid_retired = {u.uid: u.retired for u in reg.uids}
    out["transfer_syntaxes.py"] = render(
        "transfer_syntaxes.py.j2",
        doc=(
            f"Transfer syntaxes ({len(reg.transfer_syntaxes)}) with how each encodes data sets, "
            f"from {_sources_text(reg, ('PS3.5', 'PS3.6'))}."
        ),
        syntaxes=[{**_fields(t), "doc": _ts_doc(t)} for t in reg.transfer_syntaxes],
    )
    out["sop_classes.py"] = render(
        "sop_classes.py.j2",
        doc=(
            f"SOP classes ({len(reg.sop_classes)}) and the IOD each uses, "
            f"from {_sources_text(reg, ('PS3.4', 'PS3.6'))}."
        ),
        sop_classes=[
            {
                **_fields(s),
                "keyword": uid_kw.get(s.uid) or uid_keyword(s.name),
                "retired": uid_retired.get(s.uid, "retired" in s.name.lower()),
            }
            for s in reg.sop_classes
        ],
    )
    out["commands.py"] = render(
        "commands.py.j2",
        doc=f"DIMSE command fields and statuses, from {_sources_text(reg, ('PS3.7',))}.",
        commands=[
            {"member": command_member(c.name), "code": c.code, "doc": f"{c.name} ({c.code:#06x})."}
            for c in sorted(reg.command_fields, key=lambda c: (c.code, c.name))
        ],
        statuses=list(reg.statuses),
        elements=[e for e in element_views(reg)[0] if e.tag >> 16 == 0x0000],
        fields=command_set_fields(reg),
    )
    out["value_representations.py"] = render(
        "value_representations.py.j2",
        doc=f"Value Representations ({len(reg.vrs)}), from {_sources_text(reg, ('PS3.5',))}.",
        vrs=list(reg.vrs),
    )
    return out


# Python types of command element values by VR: (what a property returns, what it accepts).
_COMMAND_TYPES = {
    "US": ("int", "int"),
    "UL": ("int", "int"),
    "UI": ("str", "str"),
    "AE": ("str", "str"),
    "LO": ("str", "str"),
    "SH": ("str", "str"),
    "CS": ("str", "str"),
    "AT": ("tuple[int, ...]", "int | tuple[int, ...]"),
}


def command_set_fields(reg: Any) -> list[dict[str, Any]]:
    """The typed fields of the generated ``CommandSet``: every current (not retired) command
    element of PS3.7 Table E.1-1 (Command Group Length is read back as decoded; when encoding,
    the codec computes it). A VR without a Python mapping is a generation error, never a silent ``Any``.
    """
    out = []
    for e in element_views(reg)[0]:
        if e.tag >> 16 != 0x0000 or e.retired:
            continue
        vr = e.vrs[0] if len(e.vrs) == 1 else ""
        if vr not in _COMMAND_TYPES:
            raise ValueError(f"command element {e.keyword}: no Python type for VR {e.vrs}")
        returns, accepts = _COMMAND_TYPES[vr]
        tag = f"({e.tag >> 16:04X},{e.tag & 0xFFFF:04X})"
        out.append(
            {
                "tag": e.tag,
                "keyword": e.keyword,
                "returns": returns,
                "accepts": accepts,
                "doc": f"{e.name} {tag}, VR {vr}, VM {e.vm} (PS3.7 Table E.1-1).",
            }
        )
    return out


def _fields(rec: Any) -> dict[str, Any]:
    import attrs

    return {f.name: getattr(rec, f.name) for f in attrs.fields(type(rec)) if f.name != "source"}
