"""Decoding and encoding whole PDUs (PS3.8 9.3.1).

Every PDU starts with a 6-byte header: PDU-type (1), reserved (1), PDU-length (4, big
endian, the number of bytes that follow). :func:`check_header` validates a header before
the body is read, so that an unknown type or an oversized length is refused without
reading it; :func:`decode_pdu` decodes a complete PDU.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Union

from dicomgen.core.errors import PDUError

from ._wire import AbortReason, Cursor
from .associate import AssociateAC, AssociateRJ, AssociateRQ, PDUType
from .data import PDataTF
from .release_abort import Abort, ReleaseRP, ReleaseRQ

PDU = Union[AssociateRQ, AssociateAC, AssociateRJ, PDataTF, ReleaseRQ, ReleaseRP, Abort]

HEADER_LENGTH = 6

#: Largest A-ASSOCIATE-RQ/AC we accept (these carry no P-DATA; 128 presentation contexts
#: with ten transfer syntaxes each are ~30 kB, user identity tokens such as SAML assertions
#: or JWTs tens of kilobytes).
MAX_ASSOCIATE_LENGTH = 1 << 18

_FIXED_LENGTH: dict[int, int] = {
    PDUType.A_ASSOCIATE_RJ: 4,
    PDUType.A_RELEASE_RQ: 4,
    PDUType.A_RELEASE_RP: 4,
    PDUType.A_ABORT: 4,
}

_DECODERS: dict[int, Callable[[Cursor], PDU]] = {
    PDUType.A_ASSOCIATE_RQ: AssociateRQ.decode_body,
    PDUType.A_ASSOCIATE_AC: AssociateAC.decode_body,
    PDUType.A_ASSOCIATE_RJ: AssociateRJ.decode_body,
    PDUType.P_DATA_TF: PDataTF.decode_body,
    PDUType.A_RELEASE_RQ: ReleaseRQ.decode_body,
    PDUType.A_RELEASE_RP: ReleaseRP.decode_body,
    PDUType.A_ABORT: Abort.decode_body,
}


def check_header(
    header: bytes, *, max_pdata_length: int = 0, max_associate_length: int = MAX_ASSOCIATE_LENGTH
) -> tuple[int, int]:
    """Validate a 6-byte PDU header; return ``(pdu_type, pdu_length)``.

    ``max_pdata_length`` is the Maximum Length we announced (PS3.8 D.1): a P-DATA-TF whose
    PDU-length exceeds it is refused (0 = no limit); any other PDU longer than
    ``max_associate_length`` is refused. Raises :class:`PDUError` with the
    A-ABORT reason to use in ``err.context["reason"]``.
    """
    if len(header) != HEADER_LENGTH:
        raise PDUError(
            f"PDU header needs 6 bytes, got {len(header)}",
            offset=0,
            reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
        )
    pdu_type, _reserved, length = struct.unpack(">BBI", header)
    if pdu_type not in _DECODERS:
        raise PDUError(
            f"unrecognized PDU type 0x{pdu_type:02X}", offset=0, reason=AbortReason.UNRECOGNIZED_PDU
        )
    fixed = _FIXED_LENGTH.get(pdu_type)
    if fixed is not None and length != fixed:
        raise PDUError(
            f"{PDUType(pdu_type).name} PDU-length must be {fixed}, got {length}",
            offset=2,
            reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
        )
    if pdu_type == PDUType.P_DATA_TF:
        if max_pdata_length and length > max_pdata_length:
            raise PDUError(
                f"P-DATA-TF PDU-length {length} exceeds the maximum length {max_pdata_length}"
                " we announced",
                offset=2,
                reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
            )
    elif length > max_associate_length:
        raise PDUError(
            f"{PDUType(pdu_type).name} PDU-length {length} exceeds {max_associate_length}",
            offset=2,
            reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
        )
    elif pdu_type in (PDUType.A_ASSOCIATE_RQ, PDUType.A_ASSOCIATE_AC) and length < 68:
        raise PDUError(
            f"{PDUType(pdu_type).name} PDU-length {length} is shorter than its fixed fields (68)",
            offset=2,
            reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
        )
    return pdu_type, length


def decode_pdu(data: bytes | bytearray | memoryview, *, max_pdata_length: int = 0) -> PDU:
    """Decode one complete PDU (header included). Extra or missing bytes are a :class:`PDUError`."""
    data = bytes(data)
    pdu_type, length = check_header(data[:HEADER_LENGTH], max_pdata_length=max_pdata_length)
    if len(data) != HEADER_LENGTH + length:
        raise PDUError(
            f"{PDUType(pdu_type).name} PDU-length says {length} bytes follow the header but"
            f" {len(data) - HEADER_LENGTH} do",
            offset=2,
            reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
        )
    cur = Cursor(data, HEADER_LENGTH, len(data), PDUType(pdu_type).name.replace("_", "-"))
    pdu = _DECODERS[pdu_type](cur)
    if cur.remaining:
        raise PDUError(
            f"{cur.what} PDU has {cur.remaining} bytes after its last field",
            offset=cur.pos,
            reason=AbortReason.INVALID_PDU_PARAMETER_VALUE,
        )
    return pdu


def decode_pdu_parts(
    pdu_type: int, header: bytes, body: bytes, *, max_pdata_length: int = 0
) -> PDU:
    """Decode a PDU read as its ``header`` (already checked by :func:`check_header`, which
    returned ``pdu_type``) and ``body``. A P-DATA-TF is parsed in place: its PDVs' data are
    memoryviews into ``body`` (no copy); other PDUs go through :func:`decode_pdu`."""
    if pdu_type == PDUType.P_DATA_TF:
        return PDataTF.decode_view(body, HEADER_LENGTH)
    return decode_pdu(header + body, max_pdata_length=max_pdata_length)


def encode_pdu(pdu: PDU) -> bytes:
    """The bytes of ``pdu`` (the same as ``pdu.encode()``)."""
    return pdu.encode()
