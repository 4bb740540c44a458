"""C-GET (PS3.7 9.1.3 and 9.3.3; PS3.4 C.4.3): retrieval over the same association.

The C-STORE sub-operations of a C-GET travel on the association of the C-GET itself, from
the SCP to the SCU: the SCU must propose the Storage SOP Classes it wants to receive with
SCP/SCU Role Selection taking the SCP role (PS3.4 C.4.3.3.1, PS3.7 D.3.3.4), and serve
C-STORE requests on that association.

SCU::

    ae = AE("GETSCU")
    add_get_contexts(ae, "STUDY", [CT_IMAGE_STORAGE])     # GET context + SCP-role storage
    received = ReceivedInstances()                        # a C-STORE handler keeping them
    async with ae.associate(host, port, "QRSCP", handlers={"C-STORE": received}) as assoc:
        final = await c_get(assoc, {"QueryRetrieveLevel": "SERIES", ...}).final()
    received.instances   # [(SOP Class UID, SOP Instance UID, transfer syntax, bytes)]

SCP: :class:`GetSCP` calls the handler like :class:`~.move.MoveSCP` (a :class:`~.move.Retrieval`,
a list of instances, or an int status) and stores each instance to the requestor on an
accepted context where the requestor took the SCP role; an instance whose SOP Class has no
such context is a failed sub-operation (PS3.4 C.4.3.3.1).

C-STORE on the requestor side is served by the C-STORE SCP
(:class:`dicomgen.net.dimse.store_scp.StoreSCP`): it calls the association's "C-STORE" handler
with the event and sends the status it returns (None = Success); the sub-operations use
:func:`~dicomgen.net.dimse.store.c_store_many` (the next instance prepared while the
requestor stores the current one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .cancel import cancellation
from .fields import CommandField, Priority, Status
from .find import encode_identifier, identifier_request, sop_class_for
from .message import DimseMessage
from .move import UNCOMPRESSED, RetrieveStream, prepare, run_suboperations
from .service import DimseEvent, Handler, ServiceProvider

if TYPE_CHECKING:
    from ..association import Association


def get_request(
    context_id: int,
    message_id: int,
    sop_class: str,
    identifier: bytes,
    priority: int = Priority.MEDIUM,
) -> DimseMessage:
    """C-GET-RQ (PS3.7 Table 9.3-6)."""
    return identifier_request(
        CommandField.C_GET_RQ, context_id, message_id, sop_class, identifier, priority
    )


def c_get(
    assoc: Association,
    identifier: Any,
    model: Any = "STUDY",
    *,
    priority: int = Priority.MEDIUM,
    timeout: float | None = None,
) -> RetrieveStream:
    """Start a C-GET; the instances arrive as C-STORE requests on ``assoc`` (served by the
    association's "C-STORE" handler) while the responses are iterated."""
    sop_class = sop_class_for(model, "GET")
    context = assoc.context_for(sop_class, role="scu")
    data = encode_identifier(identifier, context.transfer_syntax)
    request = get_request(context.context_id, assoc.next_message_id(), sop_class, data, priority)
    return RetrieveStream(assoc, request, CommandField.C_GET_RSP, context, timeout)


def add_get_contexts(
    ae: Any,
    model: Any,
    storage_sop_classes: Iterable[str],
    transfer_syntaxes: Sequence[str] = UNCOMPRESSED,
) -> None:
    """Propose the C-GET SOP Class of ``model`` and each Storage SOP Class with us as SCP
    (Role Selection: SCU role no, SCP role yes) on ``ae`` (a requestor AE)."""
    ae.add_requested_context(sop_class_for(model, "GET"))
    for uid in storage_sop_classes:
        ae.add_requested_context(uid, transfer_syntaxes, scu_role=False, scp_role=True)


@attrs.define
class Received:
    """One instance received by C-STORE: UIDs, transfer syntax and the data set bytes."""

    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax: str
    data: bytes


@attrs.define
class ReceivedInstances:
    """A C-STORE handler that keeps what it receives (for C-GET SCUs and tests):
    ``instances`` is a list of :class:`Received` (UIDs, transfer syntax, bytes)."""

    instances: list[Received] = attrs.field(factory=list)

    def __call__(self, event: DimseEvent) -> int:
        cmd = event.command
        self.instances.append(
            Received(
                str(cmd.AffectedSOPClassUID or ""),
                str(cmd.AffectedSOPInstanceUID or ""),
                event.context.transfer_syntax,
                bytes(event.message.dataset or b""),
            )
        )
        return Status.SUCCESS

    def datasets(self) -> list[Any]:
        from dicomgen.encoding.reader import decode_dataset

        return [decode_dataset(o.data, o.transfer_syntax) for o in self.instances]


class GetSCP(ServiceProvider):
    """C-GET SCP (PS3.4 C.4.3.3): sub-operations on the requesting association."""

    async def handle(self, event: DimseEvent, handler: Handler | None) -> None:
        field = CommandField.C_GET_RSP
        assoc, request = event.association, event.message
        with cancellation(assoc, request.command.required("MessageID")) as flag:
            qevent, plan = await prepare(event, handler, field, "C-GET", flag)
            if qevent is None:
                return

            from .store import c_store_many

            def send(items: Sequence[Any]) -> AsyncIterator[tuple[Any, Any]]:
                return c_store_many(assoc, items)

            await run_suboperations(qevent, field, list(plan.instances), send)


__all__ = [
    "GetSCP",
    "ReceivedInstances",
    "Received",
    "add_get_contexts",
    "c_get",
    "get_request",
]
