"""DIMSE (PS3.7): command sets, messages over P-DATA, and the services that plug in.

The SCP side of each service is a :class:`~.service.ServiceProvider`; the built-in ones
(C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET, DIMSE-N) are the table
:func:`~.providers.standard_services` builds, which an AE is configured with. Importing
this package registers nothing. (``import dicomgen`` does not import this package;
``dicomgen.net`` loads it on first use of a networking name.)
"""

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
from .service import DimseEvent, ServiceProvider

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
    "ServiceProvider",
    "Status",
    "StatusClass",
    "decode_command",
    "encode_command",
    "fragment",
    "status_class",
]
