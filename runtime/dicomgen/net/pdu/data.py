"""P-DATA-TF PDU and its presentation data value items (PS3.8 9.3.5, Annex E.2)."""

from __future__ import annotations

import struct
from typing import ClassVar

import attrs

from dicomgen.core.errors import PDUError

from ._wire import AbortReason, Cursor
from .associate import PDUType

_U32 = struct.Struct(">I")


@attrs.frozen
class PDV:
    """A Presentation-data-value item (PS3.8 Table 9-23) with its message control header.

    Message control header (PS3.8 E.2): bit 0 set = command information (else data set),
    bit 1 set = last fragment of the command or data set. Bits 2-7 are sent as 0; any
    received value is kept in ``control`` so that nothing is lost.
    """

    context_id: int
    is_command: bool
    is_last: bool
    #: The fragment: bytes, or a read-only memoryview into the received PDU's body.
    data: bytes | memoryview

    @property
    def control(self) -> int:
        return (1 if self.is_command else 0) | (2 if self.is_last else 0)

    def encode(self) -> bytes:
        return struct.pack(">IBB", len(self.data) + 2, self.context_id, self.control) + self.data

    @property
    def encoded_length(self) -> int:
        return 4 + 2 + len(self.data)


@attrs.frozen
class PDataTF:
    """P-DATA-TF PDU, type 04H (PS3.8 Table 9-22): one or more PDVs."""

    pdvs: tuple[PDV, ...] = attrs.field(converter=tuple)
    pdu_type: ClassVar[int] = PDUType.P_DATA_TF

    def encode(self) -> bytes:
        body = b"".join(p.encode() for p in self.pdvs)
        return struct.pack(">BBI", self.pdu_type, 0, len(body)) + body

    @classmethod
    def decode_view(cls, body: bytes, base: int = 6) -> PDataTF:
        """Decode the body of a P-DATA-TF (the bytes after its 6-byte header) in place: each
        PDV's ``data`` is a memoryview into ``body``. ``base`` is the offset of ``body`` in
        the PDU, for error offsets. Same checks as :meth:`decode_body`."""
        view = memoryview(body)
        end = len(view)
        if not end:
            raise PDUError(
                "P-DATA-TF PDU holds no presentation-data-value item",
                offset=base,
                reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
            )
        pdvs = []
        pos = 0
        unpack = _U32.unpack_from
        while pos < end:
            if end - pos < 4:
                raise PDUError(
                    f"P-DATA-TF: PDV item-length needs 4 bytes but only {end - pos} remain",
                    offset=base + pos,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
            (length,) = unpack(view, pos)
            if length < 2:
                raise PDUError(
                    f"PDV item-length {length} is shorter than its context ID and control header",
                    offset=base + pos,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
            stop = pos + 4 + length
            if stop > end:
                raise PDUError(
                    f"P-DATA-TF: presentation-data-value item (length {length}) needs {length}"
                    f" bytes but only {end - pos - 4} remain",
                    offset=base + pos + 4,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
            control = view[pos + 5]
            if control & 0xFC:
                raise PDUError(
                    f"message control header 0x{control:02X} has reserved bits set",
                    offset=base + pos + 5,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
            pdvs.append(
                PDV(view[pos + 4], bool(control & 1), bool(control & 2), view[pos + 6 : stop])
            )
            pos = stop
        return cls(pdvs)

    @classmethod
    def decode_body(cls, cur: Cursor) -> PDataTF:
        pdvs = []
        while cur.remaining:
            start = cur.pos
            length = cur.u32("PDV item-length")
            if length < 2:
                raise PDUError(
                    f"PDV item-length {length} is shorter than its context ID and control header",
                    offset=start,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
            item = cur.sub(length, "presentation-data-value item")
            context_id = item.u8("presentation-context-ID")
            control = item.u8("message control header")
            if control & 0xFC:
                raise PDUError(
                    f"message control header 0x{control:02X} has reserved bits set",
                    offset=start + 5,
                    reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
                )
            pdvs.append(
                PDV(
                    context_id,
                    bool(control & 1),
                    bool(control & 2),
                    item.take(item.remaining, "PDV"),
                )
            )
        if not pdvs:
            raise PDUError(
                "P-DATA-TF PDU holds no presentation-data-value item",
                offset=6,
                reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
            )
        return cls(tuple(pdvs))
