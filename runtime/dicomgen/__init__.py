"""dicomgen: a DICOM toolkit whose typed classes are generated from the standard.

The package imports nothing heavy at import time; the public names below load on
first use and are visible to type checkers through the ``TYPE_CHECKING`` block. It also wires
the layers: the services core calls in higher layers are loaded from here on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from functools import partial
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
    "generate_uid": "dicomgen.core.uid_generator:generate_uid",
    "read": "dicomgen.media.part10:read",
    "write": "dicomgen.media.part10:write",
}

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset
    from dicomgen.core.element import DataElement
    from dicomgen.core.errors import DicomError
    from dicomgen.core.tag import Tag
    from dicomgen.core.uid import UID
    from dicomgen.core.uid_generator import generate_uid
    from dicomgen.core.values.person_name import PersonName
    from dicomgen.media.part10 import FileMeta, read, write


def _lazy_names(
    package: str, namespace: dict[str, Any], table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) of a package whose public names are ``table``
    (``{"Name": "module.path:attribute"}``), each imported on first use (PEP 562); the package
    also imports them under ``TYPE_CHECKING`` so type checkers see the real objects. Shared by
    the packages of dicomgen; it lives here so that ``import dicomgen`` imports nothing else."""

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attr = target.partition(":")
        value = getattr(importlib.import_module(module_name), attr)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *table])

    return __getattr__, __dir__


__getattr__: Callable[[str], Any]
__dir__: Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(__name__, globals(), _LAZY)


def _wire_services() -> None:
    """Give each service core calls in a higher layer (:mod:`dicomgen.core.services`) the
    import of the module that registers it, done on the service's first use."""
    from dicomgen.core import services

    providers: tuple[tuple[services.ServiceName, str], ...] = (
        ("decode_value", "dicomgen.encoding.values"),
        ("validate_value", "dicomgen.encoding.values"),
        ("read_file", "dicomgen.media.part10"),
        ("write_file", "dicomgen.media.part10"),
        ("deidentify", "dicomgen.deid.typed"),
        ("sr_findings", "dicomgen.sr.iod_checks"),
    )
    for name, module in providers:
        services.set_loader(name, partial(importlib.import_module, module))


_wire_services()

__all__ = sorted(_LAZY)
