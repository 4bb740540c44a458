"""DICOM networking: Upper Layer (PS3.8), associations and DIMSE (PS3.7).

Public API: :class:`AE` (requestor and acceptor), :class:`Timeouts`, :class:`Association`,
the PDU records in :mod:`dicomgen.net.pdu`, DIMSE in :mod:`dicomgen.net.dimse`. Names load
on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dicomgen import _lazy_names

_LAZY = {
    "AE": "dicomgen.net.ae:AE",
    "Association": "dicomgen.net.association:Association",
    "Server": "dicomgen.net.server:Server",
    "Timeouts": "dicomgen.net.ae:Timeouts",
    "IMPLEMENTATION_CLASS_UID": "dicomgen.net.ae:IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME": "dicomgen.net.ae:IMPLEMENTATION_VERSION_NAME",
    "VERIFICATION_SOP_CLASS": "dicomgen.net.contexts:VERIFICATION_SOP_CLASS",
    "DEFAULT_TRANSFER_SYNTAXES": "dicomgen.net.contexts:DEFAULT_TRANSFER_SYNTAXES",
    "PresentationContext": "dicomgen.net.contexts:PresentationContext",
}


if TYPE_CHECKING:
    from dicomgen.net.ae import (
        AE,
        IMPLEMENTATION_CLASS_UID,
        IMPLEMENTATION_VERSION_NAME,
        Timeouts,
    )
    from dicomgen.net.association import Association
    from dicomgen.net.contexts import (
        DEFAULT_TRANSFER_SYNTAXES,
        VERIFICATION_SOP_CLASS,
        PresentationContext,
    )
    from dicomgen.net.server import Server


__getattr__: Callable[[str], Any]
__dir__: Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "AE",
    "Association",
    "DEFAULT_TRANSFER_SYNTAXES",
    "IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME",
    "PresentationContext",
    "Server",
    "Timeouts",
    "VERIFICATION_SOP_CLASS",
]
