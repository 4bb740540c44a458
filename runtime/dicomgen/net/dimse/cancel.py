"""C-CANCEL (PS3.7 9.3.2.3 C-FIND, 9.3.3.3 C-GET, 9.3.4.3 C-MOVE cancel requests).

A C-CANCEL-RQ carries no Message ID of its own: it names the operation it cancels with
Message ID Being Responded To (0000,0120); it has no response. The performing side answers
the cancelled operation with a final response of status Cancel (FE00H) (or any final status
if the operation completed first).

SCU: :func:`cancel_request` builds the message, :func:`send_c_cancel` sends it.

SCP: a long-running service provider (C-FIND, C-MOVE, C-GET) wraps its work in
``with cancellation(assoc, message_id) as flag:`` and tests ``flag.is_set()`` between
responses; :func:`dispatch_cancel` sets the flag when the C-CANCEL-RQ arrives. A cancel for
an operation that is not (or no longer) being performed is ignored (PS3.7 9.3.2.3 note: the
operation may have completed before the request arrived).

Routing: :class:`dicomgen.net.association.Association` hands received requests to services by
their Message ID, which a C-CANCEL-RQ lacks; it hands a C-CANCEL-RQ (on an accepted context)
to :func:`dispatch_cancel` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .command_set import command_set_class
from .fields import NO_DATASET, CommandField
from .message import DimseMessage

if TYPE_CHECKING:
    from ..association import Association

#: association -> {Message ID of an operation being performed: its cancel flag}
_FLAGS: weakref.WeakKeyDictionary[Association, dict[int, asyncio.Event]] = (
    weakref.WeakKeyDictionary()
)
#: association -> Message IDs cancelled before the operation registered its flag
_EARLY: weakref.WeakKeyDictionary[Association, set[int]] = weakref.WeakKeyDictionary()


def cancel_request(context_id: int, message_id: int) -> DimseMessage:
    """C-CANCEL-RQ for the operation ``message_id`` (PS3.7 Tables 9.3-5, 9.3-8, 9.3-11)."""
    return DimseMessage(
        context_id,
        command_set_class().of(
            CommandField=CommandField.C_CANCEL_RQ,
            MessageIDBeingRespondedTo=message_id,
            CommandDataSetType=NO_DATASET,
        ),
    )


async def send_c_cancel(assoc: Association, context_id: int, message_id: int) -> None:
    """Ask the peer to cancel our outstanding C-FIND/C-GET/C-MOVE ``message_id``."""
    await assoc.send_message(cancel_request(context_id, message_id))


@contextlib.contextmanager
def cancellation(assoc: Association, message_id: int) -> Iterator[asyncio.Event]:
    """A flag set when the peer cancels the operation ``message_id`` (while in the block)."""
    flags = _FLAGS.setdefault(assoc, {})
    flag = asyncio.Event()
    early = _EARLY.get(assoc)
    if early is not None and message_id in early:
        early.discard(message_id)
        flag.set()
    flags[message_id] = flag
    try:
        yield flag
    finally:
        if flags.get(message_id) is flag:
            del flags[message_id]


def dispatch_cancel(assoc: Association, message: DimseMessage) -> bool:
    """Set the cancel flag of the operation a received C-CANCEL-RQ names; False if no
    operation with that Message ID is being performed (the request is then ignored)."""
    message_id = message.command.MessageIDBeingRespondedTo
    if message_id is None:
        return False
    flag = _FLAGS.get(assoc, {}).get(int(message_id))
    if flag is not None:
        flag.set()
        return True
    # the request may still be starting (its task not yet run): remember it
    if assoc.is_serving(int(message_id)):
        _EARLY.setdefault(assoc, set()).add(int(message_id))
        return True
    return False
