"""The functions core calls in higher layers, which those layers register (core imports none).

- ``decode_value`` and ``validate_value``: the per-VR value codec of :mod:`dicomgen.encoding.values`
  (a data element decodes its value field with it; validation checks values with it);
- ``read_file`` and ``write_file``: Part 10 files, :mod:`dicomgen.media.part10`
  (:meth:`DicomObject.from_file`, :meth:`DicomObject.to_file`, :func:`dicomgen.core.typed.load`);
- ``deidentify``: :func:`dicomgen.deid.typed.deidentify` (:meth:`DicomObject.deidentify`);
- ``sr_findings``: the content-tree checks of an SR document, :mod:`dicomgen.sr.iod_checks`
  (validation of an SR IOD).

A layer registers its functions when it is imported (:func:`register`). The root package
``dicomgen`` gives each service a loader that imports the layer providing it, so a service is
found on first use although nothing imported its layer yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from .errors import DicomError

ServiceName = Literal[
    "decode_value", "validate_value", "read_file", "write_file", "deidentify", "sr_findings"
]

_services: dict[str, Callable[..., Any]] = {}
_loaders: dict[str, Callable[[], object]] = {}


def register(name: ServiceName, fn: Callable[..., Any]) -> None:
    """Provide the function of service ``name`` (called by the layer that implements it)."""
    _services[name] = fn


def set_loader(name: ServiceName, loader: Callable[[], object]) -> None:
    """``loader()`` makes the provider of ``name`` register itself (imports its layer)."""
    _loaders[name] = loader


def service(name: ServiceName) -> Callable[..., Any]:
    """The registered function of ``name``, loading its layer on first use."""
    fn = _services.get(name)
    if fn is None:
        loader = _loaders.get(name)
        if loader is not None:
            loader()
        fn = _services.get(name)
        if fn is None:
            raise DicomError(f"no provider of {name!r} is registered (its layer is not loaded)")
    return fn


__all__ = ["ServiceName", "register", "service", "set_loader"]
