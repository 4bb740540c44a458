"""The Application Entity: what it proposes and accepts, and how it connects and serves.

Usage (PS3.8 7.1 A-ASSOCIATE, PS3.7 9.1.5 C-ECHO)::

    ae = AE("DICOMGEN")
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    async with ae.associate("127.0.0.1", 11112, ae_title="ANY-SCP") as assoc:
        status = await assoc.send_c_echo()          # 0x0000 = success

    ae.add_supported_context(VERIFICATION_SOP_CLASS)
    server = await ae.start_server(("127.0.0.1", 0), handlers={"C-ECHO": on_echo})
    ...; await server.close()

Synchronous use (scripts, tests): :meth:`AE.associate_sync` and :meth:`AE.serve_sync`
(see :mod:`dicomgen.net.sync`).

Acceptor checks, in order (each failure is an A-ASSOCIATE-RJ, PS3.8 Table 9-21):
protocol version (provider, in the state machine), application context name (user, 2),
called AE title when ``require_called_aet`` (user, 7), calling AE title against
``allowed_calling_aets`` (user, 3), user identity via ``user_identity_handler`` (user, 1;
a request without a User Identity sub-item is refused when a handler is set),
association limit ``max_associations`` (transient, presentation, local limit exceeded).
The listening side (pending connections, association slots) is :class:`~.server.Server`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from dicomgen.core.errors import (
    AssociationAborted,
    AssociationRejected,
    NetworkError,
    NetworkTimeout,
)
from dicomgen.core.implementation import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME

from .association import Association
from .contexts import (
    DEFAULT_TRANSFER_SYNTAXES,
    ContextDefinition,
    PresentationContext,
    build_rq_contexts,
    build_rq_roles,
    contexts_from_accept,
    negotiate_contexts,
)
from .dimse.providers import standard_services
from .dimse.service import Handler, ServiceProvider, normalize_handlers
from .pdu import (
    DICOM_APPLICATION_CONTEXT,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    AsyncOperationsWindowSubItem,
    ImplementationClassUIDSubItem,
    ImplementationVersionNameSubItem,
    MaximumLengthSubItem,
    RejectReasonPresentation,
    RejectReasonUser,
    RejectResult,
    RejectSource,
    SOPClassCommonExtendedNegotiationSubItem,
    SOPClassExtendedNegotiationSubItem,
    UserIdentityACSubItem,
    UserIdentityRQSubItem,
    UserInformationItem,
)
from .pdu.codec import MAX_ASSOCIATE_LENGTH
from .server import Server, wait_bounded
from .ul.indications import AbortIndication, AssociateAccepted, AssociateRejected
from .ul.provider import ULConfig, UpperLayer
from .ul.transport import MAX_QUEUED_BYTES

if TYPE_CHECKING:
    from .sync import SyncAssociation, ThreadedServer

log: logging.Logger = logging.getLogger("dicomgen.net")

DEFAULT_MAX_PDU = 16384

#: ``user_identity_handler(item, calling_ae_title)`` -> accepted (bool) or (accepted,
#: server response bytes for a positive response).
UserIdentityHandler = Callable[[UserIdentityRQSubItem, str], "bool | tuple[bool, bytes | None]"]
#: ``extended_negotiation_handler(item)`` -> the service-class-application-information to
#: answer with, or None to send no answer for that SOP class.
ExtendedNegotiationHandler = Callable[[SOPClassExtendedNegotiationSubItem], "bytes | None"]


@attrs.define
class Timeouts:
    """Seconds (None = no limit; avoid it). ``connect``: TCP connect. ``acse``: waiting for
    A-ASSOCIATE-AC/RJ and A-RELEASE-RP. ``dimse``: waiting for a DIMSE response. ``idle``:
    waiting for the next PDU on an established association. ``artim``: PS3.8 9.1.5."""

    connect: float | None = 10.0
    acse: float | None = 30.0
    dimse: float | None = 30.0
    idle: float | None = 60.0
    artim: float = 30.0


def _check_ae_title(title: str, what: str) -> str:
    stripped = title.strip(" ")
    if not stripped or len(title) > 16 or "\\" in title or not title.isascii():
        raise NetworkError(f"{what} {title!r} is not a valid AE title (1-16 ASCII chars, no '\\')")
    if any(ord(ch) < 0x20 for ch in title):
        raise NetworkError(f"{what} {title!r} contains control characters")
    return stripped


class AE:
    """A DICOM Application Entity (PS3.7 Annex A and D.3)."""

    def __init__(
        self,
        ae_title: str = "DICOMGEN",
        *,
        max_pdu: int = DEFAULT_MAX_PDU,
        timeouts: Timeouts | None = None,
        implementation_class_uid: str = IMPLEMENTATION_CLASS_UID,
        implementation_version_name: str | None = IMPLEMENTATION_VERSION_NAME,
        require_called_aet: bool = False,
        allowed_calling_aets: Iterable[str] | None = None,
        max_associations: int = 10,
        max_pending_connections: int = 128,
        max_associate_length: int = MAX_ASSOCIATE_LENGTH,
        max_queued_bytes: int = MAX_QUEUED_BYTES,
        async_operations: tuple[int, int] | None = None,
        user_identity_handler: UserIdentityHandler | None = None,
        extended_negotiation_handler: ExtendedNegotiationHandler | None = None,
        services: Mapping[int, ServiceProvider] | None = None,
    ) -> None:
        self.ae_title: str = _check_ae_title(ae_title, "AE title")
        self.max_pdu = max_pdu
        self.timeouts: Timeouts = timeouts or Timeouts()
        self.implementation_class_uid = implementation_class_uid
        self.implementation_version_name = implementation_version_name
        self.require_called_aet = require_called_aet
        self.allowed_calling_aets: set[str] | None = (
            None
            if allowed_calling_aets is None
            else {_check_ae_title(a, "allowed calling AE title") for a in allowed_calling_aets}
        )
        self.max_associations = max_associations
        self.max_pending_connections = max_pending_connections
        #: Longest A-ASSOCIATE-RQ (and other non-P-DATA PDU) a peer may send this AE's server.
        self.max_associate_length = max_associate_length
        #: Received bytes held per connection before the server stops reading from it.
        self.max_queued_bytes = max_queued_bytes
        self.async_operations = async_operations
        self.user_identity_handler = user_identity_handler
        self.extended_negotiation_handler = extended_negotiation_handler
        #: The SCP side of each DIMSE service, by request command field: the built-in
        #: providers (:func:`~dicomgen.net.dimse.providers.standard_services`) unless given.
        self.services: dict[int, ServiceProvider] = (
            standard_services() if services is None else {int(k): v for k, v in services.items()}
        )
        self.requested_contexts: list[ContextDefinition] = []
        self.supported_contexts: dict[str, ContextDefinition] = {}

    # --- configuration -------------------------------------------------------------------

    def add_requested_context(
        self,
        abstract_syntax: str,
        transfer_syntaxes: Sequence[str] = DEFAULT_TRANSFER_SYNTAXES,
        *,
        scu_role: bool | None = None,
        scp_role: bool | None = None,
    ) -> ContextDefinition:
        """Propose ``abstract_syntax`` with ``transfer_syntaxes`` (one context per call)."""
        d = ContextDefinition(
            str(abstract_syntax), tuple(map(str, transfer_syntaxes)), scu_role, scp_role
        )
        if not d.transfer_syntaxes:
            raise NetworkError(f"no transfer syntax given for {abstract_syntax}")
        self.requested_contexts.append(d)
        return d

    def add_supported_context(
        self,
        abstract_syntax: str,
        transfer_syntaxes: Sequence[str] = DEFAULT_TRANSFER_SYNTAXES,
        *,
        scu_role: bool | None = None,
        scp_role: bool | None = None,
    ) -> ContextDefinition:
        """Accept ``abstract_syntax`` with the first of ``transfer_syntaxes`` (our preference
        order) that the requestor proposed."""
        d = ContextDefinition(
            str(abstract_syntax), tuple(map(str, transfer_syntaxes)), scu_role, scp_role
        )
        self.supported_contexts[d.abstract_syntax] = d
        return d

    def _ul_config(self) -> ULConfig:
        t = self.timeouts
        return ULConfig(
            max_pdata_length=self.max_pdu,
            artim_timeout=t.artim,
            idle_timeout=t.idle,
            connect_timeout=t.connect,
            send_timeout=t.dimse,
        )

    def _our_user_items(self) -> list:
        items: list = [
            MaximumLengthSubItem(self.max_pdu),
            ImplementationClassUIDSubItem(self.implementation_class_uid),
        ]
        if self.async_operations is not None:
            items.append(AsyncOperationsWindowSubItem(*self.async_operations))
        return items

    def _version_item(self) -> list:
        name = self.implementation_version_name
        return [ImplementationVersionNameSubItem(name)] if name else []

    # --- requestor -----------------------------------------------------------------------

    def build_request(
        self,
        called_ae_title: str,
        *,
        user_identity: UserIdentityRQSubItem | None = None,
        extended_negotiation: Sequence[SOPClassExtendedNegotiationSubItem] = (),
        common_extended_negotiation: Sequence[SOPClassCommonExtendedNegotiationSubItem] = (),
    ) -> AssociateRQ:
        """The A-ASSOCIATE-RQ this AE sends (PS3.8 9.3.2; user information per PS3.7 D.3.3)."""
        if not self.requested_contexts:
            raise NetworkError("no requested presentation context: call add_requested_context()")
        items = self._our_user_items()
        items += build_rq_roles(self.requested_contexts)
        items += self._version_item()
        items += list(extended_negotiation)
        items += list(common_extended_negotiation)
        if user_identity is not None:
            items.append(user_identity)
        return AssociateRQ(
            called_ae_title=_check_ae_title(called_ae_title, "called AE title"),
            calling_ae_title=self.ae_title,
            presentation_contexts=build_rq_contexts(self.requested_contexts),
            user_information=UserInformationItem(tuple(items)),
        )

    def associate(
        self,
        host: str,
        port: int,
        ae_title: str = "ANY-SCP",
        *,
        user_identity: UserIdentityRQSubItem | None = None,
        extended_negotiation: Sequence[SOPClassExtendedNegotiationSubItem] = (),
        common_extended_negotiation: Sequence[SOPClassCommonExtendedNegotiationSubItem] = (),
        ssl_context: _ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        handlers: Mapping[Any, Handler] | None = None,
    ) -> AssociationRequest:
        """Request an association with ``ae_title`` at ``host:port``.

        ``await ae.associate(...)`` gives the :class:`Association`; ``async with`` also
        releases it on exit (aborts on an exception). Raises :class:`AssociationRejected`
        (``err.context`` has result/source/reason), :class:`AssociationAborted`,
        :class:`NetworkTimeout` or :class:`NetworkError`. ``handlers`` serve requests the
        peer sends on this association (SCP role, e.g. C-STORE sub-operations of C-GET).
        """
        request = self.build_request(
            ae_title,
            user_identity=user_identity,
            extended_negotiation=extended_negotiation,
            common_extended_negotiation=common_extended_negotiation,
        )
        return AssociationRequest(self, host, port, request, ssl_context, server_hostname, handlers)

    def associate_sync(
        self, host: str, port: int, ae_title: str = "ANY-SCP", **kwargs: Any
    ) -> SyncAssociation:
        """Synchronous :meth:`associate` (a :class:`dicomgen.net.sync.SyncAssociation`)."""
        from .sync import SyncAssociation

        return SyncAssociation.open(self, host, port, ae_title, **kwargs)

    async def _open(
        self,
        host: str,
        port: int,
        request: AssociateRQ,
        ssl_context: _ssl.SSLContext | None,
        server_hostname: str | None,
        handlers: Mapping[Any, Handler] | None,
    ) -> Association:
        provider = UpperLayer(self._ul_config(), requestor=True)
        await provider.associate_request(
            host, port, request, ssl_context=ssl_context, server_hostname=server_hostname
        )
        try:
            ind = await asyncio.wait_for(provider.next_indication(), self.timeouts.acse)
        except TimeoutError:
            await provider.abort()
            await wait_bounded(provider.wait_closed(self.timeouts.artim), self.timeouts.artim)
            raise NetworkTimeout(
                f"no A-ASSOCIATE response from {host}:{port} within {self.timeouts.acse} s",
                host=host,
                port=port,
            ) from None
        if isinstance(ind, AssociateRejected):
            rj = ind.reject
            await wait_bounded(provider.wait_closed(2.0), 2.0)
            raise AssociationRejected(
                f"association rejected by {request.called_ae_title}: {rj.describe()}",
                result=rj.result,
                source=rj.source,
                reason=rj.reason,
            )
        if isinstance(ind, AbortIndication):
            await wait_bounded(provider.wait_closed(self.timeouts.artim), self.timeouts.artim)
            raise AssociationAborted(
                f"association with {host}:{port} aborted during negotiation: {ind.detail}",
                source=ind.abort.source if ind.abort else None,
                reason=ind.abort.reason if ind.abort else None,
            )
        if not isinstance(ind, AssociateAccepted):  # Closed
            raise AssociationAborted(f"{host}:{port} closed the connection during negotiation")
        ac = ind.accept
        contexts = contexts_from_accept(
            request.presentation_contexts,
            ac.presentation_contexts,
            request.user_information.role_selections,
            ac.user_information.role_selections,
        )
        return Association(
            self,
            provider,
            is_requestor=True,
            request=request,
            accept=ac,
            contexts=contexts,
            timeouts=self.timeouts,
            handlers=normalize_handlers(handlers),
        )

    # --- acceptor ------------------------------------------------------------------------

    def negotiate(
        self, request: AssociateRQ, *, busy: bool = False
    ) -> tuple[AssociateAC | AssociateRJ, list[PresentationContext]]:
        """Our answer to ``request``: an A-ASSOCIATE-AC with the negotiated contexts, or an
        A-ASSOCIATE-RJ (checks in the order of the module docstring)."""

        def reject(
            result: int, source: int, reason: int
        ) -> tuple[AssociateRJ, list[PresentationContext]]:
            return AssociateRJ(result, source, reason), []

        permanent, user = RejectResult.REJECTED_PERMANENT, RejectSource.SERVICE_USER
        if request.application_context != DICOM_APPLICATION_CONTEXT:
            return reject(permanent, user, RejectReasonUser.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED)
        if self.require_called_aet and request.called_ae_title != self.ae_title:
            return reject(permanent, user, RejectReasonUser.CALLED_AE_TITLE_NOT_RECOGNIZED)
        if (
            self.allowed_calling_aets is not None
            and request.calling_ae_title not in self.allowed_calling_aets
        ):
            return reject(permanent, user, RejectReasonUser.CALLING_AE_TITLE_NOT_RECOGNIZED)
        info = request.user_information
        identity_answer: list[UserIdentityACSubItem] = []
        if self.user_identity_handler is not None:
            # An identity is required once a handler is configured: a request without the
            # User Identity sub-item is refused like one with wrong credentials.
            if info.user_identity_rq is None:
                return reject(permanent, user, RejectReasonUser.NO_REASON_GIVEN)
            verdict = self.user_identity_handler(info.user_identity_rq, request.calling_ae_title)
            ok, response = verdict if isinstance(verdict, tuple) else (verdict, None)
            if not ok:
                return reject(permanent, user, RejectReasonUser.NO_REASON_GIVEN)
            if info.user_identity_rq.positive_response_requested:
                identity_answer.append(UserIdentityACSubItem(response or b""))
        if busy:
            return reject(
                RejectResult.REJECTED_TRANSIENT,
                RejectSource.SERVICE_PROVIDER_PRESENTATION,
                RejectReasonPresentation.LOCAL_LIMIT_EXCEEDED,
            )
        ac_items, roles, contexts = negotiate_contexts(
            request.presentation_contexts, self.supported_contexts, info.role_selections
        )
        items = [
            MaximumLengthSubItem(self.max_pdu),
            ImplementationClassUIDSubItem(self.implementation_class_uid),
        ]
        window = info.async_operations_window
        if window is not None:
            ours = self.async_operations or (1, 1)
            items.append(
                AsyncOperationsWindowSubItem(
                    *(
                        _min_window(a, b)
                        for a, b in zip(
                            ours, (window.max_operations_performed, window.max_operations_invoked)
                        )
                    )
                )
            )
        items += roles
        items += self._version_item()
        if self.extended_negotiation_handler is not None:
            for ext in info.extended_negotiations:
                answer = self.extended_negotiation_handler(ext)
                if answer is not None:
                    items.append(SOPClassExtendedNegotiationSubItem(ext.sop_class_uid, answer))
        items += identity_answer
        ac = AssociateAC(
            called_ae_title=request.called_ae_title,
            calling_ae_title=request.calling_ae_title,
            presentation_contexts=ac_items,
            user_information=UserInformationItem(tuple(items)),
        )
        return ac, contexts

    async def start_server(
        self,
        address: tuple[str, int] = ("127.0.0.1", 0),
        handlers: Mapping[Any, Handler] | None = None,
        *,
        ssl_context: _ssl.SSLContext | None = None,
    ) -> Server:
        """Listen on ``address`` (port 0 = any free port; see ``server.port``)."""
        server = Server(self, normalize_handlers(handlers))
        await server._start(address, ssl_context)
        return server

    def serve_sync(
        self,
        address: tuple[str, int] = ("127.0.0.1", 0),
        handlers: Mapping[Any, Handler] | None = None,
        *,
        ssl_context: _ssl.SSLContext | None = None,
    ) -> ThreadedServer:
        """Run a server in a background thread (a :class:`dicomgen.net.sync.ThreadedServer`)."""
        from .sync import ThreadedServer

        return ThreadedServer.start(self, address, handlers, ssl_context=ssl_context)


def _min_window(ours: int, theirs: int) -> int:
    """Window values: 0 means unlimited (PS3.7 D.3.3.3)."""
    if ours == 0:
        return theirs
    if theirs == 0:
        return ours
    return min(ours, theirs)


class AssociationRequest:
    """``await`` it for the :class:`Association`, or ``async with`` it (released on exit)."""

    def __init__(
        self,
        ae: AE,
        host: str,
        port: int,
        request: AssociateRQ,
        ssl_context: Any,
        server_hostname: str | None,
        handlers: Any,
    ) -> None:
        self.ae = ae
        self.host = host
        self.port = port
        self.request = request
        self._args = (ssl_context, server_hostname, handlers)
        self._assoc: Association | None = None

    def __await__(self) -> Generator[Any, None, Association]:
        return self.ae._open(self.host, self.port, self.request, *self._args).__await__()

    async def __aenter__(self) -> Association:
        self._assoc = await self.ae._open(self.host, self.port, self.request, *self._args)
        return self._assoc

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._assoc is not None
        await self._assoc.__aexit__(exc_type, exc, tb)
