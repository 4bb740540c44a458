"""The small archive of the Query/Retrieve tests (PS3.4 C.4): the instances it is filled with,
the data set of each, a filled store, a Move Destination keeping what it receives and a slow
C-FIND handler to cancel.

Expected results in the tests are computed from ``INSTANCES``, not from the store's matcher.
Importable from any test folder (``tests/`` is on ``sys.path`` through its conftest).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dicomgen.core.dataset import Dataset

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"

# (patient, name, study, date, series, modality, sop class, instance)
_JOHN, _JANE, _EDGAR = ("PAT1", "DOE^JOHN"), ("PAT2", "ROE^JANE"), ("PAT3", "POE^EDGAR")
INSTANCES = [
    (*_JOHN, "1.2.826.0.1.1", "20200110", "1.2.826.0.1.1.1", "CT", CT, "1.2.826.0.1.1.1.1"),
    (*_JOHN, "1.2.826.0.1.1", "20200110", "1.2.826.0.1.1.1", "CT", CT, "1.2.826.0.1.1.1.2"),
    (*_JOHN, "1.2.826.0.1.1", "20200110", "1.2.826.0.1.1.2", "MR", MR, "1.2.826.0.1.1.2.1"),
    (*_JOHN, "1.2.826.0.1.2", "20210301", "1.2.826.0.1.2.1", "CT", CT, "1.2.826.0.1.2.1.1"),
    (*_JANE, "1.2.826.0.2.1", "20200115", "1.2.826.0.2.1.1", "MR", MR, "1.2.826.0.2.1.1.1"),
    (*_JANE, "1.2.826.0.2.1", "20200115", "1.2.826.0.2.1.1", "MR", MR, "1.2.826.0.2.1.1.2"),
    (*_EDGAR, "1.2.826.0.3.1", "19991231", "1.2.826.0.3.1.1", "CT", CT, "1.2.826.0.3.1.1.1"),
]


def make(row: tuple, *, instance_number: bool = True) -> Dataset:
    """The data set of one ``INSTANCES`` row; Instance Number is the last UID component."""
    pid, name, study, date, series, modality, cls, inst = row
    ds = Dataset()
    ds.SOPClassUID = cls
    ds.SOPInstanceUID = inst
    ds.PatientID = pid
    ds.PatientName = name
    ds.StudyInstanceUID = study
    ds.StudyDate = date
    ds.SeriesInstanceUID = series
    ds.Modality = modality
    if instance_number:
        ds.InstanceNumber = int(inst.rsplit(".", 1)[1])
    return ds


def filled_storage(
    folder: Path, rows: Iterable[tuple] = INSTANCES, *, instance_number: bool = True
) -> Any:
    """The file store (a ``StorageSCP``) under ``folder`` holding ``rows``; closed again if
    filling it fails. The caller closes it."""
    from dicomgen.archive import StorageSCP

    storage = StorageSCP(folder, fsync=False)
    try:
        for row in rows:
            assert storage.store_dataset(make(row, instance_number=instance_number)).ok
    except BaseException:
        storage.close()
        raise
    return storage


@contextmanager
def move_destination(aet: str, timeouts: Any) -> Iterator[tuple[Any, Any]]:
    """Our storage SCP for CT and MR as Move Destination: ``(server, ReceivedInstances)``,
    shut down on exit."""
    from dicomgen.net import AE
    from dicomgen.net.dimse.get import ReceivedInstances

    ae = AE(aet, timeouts=timeouts)
    for cls in (CT, MR):
        ae.add_supported_context(cls)
    received = ReceivedInstances()
    server = ae.serve_sync(("127.0.0.1", 0), {"C-STORE": received})
    try:
        yield server, received
    finally:
        server.shutdown()


def slow_patient_matches(count: int, delay: float = 0.05) -> Callable[[Any], AsyncIterator[Any]]:
    """A C-FIND handler yielding ``count`` PATIENT matches (``P0``, ``P1``...) ``delay`` seconds
    apart: slow enough for a C-CANCEL-RQ to arrive in between (PS3.7 9.3.2.3)."""

    async def handler(event: Any) -> AsyncIterator[Any]:
        for i in range(count):
            ds = Dataset()
            ds.QueryRetrieveLevel = "PATIENT"
            ds.PatientID = f"P{i}"
            yield ds
            await asyncio.sleep(delay)

    return handler
