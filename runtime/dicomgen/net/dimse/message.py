"""DIMSE messages over P-DATA: fragmentation into PDVs and reassembly (PS3.7 6.3, PS3.8 9.3.5, Annex E).

A message is a command set (always Implicit VR Little Endian) optionally followed by a data
set (in the presentation context's transfer syntax). Each is cut into PDV fragments, one PDV
per P-DATA-TF PDU, none longer than the peer's Maximum Length; the last fragment of each
carries the "last" bit of the message control header.

Large data sets are streamed both ways: :func:`encoded_fragments` cuts any iterable of
bytes-like chunks (e.g. memoryviews into an mmap-ed file) into fragments without joining
them first, and :class:`MessageAssembler` hands data set fragments to a
:class:`DatasetSink` when the service asks for one (``stream_opener``) instead of
collecting them into one bytes object.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from dicomgen.core.errors import DimseError

from ..pdu import PDV, PDataTF
from .command_set import decode_command, encode_command
from .fields import NO_DATASET, CommandField

if TYPE_CHECKING:
    from dicomgen.core.dataset import Dataset
    from dicomgen_std.commands import CommandSet

#: Fragment size used when the peer announced no limit (Maximum Length 0).
UNLIMITED_FRAGMENT = 1 << 22

#: The bytes a PDU and its single PDV add around a fragment: PDU header 6, PDV length 4,
#: context ID 1, control header 1 (the PDU-length counts all but the 6-byte PDU header).
PDV_OVERHEAD = 6


@attrs.define
class DimseMessage:
    """A DIMSE message on a presentation context: command set and optional encoded data set."""

    context_id: int
    command: CommandSet
    dataset: bytes | None = None
    #: The :class:`DatasetSink` that received the data set instead of ``dataset`` (when the
    #: service streamed it), else None.
    stream: Any = None

    @property
    def command_field(self) -> int:
        return int(self.command.get(0x00000100, -1))

    @property
    def label(self) -> str:
        try:
            return CommandField(self.command_field).label
        except ValueError:
            return f"command 0x{self.command_field:04X}"

    @property
    def has_dataset(self) -> bool:
        value = self.command.get(0x00000800, NO_DATASET)
        return value != NO_DATASET

    def decode_dataset(self, transfer_syntax: str) -> Dataset | None:
        """The data set decoded in the presentation context's ``transfer_syntax`` (PS3.5)."""
        if self.dataset is None:
            return None
        from dicomgen.encoding.reader import decode_dataset

        return decode_dataset(self.dataset, transfer_syntax)


def encode_message_dataset(dataset: Dataset, transfer_syntax: str) -> bytes:
    """A data set encoded for a DIMSE message in the context's ``transfer_syntax``."""
    from dicomgen.encoding.writer import encode_dataset

    return encode_dataset(dataset, transfer_syntax)


def fragment(message: DimseMessage, peer_max_length: int) -> Iterator[PDataTF]:
    """P-DATA-TF PDUs carrying ``message``; each PDU-length <= ``peer_max_length`` (0 = no limit)."""
    size = fragment_size(peer_max_length)
    yield from _pieces(message.context_id, encode_command(message.command), True, size)
    if message.dataset is not None:
        yield from _pieces(message.context_id, message.dataset, False, size)


def _pieces(context_id: int, data: bytes, is_command: bool, size: int) -> Iterator[PDataTF]:
    view = memoryview(data)
    if not data:
        yield PDataTF((PDV(context_id, is_command, True, b""),))
        return
    for start in range(0, len(data), size):
        chunk = bytes(view[start : start + size])
        yield PDataTF((PDV(context_id, is_command, start + size >= len(data), chunk),))


_PDU_PDV_HEADER = struct.Struct(">BBIIBB")  # PDU type, reserved, PDU-length, PDV length, ID, MCH


def encode_pdata(context_id: int, is_command: bool, is_last: bool, data: Any) -> bytes:
    """One P-DATA-TF PDU holding one PDV of ``data`` (PS3.8 9.3.5, E.2), copying ``data`` once."""
    n = len(data)
    control = (1 if is_command else 0) | (2 if is_last else 0)
    return _PDU_PDV_HEADER.pack(0x04, 0, n + 6, n + 2, context_id, control) + data


def encoded_fragments(chunks: Iterable[Any], size: int) -> Iterator[tuple[Any, bool]]:
    """``(fragment, is_last)`` pairs cutting the concatenation of ``chunks`` into pieces of
    ``size`` bytes (the last may be shorter; an empty input gives one empty fragment).

    Chunks are bytes-like; large ones are sliced (memoryviews, no copy), small ones are
    gathered into a buffer. Nothing holds more than one fragment besides the chunks.
    """
    pending: Any = None  # a complete fragment waiting to learn whether it is the last
    buf = bytearray()
    for chunk in chunks:
        mv = memoryview(chunk)
        if mv.ndim != 1 or mv.itemsize != 1:
            mv = mv.cast("B")
        if buf:
            need = size - len(buf)
            buf += mv[:need]
            mv = mv[need:]
            if len(buf) < size:
                continue
            if pending is not None:
                yield pending, False
            pending, buf = bytes(buf), bytearray()
        n = len(mv)
        pos = 0
        while n - pos >= size:
            if pending is not None:
                yield pending, False
            pending = mv[pos : pos + size]
            pos += size
        if pos < n:
            buf += mv[pos:]
    if buf:
        if pending is not None:
            yield pending, False
        yield bytes(buf), True
    elif pending is not None:
        yield pending, True
    else:
        yield b"", True


def fragment_size(peer_max_length: int) -> int:
    """The data bytes of one PDV when each PDU-length must be <= ``peer_max_length``."""
    if peer_max_length == 0:
        return UNLIMITED_FRAGMENT
    size = peer_max_length - PDV_OVERHEAD
    if size < 1:
        raise DimseError(f"the peer's maximum PDU length {peer_max_length} leaves no room for data")
    return size


class DatasetSink(Protocol):
    """Receives a data set fragment by fragment (see :class:`MessageAssembler`).

    ``write`` gets each fragment (bytes, or a read-only memoryview into the received PDU,
    which stays valid after the call: keep or copy it), ``close``
    is called after the last one, ``abort`` when the message will never be completed (the
    association ended or broke the protocol): the sink must then drop what it received.
    """

    def write(self, data: bytes | memoryview) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...

    def room(self) -> Awaitable[Any] | None:
        """An awaitable while the sink holds more than it wants (its consumer is behind),
        done when it can take more; ``None`` when it can take more now. The receiving
        association waits for it before taking more P-DATA (flow control)."""
        ...


#: ``opener(context_id, command) -> sink or None``: called once per received command set
#: that announces a data set; None = collect the data set into ``DimseMessage.dataset``.
StreamOpener = Callable[[int, "CommandSet"], "DatasetSink | None"]


class MessageAssembler:
    """Reassembles DIMSE messages from received PDVs (PS3.8 Annex E, PS3.7 6.3.1).

    :meth:`feed` returns the messages completed by a P-DATA-TF. Rules enforced (violations are
    :class:`DimseError`): fragments of one message share a presentation context; command
    fragments come before data set fragments; a data set follows only when Command Data Set
    Type says so; no command fragment arrives while a data set is expected.

    With a ``stream_opener``, a data set may go to a :class:`DatasetSink` as it arrives; the
    completed message then has ``stream`` set and ``dataset`` None. :meth:`abort` (and any
    protocol violation) aborts an open sink.
    """

    def __init__(self, stream_opener: StreamOpener | None = None) -> None:
        self._context_id: int | None = None
        self._command_parts: list[bytes | memoryview] = []
        self._command: CommandSet | None = None
        self._data_parts: list[bytes | memoryview] = []
        self._opener = stream_opener
        self._sink: DatasetSink | None = None

    @property
    def idle(self) -> bool:
        return self._context_id is None

    def room(self) -> Awaitable[Any] | None:
        """The open sink's ``room()`` (see :class:`DatasetSink`), ``None`` without one."""
        sink = self._sink
        return sink.room() if sink is not None else None

    def feed(self, pdu: PDataTF) -> list[DimseMessage]:
        done: list[DimseMessage] = []
        try:
            for pdv in pdu.pdvs:
                message = self._feed_pdv(pdv)
                if message is not None:
                    done.append(message)
        except BaseException:
            self.abort()
            raise
        return done

    def abort(self) -> None:
        """Drop a partly received message; an open sink is aborted."""
        sink, self._sink = self._sink, None
        self._context_id = None
        self._command = None
        self._command_parts = []
        self._data_parts = []
        if sink is not None:
            sink.abort()

    def _feed_pdv(self, pdv: PDV) -> DimseMessage | None:
        if self._context_id is None:
            self._context_id = pdv.context_id
        elif pdv.context_id != self._context_id:
            raise DimseError(
                f"PDV on presentation context {pdv.context_id} inside a message on context"
                f" {self._context_id}"
            )
        if pdv.is_command:
            if self._command is not None:
                raise DimseError("command fragment received while a data set was expected")
            self._command_parts.append(pdv.data)
            if not pdv.is_last:
                return None
            command = decode_command(b"".join(self._command_parts))
            self._command_parts = []
            message = DimseMessage(self._context_id, command)
            if message.has_dataset:
                self._command = command
                if self._opener is not None:
                    self._sink = self._opener(self._context_id, command)
                return None
            self._context_id = None
            return message
        if self._command is None:
            raise DimseError("data set fragment received before its command set")
        sink = self._sink
        if sink is not None:
            sink.write(pdv.data)
            if not pdv.is_last:
                return None
            self._sink = None
            sink.close()
            message = DimseMessage(self._context_id, self._command, None, sink)
            self._command = None
            self._context_id = None
            return message
        self._data_parts.append(pdv.data)
        if not pdv.is_last:
            return None
        message = DimseMessage(self._context_id, self._command, b"".join(self._data_parts))
        self._command = None
        self._data_parts = []
        self._context_id = None
        return message
