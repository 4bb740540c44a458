"""The DICOM JSON Model (PS3.18 Annex F).

:func:`to_json` maps a data set to a JSON object ``{"GGGGEEEE": {"vr": ..., "Value":
[...]}}`` (F.2): tags as 8 upper-case hex digits in ascending order; text values as
strings, with empty values of a multi-valued element as ``null`` (F.2.5); PN values as
objects with ``Alphabetic``/``Ideographic``/``Phonetic`` (F.2.2); IS, DS and the binary
numbers (US, SS, UL, SL, FL, FD, SV, UV) as JSON numbers (F.2.3); AT as
``"GGGGEEEE"`` strings (F.2.4); SQ as a list of objects (F.2.5); OB, OD, OF, OL, OV, OW
and UN as base64 ``InlineBinary`` of the little endian encoding (F.2.7), or as a
``BulkDataURI`` when longer than ``bulk_data_threshold`` (F.2.6). An element without a
value has only ``"vr"``.

:func:`from_json` builds a data set from such an object. ``BulkDataURI`` values are
fetched through ``bulk_data_handler(tag, vr, uri) -> bytes``.
"""

from __future__ import annotations

import base64
import contextvars
import datetime as _dt
import json as _json
import math
import struct
from collections.abc import Callable
from typing import Any, Union

from ..core.dataset import Dataset
from ..core.element import DataElement
from ..core.errors import DecodeError, DicomError, EncodeError, InvalidValueError
from ..core.values.datetime_values import format_da, format_dt, format_tm
from .limits import MAX_DEPTH, Limits, default_limits

_BINARY = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
_NUMBERS = frozenset({"US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"})
_TEXT = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI",
     "UR", "UT"}
)  # fmt: skip
_PN_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")
_HEX = frozenset("0123456789abcdefABCDEF")
#: Ranges of the integer VRs (PS3.5 Table 6.2-1).
_INT_RANGES = {
    "US": (0, 0xFFFF),
    "SS": (-0x8000, 0x7FFF),
    "UL": (0, 0xFFFFFFFF),
    "SL": (-0x80000000, 0x7FFFFFFF),
    "UV": (0, 0xFFFFFFFFFFFFFFFF),
    "SV": (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
}
#: The nesting limit of the :func:`from_json` call in progress.
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("json_max_depth", default=MAX_DEPTH)


def _max_depth() -> int:
    return _DEPTH.get()


BulkDataURI = Union[str, Callable[[DataElement], str], None]


def _binary_le(e: DataElement) -> bytes:
    """The value of a binary element encoded little endian (PS3.18 F.2.7)."""
    raw = e.raw_if_unchanged()
    if raw is not None and (e.raw_little_endian or e.vr in ("OB", "UN")):
        return bytes(raw)
    from .writer import _Encoder

    return bytes(_Encoder(False, True).value_bytes(e, e.charsets))


def _scalar_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def _number(v: Any, vr: str) -> Any:
    """IS/DS and binary numbers as JSON numbers (F.2.3); text that is no number stays text."""
    if v is None or v == "":
        return None
    if vr in ("IS", "DS"):
        text = str(getattr(v, "original", None) or v).strip()
        try:
            if not any(c in text for c in ".eEnN"):
                return int(text)
            f = float(text)
        except ValueError:
            return text  # non-conformant value kept verbatim
        return f if math.isfinite(f) else text
    if vr in ("FL", "FD") and isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _text(v: Any) -> Any:
    if v is None:
        return None
    orig = getattr(v, "original", None)
    if isinstance(orig, str):
        s = orig
    elif isinstance(v, _dt.datetime):  # plain Python values: their DICOM string (F.2.5)
        s = format_dt(v)
    elif isinstance(v, _dt.date):
        s = format_da(v)
    elif isinstance(v, _dt.time):
        s = format_tm(v)
    else:
        s = str(v)
    return s if s != "" else None


def _pn(v: Any) -> Any:
    if v is None:
        return None
    s = str(getattr(v, "original", v))
    if s == "":
        return None
    out = {}
    for name, part in zip(_PN_GROUPS, s.split("=", 2)):
        if part:
            out[name] = part
    return out or None


def _element_json(
    e: DataElement,
    threshold: int | None,
    uri: BulkDataURI,
    depth: int = 0,
    max_depth: int = MAX_DEPTH,
) -> dict[str, Any]:
    vr = e.vr
    out: dict[str, Any] = {"vr": vr}
    if vr == "SQ":
        items = e.value
        if items:
            if depth >= max_depth:
                raise EncodeError(
                    f"sequences nested deeper than {max_depth} levels", tag=int(e.tag)
                )
            out["Value"] = [_dataset_json(it, threshold, uri, depth + 1, max_depth) for it in items]
        return out
    if vr in _BINARY or e.undefined_length:
        data = _binary_le(e)
        if not data:
            return out
        if threshold is not None and len(data) > threshold and uri is not None:
            out["BulkDataURI"] = (
                uri(e) if callable(uri) else str(uri).format(tag=f"{int(e.tag):08X}", vr=vr)
            )
        else:
            out["InlineBinary"] = base64.b64encode(data).decode("ascii")
        return out
    v = e.value
    values = _scalar_list(v)
    if not values:
        return out
    if vr == "PN":
        conv = [_pn(x) for x in values]
    elif vr == "AT":
        conv = [None if x is None else f"{int(x):08X}" for x in values]
    elif vr in ("IS", "DS") or vr in _NUMBERS:
        conv = [_number(x, vr) for x in values]
    else:
        conv = [_text(x) for x in values]
    if all(x is None for x in conv) and len(conv) == 1:
        return out
    out["Value"] = conv
    return out


def to_json(
    ds: Dataset,
    *,
    bulk_data_threshold: int | None = None,
    bulk_data_uri: BulkDataURI = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """The DICOM JSON Model object of ``ds`` (PS3.18 F.2). EncodeError for sequences
    nested deeper than ``limits.max_depth`` (the limit the readers apply).

    Binary values longer than ``bulk_data_threshold`` bytes become ``BulkDataURI``:
    ``bulk_data_uri`` is a callable ``(element) -> str`` or a format string with
    ``{tag}`` and ``{vr}``. Without it, every binary value is ``InlineBinary``.
    """
    if bulk_data_threshold is not None and bulk_data_uri is None:
        raise InvalidValueError("bulk_data_threshold needs a bulk_data_uri")
    max_depth = (limits or default_limits()).max_depth
    return _dataset_json(ds, bulk_data_threshold, bulk_data_uri, 0, max_depth)


def _dataset_json(
    ds: Dataset, threshold: int | None, uri: BulkDataURI, depth: int, max_depth: int
) -> dict[str, Any]:
    return {
        f"{int(e.tag):08X}": _element_json(e, threshold, uri, depth, max_depth)
        for e in ds.elements()
    }


def element_to_json(e: DataElement) -> dict[str, Any]:
    """The DICOM JSON Model object of one element (the value of its ``"GGGGEEEE"`` member
    in :func:`to_json`, binary values inline)."""
    return _element_json(e, None, None)


def to_json_str(ds: Dataset, *, indent: int | None = None, **kwargs: Any) -> str:
    """:func:`to_json` serialised as a JSON text."""
    return _json.dumps(to_json(ds, **kwargs), indent=indent, ensure_ascii=False)


# --- from JSON ---------------------------------------------------------------------


def _decode(vr: str, raw: bytes, tag: int, le: bool = True) -> Any:
    from .values import decode_value

    return decode_value(vr, raw, little_endian=le, charsets=("ISO_IR 192",))


def _element_from_json(tag: int, obj: Any, handler: Any, path: str, depth: int = 0) -> DataElement:
    if not isinstance(obj, dict):
        raise DecodeError(f"element {path} is a {type(obj).__name__}, not an object", tag=tag)
    vr = obj.get("vr")
    if not isinstance(vr, str) or len(vr) != 2:
        raise DecodeError(f'element {path} has no valid "vr"', tag=tag)
    from ..core.element import check_vr

    try:
        vr = check_vr(vr, tag)
    except InvalidValueError as exc:
        raise DecodeError(str(exc.message), tag=tag) from None
    keys = {"Value", "InlineBinary", "BulkDataURI"} & obj.keys()
    if len(keys) > 1:
        raise DecodeError(f"element {path} has more than one of {sorted(keys)}", tag=tag)
    if not keys:
        return DataElement(tag, vr, [] if vr == "SQ" else None)
    if "InlineBinary" in obj or "BulkDataURI" in obj:
        if "InlineBinary" in obj:
            try:
                data = base64.b64decode(obj["InlineBinary"], validate=True)
            except (ValueError, TypeError) as exc:
                raise DecodeError(f"bad InlineBinary in {path}: {exc}", tag=tag) from None
        else:
            if handler is None:
                raise DecodeError(
                    f"element {path} has a BulkDataURI and no bulk_data_handler was given",
                    tag=tag,
                )
            data = bytes(handler(tag, vr, obj["BulkDataURI"]))
        if tag == 0x7FE00010 and data[:4] == b"\xfe\xff\x00\xe0":
            return DataElement(tag, "OB", data, undefined_length=True)
        e = DataElement.from_raw(tag, vr, data, True)
        return e
    values = obj["Value"]
    if not isinstance(values, list):
        raise DecodeError(f'"Value" of {path} is not an array', tag=tag)
    if vr == "SQ":
        items = []
        for i, item in enumerate(values):
            if not isinstance(item, dict):
                raise DecodeError(f"item {i} of {path} is not an object", tag=tag)
            items.append(_from_json(item, handler, f"{path}[{i}]", depth + 1))
        return DataElement(tag, "SQ", items)
    if vr in _NUMBERS:
        for x in values:
            if x is None or isinstance(x, float) and vr in ("FL", "FD"):
                continue
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise DecodeError(f"{vr} value {x!r} of {path} is not a number", tag=tag)
            low, high = _INT_RANGES.get(vr, (None, None))
            if low is not None and not low <= x <= high:  # type: ignore[operator]
                raise DecodeError(f"{vr} value {x!r} of {path} is out of range", tag=tag)
        nums = [0 if x is None else x for x in values]
        if vr in ("FL", "FD"):
            nums = [float(x) for x in nums]
        elif any(isinstance(x, float) and not x.is_integer() for x in nums):
            raise DecodeError(f"{vr} values of {path} must be integers", tag=tag)
        else:
            nums = [int(x) for x in nums]
        from ..core.values import MultiValue

        return DataElement(tag, vr, nums[0] if len(nums) == 1 else MultiValue(nums))
    texts = []
    for x in values:
        if x is None:
            texts.append("")
        elif vr == "PN":
            if isinstance(x, dict):
                groups = [x.get(g) or "" for g in _PN_GROUPS]
                while groups and not groups[-1]:
                    groups.pop()
                texts.append("=".join(groups))
            elif isinstance(x, str):
                texts.append(x)
            else:
                raise DecodeError(f"PN value {x!r} of {path} is not an object", tag=tag)
        elif vr == "AT":
            texts.append(_at_text(x, path, tag))
        elif vr in ("IS", "DS"):
            if isinstance(x, bool) or not isinstance(x, (int, float, str)):
                raise DecodeError(f"{vr} value {x!r} of {path} is not a number", tag=tag)
            if vr == "DS" and isinstance(x, float):
                from ..core.values.numbers import format_ds

                texts.append(format_ds(x))
            else:
                texts.append(str(x))
        elif isinstance(x, str):
            texts.append(x)
        else:
            raise DecodeError(f"{vr} value {x!r} of {path} is not a string", tag=tag)
    if vr == "AT":
        raw = b"".join(struct.pack("<HH", int(t, 16) >> 16, int(t, 16) & 0xFFFF) for t in texts)
        value = _decode("AT", raw, tag)
    else:
        raw = "\\".join(texts).encode("utf-8")
        value = _decode(vr, raw, tag)
    return DataElement(tag, vr, value)


def _at_text(x: Any, path: str, tag: int) -> str:
    """An AT value as 8 hex digits (PS3.18 F.2.3: a string "GGGGEEEE"; a number in range
    is read too)."""
    if isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 0xFFFFFFFF:
        return f"{x:08X}"
    if isinstance(x, str) and len(x) == 8 and all(c in _HEX for c in x):
        return x.upper()
    raise DecodeError(f"AT value {x!r} of {path} is not 8 hex digits", tag=tag)


def _from_json(obj: dict[str, Any], handler: Any, path: str, depth: int = 0) -> Dataset:
    if depth > _max_depth():
        raise DecodeError(f"{path}: sequences nested deeper than {_max_depth()} levels")
    ds = Dataset()
    for key, value in obj.items():
        try:
            tag = int(key, 16)
            if len(key) != 8:
                raise ValueError
        except (ValueError, TypeError):
            raise DecodeError(f"{path}: key {key!r} is not a tag of 8 hex digits") from None
        try:
            ds.add(_element_from_json(tag, value, handler, f"{path}/{key}", depth))
        except DicomError:
            raise
        except (
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            struct.error,
            OverflowError,
        ) as exc:
            raise DecodeError(f"bad element {path}/{key}: {exc}", tag=tag) from exc
    return ds


def from_json(
    obj: dict[str, Any],
    *,
    bulk_data_handler: Callable[[int, str, str], bytes] | None = None,
    limits: Limits | None = None,
) -> Dataset:
    """A data set from a DICOM JSON Model object (PS3.18 F.2). Every malformed value raises
    DecodeError; so do sequences nested deeper than ``limits.max_depth`` (the Part 10
    reader's limit)."""
    if not isinstance(obj, dict):
        raise DecodeError(f"a DICOM JSON data set is an object, not {type(obj).__name__}")
    token = _DEPTH.set((limits or default_limits()).max_depth)
    try:
        return _from_json(obj, bulk_data_handler, "")
    finally:
        _DEPTH.reset(token)


def from_json_str(text: str | bytes, **kwargs: Any) -> Dataset:
    """:func:`from_json` of a JSON text."""
    try:
        obj = _json.loads(text)
    except ValueError as exc:
        raise DecodeError(f"not JSON: {exc}") from None
    except RecursionError:
        raise DecodeError("JSON nested too deeply to be a DICOM data set") from None
    return from_json(obj, **kwargs)


__all__ = ["element_to_json", "from_json", "from_json_str", "to_json", "to_json_str"]
