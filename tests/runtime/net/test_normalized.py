"""DIMSE-N (PS3.7 10.1, 10.3): N-EVENT-REPORT, N-GET, N-SET, N-ACTION, N-CREATE, N-DELETE,
our SCU against our SCP on 127.0.0.1, message fields checked against PS3.7's tables."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ps3_7_tables import table_tags

from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DimseError
from dicomgen.net import AE, Timeouts
from dicomgen.net.dimse import CommandField, decode_command, encode_command
from dicomgen.net.dimse.normalized import (
    NEvent,
    n_action,
    n_create,
    n_delete,
    n_event_report,
    n_get,
    n_request,
    n_set,
)
from dicomgen.net.services.normalized import ManagedInstances

FAST = Timeouts(connect=5, acse=5, dimse=5, idle=15, artim=2)
#: Storage Commitment Push Model SOP Class (PS3.4 J.3): N-ACTION and N-EVENT-REPORT
COMMITMENT = "1.2.840.10008.1.20.1"
COMMITMENT_INSTANCE = "1.2.840.10008.1.20.1.1"
#: Modality Performed Procedure Step SOP Class (PS3.4 F.7): N-CREATE, N-SET (and N-GET)
MPPS = "1.2.840.10008.3.1.2.3.3"


def run(coro: Any, timeout: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def server(handlers: dict) -> Any:
    ae = AE("NSCP", timeouts=FAST)
    ae.add_supported_context(COMMITMENT)
    ae.add_supported_context(MPPS)
    return ae.serve_sync(("127.0.0.1", 0), handlers)


def requestor() -> AE:
    ae = AE("NSCU", timeouts=FAST)
    ae.add_requested_context(COMMITMENT)
    ae.add_requested_context(MPPS)
    return ae


def test_request_fields_follow_ps3_7_tables() -> None:
    """Affected UIDs for N-EVENT-REPORT and N-CREATE, Requested UIDs for the others."""
    for field in (CommandField.N_EVENT_REPORT_RQ, CommandField.N_CREATE_RQ):
        cmd = decode_command(encode_command(n_request(1, field, 3, "1.2", "1.2.3").command))
        assert (cmd.AffectedSOPClassUID, cmd.AffectedSOPInstanceUID) == ("1.2", "1.2.3")
        assert cmd.RequestedSOPClassUID is None and cmd.CommandDataSetType == 0x0101
    for field in (
        CommandField.N_GET_RQ,
        CommandField.N_SET_RQ,
        CommandField.N_ACTION_RQ,
        CommandField.N_DELETE_RQ,
    ):
        cmd = n_request(1, field, 3, "1.2", "1.2.3", b"\0" * 8).command
        assert (cmd.RequestedSOPClassUID, cmd.RequestedSOPInstanceUID) == ("1.2", "1.2.3")
        assert cmd.AffectedSOPClassUID is None and cmd.CommandDataSetType != 0x0101


def test_n_action_and_event_report_with_handlers() -> None:
    seen: list[NEvent] = []

    def on_action(event: NEvent) -> Any:
        seen.append(event)
        reply = Dataset()
        reply.TransactionUID = event.request_dataset.TransactionUID
        return 0, reply

    async def on_report(event: NEvent) -> int:
        seen.append(event)
        return 0x0000

    with server({"N-ACTION": on_action, "N-EVENT-REPORT": on_report}) as srv:

        async def go() -> tuple:
            async with requestor().associate("127.0.0.1", srv.port, "NSCP") as assoc:
                info = {"TransactionUID": "1.2.3.4", "ReferencedSOPSequence": [{}]}
                a = await n_action(assoc, COMMITMENT, COMMITMENT_INSTANCE, 1, info)
                e = await n_event_report(assoc, COMMITMENT, COMMITMENT_INSTANCE, 2, info)
                return a, e

        a, e = run(go())
    assert a.status == 0 and str(a.dataset.TransactionUID) == "1.2.3.4"
    assert a.command.ActionTypeID == 1 and a.affected_sop_instance_uid == COMMITMENT_INSTANCE
    assert a.command.CommandField == 0x8130
    assert e.status == 0 and e.command.EventTypeID == 2 and e.dataset is None
    assert [s.action_type_id for s in seen] == [1, None]
    assert [s.event_type_id for s in seen] == [None, 2]
    assert seen[0].sop_class == COMMITMENT and seen[0].sop_instance == COMMITMENT_INSTANCE


def test_managed_instances_create_get_set_delete() -> None:
    managed = ManagedInstances()
    with server(managed.handlers()) as srv:

        async def go() -> list:
            out = []
            async with requestor().associate("127.0.0.1", srv.port, "NSCP") as assoc:
                attrs = {"PerformedProcedureStepStatus": "IN PROGRESS", "Modality": "CT"}
                created = await n_create(assoc, MPPS, None, attrs)
                uid = created.affected_sop_instance_uid
                out.append(created)
                out.append(await n_create(assoc, MPPS, uid, attrs))  # duplicate
                out.append(await n_get(assoc, MPPS, uid, ["Modality"]))
                out.append(
                    await n_set(assoc, MPPS, uid, {"PerformedProcedureStepStatus": "COMPLETED"})
                )
                out.append(await n_get(assoc, MPPS, uid))
                out.append(await n_get(assoc, COMMITMENT, uid))  # wrong class
                out.append(await n_delete(assoc, MPPS, uid))
                out.append(await n_get(assoc, MPPS, uid))
            return out

        created, dup, get1, set1, get2, conflict, deleted, gone = run(go())
    assert created.status == 0 and created.affected_sop_instance_uid.startswith("2.25.")
    assert created.dataset.Modality == "CT"
    assert dup.status == 0x0111
    assert get1.status == 0 and list(get1.dataset.keys()) == [0x00080060]
    assert set1.status == 0 and set1.dataset.PerformedProcedureStepStatus == "COMPLETED"
    assert get2.dataset.PerformedProcedureStepStatus == "COMPLETED"
    assert conflict.status == 0x0119
    assert deleted.status == 0 and gone.status == 0x0112
    assert managed.instances == {}


def test_no_handler_and_failing_handler() -> None:
    def broken(event: NEvent) -> Any:
        raise ValueError("boom")

    with server({"N-ACTION": broken}) as srv:

        async def go() -> tuple:
            async with requestor().associate("127.0.0.1", srv.port, "NSCP") as assoc:
                failed = await n_action(assoc, COMMITMENT, COMMITMENT_INSTANCE, 1)
                unhandled = await n_delete(assoc, MPPS, "1.2.3")
                with pytest.raises(DimseError):
                    await n_set(assoc, MPPS, "1.2.3", None)
                with pytest.raises(DimseError):  # no accepted context for it
                    await n_get(assoc, "1.2.840.10008.5.1.1.1", "1.2.3")
                return failed, unhandled

        failed, unhandled = run(go())
    assert failed.status == 0x0110 and "boom" in failed.error_comment
    assert unhandled.status == 0x0211


@pytest.fixture(scope="module")
def part07(docbook):
    return docbook(7, "2020c")


def test_n_messages_use_the_fields_of_ps3_7_tables(part07) -> None:
    """Each N-xxx-RQ and the response our SCP builds carry only the fields of PS3.7
    Tables 10.3-1 to 10.3-12 (plus the status fields of Annex C)."""
    from dicomgen.net.dimse.find import response_to

    annex_c = {0x00000901, 0x00000902, 0x00000903}
    kinds = [
        (CommandField.N_EVENT_REPORT_RQ, {"EventTypeID": 1}, {"EventTypeID": 1}),
        (CommandField.N_GET_RQ, {"AttributeIdentifierList": (0x00100010,)}, {}),
        (CommandField.N_SET_RQ, {}, {}),
        (CommandField.N_ACTION_RQ, {"ActionTypeID": 1}, {"ActionTypeID": 1}),
        (CommandField.N_CREATE_RQ, {}, {}),
        (CommandField.N_DELETE_RQ, {}, {}),
    ]
    for i, (field, rq_extra, rsp_extra) in enumerate(kinds):
        rq = n_request(1, field, 3, "1.2", "1.2.3", b"\0\0", **rq_extra)
        rsp = response_to(
            rq, field | 0x8000, 0, b"\0\0", AffectedSOPInstanceUID="1.2.3", **rsp_extra
        )
        for message, table in ((rq, f"table_10.3-{2 * i + 1}"), (rsp, f"table_10.3-{2 * i + 2}")):
            present = set(decode_command(encode_command(message.command)))
            allowed = table_tags(part07, table) | annex_c
            assert present <= allowed, (table, sorted(map(hex, present - allowed)))
