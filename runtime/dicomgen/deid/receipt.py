"""De-identification of data sets as an archive receives them (``dicomgen scp --deid``).

:class:`OnReceipt` is the transform a :class:`~dicomgen.archive.storage.StorageService`
applies to each received data set before it is stored, so the archive never holds the
identified data set. UIDs are replaced with the store's key, so instances of one study sent
in any order or association stay linked. What was done to each data set is appended as one
JSON line to ``<store>/.deid/records.jsonl`` once it is de-identified, before it is stored
(the new SOP Instance UID and, per element, the action and the Table E.1-1 row that decided
it); the index says which of them the archive holds. A data set the profile refuses (Burned In
Annotation YES or absent without the Clean Pixel Data Option) raises :class:`DeidError`.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from ..core.dataset import Dataset
from .profile import Profile
from .values import Keys
from .walker import Deidentifier

RECORDS_NAME = "records.jsonl"
SOP_CLASS_UID = 0x00080016
SOP_INSTANCE_UID = 0x00080018


class OnReceipt:
    """Applies ``profile`` with the secret of ``keys`` to received data sets, recording each
    in ``records`` (created with its folder); safe to call from several threads."""

    def __init__(self, profile: Profile, keys: Keys, records: Path, *, fsync: bool = True) -> None:
        self.profile = profile
        self.secret: bytes = keys.secret
        self.records = records
        self.fsync = fsync
        self._lock = threading.Lock()
        records.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, ds: Dataset) -> Dataset:
        # a Deidentifier and Keys per data set: they hold per-call state and a UID cache
        out, entries = Deidentifier(self.profile, Keys(self.secret)).dataset(ds)
        line = {
            "sop_class_uid": out.first_text(SOP_CLASS_UID),
            "sop_instance_uid": out.first_text(SOP_INSTANCE_UID),
            "actions": [e.as_json() for e in entries],
        }
        data = (json.dumps(line, sort_keys=True) + "\n").encode("utf-8")
        with self._lock, open(self.records, "ab") as f:
            f.write(data)
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        return out
