"""Shared helpers: small hand-built instances and a store in a temporary folder."""

from __future__ import annotations

from typing import Any

import pytest

from dicomgen.archive import StorageSCP
from dicomgen.core.dataset import Dataset

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"


def make_instance(
    sop_uid: str,
    study_uid: str = "1.2.826.0.1.1",
    series_uid: str = "1.2.826.0.1.1.1",
    *,
    patient_id: str = "PAT1",
    sop_class: str = CT,
    **attrs: Any,
) -> Dataset:
    """A minimal instance with the Unique Keys plus ``attrs`` (keywords -> values)."""
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.PatientID = patient_id
    for k, v in attrs.items():
        setattr(ds, k, v)
    return ds


def query(level: str, **keys: Any) -> Dataset:
    """A C-FIND/C-MOVE Identifier; ``None`` values are zero-length (universal) keys."""
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for k, v in keys.items():
        setattr(ds, k, v)
    return ds


@pytest.fixture
def scp(tmp_path):
    s = StorageSCP(tmp_path / "store", fsync=False)
    try:
        yield s
    finally:
        s.close()


def results(scp_: StorageSCP, ident: Dataset, model: str = "PATIENT", **kw: Any) -> list[Any]:
    """The Pending identifiers of a C-FIND; asserts the final status is Success."""
    out = list(scp_.find(ident, model, **kw))
    assert out[-1] == (0x0000, None), out[-1]
    assert all(st == 0xFF00 for st, _ in out[:-1])
    return [r for _, r in out[:-1]]
