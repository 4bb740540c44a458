"""DIMSE: command field codes and command elements against PS3.7 2020c (part07.xml),
command set golden bytes, fragmentation into PDVs and reassembly."""

from __future__ import annotations

import re

import pytest

from dicomgen.core.errors import DimseError
from dicomgen.net.dimse import (
    CommandField,
    DimseMessage,
    MessageAssembler,
    StatusClass,
    decode_command,
    encode_command,
    fragment,
    status_class,
)
from dicomgen.net.dimse.echo import echo_request, echo_response
from dicomgen.net.pdu import PDV, PDataTF, decode_pdu
from dicomgen_std.commands import COMMAND_DICTIONARY, CommandSet

H = bytes.fromhex


@pytest.fixture(scope="module")
def part07(docbook):
    return docbook(7, "2020c")


def test_command_fields_match_ps3_7(part07) -> None:
    text = " ".join("".join(part07.root.itertext()).split())
    found = set(
        re.findall(r"shall be set to ([0-9A-F]{4})H for the ([A-Z]-[A-Z-]+?) [Mm]essage", text)
    )
    expected = {}
    for code, name in found:
        name = "C-CANCEL-RQ" if name.startswith("C-CANCEL-") else name
        expected[name] = int(code, 16)
    assert expected == {f.label: int(f) for f in CommandField}


def test_command_set_fields_are_table_e1_1(part07) -> None:
    """The generated CommandSet has one typed property per element of PS3.7 Table E.1-1, and
    the dictionary agrees on its VR."""
    import typing

    from dicomgen_codegen.docbook.tables import get_table

    table = get_table(part07, "table_E.1-1")
    rows = {}
    for row in table.rows:
        tag, _name, keyword, vr, _vm = row.texts()[:5]
        g, e = re.fullmatch(r"\((\w{4}),(\w{4})\)", tag).groups()
        rows[int(g + e, 16)] = (keyword, vr)
    properties = {
        name: value for name, value in vars(CommandSet).items() if isinstance(value, property)
    }
    assert set(properties) == {kw for kw, _vr in rows.values()}
    python_type = {"US": "int", "UL": "int", "UI": "str", "AE": "str", "LO": "str"}
    python_type["AT"] = "tuple[int, ...]"
    for tag, (keyword, vr) in rows.items():
        assert COMMAND_DICTIONARY[tag][:2] == (keyword, (vr,))
        returns = typing.get_type_hints(properties[keyword].fget)["return"]
        assert str(returns).replace("typing.", "") in (
            f"{python_type[vr]} | None",
            f"Optional[{python_type[vr]}]",
        ), (keyword, returns)
        cmd = CommandSet()
        assert getattr(cmd, keyword) is None and keyword not in cmd


def test_command_set_properties_read_and_write_the_tags() -> None:
    cmd = CommandSet.of(CommandField=0x0030, MessageID=7, AffectedSOPClassUID="1.2.840.10008.1.1")
    assert dict(cmd) == {0x00000100: 0x0030, 0x00000110: 7, 0x00000002: "1.2.840.10008.1.1"}
    assert cmd.MessageID == 7 and cmd["MessageID"] == 7 and "MessageID" in cmd
    cmd.Status = 0xC000
    assert cmd[0x00000900] == 0xC000
    cmd.Status = None
    assert 0x00000900 not in cmd
    with pytest.raises(DimseError, match="not a command element keyword"):
        cmd["PatientName"]
    with pytest.raises(AttributeError):
        cmd.PatientName  # type: ignore[attr-defined]  # noqa: B018


def test_decoded_command_is_the_generated_class() -> None:
    raw = encode_command(CommandSet.of(CommandField=0x0030, MessageID=1, CommandDataSetType=0x0101))
    cmd = decode_command(raw)
    assert type(cmd) is CommandSet and cmd.CommandDataSetType == 0x0101


def test_generated_command_dictionary_is_the_dictionarys_group_0000() -> None:
    dictionary = pytest.importorskip("dicomgen_std.dictionary")
    commands = pytest.importorskip("dicomgen_std.commands")
    expected = {
        tag: (e.keyword, e.vrs, e.vm, e.retired)
        for tag, e in dictionary.DICTIONARY.items()
        if tag >> 16 == 0x0000
    }
    assert commands.COMMAND_DICTIONARY == expected


def test_command_codec_does_not_load_the_whole_dictionary(fresh_python) -> None:
    pytest.importorskip("dicomgen_std.commands")
    code = (
        "import sys\n"
        "from dicomgen.net.dimse.command_set import command_vrs, encode_command\n"
        "assert command_vrs()[0x00000900] == 'US'\n"
        "encode_command({0x00000100: 0x0030, 0x00000110: 1, 0x00000800: 0x0101})\n"
        "print('dicomgen_std.dictionary' in sys.modules)\n"
    )
    assert fresh_python(code).strip() == "False"


def test_commands_match_generated_registry() -> None:
    commands = pytest.importorskip("dicomgen_std.commands")
    generated = {m.name: int(m) for m in commands.CommandField}
    assert generated == {f.name: int(f) for f in CommandField}


def test_status_classes_match_generated_statuses() -> None:
    commands = pytest.importorskip("dicomgen_std.commands")
    for s in commands.STATUSES:
        for code in {s.code, s.code_max}:
            assert status_class(code).value == s.status_class, (hex(code), s)


# C-ECHO-RQ (PS3.7 Table 9.3-12) in Implicit VR Little Endian: tag (group, element LE),
# 4-byte length LE, value
ECHO_RQ_GOLDEN = (
    H("0000 0000 04000000 38000000")  # (0000,0000) UL 4: group length 56
    + H("0000 0200 12000000")
    + b"1.2.840.10008.1.1\0"  # (0000,0002) UI 18: Verification, NUL pad
    + H("0000 0001 02000000 3000")  # (0000,0100) US 2: Command Field 0030H C-ECHO-RQ
    + H("0000 1001 02000000 0700")  # (0000,0110) US 2: Message ID 7
    + H("0000 0008 02000000 0101")  # (0000,0800) US 2: Command Data Set Type 0101H, none
)


def test_echo_rq_golden() -> None:
    msg = echo_request(1, 7)
    assert encode_command(msg.command) == ECHO_RQ_GOLDEN
    cmd = decode_command(ECHO_RQ_GOLDEN)
    assert cmd.CommandField == 0x0030 and cmd.MessageID == 7
    assert cmd.AffectedSOPClassUID == "1.2.840.10008.1.1"
    assert cmd.CommandGroupLength == 56


def test_echo_rsp_round_trip() -> None:
    rsp = echo_response(echo_request(3, 9), 0x0122)
    cmd = decode_command(encode_command(rsp.command))
    assert cmd.CommandField == CommandField.C_ECHO_RSP
    assert cmd.MessageIDBeingRespondedTo == 9 and cmd.Status == 0x0122
    assert cmd.CommandDataSetType == 0x0101


def test_at_and_text_values_round_trip() -> None:
    cmd = CommandSet.of(
        CommandField=0x8120,
        MessageIDBeingRespondedTo=1,
        CommandDataSetType=0x0101,
        Status=0x0106,
        OffendingElement=(0x00100010, 0x7FE00010),
        ErrorComment="bad odd",
        MoveDestination="DEST",
    )
    back = decode_command(encode_command(cmd))
    assert back.OffendingElement == (0x00100010, 0x7FE00010)
    assert back.ErrorComment == "bad odd" and back.MoveDestination == "DEST"


def test_pydicom_encodes_the_same_command() -> None:
    dsutils = pytest.importorskip("pynetdicom.dsutils")
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.CommandGroupLength = 56
    ds.AffectedSOPClassUID = "1.2.840.10008.1.1"
    ds.CommandField = 0x0030
    ds.MessageID = 7
    ds.CommandDataSetType = 0x0101
    theirs = dsutils.encode(ds, True, True)
    assert theirs == ECHO_RQ_GOLDEN
    from io import BytesIO

    decoded = dsutils.decode(BytesIO(encode_command(echo_request(1, 7).command)), True, True)
    assert decoded.CommandField == 0x0030 and decoded.MessageID == 7


@pytest.mark.parametrize(
    "data",
    [
        ECHO_RQ_GOLDEN[:-1],  # truncated value
        ECHO_RQ_GOLDEN[:5],  # truncated header
        ECHO_RQ_GOLDEN[:8] + H("39000000") + ECHO_RQ_GOLDEN[12:],  # wrong group length
        ECHO_RQ_GOLDEN[:-10],  # Command Data Set Type cut off: group length disagrees
        H("0800 1800 02000000 4142"),  # element outside group 0000
        H("0000 1001 03000000 070000"),  # US of 3 bytes
    ],
)
def test_malformed_command_sets(data: bytes) -> None:
    with pytest.raises(DimseError):
        decode_command(data)


def test_status_classes() -> None:
    cases = {
        0x0000: StatusClass.SUCCESS,
        0x0001: StatusClass.WARNING,
        0xB000: StatusClass.WARNING,
        0x0107: StatusClass.WARNING,
        0x0116: StatusClass.WARNING,
        0xA700: StatusClass.FAILURE,
        0xC123: StatusClass.FAILURE,
        0x0122: StatusClass.FAILURE,
        0x0211: StatusClass.FAILURE,
        0xFE00: StatusClass.CANCEL,
        0xFF00: StatusClass.PENDING,
        0xFF01: StatusClass.PENDING,
    }
    for code, cls in cases.items():
        assert status_class(code) is cls, hex(code)


@pytest.mark.parametrize("max_pdu", [0, 7, 16, 64, 100, 16384])
def test_fragment_and_reassemble(max_pdu: int) -> None:
    dataset = bytes(range(256)) * 3
    cmd = CommandSet.of(
        AffectedSOPClassUID="1.2.840.10008.5.1.4.1.1.2",
        CommandField=0x0001,
        MessageID=5,
        Priority=0,
        CommandDataSetType=0x0001,
        AffectedSOPInstanceUID="1.2.3.4.5",
    )
    msg = DimseMessage(3, cmd, dataset)
    pdus = list(fragment(msg, max_pdu))
    for pdu in pdus:
        raw = pdu.encode()
        if max_pdu:
            assert len(raw) - 6 <= max_pdu  # the PDU-length never exceeds the peer's maximum
        assert decode_pdu(raw) == pdu
    kinds = [(p.pdvs[0].is_command, p.pdvs[0].is_last) for p in pdus]
    n_cmd = sum(1 for c, _ in kinds if c)
    assert kinds[n_cmd - 1] == (True, True) and kinds[-1] == (False, True)
    assert all(not last for _, last in kinds[: n_cmd - 1])
    asm = MessageAssembler()
    done = []
    for pdu in pdus:
        done += asm.feed(pdu)
    assert len(done) == 1 and asm.idle
    assert done[0].dataset == dataset and done[0].command == decode_command(encode_command(cmd))
    assert done[0].context_id == 3


def test_message_dataset_round_trip() -> None:
    from dicomgen.core.dataset import Dataset
    from dicomgen.net.dimse.message import encode_message_dataset

    ds = Dataset()
    ds.add_new(0x00080018, "UI", "1.2.3.4")
    ds.add_new(0x00100010, "PN", "Doe^John")
    for ts in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
        raw = encode_message_dataset(ds, ts)
        msg = DimseMessage(1, CommandSet.of(CommandField=1, CommandDataSetType=1), raw)
        back = msg.decode_dataset(ts)
        assert str(back.get_value(0x00100010)) == "Doe^John"
        assert str(back.get_value(0x00080018)) == "1.2.3.4"


def test_fragment_refuses_tiny_peer_maximum() -> None:
    with pytest.raises(DimseError):
        list(fragment(echo_request(1, 1), 6))


def test_reassembly_rules() -> None:
    cmd = encode_command(echo_request(1, 1).command)
    asm = MessageAssembler()
    with pytest.raises(DimseError):  # data before command
        asm.feed(PDataTF([PDV(1, False, True, b"x")]))
    asm = MessageAssembler()
    asm.feed(PDataTF([PDV(1, True, False, cmd[:10])]))
    with pytest.raises(DimseError):  # context changes inside a message
        asm.feed(PDataTF([PDV(3, True, True, cmd[10:])]))
    asm = MessageAssembler()
    (msg,) = asm.feed(PDataTF([PDV(1, True, False, cmd[:10]), PDV(1, True, True, cmd[10:])]))
    assert msg.command.MessageID == 1 and msg.dataset is None


def test_generic_dataset_codec_agrees_on_command_sets() -> None:
    """The data set codec (dicomgen.encoding) reads and writes the same command bytes."""
    from dicomgen.core.dataset import Dataset
    from dicomgen.encoding.reader import decode_dataset
    from dicomgen.encoding.writer import encode_dataset

    ds = Dataset()
    ds.add_new(0x00000000, "UL", 56)
    ds.add_new(0x00000002, "UI", "1.2.840.10008.1.1")
    ds.add_new(0x00000100, "US", 0x0030)
    ds.add_new(0x00000110, "US", 7)
    ds.add_new(0x00000800, "US", 0x0101)
    assert encode_dataset(ds, "1.2.840.10008.1.2") == ECHO_RQ_GOLDEN
    back = decode_dataset(ECHO_RQ_GOLDEN, "1.2.840.10008.1.2")
    ours = decode_command(ECHO_RQ_GOLDEN)
    for tag, value in ours.items():
        assert back.get_value(tag) == value, hex(tag)
