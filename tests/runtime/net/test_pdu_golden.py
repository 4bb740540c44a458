"""Golden bytes of every PDU and item, written from the field layout of PS3.8 9.3 and
PS3.7 D.3.3 (the decoded meaning is beside each byte string), plus decoding of bytes that
pynetdicom's PDU classes produce (oracle only)."""

from __future__ import annotations

import pytest

from dicomgen.net.pdu import (
    PDV,
    Abort,
    AbortSource,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    AsyncOperationsWindowSubItem,
    ImplementationClassUIDSubItem,
    ImplementationVersionNameSubItem,
    MaximumLengthSubItem,
    PDataTF,
    PresentationContextACItem,
    PresentationContextRQItem,
    ReleaseRP,
    ReleaseRQ,
    RoleSelectionSubItem,
    SOPClassCommonExtendedNegotiationSubItem,
    SOPClassExtendedNegotiationSubItem,
    UnknownSubItem,
    UserIdentityACSubItem,
    UserIdentityRQSubItem,
    UserInformationItem,
    decode_pdu,
)
from dicomgen.net.pdu._wire import Cursor
from dicomgen.net.pdu.items import iter_items

VERIFICATION = "1.2.840.10008.1.1"  # 17 chars
IMPLICIT_LE = "1.2.840.10008.1.2"  # 17 chars
APP_CONTEXT = "1.2.840.10008.3.1.1.1"  # 21 chars

H = bytes.fromhex

# A-ASSOCIATE-RQ, PS3.8 Table 9-11 (variable items: Tables 9-12..9-16, D.1-1, PS3.7 D.3-1, D.3-3)
RQ_GOLDEN = (
    H("01 00 000000AE")  # PDU-type 01H, reserved, PDU-length 174
    + H("0001 0000")  # protocol-version 1, reserved
    + b"ANY-SCP         "  # called-AE-title, 16 chars space padded
    + b"ECHOSCU         "  # calling-AE-title
    + bytes(32)  # reserved
    + H("10 00 0015")
    + APP_CONTEXT.encode()  # application context item, length 21
    + H("20 00 002E 01 00 00 00")  # presentation context item, length 46, ID 1, 3 reserved
    + H("30 00 0011")
    + VERIFICATION.encode()  # abstract syntax sub-item, length 17
    + H("40 00 0011")
    + IMPLICIT_LE.encode()  # transfer syntax sub-item, length 17
    + H("50 00 001B")  # user information item, length 27
    + H("51 00 0004 00004000")  # maximum length sub-item: 16384
    + H("52 00 0007")
    + b"1.2.3.4"  # implementation class UID sub-item, length 7
    + H("55 00 0004")
    + b"DG_1"  # implementation version name sub-item, length 4
)

RQ_RECORD = AssociateRQ(
    called_ae_title="ANY-SCP",
    calling_ae_title="ECHOSCU",
    presentation_contexts=[PresentationContextRQItem(1, VERIFICATION, [IMPLICIT_LE])],
    user_information=UserInformationItem(
        [
            MaximumLengthSubItem(16384),
            ImplementationClassUIDSubItem("1.2.3.4"),
            ImplementationVersionNameSubItem("DG_1"),
        ]
    ),
)

# A-ASSOCIATE-AC, PS3.8 Table 9-17 (presentation context: Table 9-18)
AC_GOLDEN = (
    H("02 00 00000091")  # PDU-type 02H, reserved, PDU-length 145
    + H("0001 0000")  # protocol-version 1, reserved
    + b"ANY-SCP         "  # reserved (called AE title of the RQ echoed)
    + b"ECHOSCU         "  # reserved (calling AE title of the RQ echoed)
    + bytes(32)  # reserved
    + H("10 00 0015")
    + APP_CONTEXT.encode()  # application context item
    + H("21 00 0019 01 00 00 00")  # presentation context (AC), length 25, ID 1, result 0 acceptance
    + H("40 00 0011")
    + IMPLICIT_LE.encode()  # transfer syntax sub-item
    + H("50 00 0013")  # user information item, length 19
    + H("51 00 0004 00004000")  # maximum length 16384
    + H("52 00 0007")
    + b"1.2.3.4"  # implementation class UID
)

AC_RECORD = AssociateAC(
    called_ae_title="ANY-SCP",
    calling_ae_title="ECHOSCU",
    presentation_contexts=[PresentationContextACItem(1, 0, IMPLICIT_LE)],
    user_information=UserInformationItem(
        [MaximumLengthSubItem(16384), ImplementationClassUIDSubItem("1.2.3.4")]
    ),
)

SIMPLE_GOLDENS = [
    # A-ASSOCIATE-RJ (Table 9-21): length 4, reserved, result 1 rejected-permanent,
    # source 1 service-user, reason 3 calling-AE-title-not-recognized
    (H("03 00 00000004 00 01 01 03"), AssociateRJ(1, 1, 3)),
    # P-DATA-TF (Tables 9-22, 9-23): length 10; PDV item-length 6, context 1,
    # control 03H (command, last fragment), 4 bytes of data
    (H("04 00 0000000A 00000006 01 03 01020304"), PDataTF([PDV(1, True, True, H("01020304"))])),
    # P-DATA-TF with two PDVs: data set not last (00H) then data set last (02H), context 3
    (
        H("04 00 00000010 00000003 03 00 AA 00000005 03 02 BBCCDD"),
        PDataTF([PDV(3, False, False, b"\xaa"), PDV(3, False, True, H("BBCCDD"))]),
    ),
    # A-RELEASE-RQ (Table 9-24): length 4, 4 reserved bytes
    (H("05 00 00000004 00000000"), ReleaseRQ()),
    # A-RELEASE-RP (Table 9-25)
    (H("06 00 00000004 00000000"), ReleaseRP()),
    # A-ABORT (Table 9-26): 2 reserved, source 2 service-provider, reason 6 invalid parameter
    (H("07 00 00000004 00 00 02 06"), Abort(AbortSource.SERVICE_PROVIDER, 6)),
    # A-ABORT from the service-user: source 0, reason 0
    (H("07 00 00000004 00 00 00 00"), Abort()),
]

ITEM_GOLDENS = [
    # Asynchronous Operations Window (PS3.7 Table D.3-7): invoked 5, performed 3
    (H("53 00 0004 0005 0003"), AsyncOperationsWindowSubItem(5, 3)),
    # SCP/SCU Role Selection (Table D.3-9): UID-length 17, UID, SCU-role 1, SCP-role 0
    (
        H("54 00 0015 0011") + VERIFICATION.encode() + H("01 00"),
        RoleSelectionSubItem(VERIFICATION, 1, 0),
    ),
    # SOP Class Extended Negotiation (Table D.3-11): UID-length 17, UID, info 02 01
    (
        H("56 00 0015 0011") + VERIFICATION.encode() + H("02 01"),
        SOPClassExtendedNegotiationSubItem(VERIFICATION, H("0201")),
    ),
    # SOP Class Common Extended Negotiation (Tables D.3-12/13): version 0, length 17,
    # SOP class "1.2", service class "1.3", related: 5 bytes = (length 3, "1.4")
    (
        H("57 00 0011 0003") + b"1.2" + H("0003") + b"1.3" + H("0005 0003") + b"1.4",
        SOPClassCommonExtendedNegotiationSubItem("1.2", "1.3", ["1.4"]),
    ),
    # User Identity RQ (Table D.3-14): type 2 username+passcode, positive response
    # requested, primary "bob" (3), secondary "pw" (2)
    (
        H("58 00 000B 02 01 0003") + b"bob" + H("0002") + b"pw",
        UserIdentityRQSubItem(2, b"bob", b"pw", True),
    ),
    # User Identity AC (Table D.3-15): server response "tick" (4)
    (H("59 00 0006 0004") + b"tick", UserIdentityACSubItem(b"tick")),
    # An unknown sub-item type 5AH is kept verbatim
    (H("5A 00 0002 ABCD"), UnknownSubItem(0x5A, H("ABCD"))),
    # Maximum Length (PS3.8 Table D.1-1): 0 = no maximum
    (H("51 00 0004 00000000"), MaximumLengthSubItem(0)),
]


def test_associate_rq_golden() -> None:
    assert RQ_RECORD.encode() == RQ_GOLDEN
    assert decode_pdu(RQ_GOLDEN) == RQ_RECORD


def test_associate_ac_golden() -> None:
    assert AC_RECORD.encode() == AC_GOLDEN
    assert decode_pdu(AC_GOLDEN) == AC_RECORD


@pytest.mark.parametrize("golden,record", SIMPLE_GOLDENS, ids=lambda x: type(x).__name__)
def test_simple_pdu_golden(golden: bytes, record: object) -> None:
    assert record.encode() == golden  # type: ignore[attr-defined]
    assert decode_pdu(golden) == record


@pytest.mark.parametrize("golden,record", ITEM_GOLDENS, ids=lambda x: type(x).__name__)
def test_user_information_sub_item_golden(golden: bytes, record: object) -> None:
    assert record.encode() == golden  # type: ignore[attr-defined]
    wrapped = H("50 00") + len(golden).to_bytes(2, "big") + golden
    ((item_type, _reserved, cur),) = list(iter_items(Cursor(wrapped, 0, len(wrapped), "t"), "item"))
    assert UserInformationItem.decode(cur).sub_items == (record,)


def test_ae_titles_trimmed_and_padded() -> None:
    # leading/trailing spaces are not significant (Table 9-11); some peers pad with NULs
    data = bytearray(RQ_GOLDEN)
    data[10:26] = b"  ANY-SCP\0\0\0\0\0\0\0"
    assert decode_pdu(bytes(data)).called_ae_title == "ANY-SCP"


def test_uid_with_trailing_null_padding_accepted() -> None:
    item = H("40 00 0012") + IMPLICIT_LE.encode() + b"\0"
    wrapped = H("20 00") + (4 + 21 + len(item)).to_bytes(2, "big") + H("01 000000")
    wrapped += H("30 00 0011") + VERIFICATION.encode() + item
    ((_, _, cur),) = list(iter_items(Cursor(wrapped, 0, len(wrapped), "t"), "item"))
    assert PresentationContextRQItem.decode(cur).transfer_syntaxes == (IMPLICIT_LE,)


def test_unknown_variable_item_kept_in_rq() -> None:
    extra = H("7F 00 0002 0102")
    data = bytearray(RQ_GOLDEN + extra)
    data[2:6] = (len(data) - 6).to_bytes(4, "big")
    rq = decode_pdu(bytes(data))
    assert rq.unknown_items == (UnknownSubItem(0x7F, H("0102")),)
    assert rq.encode() == bytes(data)


# --- pynetdicom as oracle: bytes its PDU classes produce decode to what they mean ---------


def _pynetdicom_rq() -> bytes:
    pdu_primitives = pytest.importorskip("pynetdicom.pdu_primitives")
    from pynetdicom.pdu import A_ASSOCIATE_RQ
    from pynetdicom.presentation import PresentationContext

    prim = pdu_primitives.A_ASSOCIATE()
    prim.application_context_name = APP_CONTEXT
    prim.calling_ae_title = "ECHOSCU"
    prim.called_ae_title = "ANY-SCP"
    cx = PresentationContext()
    cx.context_id = 7
    cx.abstract_syntax = VERIFICATION
    cx.transfer_syntax = [IMPLICIT_LE, "1.2.840.10008.1.2.1"]
    prim.presentation_context_definition_list = [cx]
    ml = pdu_primitives.MaximumLengthNotification()
    ml.maximum_length_received = 32768
    ic = pdu_primitives.ImplementationClassUIDNotification()
    ic.implementation_class_uid = "1.2.3.4"
    iv = pdu_primitives.ImplementationVersionNameNotification()
    iv.implementation_version_name = "DG_1"
    rs = pdu_primitives.SCP_SCU_RoleSelectionNegotiation()
    rs.sop_class_uid = VERIFICATION
    rs.scu_role = True
    rs.scp_role = True
    aw = pdu_primitives.AsynchronousOperationsWindowNegotiation()
    aw.maximum_number_operations_invoked = 5
    aw.maximum_number_operations_performed = 3
    en = pdu_primitives.SOPClassExtendedNegotiation()
    en.sop_class_uid = VERIFICATION
    en.service_class_application_information = b"\x02\x01"
    ce = pdu_primitives.SOPClassCommonExtendedNegotiation()
    ce.sop_class_uid = "1.2"
    ce.service_class_uid = "1.3"
    ce.related_general_sop_class_identification = ["1.4", "1.5.6"]
    ui = pdu_primitives.UserIdentityNegotiation()
    ui.user_identity_type = 2
    ui.positive_response_requested = True
    ui.primary_field = b"bob"
    ui.secondary_field = b"pw"
    prim.user_information = [ml, ic, iv, rs, aw, en, ce, ui]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(prim)
    return pdu.encode()


def test_decode_pynetdicom_associate_rq() -> None:
    data = _pynetdicom_rq()
    rq = decode_pdu(data)
    assert isinstance(rq, AssociateRQ)
    assert (rq.called_ae_title, rq.calling_ae_title) == ("ANY-SCP", "ECHOSCU")
    assert rq.application_context == APP_CONTEXT
    (pc,) = rq.presentation_contexts
    assert (pc.context_id, pc.abstract_syntax) == (7, VERIFICATION)
    assert pc.transfer_syntaxes == (IMPLICIT_LE, "1.2.840.10008.1.2.1")
    info = rq.user_information
    assert info.maximum_length == 32768
    assert info.implementation_class_uid == "1.2.3.4"
    assert info.implementation_version_name == "DG_1"
    assert info.role_selections == [RoleSelectionSubItem(VERIFICATION, 1, 1)]
    assert info.async_operations_window == AsyncOperationsWindowSubItem(5, 3)
    assert info.extended_negotiations == [
        SOPClassExtendedNegotiationSubItem(VERIFICATION, b"\x02\x01")
    ]
    assert info.common_extended_negotiations == [
        SOPClassCommonExtendedNegotiationSubItem("1.2", "1.3", ["1.4", "1.5.6"])
    ]
    assert info.user_identity_rq == UserIdentityRQSubItem(2, b"bob", b"pw", True)
    assert rq.encode() == data  # byte-identical round trip


def test_decode_pynetdicom_other_pdus() -> None:
    pynetdicom_pdu = pytest.importorskip("pynetdicom.pdu")
    prims = pytest.importorskip("pynetdicom.pdu_primitives")

    rj = pynetdicom_pdu.A_ASSOCIATE_RJ()
    p = prims.A_ASSOCIATE()
    p.result, p.result_source, p.diagnostic = 0x02, 0x03, 0x02
    rj.from_primitive(p)
    assert decode_pdu(rj.encode()) == AssociateRJ(2, 3, 2)

    pd = prims.P_DATA()
    pd.presentation_data_value_list = [[5, b"\x02" + b"\x11\x22"]]  # control 02H: data set, last
    pdu = pynetdicom_pdu.P_DATA_TF()
    pdu.from_primitive(pd)
    assert decode_pdu(pdu.encode()) == PDataTF([PDV(5, False, True, b"\x11\x22")])

    assert decode_pdu(pynetdicom_pdu.A_RELEASE_RQ().encode()) == ReleaseRQ()
    assert decode_pdu(pynetdicom_pdu.A_RELEASE_RP().encode()) == ReleaseRP()
    ab = prims.A_ABORT()
    ab.abort_source = 0x02
    abort = pynetdicom_pdu.A_ABORT_RQ()
    abort.from_primitive(ab)
    decoded = decode_pdu(abort.encode())
    assert isinstance(decoded, Abort) and decoded.source == 2


def test_pynetdicom_decodes_our_ac() -> None:
    pynetdicom_pdu = pytest.importorskip("pynetdicom.pdu")
    ac = pynetdicom_pdu.A_ASSOCIATE_AC()
    ac.decode(AC_GOLDEN)
    (cx,) = ac.presentation_context
    assert (cx.context_id, cx.result, str(cx.transfer_syntax)) == (1, 0, IMPLICIT_LE)
    assert ac.called_ae_title == "ANY-SCP" and ac.calling_ae_title == "ECHOSCU"
