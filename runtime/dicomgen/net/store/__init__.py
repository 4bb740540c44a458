"""Storage SCP back end: atomic files, SQLite index and Query/Retrieve matching (PS3.4 B, C).

- :mod:`.files`: :class:`FileStore` (atomic writes, safe Study/Series/Instance layout)
- :mod:`.index`: :class:`Index` (SQLite, WAL, one writer), :class:`InstanceRecord`
- :mod:`.query`: C-FIND matching (:func:`find`, :func:`match_element`), response identifiers,
  C-MOVE/C-GET selection (:func:`select_instances`)
- :mod:`.levels`: information models, levels and keys (PS3.4 C.6)
"""

from .files import FileStore, safe_name
from .index import Index, InstanceRecord
from .levels import Level, Model
from .query import QueryOptions, Selection, find, match_element, select_instances

__all__ = [
    "FileStore",
    "Index",
    "InstanceRecord",
    "Level",
    "Model",
    "QueryOptions",
    "Selection",
    "find",
    "match_element",
    "safe_name",
    "select_instances",
]
