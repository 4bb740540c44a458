"""Codec plugins: transfer syntax UID -> frame decoder / encoder, imported only when used.

A decoder is ``decode(frame: bytes | memoryview, desc: ImageDescription) -> numpy.ndarray``
returning one frame shaped ``desc.frame_shape`` with dtype ``desc.dtype()``; an encoder is
``encode(frame: numpy.ndarray, desc) -> bytes``. Plugins are tried in order; a plugin whose
third-party modules are not installed is skipped, and if none is usable
:class:`~dicomgen.core.errors.MissingCodecError` names the pip packages to install.
Transfer syntax UIDs are from PS3.5 Annex A.4 (and PS3.6 Annex A).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import attrs

from dicomgen.core.errors import MissingCodecError, TransferSyntaxError

# Encapsulated transfer syntaxes with a codec here (PS3.5 A.4.1 - A.4.6, A.4.11 HTJ2K)
JPEG_BASELINE_8BIT = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED_12BIT = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG_2000 = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_LOSSLESS_RPCL = "1.2.840.10008.1.2.4.202"
HTJ2K = "1.2.840.10008.1.2.4.203"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"

JPEG_SYNTAXES = (JPEG_BASELINE_8BIT, JPEG_EXTENDED_12BIT, JPEG_LOSSLESS, JPEG_LOSSLESS_SV1)
JPEG_LS_SYNTAXES = (JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS)
JPEG_2000_SYNTAXES = (JPEG_2000_LOSSLESS, JPEG_2000, HTJ2K_LOSSLESS, HTJ2K_LOSSLESS_RPCL, HTJ2K)

Decoder = Callable[..., Any]
Encoder = Callable[..., bytes]


@attrs.frozen
class CodecPlugin:
    """One way to decode (and maybe encode) a transfer syntax.

    ``module`` is imported only when the plugin is used; ``requires`` are the third-party
    import names it needs and ``pip`` the packages that provide them.
    """

    name: str
    module: str
    decoder: str | None
    encoder: str | None = None
    requires: tuple[str, ...] = ()
    pip: tuple[str, ...] = ()

    def available(self) -> bool:
        return all(importlib.util.find_spec(mod) is not None for mod in self.requires)

    def load(self, attr: str) -> Callable[..., Any]:
        return getattr(importlib.import_module(self.module), attr)


_PYLIBJPEG = "dicomgen.pixels.codecs.pylibjpeg_plugin"
_LIBJPEG = CodecPlugin(
    "pylibjpeg-libjpeg", _PYLIBJPEG, "decode_libjpeg", None, ("libjpeg",),
    ("pylibjpeg", "pylibjpeg-libjpeg"),
)  # fmt: skip
_OPENJPEG = CodecPlugin(
    "pylibjpeg-openjpeg", _PYLIBJPEG, "decode_openjpeg", None, ("openjpeg",),
    ("pylibjpeg", "pylibjpeg-openjpeg"),
)  # fmt: skip
_PYLIBJPEG_RLE = CodecPlugin(
    "pylibjpeg-rle", _PYLIBJPEG, "decode_rle", None, ("rle",), ("pylibjpeg", "pylibjpeg-rle")
)
_BUILTIN_RLE = CodecPlugin(
    "dicomgen-rle", "dicomgen.pixels.codecs.rle", "decode_frame", "encode_frame"
)

# UID -> plugins in order of preference
PLUGINS: dict[str, tuple[CodecPlugin, ...]] = {
    **{uid: (_LIBJPEG,) for uid in JPEG_SYNTAXES + JPEG_LS_SYNTAXES},
    **{uid: (_OPENJPEG,) for uid in JPEG_2000_SYNTAXES},
    RLE_LOSSLESS: (_PYLIBJPEG_RLE, _BUILTIN_RLE),
}


def register(uid: str, plugin: CodecPlugin, *, first: bool = True) -> None:
    """Add a plugin for ``uid`` (before the existing ones unless ``first=False``)."""
    current = PLUGINS.get(uid, ())
    PLUGINS[uid] = (plugin, *current) if first else (*current, plugin)


def _choose(uid: str, role: str, prefer: str | None) -> tuple[CodecPlugin, Callable[..., Any]]:
    plugins = [p for p in PLUGINS.get(uid, ()) if getattr(p, role) is not None]
    if not plugins:
        raise TransferSyntaxError(f"no {role} is known for transfer syntax {uid}")
    if prefer is not None:
        plugins = [p for p in plugins if p.name == prefer]
        if not plugins:
            raise TransferSyntaxError(f"no {role} plugin named {prefer!r} for {uid}")
    for plugin in plugins:
        if plugin.available():
            return plugin, plugin.load(getattr(plugin, role))
    pkgs = sorted({pkg for p in plugins for pkg in p.pip})
    raise MissingCodecError(
        f"no installed {role} for transfer syntax {uid}: pip install {' '.join(pkgs)}",
        transfer_syntax=uid,
    )


def get_decoder(uid: str, *, prefer: str | None = None) -> Decoder:
    """The frame decoder for ``uid`` (the first installed plugin, or the named one)."""
    return _choose(str(uid), "decoder", prefer)[1]


def get_encoder(uid: str, *, prefer: str | None = None) -> Encoder:
    """The frame encoder for ``uid``; only RLE Lossless has one built in."""
    return _choose(str(uid), "encoder", prefer)[1]


def decode_frame(
    frame: Any, desc: Any, uid: str | None = None, *, prefer: str | None = None
) -> Any:
    """Decode one compressed frame with the plugin for ``uid`` (or ``desc.transfer_syntax_uid``)."""
    ts = uid or desc.transfer_syntax_uid
    if ts is None:
        raise TransferSyntaxError("a transfer syntax UID is needed to decode a compressed frame")
    return get_decoder(ts, prefer=prefer)(frame, desc)


def encode_frame(arr: Any, desc: Any, uid: str, *, prefer: str | None = None) -> bytes:
    """Encode one frame with the encoder plugin for ``uid``."""
    return get_encoder(uid, prefer=prefer)(arr, desc)


def is_supported(uid: str) -> bool:
    """True if a decoder for ``uid`` is installed."""
    return any(p.decoder and p.available() for p in PLUGINS.get(str(uid), ()))
