"""Normalized SOP Instances kept in memory: N-CREATE, N-GET, N-SET, N-DELETE handlers
(PS3.7 10.1.2-10.1.6) plus user callbacks for N-ACTION and N-EVENT-REPORT.

::

    managed = ManagedInstances()
    handlers = managed.handlers(on_action=my_action)      # {"N-CREATE": ..., "N-GET": ...}
    server = await ae.start_server(address, handlers)

Statuses (PS3.7 Annex C.5): 0111H Duplicate SOP Instance (N-CREATE of an existing UID),
0112H No Such SOP Instance, 0119H Class-Instance Conflict (the instance exists under
another SOP Class). N-GET returns the requested attributes (all when the Attribute
Identifier List is empty, PS3.7 10.1.2.1.4); N-SET replaces the attributes of the
Modification List (a zero-length one removes the value, PS3.7 10.1.3.1.4) and returns them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from ..dimse.normalized import NEvent

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset

# What a DIMSE-N handler returns: a status, or a status and the data set of the response.
NResult = Union[int, tuple[int, "Dataset | None"]]

DUPLICATE_SOP_INSTANCE = 0x0111
NO_SUCH_SOP_INSTANCE = 0x0112
CLASS_INSTANCE_CONFLICT = 0x0119


class ManagedInstances:
    """``{(SOP Instance UID): (SOP Class UID, Dataset)}`` with thread-safe DIMSE-N handlers."""

    def __init__(self) -> None:
        self.instances: dict[str, tuple[str, Any]] = {}
        self._lock = threading.Lock()

    def _lookup(self, event: NEvent) -> tuple[int, Any]:
        found = self.instances.get(event.sop_instance or "")
        if found is None:
            return NO_SUCH_SOP_INSTANCE, None
        if found[0] != event.sop_class:
            return CLASS_INSTANCE_CONFLICT, None
        return 0, found[1]

    def on_create(self, event: NEvent) -> NResult:
        from dicomgen.core.dataset import Dataset

        ds = event.request_dataset if event.request_dataset is not None else Dataset()
        with self._lock:
            if event.sop_instance in self.instances:
                return DUPLICATE_SOP_INSTANCE
            self.instances[str(event.sop_instance)] = (event.sop_class, ds.copy())
        return 0, ds

    def on_get(self, event: NEvent) -> NResult:
        from dicomgen.core.dataset import Dataset

        with self._lock:
            status, ds = self._lookup(event)
            if status:
                return status
            wanted = event.attribute_identifiers
            if not wanted:
                return 0, ds.copy()
            out = Dataset()
            for tag in wanted:
                if tag in ds:
                    out.add(ds[tag])
            return 0, out

    def on_set(self, event: NEvent) -> NResult:
        with self._lock:
            status, ds = self._lookup(event)
            if status:
                return status
            changes = event.request_dataset
            if changes is not None:
                for elem in changes.values():
                    ds.add(elem)
            return 0, changes

    def on_delete(self, event: NEvent) -> NResult:
        with self._lock:
            status, _ds = self._lookup(event)
            if status:
                return status
            del self.instances[str(event.sop_instance)]
        return 0

    def handlers(
        self,
        *,
        on_action: Callable[[NEvent], Any] | None = None,
        on_event_report: Callable[[NEvent], Any] | None = None,
    ) -> dict[str, Any]:
        """The handler mapping for an AE's server (N-ACTION / N-EVENT-REPORT when given)."""
        out: dict[str, Any] = {
            "N-CREATE": self.on_create,
            "N-GET": self.on_get,
            "N-SET": self.on_set,
            "N-DELETE": self.on_delete,
        }
        if on_action is not None:
            out["N-ACTION"] = on_action
        if on_event_report is not None:
            out["N-EVENT-REPORT"] = on_event_report
        return out


__all__ = [
    "CLASS_INSTANCE_CONFLICT",
    "DUPLICATE_SOP_INSTANCE",
    "ManagedInstances",
    "NO_SUCH_SOP_INSTANCE",
]
