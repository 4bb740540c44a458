"""DIMSE codes: command fields (PS3.7 E.1), status classes (PS3.7 Annex C), priorities.

The command field codes are PS3.7's (each message's "shall be set to xxxxH" in sections 9.3
and 10.3); ``tests/runtime/net/test_dimse_fields.py`` checks them against part07.xml and, once it
is generated, against ``dicomgen_std.commands``.
"""

from __future__ import annotations

import enum


class CommandField(enum.IntEnum):
    """Command Field (0000,0100) values (PS3.7 sections 9.3 and 10.3)."""

    C_STORE_RQ = 0x0001
    C_STORE_RSP = 0x8001
    C_GET_RQ = 0x0010
    C_GET_RSP = 0x8010
    C_FIND_RQ = 0x0020
    C_FIND_RSP = 0x8020
    C_MOVE_RQ = 0x0021
    C_MOVE_RSP = 0x8021
    C_ECHO_RQ = 0x0030
    C_ECHO_RSP = 0x8030
    N_EVENT_REPORT_RQ = 0x0100
    N_EVENT_REPORT_RSP = 0x8100
    N_GET_RQ = 0x0110
    N_GET_RSP = 0x8110
    N_SET_RQ = 0x0120
    N_SET_RSP = 0x8120
    N_ACTION_RQ = 0x0130
    N_ACTION_RSP = 0x8130
    N_CREATE_RQ = 0x0140
    N_CREATE_RSP = 0x8140
    N_DELETE_RQ = 0x0150
    N_DELETE_RSP = 0x8150
    C_CANCEL_RQ = 0x0FFF

    @property
    def is_response(self) -> bool:
        return bool(self & 0x8000)

    @property
    def label(self) -> str:
        """``"C-ECHO-RQ"``: the message name of PS3.7."""
        return self.name.replace("_", "-")


#: Command Data Set Type (0000,0800): 0101H means no data set; any other value, one follows.
NO_DATASET = 0x0101
DATASET_PRESENT = 0x0001


class Priority(enum.IntEnum):
    """Priority (0000,0700) (PS3.7 E.1-1)."""

    MEDIUM = 0x0000
    HIGH = 0x0001
    LOW = 0x0002


class StatusClass(enum.Enum):
    """Status classes of PS3.7 Annex C."""

    SUCCESS = "Success"
    WARNING = "Warning"
    FAILURE = "Failure"
    CANCEL = "Cancel"
    PENDING = "Pending"


def status_class(code: int) -> StatusClass:
    """The class of a Status (0000,0900) code by PS3.7 Annex C's convention.

    Success 0000; Warning 0001, Bxxx, 0107, 0116; Failure Axxx, Cxxx, 01xx (except 0107
    and 0116), 02xx; Cancel FE00; Pending FF00, FF01. Codes outside the convention are
    treated as failures (PS3.7 Annex C: implementations shall not use other values).
    """
    if code == 0x0000:
        return StatusClass.SUCCESS
    if code in (0x0001, 0x0107, 0x0116) or code & 0xF000 == 0xB000:
        return StatusClass.WARNING
    if code == 0xFE00:
        return StatusClass.CANCEL
    if code in (0xFF00, 0xFF01):
        return StatusClass.PENDING
    return StatusClass.FAILURE


class Status(enum.IntEnum):
    """General DIMSE statuses used by this layer (PS3.7 Annex C and 9.1.5.1.4)."""

    SUCCESS = 0x0000
    REFUSED_SOP_CLASS_NOT_SUPPORTED = 0x0122
    DUPLICATE_INVOCATION = 0x0210
    UNRECOGNIZED_OPERATION = 0x0211
    MISTYPED_ARGUMENT = 0x0212
    PROCESSING_FAILURE = 0x0110
    CANCEL = 0xFE00
    PENDING = 0xFF00
