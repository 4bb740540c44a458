"""A-ASSOCIATE-RQ, -AC and -RJ PDUs (PS3.8 9.3.2, 9.3.3, 9.3.4)."""

from __future__ import annotations

import enum
import struct
from typing import Any, ClassVar

import attrs

from dicomgen.core.errors import PDUError

from ._wire import AbortReason, Cursor, ascii_bytes
from .items import (
    DICOM_APPLICATION_CONTEXT,
    ApplicationContextItem,
    ItemType,
    PresentationContextACItem,
    PresentationContextRQItem,
    UnknownSubItem,
    UserInformationItem,
    iter_items,
)

PROTOCOL_VERSION = 0x0001  # bit 0: version 1 of the DICOM UL protocol (PS3.8 Table 9-11)


class PDUType(enum.IntEnum):
    """PDU-type codes (PS3.8 Tables 9-11, 9-17, 9-21, 9-22, 9-24, 9-25, 9-26)."""

    A_ASSOCIATE_RQ = 0x01
    A_ASSOCIATE_AC = 0x02
    A_ASSOCIATE_RJ = 0x03
    P_DATA_TF = 0x04
    A_RELEASE_RQ = 0x05
    A_RELEASE_RP = 0x06
    A_ABORT = 0x07


class RejectResult(enum.IntEnum):
    """Result of an A-ASSOCIATE-RJ (PS3.8 Table 9-21)."""

    REJECTED_PERMANENT = 1
    REJECTED_TRANSIENT = 2


class RejectSource(enum.IntEnum):
    """Source of an A-ASSOCIATE-RJ (PS3.8 Table 9-21)."""

    SERVICE_USER = 1
    SERVICE_PROVIDER_ACSE = 2
    SERVICE_PROVIDER_PRESENTATION = 3


class RejectReasonUser(enum.IntEnum):
    """Reason/Diag. when the source is the DICOM UL service-user (PS3.8 Table 9-21)."""

    NO_REASON_GIVEN = 1
    APPLICATION_CONTEXT_NAME_NOT_SUPPORTED = 2
    CALLING_AE_TITLE_NOT_RECOGNIZED = 3
    CALLED_AE_TITLE_NOT_RECOGNIZED = 7


class RejectReasonACSE(enum.IntEnum):
    """Reason/Diag. when the source is the service-provider (ACSE related function)."""

    NO_REASON_GIVEN = 1
    PROTOCOL_VERSION_NOT_SUPPORTED = 2


class RejectReasonPresentation(enum.IntEnum):
    """Reason/Diag. when the source is the service-provider (Presentation related function)."""

    TEMPORARY_CONGESTION = 1
    LOCAL_LIMIT_EXCEEDED = 2


def _ae_field(title: str, field: str) -> bytes:
    raw = ascii_bytes(title, field)
    if len(raw) > 16:
        raise PDUError(f"{field} longer than 16 characters: {title!r}")
    return raw.ljust(16, b" ")


def _decode_ae(raw: bytes) -> str:
    # leading and trailing spaces are non-significant (PS3.8 Table 9-11)
    return raw.decode("ascii", errors="replace").strip(" \0")


class _AssociateBase:
    """Common layout of the A-ASSOCIATE-RQ and -AC PDUs (PS3.8 Tables 9-11 and 9-17)."""

    pdu_type: ClassVar[int]
    called_ae_title: str
    calling_ae_title: str
    presentation_contexts: tuple[PresentationContextRQItem | PresentationContextACItem, ...]
    user_information: UserInformationItem
    application_context: str
    protocol_version: int
    unknown_items: tuple[UnknownSubItem, ...]

    def encode(self) -> bytes:
        body = struct.pack(">HH", self.protocol_version, 0)
        body += _ae_field(self.called_ae_title, "called AE title")
        body += _ae_field(self.calling_ae_title, "calling AE title")
        body += bytes(32)
        body += ApplicationContextItem(self.application_context).encode()
        body += b"".join(pc.encode() for pc in self.presentation_contexts)
        body += self.user_information.encode()
        body += b"".join(u.encode() for u in self.unknown_items)
        return struct.pack(">BBI", self.pdu_type, 0, len(body)) + body

    @classmethod
    def _decode(cls: Any, cur: Cursor, context_cls: Any, context_type: int) -> Any:
        version = cur.u16("protocol-version")
        cur.skip(2, "reserved")
        called = _decode_ae(cur.take(16, "called-AE-title"))
        calling = _decode_ae(cur.take(16, "calling-AE-title"))
        cur.skip(32, "reserved")
        app: str | None = None
        contexts = []
        user: UserInformationItem | None = None
        unknown = []
        for item_type, reserved, sub in iter_items(cur, "variable item"):
            if item_type == ItemType.APPLICATION_CONTEXT:
                app = ApplicationContextItem.decode(sub).name
            elif item_type == context_type:
                contexts.append(context_cls.decode(sub))
            elif item_type == ItemType.USER_INFORMATION:
                user = UserInformationItem.decode(sub)
            elif item_type in (
                ItemType.PRESENTATION_CONTEXT_RQ,
                ItemType.PRESENTATION_CONTEXT_AC,
                ItemType.ABSTRACT_SYNTAX,
                ItemType.TRANSFER_SYNTAX,
            ):
                raise PDUError(
                    f"item 0x{item_type:02X} is not allowed in a {cls.__name__} PDU",
                    offset=sub.pos - 4,
                    reason=AbortReason.UNEXPECTED_PDU_PARAMETER,
                )
            else:
                unknown.append(
                    UnknownSubItem(item_type, sub.take(sub.remaining, "value"), reserved)
                )
        if app is None:
            raise PDUError(
                f"{cls.__name__} PDU has no application context item",
                offset=6,
                reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
            )
        return cls(
            called_ae_title=called,
            calling_ae_title=calling,
            presentation_contexts=tuple(contexts),
            user_information=user if user is not None else UserInformationItem(),
            application_context=app,
            protocol_version=version,
            unknown_items=tuple(unknown),
        )


@attrs.frozen
class AssociateRQ(_AssociateBase):
    """A-ASSOCIATE-RQ PDU, type 01H (PS3.8 9.3.2, Table 9-11)."""

    pdu_type: ClassVar[int] = PDUType.A_ASSOCIATE_RQ
    called_ae_title: str
    calling_ae_title: str
    presentation_contexts: tuple[PresentationContextRQItem, ...] = attrs.field(
        default=(), converter=tuple
    )
    user_information: UserInformationItem = attrs.field(factory=UserInformationItem)
    application_context: str = DICOM_APPLICATION_CONTEXT
    protocol_version: int = PROTOCOL_VERSION
    #: items of types not defined for this PDU, kept verbatim (nothing lost)
    unknown_items: tuple[UnknownSubItem, ...] = attrs.field(default=(), converter=tuple)

    @classmethod
    def decode_body(cls, cur: Cursor) -> AssociateRQ:
        return cls._decode(cur, PresentationContextRQItem, ItemType.PRESENTATION_CONTEXT_RQ)


@attrs.frozen
class AssociateAC(_AssociateBase):
    """A-ASSOCIATE-AC PDU, type 02H (PS3.8 9.3.3, Table 9-17).

    The AE title fields are reserved: sent with the values of the RQ, not tested on receipt.
    """

    pdu_type: ClassVar[int] = PDUType.A_ASSOCIATE_AC
    called_ae_title: str
    calling_ae_title: str
    presentation_contexts: tuple[PresentationContextACItem, ...] = attrs.field(
        default=(), converter=tuple
    )
    user_information: UserInformationItem = attrs.field(factory=UserInformationItem)
    application_context: str = DICOM_APPLICATION_CONTEXT
    protocol_version: int = PROTOCOL_VERSION
    #: items of types not defined for this PDU, kept verbatim (nothing lost)
    unknown_items: tuple[UnknownSubItem, ...] = attrs.field(default=(), converter=tuple)

    @classmethod
    def decode_body(cls, cur: Cursor) -> AssociateAC:
        return cls._decode(cur, PresentationContextACItem, ItemType.PRESENTATION_CONTEXT_AC)


@attrs.frozen
class AssociateRJ:
    """A-ASSOCIATE-RJ PDU, type 03H (PS3.8 9.3.4, Table 9-21)."""

    pdu_type: ClassVar[int] = PDUType.A_ASSOCIATE_RJ
    result: int
    source: int
    reason: int

    def encode(self) -> bytes:
        return struct.pack(
            ">BBIBBBB", self.pdu_type, 0, 4, 0, self.result, self.source, self.reason
        )

    @classmethod
    def decode_body(cls, cur: Cursor) -> AssociateRJ:
        cur.skip(1, "reserved")
        return cls(cur.u8("result"), cur.u8("source"), cur.u8("reason/diag."))

    def describe(self) -> str:
        """``"rejected-permanent, service-user: calling AE title not recognized"``."""
        result = _enum_name(RejectResult, self.result)
        source = _enum_name(RejectSource, self.source)
        by_source: dict[int, type[enum.IntEnum]] = {
            RejectSource.SERVICE_USER: RejectReasonUser,
            RejectSource.SERVICE_PROVIDER_ACSE: RejectReasonACSE,
            RejectSource.SERVICE_PROVIDER_PRESENTATION: RejectReasonPresentation,
        }
        reasons = by_source.get(self.source, RejectReasonUser)
        return f"{result}, {source}: {_enum_name(reasons, self.reason)}"


def _enum_name(kind: type[enum.IntEnum], value: int) -> str:
    try:
        return kind(value).name.lower().replace("_", " ")
    except ValueError:
        return f"unknown ({value})"
