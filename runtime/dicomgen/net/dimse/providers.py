"""The built-in DIMSE service providers, as the table an AE is configured with.

:func:`standard_services` builds ``{request command field: provider}`` for C-ECHO (PS3.7
9.1.5), C-STORE (9.1.1), C-FIND (9.1.2), C-GET (9.1.3), C-MOVE (9.1.4) and the DIMSE-N
services (10.1): ``AE()`` takes it unless given ``services=``, so a server given
``{"C-FIND": fn}`` answers C-FIND. A C-CANCEL-RQ is routed by the association itself
(:func:`.cancel.dispatch_cancel`), not by a provider. Nothing registers on import.
"""

from __future__ import annotations

from .echo import EchoSCP
from .fields import CommandField
from .find import FindSCP
from .get import GetSCP
from .move import MoveSCP
from .normalized import NormalizedSCP
from .service import ServiceProvider
from .store_scp import StoreSCP

#: The DIMSE-N request command fields, each served by a :class:`NormalizedSCP` of its own.
NORMALIZED_REQUESTS = (
    CommandField.N_EVENT_REPORT_RQ,
    CommandField.N_GET_RQ,
    CommandField.N_SET_RQ,
    CommandField.N_ACTION_RQ,
    CommandField.N_CREATE_RQ,
    CommandField.N_DELETE_RQ,
)


def standard_services() -> dict[int, ServiceProvider]:
    """A new table of the built-in providers by request command field."""
    table: dict[int, ServiceProvider] = {
        CommandField.C_ECHO_RQ: EchoSCP(),
        CommandField.C_STORE_RQ: StoreSCP(),
        CommandField.C_FIND_RQ: FindSCP(),
        CommandField.C_GET_RQ: GetSCP(),
        CommandField.C_MOVE_RQ: MoveSCP(),
    }
    for field in NORMALIZED_REQUESTS:
        table[field] = NormalizedSCP(field)
    return {int(field): provider for field, provider in table.items()}


__all__ = ["NORMALIZED_REQUESTS", "standard_services"]
