"""Structured reporting: codes, typed content items, content trees, templates, SR documents
as typed IOD objects, validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dicomgen import _lazy_names

_LAZY: dict[str, str] = {
    "Code": "dicomgen.sr.codes:Code",
    "Graphic": "dicomgen.sr.template:Graphic",
    "Quantity": "dicomgen.sr.template:Quantity",
    "Reference": "dicomgen.sr.template:Reference",
    "SRContent": "dicomgen.sr.document:SRContent",
    "content_tree": "dicomgen.sr.document:content_tree",
    "sr_content": "dicomgen.sr.document:sr_content",
    "sr_evidence": "dicomgen.sr.document:sr_evidence",
    "with_content": "dicomgen.sr.document:with_content",
    "TemporalRange": "dicomgen.sr.template:TemporalRange",
    "dump_tree": "dicomgen.sr.dump:dump_tree",
    "read_tree": "dicomgen.sr.tree_io:read_tree",
    "validate_sr": "dicomgen.sr.validate:validate_sr",
    "write_tree": "dicomgen.sr.tree_io:write_tree",
}

if TYPE_CHECKING:
    from dicomgen.sr.codes import Code
    from dicomgen.sr.document import (
        SRContent,
        content_tree,
        sr_content,
        sr_evidence,
        with_content,
    )
    from dicomgen.sr.dump import dump_tree
    from dicomgen.sr.template import Graphic, Quantity, Reference, TemporalRange
    from dicomgen.sr.tree_io import read_tree, write_tree
    from dicomgen.sr.validate import validate_sr

__getattr__: Callable[[str], Any]
__dir__: Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(__name__, globals(), _LAZY)
__all__ = sorted(_LAZY)
