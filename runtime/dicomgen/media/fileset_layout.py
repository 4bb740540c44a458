"""The files of a File-set on disk: File IDs of new files and the file operations of writing.

File IDs of new files: ``PAnnnnnn/STnnnnnn/SEnnnnnn/<leaf>nnnnnn`` where the leaf prefix is the
two-letter code of the record type (``IM`` for IMAGE, ``SR`` for SR DOCUMENT, ...): four
components, well under the 8-level limit of PS3.12; new files of a record whose existing files
share a folder go into that folder. Files are copied to a temporary name and renamed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.element import DataElement
from ..core.errors import MediaError
from . import file_ids as fids
from .dicomdir import REFERENCED_FILE_ID, Record

if TYPE_CHECKING:
    from .fileset import Instance

# Two-letter File ID prefix per record type (leaf components).
_LEAF_PREFIX: dict[str, str] = {
    "IMAGE": "IM", "RT DOSE": "RD", "RT STRUCTURE SET": "RS", "RT PLAN": "RP",
    "RT TREAT RECORD": "RX", "PRESENTATION": "PR", "WAVEFORM": "WV", "SR DOCUMENT": "SR",
    "KEY OBJECT DOC": "KY", "SPECTROSCOPY": "SP", "RAW DATA": "RW", "REGISTRATION": "RG",
    "FIDUCIAL": "FD", "HANGING PROTOCOL": "HG", "ENCAP DOC": "ED", "VALUE MAP": "VM",
    "STEREOMETRIC": "SX", "PALETTE": "PA", "IMPLANT": "IP", "IMPLANT ASSY": "IA",
    "IMPLANT GROUP": "IG", "PLAN": "PL", "MEASUREMENT": "MX", "SURFACE": "SF",
    "SURFACE SCAN": "SS", "TRACT": "TR", "ASSESSMENT": "AS", "RADIOTHERAPY": "RT",
}  # fmt: skip

_LEVEL_PREFIX = {"PATIENT": "PA", "STUDY": "ST", "SERIES": "SE"}


def allocate_file_ids(
    instances: list[Instance], removed: list[Instance], root: Path, instance_of: dict[int, Instance]
) -> None:
    """Give every staged instance of ``instances`` a File ID under ``root`` (the layout of
    :mod:`dicomgen.media.fileset`), avoiding the File IDs in use, of ``removed`` and on disk;
    ``instance_of`` maps ``id(record)`` to the instance of a leaf record."""
    alloc = fids.NameAllocator()
    for inst in instances:
        if inst.file_id is not None:
            alloc.reserve(inst.file_id)
    for inst in removed:
        if inst.file_id is not None:
            alloc.reserve(inst.file_id)
    alloc.reserve_disk(root, ())
    alloc.reserve(("DICOMDIR",))
    dirs: dict[int, tuple[str, ...]] = {}
    for inst in instances:
        if inst.source is None or inst.file_id is not None:
            continue
        chain: list[Record] = []
        r = inst.record.parent
        while r is not None:
            chain.append(r)
            r = r.parent
        prefix: tuple[str, ...] = ()
        for rec in reversed(chain):
            known = dirs.get(id(rec))
            if known is None:
                known = _existing_dir(rec, instance_of)
            if known is None:
                alloc.reserve_disk(root, prefix)
                known = prefix + (alloc.new(prefix, _LEVEL_PREFIX.get(rec.record_type,
                                                                       "DR")),)  # fmt: skip
            dirs[id(rec)] = known
            prefix = known
        alloc.reserve_disk(root, prefix)
        leaf = alloc.new(prefix, _LEAF_PREFIX.get(inst.record_type, "IM"))
        fid = fids.check_file_id(prefix + (leaf,))
        inst.record.dataset.add(DataElement(REFERENCED_FILE_ID, "CS", list(fid)))


def _existing_dir(rec: Record, instance_of: dict[int, Instance]) -> tuple[str, ...] | None:
    """The folder shared by the existing files below ``rec`` at its depth, if any."""
    depth = 0
    r = rec
    while r.parent is not None:
        depth += 1
        r = r.parent
    prefixes = set()
    for _, sub in rec.walk():
        inst = instance_of.get(id(sub))
        if inst is not None and inst.file_id is not None and inst.source is None:
            if len(inst.file_id) < depth + 2:
                return None
            prefixes.add(inst.file_id[: depth + 1])
    if len(prefixes) == 1:
        only = prefixes.pop()
        try:
            return fids.check_file_id(only)
        except MediaError:
            return None
    return None


def atomic_copy(src: Path, dest: Path, tmp_tag: str) -> None:
    """Copy ``src`` to ``dest`` through a temporary name (``dest`` + ``tmp_tag``), renamed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + tmp_tag)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def prune_empty_dirs(folder: Path, root: Path) -> None:
    """Remove ``folder`` and its parents below ``root`` while they are empty."""
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
