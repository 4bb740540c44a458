"""Command sets: always Implicit VR Little Endian, group 0000 only (PS3.7 6.3.1, Annex E).

:func:`encode_command` writes the elements in tag order with Command Group Length
(0000,0000) computed; :func:`decode_command` reads them back as a
:class:`dicomgen_std.commands.CommandSet`, the class generated from PS3.7 Table E.1-1 with one
typed property per command element, built on :class:`CommandSetBase` here. VRs and keywords
come from the generated command entries of the data dictionary
(``dicomgen_std.commands.COMMAND_DICTIONARY``: PS3.7 Tables E.1-1 and E.2-1). Elements not
there (private to a peer) are kept as raw bytes.

A command set is encoded and decoded for every DIMSE message, so it has a codec of its own
rather than going through ``Dataset``: plain values in and out, ``struct`` formats prepared
once, and Command Group Length (0000,0000) computed, which PS3.7 E.1 requires and the data set
writer does not produce.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from dicomgen.core.errors import DimseError

if TYPE_CHECKING:
    from typing import Self

    from dicomgen_std.commands import CommandSet

_GROUP_LENGTH = 0x00000000


@cache
def _entries() -> dict[int, tuple[str, tuple[str, ...], str, bool]]:
    from dicomgen_std.commands import COMMAND_DICTIONARY

    return COMMAND_DICTIONARY


@cache
def command_vrs() -> dict[int, str]:
    """``{tag: VR}`` of every group 0000 element, built once from the generated command
    entries of the data dictionary (PS3.7 Tables E.1-1, E.2-1).

    The command entries are generated apart from ``dicomgen_std.dictionary`` so that the
    first message of a process does not load the whole data dictionary."""
    return {tag: vrs[0] for tag, (_kw, vrs, _vm, _ret) in _entries().items() if vrs}


@cache
def _by_keyword() -> dict[str, int]:
    return {kw: tag for tag, (kw, _vrs, _vm, _ret) in _entries().items()}


def vr_of(tag: int) -> str | None:
    """The VR of a command element (PS3.7 Tables E.1-1, E.2-1); ``None`` if unknown."""
    return command_vrs().get(tag)


def tag_of(keyword: str) -> int:
    """The tag of a command element keyword; :class:`DimseError` for any other name."""
    tag = _by_keyword().get(keyword)
    if tag is None:
        raise DimseError(f"{keyword!r} is not a command element keyword (PS3.7 Table E.1-1)")
    return tag


@cache
def command_set_class() -> type[CommandSet]:
    """The generated :class:`dicomgen_std.commands.CommandSet` (imported on first use)."""
    from dicomgen_std.commands import CommandSet

    return CommandSet


class CommandSetBase(dict[int, Any]):
    """A command set as ``{tag: value}``: ints for US/UL, str for UI/AE/LO, tuple of ints for
    AT, bytes for unknown elements. Item access takes a tag or a command element keyword
    (``cmd["MessageID"]``); the generated subclass adds a typed property per element
    (``cmd.MessageID``) and a typed :meth:`of`."""

    __slots__ = ()

    @classmethod
    def _of(cls, pairs: Iterable[tuple[int, Any]]) -> Self:
        """A command set of the ``(tag, value)`` pairs whose value is not ``None``."""
        return cls({tag: value for tag, value in pairs if value is not None})

    def _put(self, tag: int, value: Any) -> None:
        if value is None:
            self.pop(tag, None)
        else:
            dict.__setitem__(self, tag, value)

    def __getitem__(self, key: int | str) -> Any:
        return super().__getitem__(tag_of(key) if isinstance(key, str) else key)

    def __setitem__(self, key: int | str, value: Any) -> None:
        super().__setitem__(tag_of(key) if isinstance(key, str) else key, value)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(tag_of(key) if isinstance(key, str) else key)

    def required(self, keyword: str) -> int:
        """The integer value of ``keyword``, a US/UL command element the message must carry;
        DimseError naming the element when the command set lacks it."""
        value = self.get(tag_of(keyword))
        if value is None:
            raise DimseError(f"the command set has no {keyword}")
        return int(value)

    def describe(self) -> str:
        """``Keyword=value, ...`` in tag order (unknown elements by tag)."""
        entries = _entries()
        parts = []
        for tag in sorted(self):
            entry = entries.get(tag)
            kw = entry[0] if entry else f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
            parts.append(f"{kw}={self[tag]!r}")
        return ", ".join(parts)


def _pad(raw: bytes, pad: bytes) -> bytes:
    return raw + pad if len(raw) % 2 else raw


def _encode_value(tag: int, vr: str | None, value: Any) -> bytes:
    try:
        if isinstance(value, (bytes, bytearray)):
            return _pad(bytes(value), b"\0")
        if vr == "US":
            return struct.pack("<H", value)
        if vr == "UL":
            return struct.pack("<I", value)
        if vr == "UI":
            return _pad(str(value).encode("ascii"), b"\0")
        if vr in ("AE", "LO", "SH", "CS"):
            return _pad(str(value).encode("ascii"), b" ")
        if vr == "AT":
            values = [value] if isinstance(value, int) else list(value)
            return b"".join(struct.pack("<HH", t >> 16, t & 0xFFFF) for t in values)
    except (struct.error, UnicodeEncodeError, TypeError) as exc:
        raise DimseError(f"cannot encode {value!r} as {vr}: {exc}", tag=tag) from exc
    raise DimseError(f"no command encoding for VR {vr} of value {value!r}", tag=tag)


def _decode_value(tag: int, vr: str | None, raw: bytes, offset: int) -> Any:
    if vr in ("US", "UL"):
        size = 2 if vr == "US" else 4
        if len(raw) != size:
            raise DimseError(
                f"{vr} command element has length {len(raw)}, expected {size}",
                tag=tag,
                offset=offset,
            )
        return int.from_bytes(raw, "little")
    if vr == "UI":
        return raw.decode("ascii", errors="replace").rstrip("\0 ")
    if vr in ("AE", "LO", "SH", "CS"):
        return raw.decode("ascii", errors="replace").strip(" \0")
    if vr == "AT":
        if len(raw) % 4:
            raise DimseError(
                f"AT value length {len(raw)} is not a multiple of 4", tag=tag, offset=offset
            )
        pairs = struct.unpack(f"<{len(raw) // 2}H", raw)
        return tuple((pairs[i] << 16) | pairs[i + 1] for i in range(0, len(pairs), 2))
    return raw


_HEADER = struct.Struct("<HHI")  # element header: group, element, value length (PS3.5 7.1.2)
_US_ELEMENT = struct.Struct("<HHIH")  # header + US value, the most common command element
_GROUP_LENGTH_ELEMENT = struct.Struct("<HHII")  # (0000,0000) UL, length 4
_TEXT_PAD = {"UI": b"\0", "AE": b" ", "LO": b" ", "SH": b" ", "CS": b" "}


def encode_command(command: Mapping[int, Any]) -> bytes:
    """Encode a command set in Implicit VR Little Endian with (0000,0000) computed (PS3.7 E.1)."""
    vrs = command_vrs()
    header = _HEADER.pack
    us_element = _US_ELEMENT.pack
    parts: list[bytes] = []
    size = 0
    for tag, value in sorted(dict.items(command) if isinstance(command, dict) else command.items()):
        if tag == _GROUP_LENGTH:
            continue
        if tag >> 16 != 0x0000:
            raise DimseError("a command set holds group 0000 elements only", tag=tag)
        vr = vrs.get(tag)
        if vr == "US" and type(value) is int and 0 <= value <= 0xFFFF:
            parts.append(us_element(0, tag, 2, value))
            size += 10
            continue
        pad = _TEXT_PAD.get(vr)  # type: ignore[arg-type]
        if pad is not None and type(value) is str and value.isascii():
            raw = value.encode("ascii")
            if len(raw) % 2:
                raw += pad
        else:
            raw = _encode_value(tag, vr, value)
        parts.append(header(0, tag, len(raw)))
        parts.append(raw)
        size += 8 + len(raw)
    return _GROUP_LENGTH_ELEMENT.pack(0, 0, 4, size) + b"".join(parts)


def decode_command(data: bytes) -> CommandSet:
    """Decode an Implicit VR Little Endian command set; :class:`DimseError` when malformed.

    A Command Group Length that disagrees with the bytes present is an error; an absent
    one is tolerated (it is recomputed when encoding).
    """
    if type(data) is not bytes:
        data = bytes(data)
    vrs = command_vrs()
    unpack_header = _HEADER.unpack_from
    out: dict[int, Any] = {}
    end = len(data)
    pos = 0
    while pos < end:
        if end - pos < 8:
            raise DimseError(
                f"command set ends inside an element header ({end - pos} bytes left)",
                offset=pos,
            )
        group, element, length = unpack_header(data, pos)
        tag = (group << 16) | element
        start = pos + 8
        stop = start + length
        if length == 0xFFFFFFFF or stop > end:
            raise DimseError(
                f"command element length {length} runs past the end of the command set",
                tag=tag,
                offset=pos + 4,
            )
        if group != 0x0000:
            raise DimseError("command set holds an element outside group 0000", tag=tag, offset=pos)
        vr = vrs.get(tag)
        if vr == "US" and length == 2:
            out[tag] = data[start] | (data[start + 1] << 8)
        elif vr == "UI":
            out[tag] = data[start:stop].decode("ascii", errors="replace").rstrip("\0 ")
        else:
            out[tag] = _decode_value(tag, vr, data[start:stop], pos)
        pos = stop
    group_length = out.get(_GROUP_LENGTH)
    if group_length is not None and group_length != end - 12:
        raise DimseError(
            f"Command Group Length {group_length} but {end - 12} bytes follow it",
            tag=_GROUP_LENGTH,
            offset=8,
        )
    if 0x00000100 not in out:
        raise DimseError("command set has no Command Field (0000,0100)")
    return command_set_class()(out)
