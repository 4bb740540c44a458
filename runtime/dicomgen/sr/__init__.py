"""Structured reporting: codes, typed content items, content trees, templates, validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dicomgen import _lazy_names

_LAZY: dict[str, str] = {
    "Code": "dicomgen.sr.codes:Code",
    "Graphic": "dicomgen.sr.template:Graphic",
    "Quantity": "dicomgen.sr.template:Quantity",
    "Reference": "dicomgen.sr.template:Reference",
    "TemporalRange": "dicomgen.sr.template:TemporalRange",
    "dump_tree": "dicomgen.sr.dump:dump_tree",
    "read_tree": "dicomgen.sr.tree_io:read_tree",
    "validate_sr": "dicomgen.sr.validate:validate_sr",
    "write_tree": "dicomgen.sr.tree_io:write_tree",
}

if TYPE_CHECKING:
    from dicomgen.sr.codes import Code
    from dicomgen.sr.dump import dump_tree
    from dicomgen.sr.template import Graphic, Quantity, Reference, TemporalRange
    from dicomgen.sr.tree_io import read_tree, write_tree
    from dicomgen.sr.validate import validate_sr

__getattr__, __dir__ = _lazy_names(__name__, globals(), _LAZY)
__all__ = sorted(_LAZY)
