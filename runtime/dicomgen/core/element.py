"""Data elements (PS3.5 section 7.1): a tag, a VR and a value, decoded lazily.

A :class:`DataElement` read from a stream keeps its encoded value field (``raw``, a
``memoryview`` into the file buffer or an ``mmap``) and decodes it the first time
``.value`` is asked for, with the byte order and Specific Character Set that were in
force where it was read. The raw bytes are kept after decoding so that a data set
whose values were not changed is written back byte for byte; assigning ``.value``
drops them.

The value of an SQ element is a ``list`` of :class:`~dicomgen.core.dataset.Dataset`.
Encapsulated Pixel Data (PS3.5 A.4: undefined length OB with items) has
``undefined_length=True`` and a value holding the item stream (Basic Offset Table
item and fragment items, without the Sequence Delimitation Item), byte exact.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .errors import DecodeError, DicomError, InvalidValueError
from .services import service
from .tag import Tag
from .values.multivalue import MultiValue


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"

    def __reduce__(self) -> str:
        return "UNSET"  # pickles as the module-level singleton


UNSET: Any = _Unset()
"""Marks a value that has not been decoded yet."""

_MUTABLE = (list, bytearray)


_decoder: Any = None


def _decode_value(vr: str, raw: Any, le: bool, charsets: tuple[str, ...]) -> Any:
    """The ``decode_value`` service (:mod:`.services`), looked up on first use, then cached."""
    global _decoder
    dec = _decoder
    if dec is None:
        dec = _decoder = service("decode_value")
    return dec(vr, raw, little_endian=le, charsets=charsets)


class DataElement:
    """One data element. ``DataElement(0x00100010, "PN", "Doe^John")``.

    Attributes: ``tag`` (:class:`Tag`), ``vr`` (the two-letter code, a ``str``),
    ``value`` (decoded on first access), ``raw`` (the encoded value field as read, or
    ``None`` for elements built in Python or changed since), ``undefined_length``
    (the element was read with, or is to be written with, length FFFFFFFFH: SQ and
    encapsulated Pixel Data), ``keyword`` and ``name`` from the data dictionary.
    """

    __slots__ = ("tag", "vr", "_value", "_raw", "_le", "_cs", "_orig", "undefined_length")

    tag: Tag
    vr: str
    _value: Any
    _raw: Any
    _le: bool
    _cs: tuple[str, ...]
    _orig: Any
    undefined_length: bool

    def __init__(
        self,
        tag: int,
        vr: str,
        value: Any = None,
        *,
        undefined_length: bool = False,
    ) -> None:
        self.tag = tag if type(tag) is Tag else Tag(tag)
        self.vr = str(vr)
        self._value = value if value is not None or self.vr != "SQ" else []
        self._raw = None
        self._le = True
        self._cs: tuple[str, ...] = ()
        self._orig = None
        self.undefined_length = undefined_length

    @classmethod
    def from_raw(
        cls,
        tag: int,
        vr: str,
        raw: Any,
        little_endian: bool = True,
        charsets: tuple[str, ...] = (),
        undefined_length: bool = False,
    ) -> DataElement:
        """An element whose value is still encoded (``raw``: bytes or a memoryview)."""
        e = cls.__new__(cls)
        e.tag = Tag(tag)
        e.vr = vr
        e._value = UNSET
        e._raw = raw
        e._le = little_endian
        e._cs = charsets
        e._orig = None
        e.undefined_length = undefined_length
        return e

    # --- value ------------------------------------------------------------------

    @property
    def value(self) -> Any:
        """The decoded value (see PS3.5 6.2 for each VR); decoded on first access."""
        v = self._value
        if v is UNSET:
            v = self._decode()
        return v

    @value.setter
    def value(self, value: Any) -> None:
        if self.vr == "SQ" and value is None:
            value = []
        self._value = value
        self._raw = None
        self._orig = None

    def _decode(self) -> Any:
        raw = self._raw
        vr = self.vr
        if self.undefined_length and vr != "SQ":
            v: Any = bytes(raw)  # encapsulated item stream, kept as is
        else:
            try:
                v = _decode_value(vr, raw, self._le, self._cs)
            except DicomError as exc:
                if exc.tag is None:
                    exc.tag = self.tag
                    exc.args = (exc._render(),)
                raise
            except (ValueError, TypeError, UnicodeError, LookupError, OverflowError) as exc:
                raise DecodeError(f"cannot decode {vr} value: {exc}", tag=self.tag) from exc
        if isinstance(v, _MUTABLE):
            self._orig = tuple(v)
        self._value = v
        return v

    @property
    def is_decoded(self) -> bool:
        return self._value is not UNSET

    @property
    def raw(self) -> Any:
        """The encoded value field as read (memoryview/bytes), ``None`` if built or changed."""
        return self._raw

    @property
    def raw_little_endian(self) -> bool:
        """Byte order of :attr:`raw`."""
        return self._le

    @property
    def charsets(self) -> tuple[str, ...]:
        """Specific Character Set terms in force where the element was read."""
        return self._cs

    def raw_if_unchanged(self) -> Any:
        """:attr:`raw` if the value was not replaced or mutated in place since reading."""
        raw = self._raw
        if raw is None:
            return None
        orig = self._orig
        if orig is not None:
            v = self._value
            if len(v) != len(orig) or any(a is not b and a != b for a, b in zip(v, orig)):
                return None
        return raw

    def raw_state(self) -> tuple[Any, bool, tuple[str, ...]] | None:
        """``(raw, raw_little_endian, charsets)`` while :meth:`raw_if_unchanged` is not
        ``None`` (all the decoded value depends on, in one call), else ``None``."""
        raw = self._raw
        if raw is None or (self._orig is not None and self.raw_if_unchanged() is None):
            return None
        return raw, self._le, self._cs

    def __len__(self) -> int:
        """Length of the raw value field if known (items for SQ)."""
        if self.vr == "SQ":
            return len(self.value)
        raw = self._raw
        return len(raw) if raw is not None else 0

    # --- dictionary -------------------------------------------------------------

    @property
    def keyword(self) -> str:
        """Data dictionary keyword ("" for private and unknown tags)."""
        if self.tag.is_private:
            return ""
        from .dictionary import entry_for

        e = entry_for(self.tag)
        return e.keyword if e else ""

    @property
    def name(self) -> str:
        """Data dictionary name ("Private tag data", "Private Creator", "Unknown")."""
        t = self.tag
        if t.is_private:
            if t.is_private_creator:
                return "Private Creator"
            return "Private tag data"
        if t & 0xFFFF == 0:
            from .dictionary import entry_for

            e = entry_for(t)
            return e.name if e else "Group Length"
        from .dictionary import entry_for

        e = entry_for(t)
        return e.name if e else "Unknown"

    @property
    def vm(self) -> int:
        """Value multiplicity of the current value (0 for empty)."""
        v = self.value
        if v is None:
            return 0
        if self.vr == "SQ":
            return 1
        if isinstance(v, (list, tuple)):
            return len(v)
        if isinstance(v, (str, bytes, bytearray, memoryview)) and len(v) == 0:
            return 0
        return 1

    @property
    def is_empty(self) -> bool:
        v = self.value
        if v is None:
            return True
        try:
            return len(v) == 0
        except TypeError:
            return False

    # --- comparison / display ---------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataElement):
            return NotImplemented
        if self.tag != other.tag or self.vr != other.vr:
            return False
        if (
            self._raw is not None
            and other._raw is not None
            and self._le == other._le
            and self._cs == other._cs
            and self.raw_if_unchanged() is not None
            and other.raw_if_unchanged() is not None
            and self._raw == other._raw
        ):
            return True
        return _values_equal(self.value, other.value)

    __hash__: ClassVar[None] = None  # type: ignore[assignment]  # mutable: not hashable

    def __getstate__(self) -> tuple[Any, ...]:
        raw = self._raw
        if isinstance(raw, memoryview):  # memoryviews (of an mmap) do not pickle
            raw = raw.tobytes()
        return (self.tag, self.vr, self._value, raw, self._le, self._cs, self._orig,
                self.undefined_length)  # fmt: skip

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (self.tag, self.vr, self._value, self._raw, self._le, self._cs, self._orig,
         self.undefined_length) = state  # fmt: skip

    def __repr__(self) -> str:
        if self.vr == "SQ":
            shown = f"<Sequence of {len(self.value)} item(s)>"
        elif self._value is UNSET and self._raw is not None and len(self._raw) > 64:
            shown = f"<{len(self._raw)} bytes, not decoded>"
        else:
            try:
                shown = repr(self.value)
            except DicomError as exc:
                shown = f"<undecodable: {exc}>"
            if len(shown) > 80:
                shown = shown[:77] + "..."
        return f"DataElement({self.tag}, {self.vr!r}, {shown})"

    def copy(self) -> DataElement:
        """A shallow copy sharing the raw buffer; SQ items are copied too."""
        e = DataElement.__new__(DataElement)
        e.tag = self.tag
        e.vr = self.vr
        e._raw = self._raw
        e._le = self._le
        e._cs = self._cs
        e._orig = self._orig
        e.undefined_length = self.undefined_length
        v = self._value
        if self.vr == "SQ" and v is not UNSET:
            v = [item.copy() for item in v]
        elif isinstance(v, list):
            v = MultiValue(v) if isinstance(v, MultiValue) else list(v)
        e._value = v
        return e


def _values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, memoryview):
        a = a.tobytes()
    if isinstance(b, memoryview):
        b = b.tobytes()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_values_equal(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # e.g. numpy arrays
        return False


def check_vr(vr: str, tag: int) -> str:
    """``vr`` if it is one of the VRs of PS3.5 Table 6.2-1, else InvalidValueError."""
    from .vr import VR

    try:
        return VR(str(vr)).value
    except ValueError:
        raise InvalidValueError(f"unknown VR {vr!r}", tag=tag) from None
