"""What the Upper Layer provider hands its service user (PS3.8 9.2): the indications and
confirmations of the association service primitives (A-ASSOCIATE, P-DATA, A-RELEASE,
A-ABORT, A-P-ABORT) and the closing of the connection, taken with
:meth:`~.provider.UpperLayer.next_indication`.
"""

from __future__ import annotations

import attrs

from ..pdu import Abort, AssociateAC, AssociateRJ, AssociateRQ, PDataTF


@attrs.frozen
class AssociateIndication:
    """A-ASSOCIATE indication (acceptor, Sta3): the peer's request awaits our response."""

    request: AssociateRQ


@attrs.frozen
class AssociateAccepted:
    """A-ASSOCIATE confirmation (accept), AE-3."""

    accept: AssociateAC


@attrs.frozen
class AssociateRejected:
    """A-ASSOCIATE confirmation (reject), AE-4."""

    reject: AssociateRJ


def _pdata_nbytes(indication: PDataIndication) -> int:
    return sum(len(pdv.data) for pdv in indication.pdu.pdvs)


@attrs.frozen
class PDataIndication:
    """P-DATA indication, DT-2 / AR-6; ``nbytes``: the data its PDVs carry."""

    pdu: PDataTF
    nbytes: int = attrs.field(init=False, default=attrs.Factory(_pdata_nbytes, takes_self=True))


@attrs.frozen
class ReleaseIndication:
    """A-RELEASE indication, AR-2 or AR-8 (``collision`` True)."""

    collision: bool = False


@attrs.frozen
class ReleaseConfirmation:
    """A-RELEASE confirmation, AR-3 or AR-10."""


@attrs.frozen
class AbortIndication:
    """A-ABORT (``abort`` from the peer, AA-3) or A-P-ABORT (provider, AA-3/AA-4/AA-8)."""

    abort: Abort | None
    provider_initiated: bool
    detail: str = ""


@attrs.frozen
class Closed:
    """The transport connection is closed and the provider is back in Sta1."""


Indication = (
    AssociateIndication
    | AssociateAccepted
    | AssociateRejected
    | PDataIndication
    | ReleaseIndication
    | ReleaseConfirmation
    | AbortIndication
    | Closed
)


__all__ = [
    "AbortIndication",
    "AssociateAccepted",
    "AssociateIndication",
    "AssociateRejected",
    "Closed",
    "Indication",
    "PDataIndication",
    "ReleaseConfirmation",
    "ReleaseIndication",
]
