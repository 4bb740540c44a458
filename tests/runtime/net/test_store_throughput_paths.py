"""The fast paths of the network stack: in-place P-DATA decoding (PS3.8 9.3.5), coalesced
writes, and ``c_store_many`` (PS3.7 9.1.1, one C-STORE at a time, the next one prepared
while the peer stores the current one). Against our own SCP, in process."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from net_store_helpers import EXPLICIT, SECONDARY_CAPTURE, generated_files

from dicomgen.core.errors import DecodeError, DimseError, PDUError
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse.store import StoreResponse, c_store_many
from dicomgen.net.pdu import PDV, PDataTF, decode_pdu
from dicomgen.net.pdu.codec import check_header, decode_pdu_parts

pytestmark = pytest.mark.timeout(60)

FAST = Timeouts(connect=5, acse=5, dimse=15, idle=15, artim=2)


# --- P-DATA-TF decoded in place --------------------------------------------------------------


def test_pdata_decoded_in_place_equals_cursor_decoding() -> None:
    pdu = PDataTF((PDV(3, False, True, b"abcd"), PDV(5, True, False, b"")))
    raw = pdu.encode()
    pdu_type, length = check_header(raw[:6])
    body = raw[6:]
    fast = decode_pdu_parts(pdu_type, raw[:6], body)
    assert fast == decode_pdu(raw) == pdu
    # the fragments are views into the received body, not copies
    assert isinstance(fast.pdvs[0].data, memoryview)
    assert fast.pdvs[0].data.obj is body
    assert bytes(fast.pdvs[0].data) == b"abcd"


@pytest.mark.parametrize(
    "hexbody, offset",
    [
        ("", 6),  # no PDV at all
        ("00000001 01", 6),  # item-length 1 < context ID + control header
        ("00000003 01 07 00", 11),  # reserved control bits set
        ("00000009 01 00 0000", 10),  # item longer than the PDU
        ("00000004 01 00 0000 0000", 14),  # 2 bytes left: no room for an item-length
    ],
)
def test_pdata_in_place_refuses_malformed(hexbody: str, offset: int) -> None:
    body = bytes.fromhex(hexbody.replace(" ", ""))
    header = bytes([4, 0]) + len(body).to_bytes(4, "big")
    with pytest.raises(PDUError) as info:
        decode_pdu_parts(4, header, body)
    assert info.value.offset == offset
    # the cursor decoder refuses the same PDUs
    with pytest.raises(PDUError):
        decode_pdu(header + body)


# --- c_store_many ---------------------------------------------------------------------------


def test_c_store_many_sends_in_order_and_reports_bad_sources(tmp_path: Path) -> None:
    files = generated_files(tmp_path / "in", 6, [EXPLICIT])
    received: list[str] = []

    def on_store(event) -> int:
        received.append(str(event.command.AffectedSOPInstanceUID))
        return 0

    async def go() -> list:
        scp = AE("SCP", timeouts=FAST)
        scp.add_supported_context(SECONDARY_CAPTURE, [EXPLICIT])
        server = await scp.start_server(("127.0.0.1", 0), {"C-STORE": on_store})
        try:
            scu = AE("SCU", timeouts=FAST, max_pdu=16384)
            scu.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
            sources = files[:3] + [tmp_path / "missing.dcm", b"not dicom"] + files[3:]
            async with scu.associate("127.0.0.1", server.address[1], "SCP") as assoc:
                out = [item async for item in c_store_many(assoc, sources)]
                # the bad sources did not end the association
                assert assoc.is_established
            return [(s, r) for s, r in out]
        finally:
            await server.close()

    out = asyncio.run(go())
    assert [s for s, _ in out][:3] == files[:3] and [s for s, _ in out][5:] == files[3:]
    results = [r for _, r in out]
    assert isinstance(results[3], DimseError) and "missing.dcm" in str(results[3])
    assert isinstance(results[4], DecodeError)
    ok = [r for r in results if isinstance(r, StoreResponse)]
    assert len(ok) == 6 and all(r.ok for r in ok)
    assert received == [r.sop_instance_uid for r in ok]


def test_c_store_many_stops_when_the_association_is_aborted(tmp_path: Path) -> None:
    files = generated_files(tmp_path / "in", 4, [EXPLICIT])
    from dicomgen.core.errors import AssociationAborted

    async def go() -> int:
        scp = AE("SCP", timeouts=FAST)
        scp.add_supported_context(SECONDARY_CAPTURE, [EXPLICIT])
        seen = 0

        async def on_store(event) -> int:
            nonlocal seen
            seen += 1
            if seen == 2:
                await event.association.abort()
            return 0

        server = await scp.start_server(("127.0.0.1", 0), {"C-STORE": on_store})
        got = 0
        try:
            scu = AE("SCU", timeouts=FAST)
            scu.add_requested_context(SECONDARY_CAPTURE, [EXPLICIT])
            assoc = await scu.associate("127.0.0.1", server.address[1], "SCP")
            with pytest.raises(AssociationAborted):
                async for _s, r in c_store_many(assoc, files):
                    assert isinstance(r, StoreResponse)
                    got += 1
            await assoc.abort()
        finally:
            await server.close()
        return got

    assert asyncio.run(go()) == 1
