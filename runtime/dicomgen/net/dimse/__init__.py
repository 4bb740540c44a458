"""DIMSE (PS3.7): command sets, messages over P-DATA, and the services that plug in.

Importing this package registers every built-in service provider in
:data:`~dicomgen.net.dimse.service.SCP_SERVICES`: C-ECHO (PS3.7 9.1.5), C-STORE (9.1.1),
C-FIND (9.1.2), C-MOVE (9.1.4), C-GET (9.1.3), the DIMSE-N services (10.1) and the
C-CANCEL routing (9.3.2.3), so a server given ``{"C-FIND": fn}`` answers C-FIND without any
further import. (``import dicomgen`` does not import this package; ``dicomgen.net`` loads it
on first use of a networking name.)
"""

# Registration order matters only for import cycles: every service module imports
# ``command_set``/``fields``/``message``/``service`` (never the association) at module level.
from . import cancel as _cancel
from . import echo as _echo
from . import find as _find
from . import get as _get
from . import move as _move
from . import normalized as _normalized
from . import store as _store
from .command_set import CommandSetBase, command_set_class, decode_command, encode_command
from .fields import (
    DATASET_PRESENT,
    NO_DATASET,
    CommandField,
    Priority,
    Status,
    StatusClass,
    status_class,
)
from .message import DimseMessage, MessageAssembler, fragment
from .service import SCP_SERVICES, DimseEvent, register_service

__all__ = [
    "CommandSetBase",
    "command_set_class",
    "CommandField",
    "DATASET_PRESENT",
    "DimseEvent",
    "DimseMessage",
    "MessageAssembler",
    "NO_DATASET",
    "Priority",
    "SCP_SERVICES",
    "Status",
    "StatusClass",
    "decode_command",
    "encode_command",
    "fragment",
    "register_service",
    "status_class",
]
