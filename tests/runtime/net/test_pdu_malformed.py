"""Malformed PDUs are a PDUError naming where and carrying the A-ABORT reason of PS3.8 9.3.8
(never struct.error/IndexError)."""

from __future__ import annotations

import pytest
from test_pdu_golden import AC_GOLDEN, RQ_GOLDEN

from dicomgen.core.errors import PDUError
from dicomgen.net.pdu import AbortReason, check_header, decode_pdu

H = bytes.fromhex


def _reason(exc: PDUError) -> int:
    return exc.context["reason"]


def test_unknown_pdu_type() -> None:
    with pytest.raises(PDUError) as e:
        decode_pdu(H("09 00 00000004 00000000"))
    assert _reason(e.value) == AbortReason.UNRECOGNIZED_PDU
    assert "0x09" in str(e.value)


@pytest.mark.parametrize("cut", [1, 5, 6, 20, 74, 80, len(RQ_GOLDEN) - 1])
def test_truncated_rq(cut: int) -> None:
    with pytest.raises(PDUError):
        decode_pdu(RQ_GOLDEN[:cut])


def test_pdu_length_longer_than_data() -> None:
    data = bytearray(AC_GOLDEN)
    data[2:6] = (len(data) - 6 + 10).to_bytes(4, "big")
    with pytest.raises(PDUError) as e:
        decode_pdu(bytes(data))
    assert e.value.offset == 2


def test_item_length_runs_past_pdu() -> None:
    data = bytearray(RQ_GOLDEN)
    # application context item length at offset 74+2: claim 200 bytes
    data[76:78] = (200).to_bytes(2, "big")
    with pytest.raises(PDUError) as e:
        decode_pdu(bytes(data))
    assert _reason(e.value) == AbortReason.INVALID_PDU_PARAMETER_VALUE
    assert e.value.offset is not None


def test_sub_item_with_bad_length() -> None:
    data = bytearray(RQ_GOLDEN)
    i = data.index(H("51 00 0004"))
    data[i + 2 : i + 4] = (3).to_bytes(2, "big")  # maximum length sub-item of 3 bytes
    with pytest.raises(PDUError):
        decode_pdu(bytes(data))


@pytest.mark.parametrize(
    "data",
    [
        H("03 00 00000005 00 01 01 03 00"),  # RJ with length 5
        H("05 00 00000002 0000"),  # RELEASE-RQ with length 2
        H("07 00 00000003 00 00 02"),  # ABORT with length 3
    ],
)
def test_fixed_length_pdus_with_wrong_length(data: bytes) -> None:
    with pytest.raises(PDUError) as e:
        decode_pdu(data)
    assert _reason(e.value) == AbortReason.INVALID_PDU_PARAMETER_VALUE


def test_oversized_pdata_refused_from_header() -> None:
    header = H("04 00 00010000")  # 65536 > our 16384
    with pytest.raises(PDUError) as e:
        check_header(header, max_pdata_length=16384)
    assert "16384" in str(e.value)
    assert check_header(header, max_pdata_length=0) == (4, 65536)  # 0 = no limit


def test_oversized_associate_refused() -> None:
    with pytest.raises(PDUError):
        check_header(H("01 00 7FFFFFFF"))


def test_pdv_shorter_than_header() -> None:
    with pytest.raises(PDUError):
        decode_pdu(H("04 00 00000005 00000001 01"))


def test_pdata_without_pdv() -> None:
    with pytest.raises(PDUError):
        decode_pdu(H("04 00 00000000"))


def test_pdv_reserved_control_bits() -> None:
    with pytest.raises(PDUError):
        decode_pdu(H("04 00 00000007 00000003 01 07 00"))


def test_rq_without_application_context() -> None:
    body = H("0001 0000") + b"A" * 16 + b"B" * 16 + bytes(32)
    with pytest.raises(PDUError):
        decode_pdu(H("01 00") + len(body).to_bytes(4, "big") + body)


def test_ac_item_inside_rq_is_unexpected() -> None:
    item = H("21 00 0019 01 00 00 00 40 00 0011") + b"1.2.840.10008.1.2"
    data = RQ_GOLDEN + item
    data = data[:2] + (len(data) - 6).to_bytes(4, "big") + data[6:]
    with pytest.raises(PDUError) as e:
        decode_pdu(data)
    assert _reason(e.value) == AbortReason.UNEXPECTED_PDU_PARAMETER


def test_trailing_garbage_after_fixed_pdu() -> None:
    with pytest.raises(PDUError):
        decode_pdu(H("05 00 00000004 00000000 00"))


@pytest.mark.parametrize("seed", range(40))
def test_random_corruption_never_escapes(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    data = bytearray(RQ_GOLDEN)
    for _ in range(rnd.randint(1, 6)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    try:
        decode_pdu(bytes(data))
    except PDUError:
        pass
