"""The Upper Layer service provider of one association (PS3.8 9.2), driven by Table 9-10.

Every input becomes an :class:`~.fsm.Event`: local user primitives are methods
(:meth:`associate_request`, :meth:`send_pdata`, :meth:`release_request`, ...), received PDUs
come from the transport's read callback (:meth:`_on_pdu`, the transport's ``listener``) or,
when that cannot take one (see below), from a reader task; ARTIM expiry from
:class:`~.timers.ArtimTimer`. :meth:`_dispatch` looks the (state, event) cell up in
:data:`~.fsm.TRANSITIONS` and runs that action. Actions are synchronous (writes are
buffered, flushed or drained afterwards), so each transition is atomic on the event loop.
Indications and confirmations for the user are put on :attr:`indications`; a P-DATA
indication is first offered to :attr:`pdata_handler` (the association takes it at once when
nothing is queued before it), so a request and its response need no task switch.

The reader task takes what the read callback left: malformed PDUs (Evt19 needs to wait for
the A-ABORT to be sent), and PDUs that arrive while the user holds P-DATA back (flow
control, below) or after one already waits; it also ends the association when the
connection closes, and bounds the time without any PDU (``idle_timeout``).

A malformed PDU (:class:`PDUError`) is Evt19: the provider sends an A-ABORT with source
service-provider and the reason carried by the error (PS3.8 9.3.8), stops parsing the byte
stream (it is no longer framed) and closes when the peer does or ARTIM expires.

Flow control: the user takes indications with :meth:`next_indication`; while more than
:attr:`MAX_PDATA_BACKLOG` bytes of P-DATA wait there, or while the user holds P-DATA back
(:meth:`hold` .. :meth:`unhold`), no PDU is taken: they wait in the transport, which stops
reading once it holds a few megabytes, so TCP holds the peer back (a slow consumer, e.g. a
store on a slow disk, bounds what is held in memory instead of buffering a whole data set).
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
from collections import deque
from collections.abc import Callable, Iterable
from time import monotonic
from typing import Any

import attrs

from dicomgen.core.errors import NetworkError, NetworkTimeout, PDUError

from ..pdu import (
    PROTOCOL_VERSION,
    Abort,
    AbortReason,
    AbortSource,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
    RejectReasonACSE,
    RejectResult,
    RejectSource,
    ReleaseRP,
    ReleaseRQ,
)
from ..pdu.codec import PDU, decode_pdu_parts
from .fsm import TRANSITIONS, Action, Event, State, Transition, transition
from .indications import (
    AbortIndication,
    AssociateAccepted,
    AssociateIndication,
    AssociateRejected,
    Closed,
    Indication,
    PDataIndication,
    ReleaseConfirmation,
    ReleaseIndication,
)
from .timers import ArtimTimer
from .transport import Transport

log: logging.Logger = logging.getLogger("dicomgen.net.ul")


@attrs.define
class ULConfig:
    """Upper Layer settings of one association.

    ``max_pdata_length``: the Maximum Length we announce (PS3.8 D.1); a received P-DATA-TF
    longer than it is an invalid PDU (0 = no limit).
    ``idle_timeout``: seconds to wait for the next PDU before aborting (None = forever).
    ``artim_timeout``: ARTIM (PS3.8 9.1.5). ``connect_timeout``: TCP connect.
    """

    max_pdata_length: int = 16384
    artim_timeout: float = 30.0
    idle_timeout: float | None = 60.0
    connect_timeout: float | None = 10.0
    send_timeout: float | None = 30.0


class UpperLayer:
    """The service provider of one association: PS3.8 Table 9-10 executed over a transport."""

    #: Transitions kept in :attr:`history` (the oldest are dropped).
    HISTORY_LENGTH = 4096
    #: Bytes of P-DATA indications not yet taken above which the reader stops reading.
    MAX_PDATA_BACKLOG = 4 << 20

    def __init__(self, config: ULConfig | None = None, *, requestor: bool) -> None:
        self.config: ULConfig = config or ULConfig()
        self.requestor = requestor
        self.state = State.STA1
        self.indications: asyncio.Queue[Indication] = asyncio.Queue()
        self.transport: Transport | None = None
        self.artim: ArtimTimer = ArtimTimer(self.config.artim_timeout, self._artim_expired)
        # The last HISTORY_LENGTH transitions (state, event, action, next state), for tests and
        # diagnostics; bounded so that a long association (one entry per PDU) does not grow.
        self.history: deque[tuple[State, Event, Action, State]] = deque(maxlen=self.HISTORY_LENGTH)
        self._reader_task: asyncio.Task | None = None
        self._pending_rq: AssociateRQ | None = None
        self._closed_reported = False
        self._discarding = False
        self._pdata_backlog = 0  # bytes of P-DATA in ``indications``
        self._holds = 0  # hold() calls not yet undone
        self._reader_has_pdu = False  # the reader task took a PDU it has not dispatched yet
        self._read_scope: asyncio.Timeout | None = None  # bounds the reader task's wait
        self._room = asyncio.Event()  # set while PDUs may be taken (see _may_take)
        self._room.set()
        #: ``pdata_handler(pdu) -> bool``: offered each P-DATA indication while no
        #: indication waits in :attr:`indications`; True = taken (it is not queued then).
        self.pdata_handler: Callable[[PDataTF], bool] | None = None
        self._undelivered: PDataTF | None = None  # P-DATA indicated by the running action

    # --- the state machine -------------------------------------------------------------

    def _dispatch(self, event: Event, **payload: Any) -> Transition:
        cell = transition(self.state, event)
        before = self.state
        action: Callable[..., State | None] = getattr(self, _ACTION_METHODS[cell.action])
        chosen = action(**payload)
        self.state: State = chosen if chosen is not None else cell.next_state
        if self.state not in cell.next_states:  # pragma: no cover - guards the table/actions
            raise NetworkError(f"{cell.action.label} chose {self.state.name}, not allowed")
        self.history.append((before, event, cell.action, self.state))
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s + %s -> %s -> %s", before.name, event.name, cell.action.label, self.state.name
            )
        if self.state is State.STA1:
            self._report_closed()
        pdu = self._undelivered
        if pdu is not None:
            # After the transition, not inside it: what the user does on this P-DATA (send
            # a response, abort) is a transition of its own, from the state reached here.
            self._undelivered = None
            pdata_handler = self.pdata_handler
            if pdata_handler is None or not self.indications.empty() or not pdata_handler(pdu):
                self._emit(PDataIndication(pdu))
        return cell

    def _emit(self, indication: Indication) -> None:
        if type(indication) is PDataIndication:
            self._pdata_backlog += indication.nbytes
        elif type(indication) in (AbortIndication, Closed):
            self._room.set()  # a reader waiting for room must see the end
        self.indications.put_nowait(indication)

    def _deliver_pdata(self, pdu: PDataTF) -> None:
        """P-DATA indication (DT-2, AR-6): delivered by :meth:`_dispatch` once the transition
        is complete, to :attr:`pdata_handler` when nothing is queued before it."""
        self._undelivered = pdu

    async def next_indication(self) -> Indication:
        """The next indication or confirmation for the user (see flow control above)."""
        indication = await self.indications.get()
        if type(indication) is PDataIndication:
            self._pdata_backlog -= indication.nbytes
            if self._may_take():
                self._room.set()
        return indication

    def _may_take(self) -> bool:
        """Whether a received PDU may be dispatched now (flow control, see the module)."""
        return not self._holds and self._pdata_backlog <= self.MAX_PDATA_BACKLOG

    def hold(self) -> None:
        """Take no PDU from the peer until :meth:`unhold` (calls nest): the user cannot take
        more P-DATA now. Meanwhile the transport stops reading and TCP holds the peer back."""
        self._holds += 1

    def unhold(self) -> None:
        """Undo one :meth:`hold`."""
        if self._holds:
            self._holds -= 1
            if self._may_take():
                self._room.set()

    def _send(self, pdu: PDU) -> None:
        if self.transport is not None:
            self.transport.write(pdu.encode())

    def _close_transport(self) -> None:
        self._room.set()
        if self.transport is not None:
            self.transport.close()

    def _report_closed(self) -> None:
        self.artim.stop()
        self._close_transport()
        if not self._closed_reported:
            self._closed_reported = True
            self._emit(Closed())

    def _artim_expired(self) -> None:
        if (self.state, Event.EVT18) in _ARTIM_STATES:
            self._dispatch(Event.EVT18)

    # --- actions (PS3.8 Tables 9-6..9-9); each returns the next state when it chooses ------

    def _ae_1(self) -> None:  # connect: done by associate_request around this event
        return None

    def _ae_2(self) -> None:
        assert self._pending_rq is not None
        self._send(self._pending_rq)

    def _ae_3(self, pdu: AssociateAC) -> None:
        self._emit(AssociateAccepted(pdu))

    def _ae_4(self, pdu: AssociateRJ) -> None:
        self._emit(AssociateRejected(pdu))
        self._close_transport()

    def _ae_5(self) -> None:
        self.artim.start()

    def _ae_6(self, pdu: AssociateRQ) -> State:
        self.artim.stop()
        if not pdu.protocol_version & PROTOCOL_VERSION:
            self._send(
                AssociateRJ(
                    RejectResult.REJECTED_PERMANENT,
                    RejectSource.SERVICE_PROVIDER_ACSE,
                    RejectReasonACSE.PROTOCOL_VERSION_NOT_SUPPORTED,
                )
            )
            self.artim.start()
            return State.STA13
        self._emit(AssociateIndication(pdu))
        self._rearm_reader(self.config.idle_timeout)
        return State.STA3

    def _ae_7(self, pdu: AssociateAC) -> None:
        self._send(pdu)

    def _ae_8(self, pdu: AssociateRJ) -> None:
        self._send(pdu)
        self.artim.start()

    def _dt_1(self, pdu: PDataTF) -> None:
        self._send(pdu)

    def _dt_2(self, pdu: PDataTF) -> None:
        self._deliver_pdata(pdu)

    def _ar_1(self) -> None:
        self._send(ReleaseRQ())

    def _ar_2(self, pdu: ReleaseRQ) -> None:
        self._emit(ReleaseIndication())

    def _ar_3(self, pdu: ReleaseRP) -> None:
        self._emit(ReleaseConfirmation())
        self._close_transport()

    def _ar_4(self) -> None:
        self._send(ReleaseRP())
        self.artim.start()

    def _ar_5(self) -> None:
        self.artim.stop()

    def _ar_6(self, pdu: PDataTF) -> None:
        self._deliver_pdata(pdu)

    def _ar_7(self, pdu: PDataTF) -> None:
        self._send(pdu)

    def _ar_8(self, pdu: ReleaseRQ) -> State:
        self._emit(ReleaseIndication(collision=True))
        return State.STA9 if self.requestor else State.STA10

    def _ar_9(self) -> None:
        self._send(ReleaseRP())

    def _ar_10(self, pdu: ReleaseRP) -> None:
        self._emit(ReleaseConfirmation())

    def _aa_1(self, pdu: PDU | None = None, error: PDUError | None = None) -> None:
        # Evt15 (local user): source service-user. In Sta2 the same action answers a PDU
        # that must not arrive before an A-ASSOCIATE-RQ, or an invalid one: that abort is
        # initiated by the provider, so it carries the provider source and a reason.
        if pdu is None and error is None:
            self._send(Abort(AbortSource.SERVICE_USER, AbortReason.NOT_SPECIFIED))
        else:
            self._send(Abort(AbortSource.SERVICE_PROVIDER, _abort_reason(error)))
        self.artim.start()

    def _aa_2(self, pdu: PDU | None = None) -> None:
        self.artim.stop()
        self._close_transport()

    def _aa_3(self, pdu: Abort) -> None:
        provider = pdu.source == AbortSource.SERVICE_PROVIDER
        self._emit(AbortIndication(pdu, provider, pdu.describe()))
        self._close_transport()

    def _aa_4(self, detail: str = "transport connection closed") -> None:
        self._emit(AbortIndication(None, True, detail))

    def _aa_5(self) -> None:
        self.artim.stop()

    def _aa_6(self, pdu: PDU | None = None) -> None:
        return None

    def _aa_7(self, pdu: PDU | None = None, error: PDUError | None = None) -> None:
        self._send(Abort(AbortSource.SERVICE_PROVIDER, _abort_reason(error)))

    def _aa_8(self, pdu: PDU | None = None, error: PDUError | None = None) -> None:
        reason = _abort_reason(error)
        self._send(Abort(AbortSource.SERVICE_PROVIDER, reason))
        detail = str(error) if error is not None else f"unexpected {type(pdu).__name__} PDU"
        self._emit(AbortIndication(None, True, detail))
        self.artim.start()

    # --- local user primitives -----------------------------------------------------------

    async def associate_request(
        self,
        host: str,
        port: int,
        request: AssociateRQ,
        *,
        ssl_context: _ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> None:
        """A-ASSOCIATE request (Evt1 -> AE-1, connect -> Evt2 -> AE-2); the answer arrives on
        :attr:`indications` (:class:`AssociateAccepted` / :class:`AssociateRejected` / abort)."""
        self._pending_rq = request
        self.max_pdata_length: int = self.config.max_pdata_length
        self._dispatch(Event.EVT1)
        try:
            self.transport = await Transport.connect(
                host,
                port,
                timeout=self.config.connect_timeout,
                ssl_context=ssl_context,
                server_hostname=server_hostname,
                max_pdata_length=self.config.max_pdata_length,
            )
        except NetworkError as exc:
            self._dispatch(Event.EVT17, detail=str(exc))
            raise
        self._dispatch(Event.EVT2)
        self._start_reader()
        await self._drain()

    def connection_indication(self, transport: Transport) -> None:
        """Transport connection indication on the acceptor (Evt5 -> AE-5, ARTIM started)."""
        self.transport = transport
        self._dispatch(Event.EVT5)
        self._start_reader()

    async def associate_response(self, response: AssociateAC | AssociateRJ) -> None:
        """A-ASSOCIATE response primitive: accept (Evt7) or reject (Evt8)."""
        event = Event.EVT7 if isinstance(response, AssociateAC) else Event.EVT8
        self._dispatch(event, pdu=response)
        await self._drain()

    async def send_pdata(self, pdu: PDataTF) -> None:
        """P-DATA request primitive (Evt9)."""
        self._dispatch(Event.EVT9, pdu=pdu)
        await self._drain()

    def queue_pdata(self, pdu: Any) -> None:
        """P-DATA request primitive (Evt9) without waiting for the transport: for streams of
        many PDUs, followed by :meth:`drain` every few megabytes. ``pdu`` is a
        :class:`PDataTF` or any object whose ``encode()`` returns the P-DATA-TF PDU bytes."""
        self._dispatch(Event.EVT9, pdu=pdu)

    def flush(self) -> None:
        """Hand what was queued to the socket now (no wait; see :meth:`drain`)."""
        if self.transport is not None:
            self.transport.flush()

    def send_pdata_now(self, pdus: Iterable[Any]) -> None:
        """:meth:`queue_pdata` each of ``pdus``, then :meth:`flush`: no flush is scheduled
        for them in between (the event loop is spared a turn)."""
        t = self.transport
        if t is not None:
            t.hold_flush()
        try:
            for pdu in pdus:
                self.queue_pdata(pdu)
        finally:
            if t is not None:
                t.release_flush()

    @property
    def writable_now(self) -> bool:
        """Whether a short message may be sent without waiting: the transport is open and
        the kernel took everything written to it so far (nothing to drain)."""
        t = self.transport
        return t is not None and not t.closed and t.buffered == 0

    async def drain(self) -> None:
        """Wait until the transport accepted what was queued (bounded by the send timeout).
        Returns at once when nothing is buffered (the usual case: the kernel took it all)."""
        t = self.transport
        if t is None or t.closed:
            return
        await t.drain(self.config.send_timeout)  # flushes; returns at once if all was sent

    async def release_request(self) -> None:
        """A-RELEASE request primitive (Evt11); the confirmation arrives on :attr:`indications`."""
        self._dispatch(Event.EVT11)
        await self._drain()

    async def release_response(self) -> None:
        """A-RELEASE response primitive (Evt14)."""
        self._dispatch(Event.EVT14)
        await self._drain()

    async def abort(self) -> None:
        """A-ABORT request primitive (Evt15). A no-op once the association no longer exists."""
        if self.abort_now():
            try:
                await self._drain()
            except NetworkError:
                pass

    def abort_now(self) -> bool:
        """:meth:`abort` without waiting for the transport (the A-ABORT PDU is handed to the
        socket at once); False when the association no longer exists."""
        if (self.state, Event.EVT15) not in _ABORT_STATES:
            return False
        self._dispatch(Event.EVT15)
        self.flush()
        return True

    async def wait_closed(self, timeout: float | None = None) -> None:
        """Wait until the reader task ended (the transport is closed)."""
        if self._reader_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader_task), timeout)
            except TimeoutError:
                raise NetworkTimeout(f"association not closed within {timeout} s") from None

    async def _drain(self) -> None:
        if self.transport is not None:
            await self.transport.drain(self.config.send_timeout)

    # --- receiving -------------------------------------------------------------------------

    def _start_reader(self) -> None:
        assert self.transport is not None
        self.transport.protocol.listener = self._on_pdu
        self.transport.protocol.on_end = self._room.set  # a reader held back must see it
        self._reader_task = asyncio.get_running_loop().create_task(self._read_loop())

    def _on_pdu(self, pdu_type: int, header: bytes, body: Any) -> bool:
        """The transport's listener: dispatch a received PDU at once when it may be taken
        now; False leaves it to the reader task (a malformed PDU, flow control held, or
        the transport closed)."""
        transport = self.transport
        if transport is None or transport.closed or self._reader_has_pdu or not self._may_take():
            return False
        try:
            pdu = decode_pdu_parts(
                pdu_type, header, body, max_pdata_length=self.config.max_pdata_length
            )
        except PDUError:
            return False  # Evt19: the reader sends the A-ABORT and drops the rest
        try:
            self._dispatch(_PDU_EVENTS[type(pdu)], pdu=pdu)
        except Exception:
            log.exception("handling a %s from %s failed", type(pdu).__name__, transport.peer)
            self.abort_now()
        transport.flush()
        return True

    async def _read_loop(self) -> None:
        assert self.transport is not None
        transport = self.transport
        try:
            while not transport.closed:
                self._reader_has_pdu = False
                scope = self._read_scope = asyncio.timeout(self._read_timeout())
                try:
                    async with scope:
                        pdu = await transport.read_pdu(
                            max_pdata_length=self.config.max_pdata_length, timeout=None
                        )
                except PDUError as exc:
                    log.info("invalid PDU from %s: %s", transport.peer, exc)
                    self._dispatch(Event.EVT19, error=exc)
                    await self._drain_quietly()
                    # The stream is no longer framed: drop what follows until close/ARTIM.
                    await transport.discard_until_closed(self.config.artim_timeout)
                    break
                except TimeoutError:
                    if not scope.expired():
                        raise  # the socket's own timeout, not the read's bound
                    if self.state in (State.STA2, State.STA13):
                        break  # ARTIM bounds these states and closes the connection
                    if self._received_within(self.config.idle_timeout):
                        continue  # PDUs were taken by the read callback meanwhile
                    log.info(
                        "idle timeout on %s: no PDU for %s s",
                        transport.peer,
                        self.config.idle_timeout,
                    )
                    self._emit(
                        AbortIndication(
                            None, True, f"idle timeout: no PDU for {self.config.idle_timeout} s"
                        )
                    )
                    await self.abort()
                    continue
                finally:
                    self._read_scope = None
                # From here until it is dispatched, the read callback takes no PDU (order).
                self._reader_has_pdu = True
                protocol = transport.protocol
                while not self._may_take() and not transport.closed and not protocol.at_eof:
                    self._room.clear()
                    await self._room.wait()
                if transport.closed or not self._may_take():
                    break  # closed (an abort) or the peer gone while held back: not taken
                event = _PDU_EVENTS[type(pdu)]
                self._dispatch(event, pdu=pdu)
                await self._drain_quietly()
        except (asyncio.IncompleteReadError, ConnectionError, OSError, _ssl.SSLError):
            pass
        finally:
            self._reader_has_pdu = False
            if self.state is not State.STA1:
                self._dispatch(Event.EVT17)

    def _rearm_reader(self, timeout: float | None) -> None:
        """Bound the reader task's current wait by ``timeout`` from now: its bound was chosen
        for the state it began in (ARTIM before the A-ASSOCIATE-RQ), and the read callback
        may have taken the PDU that left that state."""
        scope = self._read_scope
        if scope is not None:
            when = None if timeout is None else asyncio.get_running_loop().time() + timeout
            scope.reschedule(when)

    def _since_last_pdu(self) -> float | None:
        """Seconds since the last PDU was received; None before the first one."""
        last = self.transport.protocol.last_received if self.transport is not None else 0.0
        return monotonic() - last if last else None

    def _received_within(self, seconds: float | None) -> bool:
        """Whether a PDU was received less than ``seconds`` ago."""
        since = self._since_last_pdu()
        return seconds is not None and since is not None and since < seconds

    def _read_timeout(self) -> float | None:
        if self.state in (State.STA2, State.STA13):
            return self.config.artim_timeout  # ARTIM fires first; this only bounds the read
        idle = self.config.idle_timeout
        since = self._since_last_pdu()
        if idle is None or since is None:
            return idle
        return max(idle - since, 0.001)  # idle counts from the last PDU

    async def _drain_quietly(self) -> None:
        try:
            await self._drain()
        except NetworkError:
            pass


def _abort_reason(error: PDUError | None) -> int:
    if error is None:
        return AbortReason.UNEXPECTED_PDU
    reason = error.context.get("reason")
    return int(reason) if reason is not None else AbortReason.NOT_SPECIFIED


#: The method performing each action of Tables 9-6..9-9 (``AE_1`` -> ``_ae_1``).
_ACTION_METHODS: dict[Action, str] = {a: f"_{a.name.lower()}" for a in Action}

_PDU_EVENTS: dict[type, Event] = {
    AssociateAC: Event.EVT3,
    AssociateRJ: Event.EVT4,
    AssociateRQ: Event.EVT6,
    PDataTF: Event.EVT10,
    ReleaseRQ: Event.EVT12,
    ReleaseRP: Event.EVT13,
    Abort: Event.EVT16,
}

_ARTIM_STATES = {k for k in TRANSITIONS if k[1] is Event.EVT18}
_ABORT_STATES = {k for k in TRANSITIONS if k[1] is Event.EVT15}
