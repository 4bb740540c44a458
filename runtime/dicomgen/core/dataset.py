"""Data sets (PS3.5 section 7): an ordered mapping from tags to data elements.

``Dataset`` is a ``MutableMapping[int, DataElement]`` iterated in ascending tag order
(PS3.5 7.1: "Data Elements in a Data Set shall be ordered by increasing Data Element
Tag Number"). Keywords of the data dictionary work as attributes::

    ds.PatientName = "Doe^John"     # creates (0010,0010) PN with the dictionary's VR
    ds.PatientName                  # the decoded value
    ds[0x00100010]                  # the DataElement; ds["PatientName"] works too

An attribute that is neither a keyword nor a slot raises ``AttributeError`` (typos
do not silently create Python attributes). Private data elements are reached through
their creator (PS3.5 7.8.1): ``ds.private_block(0x0029, "SIEMENS CSA HEADER")``.

Mapping semantics are kept: ``ds.get(key)`` returns the DataElement (or the default);
``ds.get_value(key, default)`` returns the decoded value.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, MutableMapping, ValuesView
from typing import Any, TypeVar, Union

from .element import UNSET, DataElement
from .errors import DicomKeyError, InvalidValueError
from .tag import Tag, tag_str

Key = Union[int, str]
_D = TypeVar("_D", bound="Dataset")

PIXEL_REPRESENTATION = 0x00280103
BITS_ALLOCATED = 0x00280100
WAVEFORM_BITS_ALLOCATED = 0x54001004
LUT_DESCRIPTOR = 0x00283002
SPECIFIC_CHARACTER_SET = 0x00080005

_WAVEFORM_OB_OW = frozenset({0x54000110, 0x54000112, 0x5400100A, 0x54001010})


def _resolve_key(key: Key) -> int:
    if type(key) is int or isinstance(key, int):
        return key  # type: ignore[return-value]
    if isinstance(key, str):
        from .dictionary import tag_for_keyword

        t = tag_for_keyword(key)
        if t is None:
            try:
                return Tag(key)
            except InvalidValueError:
                raise DicomKeyError(f"{key!r} is not a keyword of the data dictionary") from None
        return t
    raise DicomKeyError(f"a tag must be an int or a keyword, not {type(key).__name__}")


def _int_of(chain: list[Dataset], tag: int) -> int | None:
    """First value of ``tag`` in the nearest data set of ``chain`` that has it."""
    for ds in chain:
        e = ds._elems.get(tag)
        if e is not None:
            try:
                v = e.value
            except Exception:
                continue
            if isinstance(v, (list, tuple)):
                v = v[0] if v else None
            if isinstance(v, int):
                return v
    return None


def resolve_ambiguous_vr(
    tag: int, vrs: tuple[str, ...], chain: list[Dataset], *, implicit: bool = False
) -> str:
    """Choose one VR for an element whose dictionary VR is ambiguous ("US or SS", ...).

    ``chain`` is the data set holding the element followed by its ancestors.
    Rules: PS3.5 A.1 (Implicit VR: Pixel Data, Overlay Data and Waveform Data are OW),
    A.2 (Pixel Data OW if Bits Allocated > 8, else OB), PS3.3 C.10.9.1 (Waveform Data by
    Waveform Bits Allocated), C.11.1.1.1 (LUT Data US when the LUT has one entry, else
    OW); "US or SS" follows Pixel Representation (0028,0103): 0 or absent -> US, 1 -> SS.
    """
    if len(vrs) == 1:
        return vrs[0]
    if not vrs:
        return "UN"
    s = set(vrs)
    if s == {"OB", "OW"}:
        if implicit:
            return "OW"
        if (tag & 0xFF00FFFF) == 0x7F000010 or tag == 0x7FE00010:
            ba = _int_of(chain, BITS_ALLOCATED)
            return "OW" if ba is not None and ba > 8 else "OB"
        if tag in _WAVEFORM_OB_OW:
            wba = _int_of(chain, WAVEFORM_BITS_ALLOCATED)
            return "OB" if wba is not None and wba <= 8 else "OW"
        return "OW"
    if s == {"US", "SS"}:
        return "SS" if _int_of(chain, PIXEL_REPRESENTATION) == 1 else "US"
    if s == {"US", "OW"}:
        first = _int_of(chain, LUT_DESCRIPTOR)
        return "US" if first == 1 else "OW"
    if "OW" in s:
        return "OW"
    return vrs[0]


def dictionary_vr(tag: int, chain: list[Dataset] | None = None, *, implicit: bool = False) -> str:
    """The VR of ``tag`` from the data dictionary (resolved if ambiguous), "UN" if unknown.

    Private creators (gggg,0010-00FF) are LO (PS3.5 7.8.1); group lengths UL (7.2).
    """
    el = tag & 0xFFFF
    if el == 0:
        return "UL"
    if tag >> 16 & 1:
        if 0x0010 <= el <= 0x00FF:
            return "LO"
        return "UN"
    from .dictionary import entry_for

    e = entry_for(tag)
    if e is None:
        return "UN"
    vrs = e.vrs
    if len(vrs) == 1:
        return vrs[0]
    return resolve_ambiguous_vr(tag, vrs, chain or [], implicit=implicit)


class Dataset(MutableMapping[int, DataElement]):
    """A DICOM data set: ``MutableMapping[int, DataElement]`` in tag order (PS3.5 7).

    ``file_meta`` is the File Meta Information (group 0002, PS3.10 7.1) of a data set
    read from a file, else ``None``. ``item_undefined_length`` records how a sequence
    item was encoded when read (``None`` for new items: written with a defined length).
    ``read_transfer_syntax`` is the UID the data set was decoded with (or ``None``).
    """

    __slots__ = (
        "_elems",
        "_sorted",
        "_last",
        "file_meta",
        "item_undefined_length",
        "read_transfer_syntax",
        "preamble",
        "__weakref__",
    )

    _SLOTS = frozenset(__slots__)

    def __init__(self, elements: Any = None) -> None:
        object.__setattr__(self, "_elems", {})
        object.__setattr__(self, "_sorted", True)
        object.__setattr__(self, "_last", -1)
        object.__setattr__(self, "file_meta", None)
        object.__setattr__(self, "item_undefined_length", None)
        object.__setattr__(self, "read_transfer_syntax", None)
        object.__setattr__(self, "preamble", None)
        if elements:
            items = elements.values() if isinstance(elements, Dataset) else elements
            for e in items:
                self.add(e)

    @classmethod
    def from_element_dict(cls: type[_D], elems: dict[int, DataElement], *, ordered: bool) -> _D:
        """A data set over ``elems`` (``{tag: element}``), taken over, not copied: the fast
        constructor of decoders and encoders. ``ordered``: the tags are in ascending order.

        A builder may go on filling ``elems`` after construction and then call
        :meth:`record_order` once it is done.
        """
        ds = cls.__new__(cls)
        osa = object.__setattr__
        osa(ds, "_elems", elems)
        osa(ds, "_sorted", ordered)
        osa(ds, "_last", next(reversed(elems)) if elems and ordered else -1)
        osa(ds, "file_meta", None)
        osa(ds, "item_undefined_length", None)
        osa(ds, "read_transfer_syntax", None)
        osa(ds, "preamble", None)
        return ds

    def record_order(self, *, ordered: bool) -> None:
        """Record the order of the elements a builder put straight into the dict given to
        :meth:`from_element_dict`: ``ordered`` (ascending tags) or to be sorted when next
        iterated."""
        elems = self._elems
        if ordered:
            object.__setattr__(self, "_sorted", True)
            object.__setattr__(self, "_last", next(reversed(elems)) if elems else -1)
        else:
            object.__setattr__(self, "_sorted", False)
            object.__setattr__(self, "_last", -1)

    # --- mapping ----------------------------------------------------------------

    def _order(self) -> dict[int, DataElement]:
        elems = self._elems
        if not self._sorted:
            elems = dict(sorted(elems.items()))
            object.__setattr__(self, "_elems", elems)
            object.__setattr__(self, "_sorted", True)
            object.__setattr__(self, "_last", next(reversed(elems)) if elems else -1)
        return elems

    def __getitem__(self, key: Key) -> DataElement:
        try:
            return self._elems[key]  # type: ignore[index]
        except KeyError:
            pass
        except TypeError:
            raise DicomKeyError(f"invalid key {key!r}") from None
        tag = _resolve_key(key)
        e = self._elems.get(tag)
        if e is None:
            raise DicomKeyError(f"{tag_str(tag)} is not in the data set", tag=tag)
        return e

    def __setitem__(self, key: Key, elem: DataElement) -> None:
        if not isinstance(elem, DataElement):
            raise InvalidValueError(
                f"a Dataset holds DataElements, not {type(elem).__name__}; "
                "use attribute access or add_new() to set a value"
            )
        tag = _resolve_key(key)
        if tag != elem.tag:
            raise InvalidValueError(
                f"key {tag_str(tag)} does not match the element's tag {elem.tag}", tag=tag
            )
        self._put(tag, elem)

    def _put(self, tag: int, elem: DataElement) -> None:
        elems = self._elems
        if tag > self._last:
            object.__setattr__(self, "_last", tag)
        elif tag not in elems:
            object.__setattr__(self, "_sorted", False)
        elems[tag] = elem

    def __delitem__(self, key: Key) -> None:
        tag = _resolve_key(key)
        try:
            del self._elems[tag]
        except KeyError:
            raise DicomKeyError(f"{tag_str(tag)} is not in the data set", tag=tag) from None
        if tag == self._last:
            object.__setattr__(self, "_sorted", False)
            object.__setattr__(self, "_last", -1)

    def __iter__(self) -> Iterator[int]:
        return iter(self._order())

    def __len__(self) -> int:
        return len(self._elems)

    def __contains__(self, key: object) -> bool:
        if key in self._elems:
            return True
        if isinstance(key, str):
            try:
                return _resolve_key(key) in self._elems
            except DicomKeyError:
                return False
        return False

    def keys(self) -> KeysView[int]:
        """The tags, in ascending order."""
        return self._order().keys()

    def values(self) -> ValuesView[DataElement]:
        """The data elements, in tag order."""
        return self._order().values()

    def items(self) -> ItemsView[int, DataElement]:
        """(tag, data element) pairs, in tag order."""
        return self._order().items()

    def elements(self) -> Iterator[DataElement]:
        """The data elements in tag order."""
        return iter(self._order().values())

    def get(self, key: Key, default: Any = None) -> Any:  # type: ignore[override]
        """The DataElement of ``key`` (a tag or keyword), or ``default``."""
        e = self._elems.get(key)  # type: ignore[arg-type]
        if e is not None:
            return e
        try:
            return self._elems.get(_resolve_key(key), default)
        except DicomKeyError:
            return default

    def get_element(self, tag: int) -> DataElement | None:
        """The DataElement of the integer ``tag``, or ``None``: the look-up of hot paths (no
        keyword resolution)."""
        return self._elems.get(tag)

    def get_value(self, key: Key, default: Any = None) -> Any:
        """The decoded value of ``key`` (a tag or keyword), or ``default`` if absent."""
        e = self.get(key)
        return default if e is None else e.value

    def first_text(self, key: Key) -> str:
        """The first value of ``key`` as text without padding ("" when absent or empty):
        the form UIDs and codes are compared in."""
        e = self.get(key)
        if e is None:
            return ""
        if e.vr == "UI" and e._value is UNSET and e._orig is None:
            # not decoded yet: taken from the bytes (what decoding gives an ASCII UI value,
            # without building the value; storage checks four UIDs per received instance)
            raw = e._raw
            if raw is not None and not e.undefined_length:
                b = bytes(raw)
                if b.isascii():
                    return b.split(b"\\", 1)[0].decode("ascii").strip("\x00 ")
        v = e.value
        if isinstance(v, (list, tuple)):
            v = v[0] if v else ""
        return "" if v is None else str(v).strip("\x00 ")

    def add(self, elem: DataElement) -> DataElement:
        """Insert (or replace) ``elem`` under its own tag."""
        self._put(elem.tag, elem)
        return elem

    def add_new(self, tag: Key, vr: str, value: Any = None) -> DataElement:
        """Create the element ``tag`` with ``vr`` and ``value`` (replacing any)."""
        from .element import check_vr

        t = _resolve_key(tag)
        return self.add(DataElement(t, check_vr(vr, t), value))

    # --- keyword attributes -----------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name[:1].isupper():
            from .dictionary import tag_for_keyword

            tag = tag_for_keyword(name)
            if tag is not None:
                e = self._elems.get(tag)
                if e is not None:
                    return e.value
                raise AttributeError(f"data set has no element {name} {tag_str(tag)}")
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Dataset._SLOTS:
            object.__setattr__(self, name, value)
            return
        from .dictionary import tag_for_keyword

        tag = tag_for_keyword(name) if name[:1].isupper() else None
        if tag is None:
            raise AttributeError(
                f"{name!r} is not a keyword of the data dictionary nor a Dataset attribute"
            )
        e = self._elems.get(tag)
        if e is not None:
            e.value = value
            return
        self._put(tag, DataElement(tag, dictionary_vr(tag, [self]), value))

    def __delattr__(self, name: str) -> None:
        from .dictionary import tag_for_keyword

        tag = tag_for_keyword(name) if name[:1].isupper() else None
        if tag is None or tag not in self._elems:
            raise AttributeError(name)
        del self[tag]

    def __dir__(self) -> list[str]:
        kws = [e.keyword for e in self._elems.values()]
        return sorted({*super().__dir__(), *(k for k in kws if k)})

    # --- character set ----------------------------------------------------------

    @property
    def specific_character_set(self) -> tuple[str, ...]:
        """The terms of Specific Character Set (0008,0005) of this data set (PS3.5 6.1.2.3)."""
        e = self._elems.get(SPECIFIC_CHARACTER_SET)
        if e is None:
            return ()
        v = e.value
        if v is None:
            return ()
        if isinstance(v, str):
            return (v,)
        return tuple("" if x is None else str(x) for x in v)

    # --- private data elements (PS3.5 7.8) --------------------------------------

    def private_creators(self, group: int) -> dict[int, str]:
        """``{block: creator}`` of the private creators of odd ``group``."""
        out = {}
        base = group << 16
        for block in range(0x10, 0x100):
            e = self._elems.get(base | block)
            if e is not None:
                v = e.value
                if isinstance(v, (list, tuple)):
                    v = v[0] if v else ""
                out[block] = (v or "").strip() if isinstance(v, str) else str(v)
        return out

    def private_block(self, group: int, creator: str, *, create: bool = False) -> PrivateBlock:
        """The block of private data elements reserved by ``creator`` in odd ``group``.

        With ``create=True`` a free block is reserved (a Private Creator element
        (gggg,00xx) LO is added) if ``creator`` has none yet (PS3.5 7.8.1).
        """
        if not group & 1 or group in (1, 3, 5, 7, 0xFFFF):
            raise InvalidValueError(f"group {group:04X} is not a private group")
        creators = self.private_creators(group)
        for block, name in creators.items():
            if name == creator.strip():
                return PrivateBlock(self, group, block, creator)
        if not create:
            raise DicomKeyError(f"no private creator {creator!r} in group {group:04X}")
        for block in range(0x10, 0x100):
            if block not in creators:
                self._put((group << 16) | block, DataElement((group << 16) | block, "LO", creator))
                return PrivateBlock(self, group, block, creator)
        raise InvalidValueError(f"no free private block in group {group:04X}")

    # --- misc -------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        if self is other:
            return True
        a, b = self._elems, other._elems
        if a.keys() != b.keys():
            return False
        return all(a[t] == b[t] for t in a)

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Dataset:
        """A copy whose elements (and sequence items) are copies; raw buffers are shared."""
        ds = Dataset.from_element_dict(
            {t: e.copy() for t, e in self._order().items()}, ordered=True
        )
        object.__setattr__(ds, "item_undefined_length", self.item_undefined_length)
        object.__setattr__(ds, "read_transfer_syntax", self.read_transfer_syntax)
        object.__setattr__(ds, "preamble", self.preamble)
        if self.file_meta is not None:
            object.__setattr__(ds, "file_meta", self.file_meta.copy())
        return ds

    def walk(self, _depth: int = 0) -> Iterator[tuple[int, DataElement]]:
        """Every element depth first as ``(depth, element)``, sequence items included."""
        for e in self.elements():
            yield _depth, e
            if e.vr == "SQ":
                for item in e.value:
                    yield from item.walk(_depth + 1)

    def decode_all(self) -> None:
        """Decode every value now (sequence items too); raises on the first bad one."""
        for e in self._elems.values():
            v = e.value
            if e.vr == "SQ":
                for item in v:
                    item.decode_all()

    def __repr__(self) -> str:
        lines = []
        for depth, e in self.walk():
            kw = e.keyword
            lines.append(f"{'  ' * depth}{e!r}{' ' + kw if kw else ''}")
        return "\n".join(lines) if lines else "Dataset()"


class PrivateBlock:
    """The private data elements (gggg,xxee) of one creator (gggg,00xx) (PS3.5 7.8.1).

    ``block[0x10]`` is element (gggg,xx10); ``block.add_new(0x10, "LO", "x")`` sets it.
    """

    __slots__ = ("dataset", "group", "block", "creator")
    dataset: Dataset
    group: int
    block: int
    creator: str

    def __init__(self, dataset: Dataset, group: int, block: int, creator: str) -> None:
        self.dataset = dataset
        self.group = group
        self.block = block
        self.creator = creator

    def tag(self, offset: int) -> Tag:
        if not 0 <= offset <= 0xFF:
            raise InvalidValueError(f"private element offset {offset:#x} is not 00-FF")
        return Tag((self.group << 16) | (self.block << 8) | offset)

    def __getitem__(self, offset: int) -> DataElement:
        return self.dataset[self.tag(offset)]

    def __contains__(self, offset: int) -> bool:
        return self.tag(offset) in self.dataset

    def __iter__(self) -> Iterator[DataElement]:
        lo = (self.group << 16) | (self.block << 8)
        return (e for t, e in self.dataset.items() if lo <= t <= lo + 0xFF)

    def add_new(self, offset: int, vr: str, value: Any = None) -> DataElement:
        """Set element (gggg,xxee) with ``ee`` = ``offset`` of this creator's block."""
        return self.dataset.add_new(self.tag(offset), vr, value)

    def __repr__(self) -> str:
        return f"PrivateBlock(group={self.group:04X}, block={self.block:02X}, {self.creator!r})"


__all__ = ["Dataset", "PrivateBlock", "dictionary_vr", "resolve_ambiguous_vr", "UNSET"]
