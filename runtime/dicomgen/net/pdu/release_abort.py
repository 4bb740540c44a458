"""A-RELEASE-RQ, A-RELEASE-RP and A-ABORT PDUs (PS3.8 9.3.6, 9.3.7, 9.3.8)."""

from __future__ import annotations

import enum
import struct
from typing import ClassVar

import attrs

from ._wire import AbortReason, Cursor
from .associate import PDUType


class AbortSource(enum.IntEnum):
    """Source of an A-ABORT PDU (PS3.8 Table 9-26)."""

    SERVICE_USER = 0
    RESERVED = 1
    SERVICE_PROVIDER = 2


@attrs.frozen
class ReleaseRQ:
    """A-RELEASE-RQ PDU, type 05H (PS3.8 Table 9-24)."""

    pdu_type: ClassVar[int] = PDUType.A_RELEASE_RQ

    def encode(self) -> bytes:
        return struct.pack(">BBII", self.pdu_type, 0, 4, 0)

    @classmethod
    def decode_body(cls, cur: Cursor) -> ReleaseRQ:
        cur.skip(4, "reserved")
        return cls()


@attrs.frozen
class ReleaseRP:
    """A-RELEASE-RP PDU, type 06H (PS3.8 Table 9-25)."""

    pdu_type: ClassVar[int] = PDUType.A_RELEASE_RP

    def encode(self) -> bytes:
        return struct.pack(">BBII", self.pdu_type, 0, 4, 0)

    @classmethod
    def decode_body(cls, cur: Cursor) -> ReleaseRP:
        cur.skip(4, "reserved")
        return cls()


@attrs.frozen
class Abort:
    """A-ABORT PDU, type 07H (PS3.8 Table 9-26).

    The reason is significant only when the source is the service-provider (2); it is 0
    otherwise.
    """

    source: int = AbortSource.SERVICE_USER
    reason: int = AbortReason.NOT_SPECIFIED
    pdu_type: ClassVar[int] = PDUType.A_ABORT

    def encode(self) -> bytes:
        return struct.pack(">BBIBBBB", self.pdu_type, 0, 4, 0, 0, self.source, self.reason)

    @classmethod
    def decode_body(cls, cur: Cursor) -> Abort:
        cur.skip(2, "reserved")
        return cls(cur.u8("source"), cur.u8("reason/diag."))

    def describe(self) -> str:
        try:
            source = AbortSource(self.source).name.lower().replace("_", "-")
        except ValueError:
            source = f"unknown source {self.source}"
        if self.source != AbortSource.SERVICE_PROVIDER:
            return source
        try:
            reason = AbortReason(self.reason).name.lower().replace("_", "-")
        except ValueError:
            reason = f"unknown reason {self.reason}"
        return f"{source}: {reason}"
