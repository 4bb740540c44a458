"""De-identification of typed objects: ``obj.deidentify(profile)`` and :func:`deidentify`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from ..core import services
from ..encoding.reader import decode_dataset
from ..encoding.writer import encode_dataset
from .profile import Profile
from .values import Keys
from .walker import Deidentifier

if TYPE_CHECKING:
    from ..core.typed import DicomObject

_T = TypeVar("_T", bound="DicomObject")
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"


def deidentify(
    obj: _T, profile: Profile | Iterable[str] = (), keys: Keys | bytes | None = None
) -> _T:
    """A new object of ``obj``'s class, de-identified by ``profile`` (a :class:`Profile` or
    option names) with ``keys`` (a :class:`Keys`, a key of 16 bytes or more, or ``None`` for
    a fresh random key: UIDs then differ from any other run)."""
    if not isinstance(profile, Profile):
        profile = Profile(profile)
    if keys is None:
        keys = Keys.generate()
    elif isinstance(keys, bytes):
        keys = Keys(keys)
    ds = obj.to_dataset()
    out, _ = Deidentifier(profile, keys).dataset(ds)
    # the replacement values are as the profile writes them (text, lists): encoded and decoded
    # again, they become the VR's Python types that the class's annotations promise
    ts = ds.read_transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
    out = decode_dataset(encode_dataset(out, ts), ts)
    return type(obj).from_dataset(out)


services.register("deidentify", deidentify)
