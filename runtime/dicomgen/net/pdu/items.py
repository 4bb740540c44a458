"""Items and sub-items of the A-ASSOCIATE PDUs (PS3.8 9.3.2, 9.3.3, Annex D; PS3.7 Annex D.3.3).

Each item is a frozen attrs record with ``encode() -> bytes`` (header included) and a decoder
registered by item type. Unknown user-information sub-items are kept as :class:`UnknownSubItem`
so that nothing received is lost.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable, Iterator
from typing import Union

import attrs

from dicomgen.core.errors import PDUError

from ._wire import AbortReason, Cursor, ascii_bytes, item_header, text_field

#: The only application context name of DICOM (PS3.7 Annex A.2.1).
DICOM_APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"


class ItemType(enum.IntEnum):
    """Item-type codes (PS3.8 Tables 9-12..9-20, D.1-1; PS3.7 Tables D.3-1..D.3-15)."""

    APPLICATION_CONTEXT = 0x10
    PRESENTATION_CONTEXT_RQ = 0x20
    PRESENTATION_CONTEXT_AC = 0x21
    ABSTRACT_SYNTAX = 0x30
    TRANSFER_SYNTAX = 0x40
    USER_INFORMATION = 0x50
    MAXIMUM_LENGTH = 0x51
    IMPLEMENTATION_CLASS_UID = 0x52
    ASYNC_OPERATIONS_WINDOW = 0x53
    ROLE_SELECTION = 0x54
    IMPLEMENTATION_VERSION_NAME = 0x55
    SOP_CLASS_EXTENDED_NEGOTIATION = 0x56
    SOP_CLASS_COMMON_EXTENDED_NEGOTIATION = 0x57
    USER_IDENTITY_RQ = 0x58
    USER_IDENTITY_AC = 0x59


class PresentationContextResult(enum.IntEnum):
    """Result/Reason of a presentation context in the A-ASSOCIATE-AC (PS3.8 Table 9-18)."""

    ACCEPTANCE = 0
    USER_REJECTION = 1
    NO_REASON = 2  # provider rejection
    ABSTRACT_SYNTAX_NOT_SUPPORTED = 3
    TRANSFER_SYNTAXES_NOT_SUPPORTED = 4


class UserIdentityType(enum.IntEnum):
    """User-Identity-Type of the user identity sub-item (PS3.7 Table D.3-14)."""

    USERNAME = 1
    USERNAME_AND_PASSCODE = 2
    KERBEROS = 3
    SAML = 4
    JWT = 5


def _uid_item(item_type: int, uid: str, field: str) -> bytes:
    raw = ascii_bytes(uid, field)
    return item_header(item_type, len(raw)) + raw


# --- 9.3.2.1 / 9.3.2.2 ---------------------------------------------------------------


@attrs.frozen
class ApplicationContextItem:
    """Application Context Item, type 10H (PS3.8 Table 9-12)."""

    name: str = DICOM_APPLICATION_CONTEXT

    def encode(self) -> bytes:
        return _uid_item(ItemType.APPLICATION_CONTEXT, self.name, "application context name")

    @classmethod
    def decode(cls, cur: Cursor) -> ApplicationContextItem:
        return cls(text_field(cur.take(cur.remaining, "application-context-name")))


@attrs.frozen
class AbstractSyntaxSubItem:
    """Abstract Syntax Sub-Item, type 30H (PS3.8 Table 9-14)."""

    name: str

    def encode(self) -> bytes:
        return _uid_item(ItemType.ABSTRACT_SYNTAX, self.name, "abstract syntax name")

    @classmethod
    def decode(cls, cur: Cursor) -> AbstractSyntaxSubItem:
        return cls(text_field(cur.take(cur.remaining, "abstract-syntax-name")))


@attrs.frozen
class TransferSyntaxSubItem:
    """Transfer Syntax Sub-Item, type 40H (PS3.8 Tables 9-15 and 9-19)."""

    name: str

    def encode(self) -> bytes:
        return _uid_item(ItemType.TRANSFER_SYNTAX, self.name, "transfer syntax name")

    @classmethod
    def decode(cls, cur: Cursor) -> TransferSyntaxSubItem:
        return cls(text_field(cur.take(cur.remaining, "transfer-syntax-name")))


@attrs.frozen
class PresentationContextRQItem:
    """Presentation Context Item of the A-ASSOCIATE-RQ, type 20H (PS3.8 Table 9-13).

    One abstract syntax and one or more transfer syntaxes, proposed under an odd ID 1..255.
    """

    context_id: int
    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...] = attrs.field(converter=tuple)

    def encode(self) -> bytes:
        body = struct.pack(">BBBB", self.context_id, 0, 0, 0)
        body += AbstractSyntaxSubItem(self.abstract_syntax).encode()
        body += b"".join(TransferSyntaxSubItem(ts).encode() for ts in self.transfer_syntaxes)
        return item_header(ItemType.PRESENTATION_CONTEXT_RQ, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> PresentationContextRQItem:
        start = cur.pos
        context_id = cur.u8("presentation-context-ID")
        cur.skip(3, "reserved")
        abstract: str | None = None
        transfer: list[str] = []
        for item_type, _reserved, sub in iter_items(cur, "presentation context sub-item"):
            if item_type == ItemType.ABSTRACT_SYNTAX:
                if abstract is not None:
                    raise PDUError(
                        "presentation context has more than one abstract syntax",
                        offset=sub.pos - 4,
                        reason=AbortReason.UNEXPECTED_PDU_PARAMETER,
                    )
                abstract = AbstractSyntaxSubItem.decode(sub).name
            elif item_type == ItemType.TRANSFER_SYNTAX:
                transfer.append(TransferSyntaxSubItem.decode(sub).name)
            else:
                raise PDUError(
                    f"unexpected sub-item 0x{item_type:02X} in a presentation context item",
                    offset=sub.pos - 4,
                    reason=AbortReason.UNEXPECTED_PDU_PARAMETER,
                )
        if abstract is None or not transfer:
            raise PDUError(
                f"presentation context {context_id} lacks an abstract or a transfer syntax",
                offset=start,
                reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
            )
        return cls(context_id, abstract, tuple(transfer))


@attrs.frozen
class PresentationContextACItem:
    """Presentation Context Item of the A-ASSOCIATE-AC, type 21H (PS3.8 Table 9-18).

    ``transfer_syntax`` is ``""`` when the sub-item is absent; PS3.8 says it is not
    significant unless ``result`` is acceptance, so any received value is kept as is.
    """

    context_id: int
    result: int
    transfer_syntax: str = ""

    @property
    def accepted(self) -> bool:
        return self.result == PresentationContextResult.ACCEPTANCE

    def encode(self) -> bytes:
        body = struct.pack(">BBBB", self.context_id, 0, self.result, 0)
        body += TransferSyntaxSubItem(self.transfer_syntax).encode()
        return item_header(ItemType.PRESENTATION_CONTEXT_AC, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> PresentationContextACItem:
        context_id = cur.u8("presentation-context-ID")
        cur.skip(1, "reserved")
        result = cur.u8("result/reason")
        cur.skip(1, "reserved")
        ts = ""
        for item_type, _reserved, sub in iter_items(cur, "presentation context sub-item"):
            if item_type != ItemType.TRANSFER_SYNTAX:
                raise PDUError(
                    f"unexpected sub-item 0x{item_type:02X} in an A-ASSOCIATE-AC presentation context",
                    offset=sub.pos - 4,
                    reason=AbortReason.UNEXPECTED_PDU_PARAMETER,
                )
            ts = TransferSyntaxSubItem.decode(sub).name
        return cls(context_id, result, ts)


# --- user information sub-items (PS3.8 Annex D.1, PS3.7 Annex D.3.3) ----------------------


@attrs.frozen
class MaximumLengthSubItem:
    """Maximum Length Sub-Item, type 51H (PS3.8 Tables D.1-1/D.1-2); 0 means no limit."""

    maximum_length: int

    def encode(self) -> bytes:
        return item_header(ItemType.MAXIMUM_LENGTH, 4) + struct.pack(">I", self.maximum_length)

    @classmethod
    def decode(cls, cur: Cursor) -> MaximumLengthSubItem:
        return cls(cur.u32("maximum-length-received"))


@attrs.frozen
class ImplementationClassUIDSubItem:
    """Implementation Class UID Sub-Item, type 52H (PS3.7 Tables D.3-1/D.3-2)."""

    uid: str

    def encode(self) -> bytes:
        return _uid_item(ItemType.IMPLEMENTATION_CLASS_UID, self.uid, "implementation class UID")

    @classmethod
    def decode(cls, cur: Cursor) -> ImplementationClassUIDSubItem:
        return cls(text_field(cur.take(cur.remaining, "implementation-class-uid")))


@attrs.frozen
class ImplementationVersionNameSubItem:
    """Implementation Version Name Sub-Item, type 55H (PS3.7 Tables D.3-3/D.3-4): 1..16 chars."""

    name: str

    def encode(self) -> bytes:
        raw = ascii_bytes(self.name, "implementation version name")
        if not 1 <= len(raw) <= 16:
            raise PDUError(f"implementation version name must be 1 to 16 characters: {self.name!r}")
        return item_header(ItemType.IMPLEMENTATION_VERSION_NAME, len(raw)) + raw

    @classmethod
    def decode(cls, cur: Cursor) -> ImplementationVersionNameSubItem:
        return cls(text_field(cur.take(cur.remaining, "implementation-version-name")))


@attrs.frozen
class AsyncOperationsWindowSubItem:
    """Asynchronous Operations Window Sub-Item, type 53H (PS3.7 Tables D.3-7/D.3-8); 0 = unlimited."""

    max_operations_invoked: int = 1
    max_operations_performed: int = 1

    def encode(self) -> bytes:
        return item_header(ItemType.ASYNC_OPERATIONS_WINDOW, 4) + struct.pack(
            ">HH", self.max_operations_invoked, self.max_operations_performed
        )

    @classmethod
    def decode(cls, cur: Cursor) -> AsyncOperationsWindowSubItem:
        return cls(
            cur.u16("maximum-number-operations-invoked"),
            cur.u16("maximum-number-operations-performed"),
        )


@attrs.frozen
class RoleSelectionSubItem:
    """SCP/SCU Role Selection Sub-Item, type 54H (PS3.7 Tables D.3-9/D.3-10).

    ``scu_role``/``scp_role``: 1 = the role is proposed (RQ) / accepted (AC), 0 = not.
    """

    sop_class_uid: str
    scu_role: int
    scp_role: int

    def encode(self) -> bytes:
        uid = ascii_bytes(self.sop_class_uid, "role selection SOP class UID")
        body = struct.pack(">H", len(uid)) + uid + bytes((self.scu_role, self.scp_role))
        return item_header(ItemType.ROLE_SELECTION, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> RoleSelectionSubItem:
        n = cur.u16("UID-length")
        uid = text_field(cur.take(n, "SOP-class-uid"))
        return cls(uid, cur.u8("SCU-role"), cur.u8("SCP-role"))


@attrs.frozen
class SOPClassExtendedNegotiationSubItem:
    """SOP Class Extended Negotiation Sub-Item, type 56H (PS3.7 Table D.3-11)."""

    sop_class_uid: str
    service_class_application_information: bytes = b""

    def encode(self) -> bytes:
        uid = ascii_bytes(self.sop_class_uid, "extended negotiation SOP class UID")
        body = struct.pack(">H", len(uid)) + uid + self.service_class_application_information
        return item_header(ItemType.SOP_CLASS_EXTENDED_NEGOTIATION, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> SOPClassExtendedNegotiationSubItem:
        n = cur.u16("SOP-class-uid-length")
        uid = text_field(cur.take(n, "SOP-class-uid"))
        return cls(uid, cur.take(cur.remaining, "service-class-application-information"))


@attrs.frozen
class SOPClassCommonExtendedNegotiationSubItem:
    """SOP Class Common Extended Negotiation Sub-Item, type 57H (PS3.7 Tables D.3-12/D.3-13).

    Byte 2 is the Sub-Item-version (0); ``reserved`` keeps any bytes of later versions.
    """

    sop_class_uid: str
    service_class_uid: str
    related_general_sop_class_uids: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    version: int = 0
    reserved: bytes = b""

    def encode(self) -> bytes:
        sop = ascii_bytes(self.sop_class_uid, "SOP class UID")
        svc = ascii_bytes(self.service_class_uid, "service class UID")
        related = b"".join(
            struct.pack(">H", len(r)) + r
            for r in (
                ascii_bytes(u, "related general SOP class UID")
                for u in self.related_general_sop_class_uids
            )
        )
        body = (
            struct.pack(">H", len(sop))
            + sop
            + struct.pack(">H", len(svc))
            + svc
            + struct.pack(">H", len(related))
            + related
            + self.reserved
        )
        return (
            item_header(
                ItemType.SOP_CLASS_COMMON_EXTENDED_NEGOTIATION, len(body), reserved=self.version
            )
            + body
        )

    @classmethod
    def decode(cls, cur: Cursor, version: int = 0) -> SOPClassCommonExtendedNegotiationSubItem:
        sop = text_field(cur.take(cur.u16("SOP-class-uid-length"), "SOP-class-uid"))
        svc = text_field(cur.take(cur.u16("service-class-uid-length"), "service-class-uid"))
        rel = cur.sub(cur.u16("related-general-sop-class-identification-length"), "related UIDs")
        related = []
        while rel.remaining:
            related.append(text_field(rel.take(rel.u16("related-uid-length"), "related-uid")))
        return cls(sop, svc, tuple(related), version, cur.take(cur.remaining, "reserved"))


@attrs.frozen
class UserIdentityRQSubItem:
    """User Identity Negotiation Sub-Item of the RQ, type 58H (PS3.7 Table D.3-14)."""

    identity_type: int
    primary_field: bytes
    secondary_field: bytes = b""
    positive_response_requested: bool = False

    def encode(self) -> bytes:
        body = (
            struct.pack(
                ">BBH",
                self.identity_type,
                1 if self.positive_response_requested else 0,
                len(self.primary_field),
            )
            + self.primary_field
            + struct.pack(">H", len(self.secondary_field))
            + self.secondary_field
        )
        return item_header(ItemType.USER_IDENTITY_RQ, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> UserIdentityRQSubItem:
        kind = cur.u8("user-identity-type")
        positive = cur.u8("positive-response-requested")
        primary = cur.take(cur.u16("primary-field-length"), "primary-field")
        secondary = b""
        if cur.remaining:
            secondary = cur.take(cur.u16("secondary-field-length"), "secondary-field")
        return cls(kind, primary, secondary, bool(positive))


@attrs.frozen
class UserIdentityACSubItem:
    """User Identity Negotiation Sub-Item of the AC, type 59H (PS3.7 Table D.3-15)."""

    server_response: bytes = b""

    def encode(self) -> bytes:
        body = struct.pack(">H", len(self.server_response)) + self.server_response
        return item_header(ItemType.USER_IDENTITY_AC, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> UserIdentityACSubItem:
        return cls(cur.take(cur.u16("server-response-length"), "server-response"))


@attrs.frozen
class UnknownSubItem:
    """A user-information sub-item of a type this implementation does not know (kept verbatim)."""

    item_type: int
    value: bytes
    reserved: int = 0

    def encode(self) -> bytes:
        return item_header(self.item_type, len(self.value), reserved=self.reserved) + self.value


SubItem = Union[
    MaximumLengthSubItem,
    ImplementationClassUIDSubItem,
    ImplementationVersionNameSubItem,
    AsyncOperationsWindowSubItem,
    RoleSelectionSubItem,
    SOPClassExtendedNegotiationSubItem,
    SOPClassCommonExtendedNegotiationSubItem,
    UserIdentityRQSubItem,
    UserIdentityACSubItem,
    UnknownSubItem,
]

_SUB_DECODERS: dict[int, Callable[[Cursor], SubItem]] = {
    ItemType.MAXIMUM_LENGTH: MaximumLengthSubItem.decode,
    ItemType.IMPLEMENTATION_CLASS_UID: ImplementationClassUIDSubItem.decode,
    ItemType.IMPLEMENTATION_VERSION_NAME: ImplementationVersionNameSubItem.decode,
    ItemType.ASYNC_OPERATIONS_WINDOW: AsyncOperationsWindowSubItem.decode,
    ItemType.ROLE_SELECTION: RoleSelectionSubItem.decode,
    ItemType.SOP_CLASS_EXTENDED_NEGOTIATION: SOPClassExtendedNegotiationSubItem.decode,
    ItemType.USER_IDENTITY_RQ: UserIdentityRQSubItem.decode,
    ItemType.USER_IDENTITY_AC: UserIdentityACSubItem.decode,
}


@attrs.frozen
class UserInformationItem:
    """User Information Item, type 50H (PS3.8 Tables 9-16/9-20), holding sub-items in order."""

    sub_items: tuple[SubItem, ...] = attrs.field(default=(), converter=tuple)

    def _first(self, kind: type) -> object | None:
        return next((s for s in self.sub_items if isinstance(s, kind)), None)

    def _all(self, kind: type) -> list:
        return [s for s in self.sub_items if isinstance(s, kind)]

    @property
    def maximum_length(self) -> int | None:
        s = self._first(MaximumLengthSubItem)
        return s.maximum_length if isinstance(s, MaximumLengthSubItem) else None

    @property
    def implementation_class_uid(self) -> str | None:
        s = self._first(ImplementationClassUIDSubItem)
        return s.uid if isinstance(s, ImplementationClassUIDSubItem) else None

    @property
    def implementation_version_name(self) -> str | None:
        s = self._first(ImplementationVersionNameSubItem)
        return s.name if isinstance(s, ImplementationVersionNameSubItem) else None

    @property
    def async_operations_window(self) -> AsyncOperationsWindowSubItem | None:
        s = self._first(AsyncOperationsWindowSubItem)
        return s if isinstance(s, AsyncOperationsWindowSubItem) else None

    @property
    def role_selections(self) -> list[RoleSelectionSubItem]:
        return self._all(RoleSelectionSubItem)

    @property
    def extended_negotiations(self) -> list[SOPClassExtendedNegotiationSubItem]:
        return self._all(SOPClassExtendedNegotiationSubItem)

    @property
    def common_extended_negotiations(self) -> list[SOPClassCommonExtendedNegotiationSubItem]:
        return self._all(SOPClassCommonExtendedNegotiationSubItem)

    @property
    def user_identity_rq(self) -> UserIdentityRQSubItem | None:
        s = self._first(UserIdentityRQSubItem)
        return s if isinstance(s, UserIdentityRQSubItem) else None

    @property
    def user_identity_ac(self) -> UserIdentityACSubItem | None:
        s = self._first(UserIdentityACSubItem)
        return s if isinstance(s, UserIdentityACSubItem) else None

    def encode(self) -> bytes:
        body = b"".join(s.encode() for s in self.sub_items)
        return item_header(ItemType.USER_INFORMATION, len(body)) + body

    @classmethod
    def decode(cls, cur: Cursor) -> UserInformationItem:
        subs: list[SubItem] = []
        for item_type, reserved, sub in iter_items(cur, "user information sub-item"):
            if item_type == ItemType.SOP_CLASS_COMMON_EXTENDED_NEGOTIATION:
                subs.append(SOPClassCommonExtendedNegotiationSubItem.decode(sub, reserved))
                continue
            decoder = _SUB_DECODERS.get(item_type)
            if decoder is None:
                subs.append(UnknownSubItem(item_type, sub.take(sub.remaining, "value"), reserved))
                continue
            subs.append(decoder(sub))
            if sub.remaining and item_type not in (ItemType.USER_IDENTITY_RQ,):
                raise PDUError(
                    f"sub-item 0x{item_type:02X} has {sub.remaining} bytes after its last field",
                    offset=sub.pos,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
        return cls(tuple(subs))


def iter_items(cur: Cursor, what: str) -> Iterator[tuple[int, int, Cursor]]:
    """Split ``cur`` into items: 1-byte type, 1 reserved byte, 2-byte length (PS3.8 9.3.2).

    Yields ``(item_type, reserved_byte, value_cursor)``.
    """
    while cur.remaining:
        item_type = cur.u8(f"{what} type")
        reserved = cur.u8("reserved")
        length = cur.u16(f"{what} length")
        yield item_type, reserved, cur.sub(length, f"{what} 0x{item_type:02X}")
