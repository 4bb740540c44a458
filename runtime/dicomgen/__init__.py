"""dicomgen: a DICOM toolkit whose typed classes are generated from the standard.

The package imports nothing heavy at import time; the public names below load on
first use and are visible to type checkers through the ``TYPE_CHECKING`` block.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> "module:attribute" (sorted)
_LAZY: dict[str, str] = {
    "DataElement": "dicomgen.core.element:DataElement",
    "Dataset": "dicomgen.core.dataset:Dataset",
    "DicomError": "dicomgen.core.errors:DicomError",
    "FileMeta": "dicomgen.media.part10:FileMeta",
    "PersonName": "dicomgen.core.values.person_name:PersonName",
    "Tag": "dicomgen.core.tag:Tag",
    "UID": "dicomgen.core.uid:UID",
    "read": "dicomgen.media.part10:read",
    "write": "dicomgen.media.part10:write",
}

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement
    from dicomgen.core.errors import DicomError
    from dicomgen.core.tag import Tag
    from dicomgen.core.uid import UID
    from dicomgen.core.values.person_name import PersonName
    from dicomgen.media.part10 import FileMeta, read, write


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'dicomgen' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
