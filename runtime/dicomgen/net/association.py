"""An established association: DIMSE messaging, release and abort (PS3.8 7.1-7.3; PS3.7 D.3).

Created by :meth:`dicomgen.net.ae.AE.associate` (requestor) or by the server (acceptor).
P-DATA is reassembled into DIMSE messages as the provider receives it (its
``pdata_handler``, in the transport's read callback; through the pump below when other
indications wait before it): responses go to the waiting request
(:meth:`Association.request`), requests to the registered service
(:mod:`.performer`: the AE's service providers, within the asynchronous operations
window), a C-CANCEL-RQ (which has no Message ID) to
:func:`dicomgen.net.dimse.cancel.dispatch_cancel`.
One pump task reads the provider's other indications: A-RELEASE indications are answered;
aborts and closes fail everything outstanding.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from dicomgen.core.errors import (
    AssociationAborted,
    DimseError,
    NetworkError,
    NetworkTimeout,
)

from .contexts import PresentationContext
from .dimse.cancel import dispatch_cancel
from .dimse.command_set import encode_command
from .dimse.fields import CommandField
from .dimse.message import (
    DatasetSink,
    DimseMessage,
    MessageAssembler,
    encode_pdata,
    encoded_fragments,
    fragment_size,
)
from .dimse.service import (
    Handler,
    ServiceProvider,
)
from .pdu import AssociateAC, AssociateRQ, PDataTF, UserInformationItem
from .performer import Performer, negotiated_window
from .ul.fsm import State
from .ul.indications import (
    AbortIndication,
    Closed,
    PDataIndication,
    ReleaseConfirmation,
    ReleaseIndication,
)
from .ul.provider import UpperLayer

if TYPE_CHECKING:
    from .ae import AE, Timeouts
    from .dimse.store import StoreResponse

log: logging.Logger = logging.getLogger("dicomgen.net")
_timeout = getattr(asyncio, "timeout", None)  # Python 3.11+; asyncio.wait_for on 3.10


class Association:
    """One association, requestor or acceptor side.

    Public attributes: ``ae``, ``is_requestor``, ``associate_rq`` (the A-ASSOCIATE-RQ),
    ``associate_ac`` (the A-ASSOCIATE-AC), ``contexts`` (all negotiated :class:`PresentationContext`),
    ``local_ae_title``, ``peer_ae_title``, ``peer_max_pdu`` (the peer's Maximum Length, 0 =
    none), ``max_pdu`` (ours), ``async_operations`` ((invoked, performed) negotiated),
    ``peer_implementation_class_uid`` / ``peer_implementation_version_name``,
    ``abort_detail`` (why it ended, when it was aborted).
    """

    #: Requests beyond the asynchronous operations window kept waiting in memory at most
    #: (see ``__init__``); past this the association takes no more P-DATA until they are served.
    MAX_WAITING = 16

    def __init__(
        self,
        ae: AE,
        provider: UpperLayer,
        *,
        is_requestor: bool,
        request: AssociateRQ,
        accept: AssociateAC,
        contexts: list[PresentationContext],
        timeouts: Timeouts,
        handlers: dict[int, Handler] | None = None,
    ) -> None:
        self.ae = ae
        self.provider = provider
        self.is_requestor = is_requestor
        self.associate_rq = request
        self.associate_ac = accept
        self.contexts: dict[int, PresentationContext] = {c.context_id: c for c in contexts}
        self.timeouts = timeouts
        self.handlers: dict[int, Handler] = handlers or {}
        #: The service providers by request command field (the AE's table).
        self.services: Mapping[int, ServiceProvider] = ae.services
        peer_info: UserInformationItem = (
            accept.user_information if is_requestor else request.user_information
        )
        self.peer_user_information = peer_info
        self.peer_max_pdu: int = peer_info.maximum_length or 0
        self.max_pdu: int = provider.config.max_pdata_length
        self.peer_implementation_class_uid: str | None = peer_info.implementation_class_uid
        self.peer_implementation_version_name: str | None = peer_info.implementation_version_name
        self.async_operations: tuple[int, int] = negotiated_window(request, accept)
        self.local_ae_title: str
        self.peer_ae_title: str
        if is_requestor:
            self.local_ae_title, self.peer_ae_title = (
                request.calling_ae_title,
                request.called_ae_title,
            )
        else:
            self.local_ae_title, self.peer_ae_title = (
                request.called_ae_title,
                request.calling_ae_title,
            )
        self.abort_detail: str | None = None
        self._assembler = MessageAssembler(self._open_stream)
        self._message_id = 0
        self._responses: dict[int, asyncio.Queue[DimseMessage | BaseException]] = {}
        # PS3.7 D.3.3.3: outstanding operations we may invoke (the requestor: "invoked" of
        # the A-ASSOCIATE-AC; the acceptor: "performed", what the requestor may perform);
        # a request waits for a free slot, freed when its final response arrives
        limit = self.async_operations[0 if is_requestor else 1]
        self._window = asyncio.Semaphore(limit) if limit else None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Requests the peer invokes, performed within the window (PS3.7 D.3.3.3)
        self._performer = Performer(self, self.async_operations[1 if is_requestor else 0])
        self._released = asyncio.get_running_loop().create_future()
        self._closed = asyncio.Event()
        self._pump_busy = False  # the pump is handling an indication (it may be waiting)
        self._pump_task = asyncio.get_running_loop().create_task(self._pump())
        self._send_lock = asyncio.Lock()
        provider.pdata_handler = self._take_pdata

    # --- state -------------------------------------------------------------------------

    @property
    def is_established(self) -> bool:
        return self.provider.state is State.STA6 and not self._closed.is_set()

    @property
    def is_aborted(self) -> bool:
        return self.abort_detail is not None

    @property
    def is_released(self) -> bool:
        return (
            self._released.done() and not self._released.cancelled() and self.abort_detail is None
        )

    @property
    def accepted_contexts(self) -> list[PresentationContext]:
        return [c for c in self.contexts.values() if c.accepted]

    @property
    def rejected_contexts(self) -> list[PresentationContext]:
        return [c for c in self.contexts.values() if not c.accepted]

    def context_for(
        self, abstract_syntax: str, *, transfer_syntax: str | None = None, role: str = "scu"
    ) -> PresentationContext:
        """An accepted context for ``abstract_syntax`` where we may act in ``role`` ("scu"/"scp")."""
        for c in self.accepted_contexts:
            if c.abstract_syntax != abstract_syntax:
                continue
            if transfer_syntax is not None and c.transfer_syntax != transfer_syntax:
                continue
            if (role == "scu" and c.as_scu) or (role == "scp" and c.as_scp):
                return c
        raise DimseError(
            f"no accepted presentation context for {abstract_syntax}"
            + (f" with {transfer_syntax}" if transfer_syntax else "")
            + f" where we are {role.upper()}",
            abstract_syntax=abstract_syntax,
        )

    def next_message_id(self) -> int:
        """Message IDs 1..65535, wrapping (PS3.7 E.1: US)."""
        self._message_id = self._message_id % 0xFFFF + 1
        return self._message_id

    # --- sending -------------------------------------------------------------------------

    async def send_message(self, message: DimseMessage) -> None:
        """Send one DIMSE message, fragmented to the peer's Maximum Length."""
        chunks = None if message.dataset is None else (message.dataset,)
        await self.send_message_stream(message.context_id, message.command, chunks)

    #: Bytes queued on the transport between two waits for it to drain (flow control).
    DRAIN_EVERY = 4 << 20
    #: Largest message :meth:`send_message_now` sends (it does not wait for the transport).
    SEND_NOW_LIMIT = 1 << 16

    def can_send_now(self) -> bool:
        """Whether :meth:`send_message_now` may be used: the association is established, no
        other message is being sent and the kernel took everything sent so far."""
        return (
            not self._send_lock.locked()
            and not self._closed.is_set()
            and self.provider.state in (State.STA6, State.STA8)
            and self.provider.writable_now
        )

    def send_message_now(self, message: DimseMessage) -> None:
        """Send a short message (at most :data:`SEND_NOW_LIMIT` bytes of data set, e.g. a
        response) at once, without waiting: only when :meth:`can_send_now` is true."""
        if not self.can_send_now():
            raise DimseError("a message can be sent at once only when can_send_now() is true")
        dataset = message.dataset
        if dataset is not None and len(dataset) > self.SEND_NOW_LIMIT:
            raise DimseError(f"send_message_now takes at most {self.SEND_NOW_LIMIT} bytes")
        context = self.contexts.get(message.context_id)
        if context is None or not context.accepted:
            raise DimseError(f"presentation context {message.context_id} is not accepted")
        size = fragment_size(self.peer_max_pdu)
        cid = message.context_id
        pdus = [
            _Encoded(encode_pdata(cid, True, last, piece))
            for piece, last in encoded_fragments((encode_command(message.command),), size)
        ]
        if dataset is not None:
            pdus.extend(
                _Encoded(encode_pdata(cid, False, last, piece))
                for piece, last in encoded_fragments((dataset,), size)
            )
        self.provider.send_pdata_now(pdus)

    async def send_message_stream(
        self, context_id: int, command: Any, chunks: Iterable[Any] | None
    ) -> None:
        """Send a DIMSE message whose data set is the concatenation of ``chunks`` (bytes-like,
        e.g. memoryviews of an mmap-ed file, consumed lazily), or no data set (None).

        Fragments are cut to the peer's Maximum Length without joining the chunks, queued on
        the transport and drained every :data:`DRAIN_EVERY` bytes. If ``chunks`` raises
        after part of the data set went out, the association is aborted (the peer could not
        tell the message is incomplete) and the error propagates.
        """
        context = self.contexts.get(context_id)
        if context is None or not context.accepted:
            raise DimseError(f"presentation context {context_id} is not accepted")
        if self._closed.is_set() or self.provider.state not in (State.STA6, State.STA8):
            raise AssociationAborted(
                f"association is not established ({self.abort_detail or self.provider.state.name})"
            )
        size = fragment_size(self.peer_max_pdu)
        label = _label(command)
        provider = self.provider
        async with self._send_lock:  # keep the PDUs of one message together
            started = False
            try:
                for piece, last in encoded_fragments((encode_command(command),), size):
                    provider.queue_pdata(_Encoded(encode_pdata(context_id, True, last, piece)))
                if chunks is not None:
                    started = True
                    queued = 0
                    for piece, last in encoded_fragments(chunks, size):
                        provider.queue_pdata(_Encoded(encode_pdata(context_id, False, last, piece)))
                        queued += len(piece)
                        if queued >= self.DRAIN_EVERY:
                            queued = 0
                            await provider.drain()
                await provider.drain()
            except NetworkError as exc:
                if self.abort_detail is None:
                    self.abort_detail = f"sending {label} failed: {exc}"
                await self._abort_quietly()
                raise AssociationAborted(f"sending {label} failed: {exc}") from exc
            except BaseException:
                if started:  # a message cut short cannot be taken back: abort (PS3.8 7.3)
                    if self.abort_detail is None:
                        self.abort_detail = f"sending {label} was interrupted"
                    await self._abort_quietly()
                raise

    async def request(
        self,
        message: DimseMessage,
        *,
        timeout: float | None = None,
        chunks: Iterable[Any] | None = None,
    ) -> DimseMessage:
        """Send a request and wait for its (final) response within ``timeout`` (default: the
        DIMSE timeout). On timeout the association is aborted (PS3.7 has no other recovery).
        ``chunks``: the data set as bytes-like pieces, streamed (instead of ``message.dataset``)."""
        first = await self.request_stream(message, chunks=chunks)
        return await self.next_response(first, timeout=timeout, final=True)

    async def request_stream(
        self, message: DimseMessage, *, chunks: Iterable[Any] | None = None
    ) -> int:
        """Send a request whose responses are read with :meth:`next_response` (for services
        with pending responses). Returns the Message ID. ``chunks``: as for :meth:`request`.

        At most as many requests are outstanding as the negotiated asynchronous operations
        window allows (PS3.7 D.3.3.3; one without the sub-item): a request beyond it waits
        until an earlier one has its final response (or fails)."""
        message_id = message.command.MessageID
        if message_id is None:
            raise DimseError("a request needs a Message ID (0000,0110)")
        self._check_unused(message_id)
        if self._window is not None:
            await self._window.acquire()
            try:
                self._check_unused(message_id)  # taken while this one waited for its slot?
            except DimseError:
                self._window.release()
                raise
        self._responses[message_id] = asyncio.Queue()
        try:
            if chunks is None:
                await self.send_message(message)
            else:
                await self.send_message_stream(message.context_id, message.command, chunks)
        except BaseException:
            self._forget(message_id)
            raise
        return message_id

    def _check_unused(self, message_id: int) -> None:
        if message_id in self._responses:
            raise DimseError(f"a request with Message ID {message_id} is still outstanding")

    def _forget(self, message_id: int) -> None:
        """Stop waiting for responses to ``message_id``; its slot in the window is free."""
        if self._responses.pop(message_id, None) is not None and self._window is not None:
            self._window.release()

    async def next_response(
        self, message_id: int, *, timeout: float | None = None, final: bool = False
    ) -> DimseMessage:
        """The next response to ``message_id``; ``final`` drops the waiting queue afterwards."""
        queue = self._responses.get(message_id)
        if queue is None:
            raise DimseError(f"no outstanding request with Message ID {message_id}")
        wait = self.timeouts.dimse if timeout is None else timeout
        try:
            if not queue.empty():  # already here: no timer, no wait
                item = queue.get_nowait()
            elif _timeout is not None:  # one timer handle, no task per response
                async with _timeout(wait):
                    item = await queue.get()
            else:  # Python 3.10
                item = await asyncio.wait_for(queue.get(), wait)
        except TimeoutError:
            self._forget(message_id)
            await self.abort()
            raise NetworkTimeout(
                f"no response to Message ID {message_id} within {wait} s; association aborted"
            ) from None
        if final or isinstance(item, BaseException):
            self._forget(message_id)
        if isinstance(item, BaseException):
            raise item
        return item

    def drop_responses(self, message_id: int) -> None:
        """Stop waiting for responses to ``message_id`` (a no-op if not waiting): responses
        arriving afterwards are logged and ignored."""
        self._forget(message_id)

    def is_serving(self, message_id: int) -> bool:
        """Whether a received request with ``message_id`` is being performed (PS3.7 C.5.2)."""
        return self._performer.is_serving(message_id)

    @property
    def is_closed(self) -> bool:
        """Whether the association has ended (its connection closed)."""
        return self._closed.is_set()

    async def send_c_echo(self, *, timeout: float | None = None) -> int:
        """C-ECHO (Verification): the response Status, 0x0000 on success (PS3.7 9.1.5)."""
        from .dimse.echo import c_echo

        return await c_echo(self, timeout=timeout)

    async def send_c_store(self, source: Any, **kwargs: Any) -> StoreResponse:
        """C-STORE (Storage, PS3.7 9.1.1): send a Part 10 file (path), a Dataset or a typed
        object; returns a :class:`dicomgen.net.dimse.store.StoreResponse`. Keyword arguments:
        see :func:`dicomgen.net.dimse.store.c_store`."""
        from .dimse.store import c_store

        return await c_store(self, source, **kwargs)

    # --- ending --------------------------------------------------------------------------

    async def release(self, timeout: float | None = None) -> None:
        """A-RELEASE (PS3.8 7.2). Aborts if the peer does not confirm within ``timeout``
        (default: the ACSE timeout). A no-op once the association has ended."""
        if self._closed.is_set() or self.provider.state is not State.STA6:
            return
        wait = self.timeouts.acse if timeout is None else timeout
        await self.provider.release_request()
        try:
            await asyncio.wait_for(asyncio.shield(self._released), wait)
        except TimeoutError:
            await self.abort()
            raise NetworkTimeout(f"A-RELEASE not confirmed within {wait} s; aborted") from None
        except AssociationAborted:
            raise
        await self.wait_closed(wait)

    async def abort(self) -> None:
        """A-ABORT (PS3.8 7.3); returns once the transport is closed (or ARTIM expired)."""
        if self.abort_detail is None and not self._released.done():
            self.abort_detail = "aborted by the local user"
        await self.provider.abort()
        try:
            await self.wait_closed(self.provider.config.artim_timeout + 1)
        except NetworkTimeout:
            pass

    async def wait_closed(self, timeout: float | None = None) -> None:
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
        except TimeoutError:
            raise NetworkTimeout(f"association not closed within {timeout} s") from None

    def __repr__(self) -> str:
        role = "requestor" if self.is_requestor else "acceptor"
        return (
            f"<Association {self.local_ae_title} -> {self.peer_ae_title} ({role},"
            f" {self.provider.state.name}, {len(self.accepted_contexts)} accepted contexts)>"
        )

    async def __aenter__(self) -> Association:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.release()
        else:
            await self.abort()

    # --- the pump ------------------------------------------------------------------------

    def _take_pdata(self, pdu: PDataTF) -> bool:
        """The provider's ``pdata_handler``: take a P-DATA indication at once, unless the
        pump is handling an earlier indication (then it is queued, to keep the order)."""
        if self._pump_busy or self._closed.is_set():
            return False
        self._on_pdata(pdu)
        return True

    def _on_pdata(self, pdu: PDataTF) -> None:
        """Reassemble, hand on the completed messages, and hold P-DATA back while the sink
        of a data set being received has no room."""
        try:
            for message in self._assembler.feed(pdu):
                self._on_message(message)
        except DimseError as exc:
            log.warning("invalid DIMSE message from %s: %s", self.peer_ae_title, exc)
            self._abort_now(f"invalid DIMSE message: {exc}", fail=True)
            return
        except NetworkError as exc:  # e.g. a response that could not be sent
            log.info("association with %s ended: %s", self.peer_ae_title, exc)
            self._abort_now(str(exc))
            return
        except Exception:
            log.exception("association with %s failed", self.peer_ae_title)
            self._abort_now("internal error")
            return
        waiter = self._assembler.room()
        if waiter is not None:
            self.provider.hold()
            self.start_task(self._wait_for_sink(waiter))

    def _abort_now(self, detail: str, *, fail: bool = False) -> None:
        """A-ABORT at once (``detail``: why); ``fail``: the outstanding requests fail now
        with it (else when the connection is closed)."""
        if self.abort_detail is None:
            self.abort_detail = detail
        if fail:
            self._fail_all(AssociationAborted(self.abort_detail))
        self.provider.abort_now()

    def start_task(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` in a task of this association (cancelled when it ends)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _pump(self) -> None:
        try:
            while True:
                self._pump_busy = False
                ind = await self.provider.next_indication()
                self._pump_busy = True
                if isinstance(ind, PDataIndication):
                    self._on_pdata(ind.pdu)
                elif isinstance(ind, ReleaseIndication):
                    # Sta8 (normal) and Sta9 (collision, requestor) answer now; Sta10
                    # (collision, acceptor) answers after the peer's A-RELEASE-RP, in Sta12.
                    if self.provider.state in (State.STA8, State.STA9):
                        await self._wait_tasks()
                        await self.provider.release_response()
                elif isinstance(ind, ReleaseConfirmation):
                    if not self._released.done():
                        self._released.set_result(None)
                    if self.provider.state is State.STA12:
                        await self.provider.release_response()
                elif isinstance(ind, AbortIndication):
                    if self.abort_detail is None:
                        self.abort_detail = ind.detail or "aborted"
                    err = AssociationAborted(
                        f"association aborted: {self.abort_detail}",
                        source=ind.abort.source if ind.abort else None,
                        reason=ind.abort.reason if ind.abort else None,
                    )
                    self._fail_all(err)
                elif isinstance(ind, Closed):
                    break
        except NetworkError as exc:  # a DIMSE protocol error or a failed send: abort
            log.info("association with %s ended: %s", self.peer_ae_title, exc)
            if self.abort_detail is None:
                self.abort_detail = str(exc)
            await self._abort_quietly()
        except Exception:
            log.exception("association with %s failed", self.peer_ae_title)
            if self.abort_detail is None:
                self.abort_detail = "internal error"
            await self._abort_quietly()
        finally:
            self._assembler.abort()  # a data set being streamed in is dropped
            if not self._released.done() and self.abort_detail is None:
                self.abort_detail = "connection closed"
            self._fail_all(AssociationAborted(f"association ended: {self.abort_detail}"))
            for task in list(self._tasks):
                task.cancel()
            self._closed.set()

    async def _wait_for_sink(self, waiter: Any) -> None:
        """The provider holds P-DATA back (see :meth:`_on_pdata`) until the data set's sink
        has room (flow control: meanwhile the transport stops reading and TCP holds the
        peer back); abort the association if it has none within the DIMSE timeout."""
        try:
            await asyncio.wait_for(waiter, self.timeouts.dimse)
        except TimeoutError:
            self.abort_detail = (
                f"the receiver of a data set took no data for {self.timeouts.dimse} s"
            )
            log.warning("association with %s: %s", self.peer_ae_title, self.abort_detail)
            self._assembler.abort()
            await self._abort_quietly()
        finally:
            self.provider.unhold()

    async def _abort_quietly(self) -> None:
        try:
            await self.provider.abort()
        except NetworkError:
            pass

    def _fail_all(self, err: BaseException) -> None:
        for message_id, queue in list(self._responses.items()):
            queue.put_nowait(err)
            self._forget(message_id)
        if not self._released.done():
            self._released.set_exception(err)
            self._released.exception()  # mark retrieved

    async def _wait_tasks(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.timeouts.dimse)

    def _open_stream(self, context_id: int, command: Any) -> DatasetSink | None:
        """Ask the service of a received request whether it streams the data set
        (its provider's ``open_stream(association, context, command, handler)``)."""
        context = self.contexts.get(context_id)
        field = int(command.get(0x00000100, 0))
        if context is None or not context.accepted or field & 0x8000:
            return None
        return self._performer.open_stream(context, field, command)

    def _on_message(self, message: DimseMessage) -> None:
        context = self.contexts.get(message.context_id)
        if context is None or not context.accepted:
            self._abort_now(f"message on presentation context {message.context_id}, not accepted")
            return
        field = message.command_field
        if field == CommandField.C_CANCEL_RQ:
            # PS3.7 9.3.2.3/9.3.3.3/9.3.4.3: no Message ID of its own; it names the operation
            # by Message ID Being Responded To and has no response.
            dispatch_cancel(self, message)
            return
        if field & 0x8000:
            responded_to = message.command.MessageIDBeingRespondedTo
            queue = None if responded_to is None else self._responses.get(responded_to)
            if queue is None:
                log.warning("unexpected %s for Message ID %s", message.label, responded_to)
                return
            queue.put_nowait(message)
            return
        self._performer.received(message, context)


class _Encoded:
    """An already encoded P-DATA-TF PDU for the provider's ``encode()`` call."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def encode(self) -> bytes:
        return self.data


def _label(command: Any) -> str:
    try:
        return CommandField(int(command.get(0x00000100, -1))).label
    except ValueError:
        return "DIMSE message"
