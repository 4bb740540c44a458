"""DIMSE service back ends (PS3.4): what C-STORE/C-FIND/C-MOVE/C-GET handlers call.

:class:`~dicomgen.net.services.storage_scp.StorageSCP` stores received instances and
answers queries and retrieves from them.
"""

from .storage_scp import StorageSCP, StoreResult

__all__ = ["StorageSCP", "StoreResult"]
