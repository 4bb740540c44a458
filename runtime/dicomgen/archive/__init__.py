"""The archive: a Storage and Query/Retrieve SCP over files and an index (PS3.4 Annex B, C).

It is built on the protocol in :mod:`dicomgen.net` (which never imports it):

- :mod:`.storage_scp`: :class:`StorageSCP`, the back end (store, find, retrieve)
- :mod:`.storage`: :class:`~.storage.StorageService`, its C-STORE handler for an AE
- :mod:`.query_retrieve`: C-FIND/C-MOVE/C-GET handlers over a :class:`StorageSCP`
- :mod:`.files`: :class:`FileStore` (atomic writes, safe Study/Series/Instance layout)
- :mod:`.reservations`: paths being written and replaced copies waiting for removal
- :mod:`.index`: :class:`Index` (SQLite, WAL, one writer), :class:`InstanceRecord`;
  :mod:`.level_json`: what of a data set each level's row keeps
- :mod:`.reconcile`: the index brought back in line with the files after a crash
- :mod:`.matching`: C-FIND key matching (:func:`~.matching.match_element`);
  :mod:`.query`: the search, response identifiers and C-MOVE/C-GET selection
- :mod:`.levels`: information models, levels and keys (PS3.4 C.6)
- :mod:`.store_status`: which C-STORE failure earns which status

Names load on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dicomgen import _lazy_names

_LAZY = {
    "FileStore": "dicomgen.archive.files:FileStore",
    "Index": "dicomgen.archive.index:Index",
    "InstanceRecord": "dicomgen.archive.index:InstanceRecord",
    "Level": "dicomgen.archive.levels:Level",
    "Model": "dicomgen.archive.levels:Model",
    "QueryOptions": "dicomgen.archive.matching:QueryOptions",
    "Selection": "dicomgen.archive.query:Selection",
    "StorageSCP": "dicomgen.archive.storage_scp:StorageSCP",
    "StorageService": "dicomgen.archive.storage:StorageService",
    "StoreResult": "dicomgen.archive.storage_scp:StoreResult",
}

if TYPE_CHECKING:
    from dicomgen.archive.files import FileStore
    from dicomgen.archive.index import Index, InstanceRecord
    from dicomgen.archive.levels import Level, Model
    from dicomgen.archive.matching import QueryOptions
    from dicomgen.archive.query import Selection
    from dicomgen.archive.storage import StorageService
    from dicomgen.archive.storage_scp import StorageSCP, StoreResult


__getattr__: Callable[[str], Any]
__dir__: Callable[[], list[str]]
__getattr__, __dir__ = _lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "FileStore",
    "Index",
    "InstanceRecord",
    "Level",
    "Model",
    "QueryOptions",
    "Selection",
    "StorageSCP",
    "StorageService",
    "StoreResult",
]
