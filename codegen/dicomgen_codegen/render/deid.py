"""Rendering of ``dicomgen_std/deid_profile.py`` from the PS3.15 Annex E IR."""

from __future__ import annotations

import re

from ..ir.deid import Part15Result
from .env import render


def action_member(action: str) -> str:
    """``"X/Z/U*"`` -> ``"X_Z_U"``: the enum member name of an action."""
    return re.sub(r"[^A-Z]+", "_", action).strip("_")


def render_deid_profile(p15: Part15Result) -> str:
    actions = sorted(
        {r.basic for r in p15.attributes} | {a for r in p15.attributes for _, a in r.options}
    )
    sources = sorted({(o.source.part, o.source.edition) for o in p15.options if o.source})
    codes = ", ".join(f"{p} {e}" for p, e in sources)
    doc = (
        f"De-identification profile of {p15.part} {p15.edition} Annex E: Table E.1-1 "
        f"({len(p15.attributes)} rows, the action of the Basic Application Level "
        f"Confidentiality Profile and of each option), Table E.3.10-1 "
        f"({len(p15.safe_private)} safe private attributes), and the profile and options "
        f"of E.3 with their CID 7050 codes (from {codes})."
    )
    return render(
        "deid_profile.py.j2",
        doc=doc,
        edition=p15.edition,
        actions=[{"member": action_member(a), "value": a} for a in actions],
        options=list(p15.options),
        rows=[
            {
                "rec": r,
                "basic": action_member(r.basic),
                "options": [(k, action_member(a)) for k, a in r.options],
                "row": r.source.row if r.source and r.source.row is not None else 0,
            }
            for r in p15.attributes
        ],
        safe=list(p15.safe_private),
    )
