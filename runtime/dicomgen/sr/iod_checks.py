"""The SR content checks of :mod:`.validate` as findings of an IOD validation
(:func:`dicomgen.core.validation.validate_dataset`): an SR document's ``validate()`` and
``dicomgen validate`` report the Content Item value checks, the SR IOD's relationship content
constraints and the conformance to the template the document claims with the module checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dicomgen.core import services
from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DicomError

from .tree_io import VALUE_TYPE, read_tree
from .validate import Finding as SRFinding
from .validate import check_items, check_relationships, check_template, iod_of_sop_class

if TYPE_CHECKING:
    from dicomgen.core.validation import Finding

MODULE = "SR Document Content"
CONTENT_ITEM = "PS3.3 C.17.3.2 (Content Item macro, by value)"
SOP_CLASS_UID = 0x00080016


def sr_findings(ds: Dataset, iod_title: str) -> list[Finding]:
    """The SR content findings of the SR document ``ds`` validated as ``iod_title``."""
    from dicomgen.core.validation import ERROR, INFO
    from dicomgen.core.validation import Finding as IODFinding

    try:
        root = read_tree(ds)
    except DicomError as e:
        return [
            IODFinding(ERROR, "sr-content", iod_title, MODULE, "", VALUE_TYPE, str(e), CONTENT_ITEM)
        ]
    # the value elements a by-value item lacks are Type 1C findings of the module walk
    out = [_finding(f, iod_title, CONTENT_ITEM) for f in check_items(root, elements=False)]
    sop = ds.get_value(SOP_CLASS_UID)
    iod = iod_of_sop_class(str(sop)) if sop else None
    if iod is None:
        out.append(
            IODFinding(
                INFO,
                "sr-relationship-not-checked",
                iod_title,
                MODULE,
                "",
                SOP_CLASS_UID,
                f"no relationship content constraints for SOP Class {sop or '(absent)'}",
                "PS3.3 A.35 (Relationship Content Constraints)",
            )
        )
    else:
        where = f"PS3.3 A.35 {iod} Relationship Content Constraints"
        out += [_finding(f, iod_title, where) for f in check_relationships(root, str(sop))]
    tid = root.template
    if tid:
        out += [_finding(f, iod_title, f"PS3.16 TID {tid}") for f in check_template(root)]
    return out


def _finding(f: SRFinding, iod_title: str, standard: str) -> Finding:
    from dicomgen.core.validation import Finding as IODFinding

    rule = "sr-" + f.rule.replace(" ", "-") + ("-not-checked" if f.severity == "info" else "")
    path = f"content item {f.path}"
    return IODFinding(f.severity, rule, iod_title, MODULE, path, None, f.message, standard)


services.register("sr_findings", sr_findings)
