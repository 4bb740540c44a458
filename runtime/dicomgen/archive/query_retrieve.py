"""Query/Retrieve SCP over a :class:`~dicomgen.archive.storage_scp.StorageSCP` (PS3.4 C).

For ``dicomgen scp`` and in-process servers::

    from dicomgen.archive import query_retrieve

    storage = StorageSCP(root)
    ae = AE("QRSCP")
    query_retrieve.add_contexts(ae)                   # FIND/MOVE/GET (Patient + Study Root)
    handlers = query_retrieve.install({}, storage, {"STORESCP": ("127.0.0.1", 11113)})
    server = await ae.start_server(("0.0.0.0", 11112), handlers)

:func:`install` returns ``handlers`` with "C-FIND", "C-MOVE" and "C-GET" entries added (the
providers are in the AE's table, :func:`dicomgen.net.dimse.providers.standard_services`).
``destinations`` maps Move Destination AE titles to ``(host, port)`` (PS3.4 C.4.2.3.1: the
SCP must know the destination's address; an unknown one gets A801H). For C-GET the storage
contexts must let the requestor take the SCP role: :func:`add_contexts` adds every Storage
SOP Class with ``scp_role=True`` (pass ``storage_sop_classes=()`` when the C-STORE SCP adds
its own, and add them with ``scp_role=True`` there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from dicomgen.net.contexts import DEFAULT_TRANSFER_SYNTAXES
from dicomgen.net.dimse.find import QR_SOP_CLASSES, QueryEvent
from dicomgen.net.dimse.move import MOVE_DESTINATION_UNKNOWN, Retrieval

from .storage_scp import StorageSCP

#: Our preference when accepting storage contexts: uncompressed first, then what was proposed
#: among the common compressed syntaxes (stored as received; sent back as stored).
STORAGE_TRANSFER_SYNTAXES: tuple[str, ...] = DEFAULT_TRANSFER_SYNTAXES + (
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian (retired)
    "1.2.840.10008.1.2.4.50",  # JPEG Baseline
    "1.2.840.10008.1.2.4.70",  # JPEG Lossless SV1
    "1.2.840.10008.1.2.4.80",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.5",  # RLE Lossless
)


def all_storage_sop_classes() -> tuple[str, ...]:
    """All Storage SOP Classes of the generated registry (PS3.4 B.5)."""
    from dicomgen_std.sop_classes import STORAGE_SOP_CLASSES

    return tuple(STORAGE_SOP_CLASSES)


def add_contexts(
    ae: Any,
    *,
    storage_sop_classes: Iterable[str] | None = None,
    transfer_syntaxes: Sequence[str] = DEFAULT_TRANSFER_SYNTAXES,
    storage_transfer_syntaxes: Sequence[str] = STORAGE_TRANSFER_SYNTAXES,
) -> None:
    """Accept the six Patient/Study Root FIND/MOVE/GET SOP Classes and (for C-GET) the
    Storage SOP Classes with the requestor allowed to take the SCP role."""
    for uid in QR_SOP_CLASSES.values():
        ae.add_supported_context(uid, transfer_syntaxes)
    classes = all_storage_sop_classes() if storage_sop_classes is None else storage_sop_classes
    for uid in classes:
        ae.add_supported_context(uid, storage_transfer_syntaxes, scu_role=True, scp_role=True)


class QueryRetrieveHandlers:
    """The C-FIND, C-MOVE and C-GET handlers over ``storage`` (see the module docstring)."""

    def __init__(
        self,
        storage: StorageSCP,
        destinations: Mapping[str, tuple[str, int]] | None = None,
        *,
        relational: bool = False,
    ) -> None:
        self.storage = storage
        self.destinations: dict[str, tuple[str, int]] = {
            k.strip(): (h, int(p)) for k, (h, p) in (destinations or {}).items()
        }
        self.relational = relational

    def on_find(self, event: QueryEvent) -> Iterator[tuple[int, Any, str | None]]:
        """C-FIND (PS3.4 C.4.1.3): Pending per match, then the final status. A sync generator:
        :class:`~dicomgen.net.dimse.find.FindSCP` advances it in a worker thread."""
        errors: list[str] = []
        cancelled: Callable[[], bool] = lambda: event.cancelled.is_set()
        for status, identifier in self.storage.find(
            event.identifier, event.sop_class, cancelled=cancelled, errors=errors
        ):
            comment = "; ".join(errors) if errors and identifier is None else None
            yield status, identifier, comment

    def _select(self, event: QueryEvent) -> Retrieval:
        selection = self.storage.retrieve(
            event.identifier, event.sop_class, relational=self.relational
        )
        if selection.status != 0:
            return Retrieval(status=selection.status, error_comment=selection.error_comment)
        return Retrieval(instances=list(selection.records))

    async def on_move(self, event: QueryEvent) -> Retrieval:
        """C-MOVE (PS3.4 C.4.2.3): the selected instances and the destination's address."""
        import asyncio

        name = str(event.command.MoveDestination or "").strip()
        address = self.destinations.get(name)
        if address is None:
            return Retrieval(
                status=MOVE_DESTINATION_UNKNOWN, error_comment=f"unknown destination {name}"
            )
        plan = await asyncio.to_thread(self._select, event)
        plan.destination = address
        return plan

    async def on_get(self, event: QueryEvent) -> Retrieval:
        """C-GET (PS3.4 C.4.3.3): the selected instances."""
        import asyncio

        return await asyncio.to_thread(self._select, event)

    def handlers(self) -> dict[str, Any]:
        return {"C-FIND": self.on_find, "C-MOVE": self.on_move, "C-GET": self.on_get}


def install(
    handlers: dict[Any, Any] | None,
    storage: StorageSCP,
    destinations: Mapping[str, tuple[str, int]] | None = None,
    *,
    relational: bool = False,
) -> dict[Any, Any]:
    """Add the Q/R handlers over ``storage`` to ``handlers`` (a new dict if None) and return
    it; ``destinations``: Move Destination AE title -> (host, port)."""
    out = handlers if handlers is not None else {}
    out.update(QueryRetrieveHandlers(storage, destinations, relational=relational).handlers())
    return out


__all__ = [
    "QueryRetrieveHandlers",
    "STORAGE_TRANSFER_SYNTAXES",
    "add_contexts",
    "install",
    "all_storage_sop_classes",
]
