"""Where the generator's DocBook comes from: editions, part identity, and the local parts.

NEMA publishes each edition of the DICOM Standard (PS3.1 "Introduction and Overview",
Section 1 and the edition notice) as DocBook 5 XML, one book per part, at::

    <base>/medical/dicom/<edition>/source/docbook/partNN/partNN.xml

where ``<edition>`` is ``YYYYx`` (e.g. ``2025b``) or ``current``. Each book's
``<subtitle>`` names its part and edition, e.g. ``DICOM PS3.6 2015b - Data Dictionary``;
that subtitle, never the folder name, is what identifies a file.

:func:`discover_sources` scans folders for ``partNN.xml`` and returns, per part, the file of
the newest edition (reading only the head of each file). Fetching an edition from NEMA into a
cache is :mod:`.fetch` (the resumable download: :mod:`.download`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from dicomgen.core.errors import StandardSourceError

from .docbook.text import clean

NEMA_BASE_URL = "https://dicom.nema.org"

# The parts the generator reads: PS3.3 (IODs, modules), PS3.4 (SOP classes, services),
# PS3.5 (VRs, transfer syntaxes, character sets), PS3.6 (data dictionary, UIDs),
# PS3.7 (DIMSE commands and statuses), PS3.15 (de-identification profiles),
# PS3.16 (context groups). ``--parts all`` fetches every published part.
DEFAULT_PARTS: tuple[int, ...] = (3, 4, 5, 6, 7, 15, 16)

# Parts 9 and 13 are retired and no longer published.
ALL_PARTS: tuple[int, ...] = tuple(p for p in range(1, 23) if p not in (9, 13))

MANIFEST_NAME = "manifest.json"

_EDITION_RE = re.compile(r"^(\d{4})([a-z]?)$")
_FOLDER_RE = re.compile(r"^(current|\d{4}[a-z]?)$")
_FILE_RE = re.compile(r"^part(\d{2})\.xml$")
_SUBTITLE_RE = re.compile(rb"<(?:\w+:)?subtitle\b[^>]*>(.*?)</(?:\w+:)?subtitle\s*>", re.S)
_TAG_RE = re.compile(r"<[^>]*>")
_IDENTITY_RE = re.compile(r"\bDICOM\s+PS\s*3\.(\d+)\s+(\d{4}[a-z]?)\b", re.I)
_BOOK_RE = re.compile(rb"<(?:\w+:)?book\b")

# How much of a file discovery reads to find the subtitle (it is within the first
# 1 kB of every published part; 64 kB leaves room for long comments or DOCTYPEs).
HEAD_BYTES = 64 * 1024


# --- editions -------------------------------------------------------------------


def edition_key(edition: str) -> tuple[int, str]:
    """Sort key of an edition name: ``"2015b"`` -> ``(2015, "b")``.

    Editions before 2014 have no letter (``"2011"``); they sort before ``"2011a"``.
    """
    m = _EDITION_RE.match(edition)
    if not m:
        raise StandardSourceError(f"not a DICOM edition name: {edition!r} (expected e.g. 2025b)")
    return int(m.group(1)), m.group(2)


def identify_head(head: bytes) -> tuple[int, str, str] | None:
    """``(part, edition, subtitle)`` from the first bytes of a DocBook part, or None.

    Looks for the ``<book>`` root and its ``<subtitle>`` ("DICOM PS3.6 2015b - Data
    Dictionary"); the subtitle is cleaned with the one text cleaner.
    """
    if not _BOOK_RE.search(head):
        return None
    m = _SUBTITLE_RE.search(head)
    if not m:
        return None
    subtitle = clean(_TAG_RE.sub("", m.group(1).decode("utf-8", "replace")))
    ident = _IDENTITY_RE.search(subtitle)
    if not ident:
        return None
    return int(ident.group(1)), ident.group(2).lower(), subtitle


def read_head(path: Path, limit: int = HEAD_BYTES) -> bytes:
    """The first ``limit`` bytes of a file (a :class:`StandardSourceError` if unreadable)."""
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError as exc:
        raise StandardSourceError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None


def check_edition_name(edition: str) -> None:
    """Reject anything but ``YYYY[x]`` or ``current`` (it becomes a folder name)."""
    if not _FOLDER_RE.match(edition):
        raise StandardSourceError(
            f"not a DICOM edition: {edition!r} (expected e.g. 2025b, or current)"
        )


# --- discovery ------------------------------------------------------------------


@attrs.frozen
class SourceFile:
    """One local ``partNN.xml``: its part and edition (from its subtitle), path and size."""

    part: int
    edition: str
    path: Path
    size: int


def discover_sources(dirs: Sequence[Path | str], *, strict: bool = False) -> dict[int, SourceFile]:
    """For each part number, the ``partNN.xml`` of the newest edition found under ``dirs``.

    Folders are scanned recursively for files named exactly ``partNN.xml``; each file is
    identified by the ``<subtitle>`` in its first :data:`HEAD_BYTES` bytes (the file is
    not parsed). Editions compare as ``(year, letter)``. Among files of the same edition
    the one in the earlier folder of ``dirs`` wins, then the larger file (a complete part
    over an excerpt), then the smaller path.

    Files that cannot be identified (no DICOM subtitle, or a subtitle naming another
    part than the file name) are skipped, or raise :class:`StandardSourceError` when
    ``strict``. A folder in ``dirs`` that does not exist is always an error.
    """
    candidates: dict[int, list[tuple[tuple[object, ...], SourceFile]]] = {}
    seen: set[Path] = set()
    for rank, folder in enumerate(Path(d) for d in dirs):
        if not folder.is_dir():
            raise StandardSourceError("no such folder of DocBook sources", path=str(folder))
        for path in sorted(_walk_parts(folder)):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            file_part = int(path.name[4:6])
            ident = identify_head(read_head(path))
            if ident is None or ident[0] != file_part:
                if strict:
                    what = (
                        "no DICOM subtitle ('DICOM PS3.N YYYYx - ...') in its first "
                        f"{HEAD_BYTES} bytes"
                        if ident is None
                        else f"its subtitle names PS3.{ident[0]}, not PS3.{file_part}"
                    )
                    raise StandardSourceError(f"not a DICOM part file: {what}", path=str(path))
                continue
            part, edition, _ = ident
            src = SourceFile(part=part, edition=edition, path=path, size=path.stat().st_size)
            year, letter = edition_key(edition)
            # smallest key wins: newest edition, earliest folder, largest file, smallest path
            key = (-year, -ord(letter or "\0"), rank, -src.size, str(path))
            candidates.setdefault(part, []).append((key, src))
    return {part: min(candidates[part], key=lambda c: c[0])[1] for part in sorted(candidates)}


def _walk_parts(folder: Path) -> Iterable[Path]:
    for root, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            if _FILE_RE.match(name):
                yield Path(root) / name
