"""Query/Retrieve: C-FIND, C-MOVE, C-GET and C-CANCEL, our SCU against our SCP (PS3.7 9.1.2-9.1.4,
9.3.2-9.3.4; PS3.4 C.4) over 127.0.0.1 with the file store as the back end.

Expected results are computed from the list of instances the archive was filled with, not
from the store's matcher.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from ps3_7_tables import table_tags
from qr_archive import (
    CT,
    INSTANCES,
    MR,
    filled_storage,
    make,
    move_destination,
    slow_patient_matches,
)

from dicomgen.archive import StorageSCP
from dicomgen.archive import query_retrieve as qr
from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DimseError
from dicomgen.encoding.json import to_json
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse import encode_command
from dicomgen.net.dimse.cancel import cancel_request
from dicomgen.net.dimse.find import (
    PATIENT_ROOT_FIND,
    STUDY_ROOT_FIND,
    STUDY_ROOT_GET,
    STUDY_ROOT_MOVE,
    as_identifier,
    c_find,
    encode_identifier,
    sop_class_for,
)
from dicomgen.net.dimse.get import ReceivedInstances, add_get_contexts, c_get
from dicomgen.net.dimse.move import Retrieval, c_move
from dicomgen_std.commands import CommandSet

FAST = Timeouts(connect=5, acse=5, dimse=5, idle=15, artim=2)


def run(coro: Any, timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    s = filled_storage(tmp_path_factory.mktemp("qr") / "store")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def destination():
    """Our own storage SCP as Move Destination, keeping what it receives."""
    with move_destination("DEST", FAST) as (server, received):
        yield server, received


@pytest.fixture(scope="module")
def qr_server(storage, destination):
    dest_server, _ = destination
    ae = AE("QRSCP", timeouts=FAST)
    qr.add_contexts(ae, storage_sop_classes=[CT, MR])
    handlers = qr.install(
        {}, storage, {"DEST": ("127.0.0.1", dest_server.port), "DOWN": ("127.0.0.1", 1)}
    )
    server = ae.serve_sync(("127.0.0.1", 0), handlers)
    try:
        yield server
    finally:
        server.shutdown()


def scu(*contexts: str) -> AE:
    ae = AE("SCU", timeouts=FAST)
    for c in contexts:
        ae.add_requested_context(c)
    return ae


async def find_all(port: int, identifier: Any, model: str = "STUDY") -> list[tuple[int, Any]]:
    ae = scu(sop_class_for(model, "FIND"))
    async with ae.associate("127.0.0.1", port, "QRSCP") as assoc:
        return await c_find(assoc, identifier, model).collect()


def values(results: list[tuple[int, Any]], keyword: str) -> set[str]:
    assert results[-1] == (0, None)
    assert all(status == 0xFF00 for status, _ in results[:-1])
    return {str(getattr(ds, keyword)) for _, ds in results[:-1]}


# --- C-FIND -----------------------------------------------------------------------------------


def test_find_patient_root_each_level(qr_server) -> None:
    port = qr_server.port
    rs = run(find_all(port, {"QueryRetrieveLevel": "PATIENT", "PatientID": "*"}, "PATIENT"))
    assert values(rs, "PatientID") == {r[0] for r in INSTANCES}
    rs = run(
        find_all(
            port,
            {"QueryRetrieveLevel": "STUDY", "PatientID": "PAT1", "StudyInstanceUID": ""},
            "PATIENT",
        )
    )
    assert values(rs, "StudyInstanceUID") == {r[2] for r in INSTANCES if r[0] == "PAT1"}
    ident = {
        "QueryRetrieveLevel": "SERIES",
        "PatientID": "PAT1",
        "StudyInstanceUID": "1.2.826.0.1.1",
        "SeriesInstanceUID": "",
        "Modality": "",
    }
    rs = run(find_all(port, ident, "PATIENT"))
    assert values(rs, "SeriesInstanceUID") == {r[4] for r in INSTANCES if r[2] == "1.2.826.0.1.1"}
    assert {(str(d.SeriesInstanceUID), d.Modality) for _, d in rs[:-1]} == {
        (r[4], r[5]) for r in INSTANCES if r[2] == "1.2.826.0.1.1"
    }
    ident = {
        "QueryRetrieveLevel": "IMAGE",
        "PatientID": "PAT2",
        "StudyInstanceUID": "1.2.826.0.2.1",
        "SeriesInstanceUID": "1.2.826.0.2.1.1",
        "SOPInstanceUID": "",
    }
    rs = run(find_all(port, ident, "PATIENT"))
    assert values(rs, "SOPInstanceUID") == {r[7] for r in INSTANCES if r[4] == "1.2.826.0.2.1.1"}


def test_find_study_root_wildcards_and_date_range(qr_server) -> None:
    ident = {
        "QueryRetrieveLevel": "STUDY",
        "StudyInstanceUID": "",
        "PatientName": "*OE^J*",
        "StudyDate": "20200101-20201231",
    }
    rs = run(find_all(qr_server.port, ident))
    want = {r[2] for r in INSTANCES if r[1] in ("DOE^JOHN", "ROE^JANE") and r[3].startswith("2020")}
    assert values(rs, "StudyInstanceUID") == want
    # the responses hold the requested keys with the stored values
    for _, ds in rs[:-1]:
        row = next(r for r in INSTANCES if r[2] == str(ds.StudyInstanceUID))
        assert str(ds.PatientName) == row[1] and str(ds.StudyDate).replace("-", "") == row[3]
        assert ds.QueryRetrieveLevel == "STUDY"


def test_find_with_typed_dataset_identifier_and_no_match(qr_server) -> None:
    ident = Dataset()
    ident.QueryRetrieveLevel = "STUDY"
    ident.StudyInstanceUID = None
    ident.PatientID = "NOBODY"
    assert run(find_all(qr_server.port, ident)) == [(0, None)]


def test_find_bad_level_is_a_failure(qr_server) -> None:
    rs = run(find_all(qr_server.port, {"QueryRetrieveLevel": "PLANET", "PatientID": "*"}))
    assert len(rs) == 1 and rs[0][1] is None
    assert rs[0][0] & 0xF000 in (0xA000, 0xC000)


def test_find_without_accepted_context_raises(qr_server) -> None:
    async def go() -> None:
        ae = scu(STUDY_ROOT_FIND)
        async with ae.associate("127.0.0.1", qr_server.port, "QRSCP") as assoc:
            with pytest.raises(DimseError):
                c_find(assoc, {"QueryRetrieveLevel": "PATIENT"}, "PATIENT")

    run(go())


_slow_matches = slow_patient_matches(50)


def test_find_cancel_after_first_pending() -> None:
    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(PATIENT_ROOT_FIND)
    with ae.serve_sync(("127.0.0.1", 0), {"C-FIND": _slow_matches}) as server:

        async def go() -> list[int]:
            async with scu(PATIENT_ROOT_FIND).associate("127.0.0.1", server.port, "X") as assoc:
                stream = c_find(assoc, {"QueryRetrieveLevel": "PATIENT", "PatientID": ""}, "P")
                statuses = []
                async for status, _ in stream:
                    statuses.append(status)
                    if len(statuses) == 1:
                        await stream.cancel()
                # the association is still usable afterwards (the second query is cancelled
                # too, so that the release does not wait for its 50 slow matches)
                again = c_find(assoc, {"QueryRetrieveLevel": "PATIENT"}, "P")
                first = await again.__anext__()
                assert first[0] == 0xFF00
                await again.cancel()
                assert [s async for s, _ in again][-1] == 0xFE00
                return statuses

        statuses = run(go())
    assert statuses[0] == 0xFF00
    assert statuses[-1] == 0xFE00
    assert len(statuses) < 50  # stopped early, not after all 50 (+ final)


def test_cancel_request_golden_bytes() -> None:
    # C-CANCEL-RQ for Message ID 7 on context 1 (PS3.7 Table 9.3-5), Implicit VR LE:
    golden = bytes.fromhex(
        " ".join(
            [
                "0000 0000 04000000 1e000000",  # (0000,0000) UL 4: group length 30
                "0000 0001 02000000 ff0f",  # (0000,0100) US Command Field 0FFFH
                "0000 2001 02000000 0700",  # (0000,0120) US Message ID Being Responded To 7
                "0000 0008 02000000 0101",  # (0000,0800) US Command Data Set Type: none
            ]
        )
    )
    message = cancel_request(1, 7)
    assert encode_command(message.command) == golden
    assert message.dataset is None


def test_as_identifier_forms() -> None:
    ds = as_identifier({"PatientID": "X*", "0020,000D": "", "ReferencedStudySequence": [{}]})
    assert ds.PatientID == "X*"
    assert 0x0020000D in ds and ds[0x0020000D].value in (None, "", [])
    assert ds[0x00081110].vr == "SQ" and len(ds[0x00081110].value) == 1
    with pytest.raises(DimseError):
        as_identifier({"NotAKeyword": 1})
    with pytest.raises(DimseError):
        as_identifier(42)
    assert isinstance(CommandSet.of(MessageID=1), CommandSet)


# --- C-MOVE -----------------------------------------------------------------------------------


def stored_payload(storage: StorageSCP, uid: str) -> bytes:
    from dicomgen.net.dimse.store_sources import open_source

    [rec] = [r for r in storage.index.instance_records() if r.sop_instance_uid == uid]
    src = open_source(rec.path if rec.path.is_absolute() else storage.root / rec.path)
    try:
        return bytes(src.buf[src.offset :])
    finally:
        src.close()


async def move(port: int, identifier: Any, dest: str, model: str = "STUDY") -> list:
    ae = scu(sop_class_for(model, "MOVE"))
    async with ae.associate("127.0.0.1", port, "QRSCP") as assoc:
        return await c_move(assoc, identifier, dest, model).collect()


def test_move_study_to_our_destination(qr_server, destination, storage) -> None:
    _, received = destination
    received.instances.clear()
    study = "1.2.826.0.1.1"
    rs = run(
        move(qr_server.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": study}, "DEST")
    )
    want = {r[7] for r in INSTANCES if r[2] == study}
    final = rs[-1]
    assert (final.status, final.completed, final.failed, final.warning) == (0, len(want), 0, 0)
    pending = rs[:-1]
    assert [p.remaining for p in pending] == list(range(len(want) - 1, 0, -1))
    assert all(p.status == 0xFF00 for p in pending)
    assert {i.sop_instance_uid for i in received.instances} == want
    for inst in received.instances:  # sent as stored, byte for byte
        assert inst.data == stored_payload(storage, inst.sop_instance_uid)


def test_move_patient_root_image_level(qr_server, destination) -> None:
    _, received = destination
    received.instances.clear()
    ident = {
        "QueryRetrieveLevel": "IMAGE",
        "PatientID": "PAT2",
        "StudyInstanceUID": "1.2.826.0.2.1",
        "SeriesInstanceUID": "1.2.826.0.2.1.1",
        "SOPInstanceUID": ["1.2.826.0.2.1.1.2"],
    }
    final = run(move(qr_server.port, ident, "DEST", "PATIENT"))[-1]
    assert final.status == 0 and final.completed == 1
    assert [i.sop_instance_uid for i in received.instances] == ["1.2.826.0.2.1.1.2"]


def test_move_unknown_destination(qr_server) -> None:
    ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.1.1"}
    rs = run(move(qr_server.port, ident, "NOWHERE"))
    assert len(rs) == 1 and rs[0].status == 0xA801


def test_move_unreachable_destination_fails(qr_server) -> None:
    ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.1.1"}
    rs = run(move(qr_server.port, ident, "DOWN"))
    assert len(rs) == 1 and rs[0].status == 0xA702


def test_move_identifier_without_unique_key(qr_server) -> None:
    rs = run(move(qr_server.port, {"QueryRetrieveLevel": "SERIES", "Modality": "CT"}, "DEST"))
    assert len(rs) == 1 and rs[0].status == 0xA900


def test_move_to_destination_refusing_one_class(qr_server, storage) -> None:
    """The destination accepts CT only: the MR sub-operation fails -> Warning B000 with the
    failed UID listed (PS3.4 C.4.2.1.3)."""
    ae = AE("CTONLY", timeouts=FAST)
    ae.add_supported_context(CT)
    received = ReceivedInstances()
    with ae.serve_sync(("127.0.0.1", 0), {"C-STORE": received}) as dest:
        handlers = qr.install({}, storage, {"CTONLY": ("127.0.0.1", dest.port)})
        qae = AE("QRSCP", timeouts=FAST)
        qr.add_contexts(qae, storage_sop_classes=[])
        with qae.serve_sync(("127.0.0.1", 0), handlers) as server:
            ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.1.1"}
            final = run(move(server.port, ident, "CTONLY"))[-1]
    mr = [r[7] for r in INSTANCES if r[2] == "1.2.826.0.1.1" and r[6] == MR]
    assert final.status == 0xB000
    assert (final.completed, final.failed) == (len(received.instances), len(mr))
    assert final.failed_sop_instance_uids == mr


# --- C-GET ------------------------------------------------------------------------------------


async def get(port: int, identifier: Any, classes=(CT, MR), model: str = "STUDY") -> tuple:
    ae = AE("GETSCU", timeouts=FAST)
    add_get_contexts(ae, model, classes)
    received = ReceivedInstances()
    async with ae.associate("127.0.0.1", port, "QRSCP", handlers={"C-STORE": received}) as assoc:
        rs = await c_get(assoc, identifier, model).collect()
    return rs, received


def test_get_series(qr_server, storage) -> None:
    series = "1.2.826.0.1.1.1"
    ident = {"QueryRetrieveLevel": "SERIES", "StudyInstanceUID": "1.2.826.0.1.1"}
    ident["SeriesInstanceUID"] = series
    rs, received = run(get(qr_server.port, ident))
    want = {r[7] for r in INSTANCES if r[4] == series}
    assert rs[-1].status == 0 and rs[-1].completed == len(want)
    assert {i.sop_instance_uid for i in received.instances} == want
    for inst in received.instances:
        assert inst.data == stored_payload(storage, inst.sop_instance_uid)
    # decoded, the received data sets carry what was stored
    for ds in received.datasets():
        row = next(r for r in INSTANCES if r[7] == str(ds.SOPInstanceUID))
        assert to_json(make(row)) == to_json(ds)


def test_get_without_scp_role_for_a_class_fails_those(qr_server) -> None:
    ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.1.1"}
    rs, received = run(get(qr_server.port, ident, classes=(CT,)))
    mr = {r[7] for r in INSTANCES if r[2] == "1.2.826.0.1.1" and r[6] == MR}
    final = rs[-1]
    assert final.status == 0xB000 and final.failed == len(mr)
    assert set(final.failed_sop_instance_uids) == mr
    assert {i.sop_instance_uid for i in received.instances} == {
        r[7] for r in INSTANCES if r[2] == "1.2.826.0.1.1" and r[6] == CT
    }


def test_get_nothing_acceptable_is_a_failure(qr_server) -> None:
    ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.2.1"}
    rs, received = run(get(qr_server.port, ident, classes=(CT,)))
    assert rs[-1].status == 0xA702 and rs[-1].completed == 0 and rs[-1].failed == 2
    assert received.instances == []


def test_get_cancel_stops_suboperations(storage) -> None:
    records = list(storage.index.instance_records(root=storage.root))

    async def slow_get(event) -> Retrieval:
        return Retrieval(instances=records * 20)

    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(STUDY_ROOT_GET)
    for cls in (CT, MR):
        ae.add_supported_context(cls, scp_role=True)

    async def go(port: int) -> tuple:
        cae = AE("GETSCU", timeouts=FAST)
        add_get_contexts(cae, "STUDY", (CT, MR))

        async def store(event) -> int:
            await asyncio.sleep(0.02)
            return 0

        async with cae.associate("127.0.0.1", port, "Q", handlers={"C-STORE": store}) as assoc:
            stream = c_get(assoc, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1"})
            rs = []
            async for rsp in stream:
                rs.append(rsp)
                if len(rs) == 2:
                    await stream.cancel()
            return rs

    with ae.serve_sync(("127.0.0.1", 0), {"C-GET": slow_get}) as server:
        rs = run(go(server.port))
    final = rs[-1]
    assert final.status == 0xFE00 and final.failed == 0
    assert 2 <= final.completed < len(records) * 20
    assert final.remaining == len(records) * 20 - final.completed - final.failed - final.warning


def test_get_a_file_gone_since_the_query_fails_that_sub_operation_only(storage, tmp_path) -> None:
    """Sub-operations run one after another with the next file opened ahead: a record whose
    file cannot be read is a failed sub-operation (listed), the others are sent."""
    import dataclasses

    records = list(storage.index.instance_records(root=storage.root))[:3]
    gone = dataclasses.replace(records[1], path=tmp_path / "gone.dcm")

    async def get_three(event) -> Retrieval:
        return Retrieval(instances=[records[0], gone, records[2]])

    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(STUDY_ROOT_GET)
    for cls in (CT, MR):
        ae.add_supported_context(cls, scp_role=True)
    with ae.serve_sync(("127.0.0.1", 0), {"C-GET": get_three}) as server:
        rs, received = run(
            get(server.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1"})
        )
    final = rs[-1]
    assert final.status == 0xB000 and (final.completed, final.failed) == (2, 1)
    assert final.failed_sop_instance_uids == [gone.sop_instance_uid]
    assert [i.sop_instance_uid for i in received.instances] == [
        records[0].sop_instance_uid,
        records[2].sop_instance_uid,
    ]
    assert [r.status for r in rs[:-1]] == [0xFF00, 0xFF00]  # a Pending after each but the last


def test_qr_handlers_with_no_handler_installed() -> None:
    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(STUDY_ROOT_MOVE)
    with ae.serve_sync(("127.0.0.1", 0), {}) as server:
        rs = run(move(server.port, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1"}, "D"))
    assert len(rs) == 1 and rs[0].status == 0xC000


# --- CLI --------------------------------------------------------------------------------------


def test_cli_find_move_get(qr_server, destination, tmp_path, capsys) -> None:
    import json

    from dicomgen.cli.main import main

    port = str(qr_server.port)
    rc = main(
        ["find", "127.0.0.1", port, "-aec", "QRSCP", "-P", "-k", "QueryRetrieveLevel=PATIENT"]
        + ["-k", "PatientID=PAT*", "-k", "PatientName", "-to", "10"]
    )
    out = capsys.readouterr().out
    assert rc == 0
    found = {json.loads(line)["00100020"]["Value"][0] for line in out.splitlines() if line}
    assert found == {r[0] for r in INSTANCES}

    _, received = destination
    received.instances.clear()
    rc = main(
        ["move", "127.0.0.1", port, "-aec", "QRSCP", "-S", "--move", "DEST"]
        + ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.826.0.2.1"]
    )
    assert rc == 0 and "completed 2" in capsys.readouterr().out
    assert len(received.instances) == 2

    rc = main(
        ["get", "127.0.0.1", port, "-aec", "QRSCP", "-od", str(tmp_path)]
        + ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.826.0.1.2"]
    )
    assert rc == 0
    files = sorted(p.name for p in tmp_path.glob("*.dcm"))
    assert files == ["1.2.826.0.1.2.1.1.dcm"]
    from dicomgen.media.part10 import read

    assert to_json(read(tmp_path / files[0])) == to_json(make(INSTANCES[3]))


def test_cli_keys_parse_nested() -> None:
    from dicomgen.cli.find import parse_keys

    ds = parse_keys(
        [
            "QueryRetrieveLevel=IMAGE",
            "0020,000D=1.2",
            "ReferencedSeriesSequence[1].SeriesInstanceUID=3",
        ]
        + ["ScheduledProcedureStepSequence/Modality=CT", "InstanceNumber=4", "StudyDate"]
    )
    assert ds.QueryRetrieveLevel == "IMAGE" and str(ds[0x0020000D].value) == "1.2"
    items = ds.ReferencedSeriesSequence
    assert len(items) == 2 and str(items[1].SeriesInstanceUID) == "3"
    assert ds.ScheduledProcedureStepSequence[0].Modality == "CT"
    assert ds[0x00080020].value in (None, "")
    with pytest.raises(DimseError):
        parse_keys(["PatientID.Modality=1"])
    with pytest.raises(DimseError):
        parse_keys(["NoSuchKeyword=1"])


# --- message fields against PS3.7 ---------------------------------------------------------------

#: status-dependent fields of PS3.7 Annex C that any response may carry
ANNEX_C_FIELDS = {0x00000901, 0x00000902, 0x00000903}


@pytest.fixture(scope="module")
def part07(docbook):
    return docbook(7, "2020c")


def test_c_messages_use_the_fields_of_ps3_7_tables(part07) -> None:
    from dicomgen.net.dimse import DimseMessage, decode_command
    from dicomgen.net.dimse.find import find_request, find_response
    from dicomgen.net.dimse.get import get_request
    from dicomgen.net.dimse.move import Counts, move_request, retrieve_response

    find_rq = find_request(1, 5, STUDY_ROOT_FIND, b"")
    get_rq = get_request(1, 5, STUDY_ROOT_GET, b"")
    move_rq = move_request(1, 5, STUDY_ROOT_MOVE, "DEST", b"")
    counts = Counts(remaining=1, completed=2, failed=3, warning=4)
    cases: list[tuple[str, DimseMessage]] = [
        ("table_9.3-3", find_rq),
        ("table_9.3-4", find_response(find_rq, 0xFF00, b"\0")),
        ("table_9.3-5", cancel_request(1, 5)),
        ("table_9.3-6", get_rq),
        ("table_9.3-7", retrieve_response(get_rq, 0x8010, 0xFF00, counts, identifier=b"\0")),
        ("table_9.3-8", cancel_request(1, 5)),
        ("table_9.3-9", move_rq),
        ("table_9.3-10", retrieve_response(move_rq, 0x8021, 0xFE00, counts, identifier=b"\0")),
        ("table_9.3-11", cancel_request(1, 5)),
    ]
    for table_id, message in cases:
        allowed = table_tags(part07, table_id) | ANNEX_C_FIELDS
        present = set(decode_command(encode_command(message.command)))
        assert present <= allowed, (table_id, sorted(map(hex, present - allowed)))
        # every field of the table that this message kind always carries is present
        assert {0x00000000, 0x00000100, 0x00000800} <= present
    # the counts travel in the C-GET/C-MOVE responses (0000,1020)-(0000,1023)
    rsp = retrieve_response(move_rq, 0x8021, 0xFF00, counts)
    assert [rsp.command[t] for t in (0x00001020, 0x00001021, 0x00001022, 0x00001023)] == [
        1,
        2,
        3,
        4,
    ]


# --- more retrieve behaviour ---------------------------------------------------------------------


def test_move_sets_move_originator(storage) -> None:
    """C-STORE sub-operations of a C-MOVE name the originator (PS3.7 9.3.1.1, Table 9.3-1)."""
    seen: list[tuple] = []

    def on_store(event) -> int:
        cmd = event.command
        seen.append((cmd.MoveOriginatorApplicationEntityTitle, cmd.MoveOriginatorMessageID))
        return 0

    dae = AE("ORIGDEST", timeouts=FAST)
    dae.add_supported_context(CT)
    with dae.serve_sync(("127.0.0.1", 0), {"C-STORE": on_store}) as dest:
        qae = AE("QRSCP", timeouts=FAST)
        qr.add_contexts(qae, storage_sop_classes=[])
        handlers = qr.install({}, storage, {"ORIGDEST": ("127.0.0.1", dest.port)})
        with qae.serve_sync(("127.0.0.1", 0), handlers) as server:

            async def go() -> Any:
                async with scu(STUDY_ROOT_MOVE).associate("127.0.0.1", server.port, "Q") as a:
                    a.next_message_id()  # make the Message ID differ from 1
                    ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1.2.826.0.1.2"}
                    stream = c_move(a, ident, "ORIGDEST")
                    return stream.message_id, await stream.final()

            message_id, final = run(go())
    assert final.status == 0 and final.completed == 1
    assert seen == [("SCU", message_id)]


def test_get_compressed_instance_as_stored(tmp_path) -> None:
    """An encapsulated (JPEG 2000) instance goes back byte for byte when the requestor
    accepts its transfer syntax, and fails (A702) when it accepts only native ones."""
    data_mod = pytest.importorskip("pydicom.data")
    path = data_mod.get_testdata_file("JPEG2000.dcm")
    from dicomgen.net.dimse.store_sources import open_source

    src = open_source(path)
    cls, inst, ts = src.sop_class_uid, src.sop_instance_uid, src.transfer_syntax
    payload = bytes(src.buf[src.offset :])
    src.close()
    # an index record as the file store makes them (the fields the SCP reads)
    records = [
        SimpleNamespace(sop_class_uid=cls, sop_instance_uid=inst, transfer_syntax=ts, path=path)
    ]
    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(STUDY_ROOT_GET)
    ae.add_supported_context(cls, ("1.2.840.10008.1.2.1", ts), scp_role=True)

    async def go(port: int, with_ts: bool) -> tuple:
        cae = AE("GETSCU", timeouts=FAST)
        add_get_contexts(cae, "STUDY", [cls])
        if with_ts:
            cae.add_requested_context(cls, (ts,), scu_role=False, scp_role=True)
        received = ReceivedInstances()
        async with cae.associate("127.0.0.1", port, "Q", handlers={"C-STORE": received}) as a:
            final = await c_get(a, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1"}).final()
        return final, received

    with ae.serve_sync(("127.0.0.1", 0), {"C-GET": lambda event: Retrieval(records)}) as server:
        ok, received = run(go(server.port, True))
        refused, nothing = run(go(server.port, False))
    assert ok.status == 0 and ok.completed == 1
    [got] = received.instances
    assert (got.transfer_syntax, got.sop_instance_uid, got.data) == (ts, inst, payload)
    assert refused.status == 0xA702 and refused.failed_sop_instance_uids == [inst]
    assert nothing.instances == []


def test_sync_facade_runs_a_find(qr_server) -> None:
    ae = scu(STUDY_ROOT_FIND)
    with ae.associate_sync("127.0.0.1", qr_server.port, "QRSCP") as assoc:
        ident = {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "", "PatientID": "PAT2"}
        results = assoc.run(c_find(assoc.association, ident).collect())
    assert values(results, "StudyInstanceUID") == {r[2] for r in INSTANCES if r[0] == "PAT2"}


def test_find_handler_statuses_failures_and_sop_class_check() -> None:
    """FF01 Pending passes through; a handler exception gives C000 (association kept);
    a request naming another SOP Class than its context gets 0122 (PS3.7 9.1.2.1.6)."""
    from dicomgen.net.dimse.find import find_request

    calls = []

    def handler(event) -> Any:
        calls.append(event.identifier.PatientID)
        if event.identifier.PatientID == "BOOM":
            raise RuntimeError("backend down")
        ds = Dataset()
        ds.QueryRetrieveLevel = "PATIENT"
        ds.PatientID = "X"
        return [(0xFF01, ds), (0xFF00, ds)]

    ae = AE("QRSCP", timeouts=FAST)
    ae.add_supported_context(PATIENT_ROOT_FIND)
    with ae.serve_sync(("127.0.0.1", 0), {"C-FIND": handler}) as server:

        async def go() -> tuple:
            async with scu(PATIENT_ROOT_FIND).associate("127.0.0.1", server.port, "Q") as a:
                ok = await c_find(
                    a, {"QueryRetrieveLevel": "PATIENT", "PatientID": "A"}, "P"
                ).collect()
                boom = c_find(a, {"QueryRetrieveLevel": "PATIENT", "PatientID": "BOOM"}, "P")
                failed = await boom.collect()
                ctx = a.context_for(PATIENT_ROOT_FIND)
                data = encode_identifier({"QueryRetrieveLevel": "PATIENT"}, ctx.transfer_syntax)
                rq = find_request(ctx.context_id, a.next_message_id(), STUDY_ROOT_FIND, data)
                wrong = await a.request(rq)
                return ok, failed, boom.error_comment, wrong.command.Status

        ok, failed, comment, wrong = run(go())
    assert [s for s, _ in ok] == [0xFF01, 0xFF00, 0x0000]
    assert failed == [(0xC000, None)] and "backend down" in comment
    assert wrong == 0x0122
    assert calls == ["A", "BOOM"]


def test_move_cancel_stops_suboperations(storage) -> None:
    records = list(storage.index.instance_records(root=storage.root)) * 10
    dae = AE("SLOWDEST", timeouts=FAST)
    dae.add_supported_context(CT)
    dae.add_supported_context(MR)

    async def slow_store(event) -> int:
        await asyncio.sleep(0.03)
        return 0

    with dae.serve_sync(("127.0.0.1", 0), {"C-STORE": slow_store}) as dest:

        def on_move(event) -> Retrieval:
            return Retrieval(instances=records, destination=("127.0.0.1", dest.port))

        qae = AE("QRSCP", timeouts=FAST)
        qae.add_supported_context(STUDY_ROOT_MOVE)
        with qae.serve_sync(("127.0.0.1", 0), {"C-MOVE": on_move}) as server:

            async def go() -> list:
                async with scu(STUDY_ROOT_MOVE).associate("127.0.0.1", server.port, "Q") as a:
                    stream = c_move(
                        a, {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "1"}, "X"
                    )
                    rs = []
                    async for rsp in stream:
                        rs.append(rsp)
                        if len(rs) == 2:
                            await stream.cancel()
                    return rs

            rs = run(go())
    final = rs[-1]
    assert final.status == 0xFE00 and 2 <= final.completed < len(records)
    assert final.remaining == len(records) - final.completed
    # the instances never sent are listed as failed (PS3.4 C.4.2.1.3)
    assert len(final.failed_sop_instance_uids) == final.remaining


def test_find_with_a_typed_object_identifier(qr_server) -> None:
    """A typed object (anything with ``to_dataset()``, here a hand-written item class in the
    generated classes' shape) is a valid Identifier; Type 2 fields left None are universal."""
    from dicomgen.core.typed import DicomObject, attribute, dicom_class

    @dicom_class(kind="item", title="Study query (hand-written)", xml_id="test_study_query")
    class StudyQuery(DicomObject):
        query_retrieve_level: str = attribute(
            0x00080052, "CS", "1", "1", keyword="QueryRetrieveLevel", name="Q/R Level"
        )
        patient_id: str | None = attribute(
            0x00100020, "LO", "1", "2", keyword="PatientID", name="Patient ID", default=None
        )
        study_instance_uid: str | None = attribute(
            0x0020000D, "UI", "1", "2", keyword="StudyInstanceUID", name="Study UID", default=None
        )

    query = StudyQuery(query_retrieve_level="STUDY", patient_id="PAT1")
    rs = run(find_all(qr_server.port, query))
    assert values(rs, "StudyInstanceUID") == {r[2] for r in INSTANCES if r[0] == "PAT1"}

    async def typed() -> list:
        async with scu(STUDY_ROOT_FIND).associate("127.0.0.1", qr_server.port, "QRSCP") as a:
            return await c_find(a, query, into=StudyQuery).collect()

    rs = run(typed())
    assert rs[-1] == (0, None)
    assert all(isinstance(obj, StudyQuery) for _, obj in rs[:-1])
    assert {str(obj.study_instance_uid) for _, obj in rs[:-1]} == {
        r[2] for r in INSTANCES if r[0] == "PAT1"
    }
