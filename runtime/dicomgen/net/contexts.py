"""Presentation contexts, roles and the negotiation rules of PS3.8 7.1.1.13 and PS3.7 D.3.3.

Pure functions over PDU records, so the negotiation is testable without a network:
:func:`negotiate_contexts` is the acceptor's choice; :func:`contexts_from_accept` the
requestor's reading of an A-ASSOCIATE-AC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from .pdu import (
    PresentationContextACItem,
    PresentationContextResult,
    PresentationContextRQItem,
    RoleSelectionSubItem,
)

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
#: Verification SOP Class (PS3.4 Annex A): the abstract syntax of C-ECHO.
VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1"
#: Transfer syntaxes proposed/accepted when none are given: every DICOM AE supports the
#: first (PS3.5 10.1); the second is the usual preference of modern peers.
DEFAULT_TRANSFER_SYNTAXES: tuple[str, ...] = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN)


@attrs.frozen
class ContextDefinition:
    """An abstract syntax with the transfer syntaxes an AE proposes (requestor) or accepts
    (acceptor), in order of preference, and optional SCP/SCU role selection.

    ``scu_role``/``scp_role``: on the requestor, the roles proposed for the *requestor* in a
    Role Selection sub-item (None = send none: default roles); on the acceptor, whether the
    requestor may take that role when it asks (None = default: SCU yes, SCP no).
    """

    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...] = attrs.field(
        default=DEFAULT_TRANSFER_SYNTAXES, converter=tuple
    )
    scu_role: bool | None = None
    scp_role: bool | None = None


@attrs.frozen
class PresentationContext:
    """A negotiated presentation context as seen by the local AE.

    ``as_scu``/``as_scp``: the roles the *local* AE may take on it (PS3.7 D.3.3.4).
    """

    context_id: int
    abstract_syntax: str
    proposed_transfer_syntaxes: tuple[str, ...]
    result: int
    transfer_syntax: str = ""
    as_scu: bool = False
    as_scp: bool = False

    @property
    def accepted(self) -> bool:
        return self.result == PresentationContextResult.ACCEPTANCE


def build_rq_contexts(definitions: Sequence[ContextDefinition]) -> list[PresentationContextRQItem]:
    """Presentation context items with odd IDs 1, 3, 5 ... (PS3.8 Table 9-13: at most 128)."""
    if len(definitions) > 128:
        from dicomgen.core.errors import NetworkError

        raise NetworkError(f"{len(definitions)} presentation contexts requested; at most 128 fit")
    return [
        PresentationContextRQItem(2 * i + 1, d.abstract_syntax, d.transfer_syntaxes)
        for i, d in enumerate(definitions)
    ]


def build_rq_roles(definitions: Iterable[ContextDefinition]) -> list[RoleSelectionSubItem]:
    seen: set[str] = set()
    out = []
    for d in definitions:
        if (d.scu_role is None and d.scp_role is None) or d.abstract_syntax in seen:
            continue
        seen.add(d.abstract_syntax)
        out.append(
            RoleSelectionSubItem(d.abstract_syntax, int(bool(d.scu_role)), int(bool(d.scp_role)))
        )
    return out


def _requestor_roles(
    abstract: str,
    proposed: dict[str, RoleSelectionSubItem],
    answered: dict[str, RoleSelectionSubItem],
) -> tuple[bool, bool]:
    """The roles of the requestor on ``abstract`` (PS3.7 Table D.3-11 semantics).

    Without a proposal or without an answer, the defaults apply: requestor SCU, acceptor SCP.
    """
    rq = proposed.get(abstract)
    ac = answered.get(abstract)
    if rq is None or ac is None:
        return True, False
    return bool(rq.scu_role and ac.scu_role), bool(rq.scp_role and ac.scp_role)


def negotiate_contexts(
    items: Sequence[PresentationContextRQItem],
    supported: dict[str, ContextDefinition],
    proposed_roles: Sequence[RoleSelectionSubItem],
) -> tuple[list[PresentationContextACItem], list[RoleSelectionSubItem], list[PresentationContext]]:
    """The acceptor's answer to proposed presentation contexts (PS3.8 7.1.1.13).

    For each context: abstract syntax unknown -> 3; no common transfer syntax -> 4; an even
    or repeated ID -> 2 (provider rejection, no reason); otherwise acceptance with the first
    transfer syntax of *our* preference order that was proposed. Role selection: answer each
    proposed role item for a supported abstract syntax, granting a role only if proposed
    and allowed by our definition (SCU allowed by default, SCP only when ``scp_role``).
    """
    roles_rq = {r.sop_class_uid: r for r in proposed_roles}
    roles_ac: dict[str, RoleSelectionSubItem] = {}
    ac_items: list[PresentationContextACItem] = []
    contexts: list[PresentationContext] = []
    seen_ids: set[int] = set()
    for item in items:
        definition = supported.get(item.abstract_syntax)
        ts = ""
        if item.context_id % 2 == 0 or item.context_id in seen_ids:
            result = PresentationContextResult.NO_REASON
        elif definition is None:
            result = PresentationContextResult.ABSTRACT_SYNTAX_NOT_SUPPORTED
        else:
            ts = next((t for t in definition.transfer_syntaxes if t in item.transfer_syntaxes), "")
            result = (
                PresentationContextResult.ACCEPTANCE
                if ts
                else PresentationContextResult.TRANSFER_SYNTAXES_NOT_SUPPORTED
            )
        seen_ids.add(item.context_id)
        if result == PresentationContextResult.ACCEPTANCE and definition is not None:
            rq_role = roles_rq.get(item.abstract_syntax)
            if rq_role is not None and item.abstract_syntax not in roles_ac:
                allow_scu = True if definition.scu_role is None else definition.scu_role
                allow_scp = bool(definition.scp_role)
                roles_ac[item.abstract_syntax] = RoleSelectionSubItem(
                    item.abstract_syntax,
                    int(bool(rq_role.scu_role) and allow_scu),
                    int(bool(rq_role.scp_role) and allow_scp),
                )
        # A transfer syntax sub-item is always sent; when not accepted its value is not
        # significant (PS3.8 Table 9-18), so echo the first proposed one.
        ac_items.append(
            PresentationContextACItem(
                item.context_id,
                result,
                ts or (item.transfer_syntaxes[0] if item.transfer_syntaxes else ""),
            )
        )
        req_scu, req_scp = _requestor_roles(item.abstract_syntax, roles_rq, roles_ac)
        contexts.append(
            PresentationContext(
                item.context_id,
                item.abstract_syntax,
                item.transfer_syntaxes,
                result,
                ts,
                as_scu=req_scp,  # the acceptor is SCU where the requestor is SCP
                as_scp=req_scu,
            )
        )
    return ac_items, list(roles_ac.values()), contexts


def contexts_from_accept(
    proposed: Sequence[PresentationContextRQItem],
    answered: Sequence[PresentationContextACItem],
    proposed_roles: Sequence[RoleSelectionSubItem],
    answered_roles: Sequence[RoleSelectionSubItem],
) -> list[PresentationContext]:
    """The requestor's view of the contexts after an A-ASSOCIATE-AC.

    A context the acceptor did not answer counts as rejected (no reason); an accepted one
    whose transfer syntax was not proposed is treated as rejected too (PS3.8 9.3.3.2 allows
    only a proposed one).
    """
    by_id = {a.context_id: a for a in answered}
    roles_rq = {r.sop_class_uid: r for r in proposed_roles}
    roles_ac = {r.sop_class_uid: r for r in answered_roles}
    out = []
    for item in proposed:
        ac = by_id.get(item.context_id)
        result = ac.result if ac is not None else PresentationContextResult.NO_REASON
        ts = ac.transfer_syntax if ac is not None and ac.accepted else ""
        if result == PresentationContextResult.ACCEPTANCE and ts not in item.transfer_syntaxes:
            result, ts = PresentationContextResult.NO_REASON, ""
        scu, scp = _requestor_roles(item.abstract_syntax, roles_rq, roles_ac)
        out.append(
            PresentationContext(
                item.context_id, item.abstract_syntax, item.transfer_syntaxes, result, ts, scu, scp
            )
        )
    return out
