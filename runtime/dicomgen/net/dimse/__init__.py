"""DIMSE (PS3.7): command sets, messages over P-DATA, and the services that plug in.

Importing this package registers the built-in services (C-ECHO, C-STORE).
"""

from . import echo as _echo  # noqa: F401  (registers the Verification SCP)
from . import store as _store  # noqa: F401  (registers the Storage SCP, C-STORE)
from .command_set import COMMAND_ELEMENTS, CommandSet, decode_command, encode_command
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
    "COMMAND_ELEMENTS",
    "CommandField",
    "CommandSet",
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
