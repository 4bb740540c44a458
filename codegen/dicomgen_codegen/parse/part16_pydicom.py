"""PS3.16 front-end: the context group codes pydicom ships (``pydicom.sr``, PS3.16 2024c).

``pydicom.sr._cid_dict`` maps each CID to its name and, per coding scheme, the keywords of
its codes; ``pydicom.sr._concepts_dict`` maps scheme -> keyword -> {code value: (meaning,
CIDs)}. A code belongs to a CID when the CID is in its list. pydicom gives no titles, UIDs,
versions or extensibility (left empty / None).
"""

from __future__ import annotations

import importlib

from dicomgen.core.errors import GenerationError

from ..ir.part16 import CodeRecord, ContextGroupRecord, Origin

EDITION = "2024c"


def parse_context_groups(
    edition: str = EDITION, skipped: list[str] | None = None
) -> list[ContextGroupRecord]:
    """The context groups; a code without a code value cannot be used and is left out
    (named in ``skipped``)."""
    try:
        cids = importlib.import_module("pydicom.sr._cid_dict")
        concepts = importlib.import_module("pydicom.sr._concepts_dict").concepts
    except ImportError as exc:
        raise GenerationError(f"pydicom's PS3.16 tables are not importable: {exc}") from None
    out = []
    for cid, by_scheme in sorted(cids.cid_concepts.items()):
        codes: list[CodeRecord] = []
        seen: set[tuple[str, str]] = set()
        for scheme, keywords in by_scheme.items():
            for keyword in keywords:
                for value, (meaning, in_cids) in concepts[scheme][keyword].items():
                    if cid in in_cids and not value and skipped is not None:
                        skipped.append(f"CID {cid}: code without value {scheme} {meaning!r}")
                    if cid in in_cids and value and (scheme, value) not in seen:
                        seen.add((scheme, value))
                        codes.append(CodeRecord(scheme, value, meaning))
        out.append(
            ContextGroupRecord(
                cid=str(cid),
                name=cids.name_for_cid[cid],
                version="",
                uid="",
                extensible=None,
                codes=tuple(codes),
                origin=Origin("pydicom", edition, f"CID {cid}"),
            )
        )
    return out
