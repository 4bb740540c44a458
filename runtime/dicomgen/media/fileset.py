"""File-sets (PS3.10 8): DICOM files under one root, indexed by a DICOMDIR.

:class:`FileSet` is the model a File-set Reader, Creator and Updater (PS3.10 8.3)
works with:

* ``FileSet.read(path)`` reads a DICOMDIR (``path`` is the file or its folder), walks
  its records into a tree (:mod:`dicomgen.media.dicomdir`) and, by default, checks
  that every referenced file exists (a missing one is a :class:`MediaError` naming the
  record and its offset).
* ``fs.find(patient_id=..., study_uid=..., series_uid=...)`` returns the
  :class:`Instance` objects below matching records; ``instance.read()`` opens the file.
* ``fs.add(path_or_dataset)`` stages an instance: its PATIENT/STUDY/SERIES records are
  found or created (grouped by Patient ID, Study Instance UID, Series Instance UID) and
  its leaf record is built with the keys its record type requires
  (:mod:`dicomgen.media.records`); ``fs.remove(instance)`` stages a removal.
* ``fs.write(out_dir=None)`` writes the File-set: new files are copied (or re-encoded
  when the profile needs another transfer syntax) under conformant File IDs (PS3.10
  8.5: ``A-Z 0-9 _``, at most 8 characters and 8 levels), each first to a temporary name
  and then renamed; the DICOMDIR is written to a temporary name and renamed over the
  old one; only then are the files of removed instances deleted. An interrupted update
  therefore leaves the old DICOMDIR (or the new one) intact, never a half-written one.
* ``FileSet.build(sources, out_dir)`` creates a File-set from folders and files,
  returning the File-set and the files it skipped with the reason.

File IDs of new files and the file operations of writing: :mod:`.fileset_layout`;
the record keys of an instance: :mod:`.fileset_keys`.

Profiles (PS3.11): ``STD-GEN-CD`` (Annex D, General Purpose CD-R Interchange) allows
only Explicit VR Little Endian for the referenced files: native data in other
transfer syntaxes is re-encoded, compressed data is refused. ``ANY`` is a dicomgen
extension, not a PS3.11 profile: files are kept in their transfer syntax.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.dataset import Dataset, dictionary_vr
from ..core.element import DataElement
from ..core.errors import DicomError, MediaError
from . import file_ids as fids
from .dicomdir import (
    REFERENCED_FILE_ID,
    REFERENCED_SOP_CLASS_IN_FILE,
    REFERENCED_SOP_INSTANCE_IN_FILE,
    REFERENCED_TS_IN_FILE,
    DicomDir,
    Record,
    encode_dicomdir,
    read_dicomdir,
)
from .fileset_instance import Instance
from .fileset_keys import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    PROFILES,
    _tag,
    _text,
    _uid_from,
    _value,
    invented_key,
    planned_transfer_syntax,
    record_keys,
)
from .fileset_layout import allocate_file_ids, atomic_copy, prune_empty_dirs
from .records import SINGLE_LEVEL, record_type_for

_FILESET_ID = re.compile(r"[A-Z0-9_]{0,16}")


@dataclass
class BuildReport:
    """What :meth:`FileSet.build` did: files added, files skipped (with the reason)."""

    added: list[Instance] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class FileSet:
    """A File-set (PS3.10 8): a root folder, its DICOMDIR and the instances it indexes."""

    def __init__(
        self,
        fileset_id: str = "",
        *,
        uid: str | None = None,
        descriptor_file_id: Sequence[str] | None = None,
        descriptor_charset: str | None = None,
        profile: str = "STD-GEN-CD",
    ) -> None:
        if not _FILESET_ID.fullmatch(fileset_id):
            raise MediaError(
                f"invalid File-set ID {fileset_id!r}: at most 16 characters of A-Z, 0-9 and _ "
                "(PS3.10 8.5; CS value)"
            )
        if profile not in PROFILES:
            raise MediaError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
        self.fileset_id = fileset_id
        self.uid: str = uid or _uid_from("fileset", str(uuid.uuid4()))
        self.descriptor_file_id: tuple[str, ...] | None = (
            tuple(descriptor_file_id) if descriptor_file_id else None
        )
        self.descriptor_charset = descriptor_charset
        self.profile = profile
        self.root: Path | None = None
        self.dicomdir_name = "DICOMDIR"
        self.roots: list[Record] = []
        self.problems: list[str] = []
        self._extra: Dataset | None = None
        self._instances: dict[int, Instance] = {}  # id(record) -> Instance
        self._removed: list[Instance] = []
        self._counters: dict[tuple[int, str], int] = {}
        self._by_uid: dict[str, Instance] = {}  # SOP Instance UID -> Instance

    # --- reading -----------------------------------------------------------------

    @classmethod
    def read(
        cls,
        path: str | os.PathLike[str],
        *,
        check_files: bool = True,
        strict: bool = False,
        profile: str = "ANY",
    ) -> FileSet:
        """Read the File-set whose DICOMDIR is ``path`` (or is in folder ``path``).

        ``check_files``: every referenced file must exist (else MediaError naming the
        record and its offset). ``strict``: non-fatal DICOMDIR inconsistencies raise too.
        ``profile`` applies to instances added later (existing files are kept as they are).
        """
        p = Path(path)
        if p.is_dir():
            cand = [n for n in os.listdir(p) if n.upper() == "DICOMDIR"]
            if not cand:
                raise MediaError("no DICOMDIR in folder", path=str(p))
            p = p / sorted(cand)[0]
        dd: DicomDir = read_dicomdir(p, strict=strict)
        fs = cls.__new__(cls)
        FileSet.__init__(fs, profile=profile)
        fs.fileset_id = dd.fileset_id
        fs.uid = dd.fileset_uid or fs.uid
        fs.descriptor_file_id = dd.descriptor_file_id
        fs.descriptor_charset = dd.descriptor_charset
        fs.root = p.parent
        fs.dicomdir_name = p.name
        fs.roots = list(dd.roots)
        fs.problems = list(dd.problems)
        fs._extra = Dataset([e for e in dd.dataset.values() if e.tag >> 16 != 0x0004])
        for _, rec in dd.walk():
            if rec.dataset.get(REFERENCED_FILE_ID) is not None and rec.in_use:
                inst = Instance(fs, rec)
                fs._instances[id(rec)] = inst
                if inst.sop_instance_uid:
                    fs._by_uid.setdefault(inst.sop_instance_uid, inst)
        if check_files:
            for inst in fs._instances.values():
                if inst.file_id is None:
                    continue
                if fids.resolve(fs.root, inst.file_id) is None:
                    raise MediaError(
                        f"the {inst.record.where} references file "
                        f"{fids.file_id_str(inst.file_id)!r}, which does not exist",
                        path=str(fs.root),
                        offset=inst.record.offset,
                    )
        return fs

    # --- queries -----------------------------------------------------------------

    @property
    def instances(self) -> list[Instance]:
        """Every instance (records with a Referenced File ID), in tree order."""
        out = []
        for r in self.roots:
            for _, rec in r.walk():
                inst = self._instances.get(id(rec))
                if inst is not None and rec.in_use:
                    out.append(inst)
        return out

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.instances)

    def __len__(self) -> int:
        return len(self.instances)

    def walk(self) -> Iterator[tuple[int, Record]]:
        """Every record in use, depth first, as ``(depth, record)``."""
        for r in self.roots:
            for depth, rec in r.walk():
                if rec.in_use:
                    yield depth, rec

    def find(
        self,
        *,
        patient_id: str | None = None,
        study_uid: str | None = None,
        series_uid: str | None = None,
        sop_instance_uid: str | None = None,
        record_type: str | None = None,
    ) -> list[Instance]:
        """Instances whose PATIENT/STUDY/SERIES records match the given keys."""
        out = []
        for inst in self.instances:
            if record_type is not None and inst.record_type != record_type:
                continue
            if sop_instance_uid is not None and inst.sop_instance_uid != sop_instance_uid:
                continue
            if patient_id is not None:
                p = inst.patient
                if p is None or _text(p.get("PatientID")) != patient_id:
                    continue
            if study_uid is not None:
                s = inst.study
                if s is None or _text(s.get("StudyInstanceUID")) != study_uid:
                    continue
            if series_uid is not None:
                s = inst.series
                if s is None or _text(s.get("SeriesInstanceUID")) != series_uid:
                    continue
            out.append(inst)
        return out

    # --- adding / removing -------------------------------------------------------

    def _next(self, scope: Record | None, what: str) -> int:
        key = (id(scope), what)
        n = self._counters.get(key, 0) + 1
        self._counters[key] = n
        return n

    def _child(
        self, parent: Record | None, rtype: str, key_kw: str, key: str | None
    ) -> Record | None:
        siblings = self.roots if parent is None else parent.children
        for r in siblings:
            if r.record_type == rtype and r.in_use and _text(r.get(key_kw)) == key:
                return r
        return None

    def _attach(self, parent: Record | None, rec: Record) -> Record:
        rec.parent = parent
        (self.roots if parent is None else parent.children).append(rec)
        return rec

    def add(self, source: Any, *, invent: bool = False) -> Instance:
        """Stage ``source`` (a file path, a Dataset, or an object with ``to_dataset()``).

        Raises MediaError if the instance cannot be indexed: no SOP Class/Instance UID,
        already in the File-set, a Type 1 key missing (and ``invent`` off or the key not
        inventable), or a transfer syntax the profile refuses and that cannot be
        re-encoded.
        """
        from ..encoding.complete import check_complete
        from .part10 import read

        where = None
        if isinstance(source, (str, os.PathLike)):
            where = os.fspath(source)
            try:  # the whole file (values stay undecoded views): a corrupt one is refused
                ds = read(source)
                check_complete(ds)
            except DicomError as exc:
                raise MediaError(f"cannot read: {exc}", path=where) from None
        elif isinstance(source, Dataset):
            ds = source
        elif hasattr(source, "to_dataset"):
            ds = source.to_dataset()
            source = ds
        else:
            raise MediaError(f"cannot add a {type(source).__name__} to a File-set")
        sop_class = _text(_value(ds, "SOPClassUID"))
        sop_inst = _text(_value(ds, "SOPInstanceUID"))
        if not sop_class or not sop_inst:
            raise MediaError("the instance has no SOP Class UID or SOP Instance UID",
                             path=where)  # fmt: skip
        if sop_inst in self._by_uid:
            raise MediaError(f"SOP Instance UID {sop_inst} is already in the File-set",
                             path=where)  # fmt: skip
        ts = planned_transfer_syntax(ds, self.profile, where)
        rtype = record_type_for(sop_class)
        invented: dict[str, str] = {}
        # build every record first so that a failure leaves the tree untouched
        if rtype in SINGLE_LEVEL:
            parent_chain: list[tuple[str, str, str | None]] = []
        else:
            parent_chain = [
                ("PATIENT", "PatientID", _text(_value(ds, "PatientID"))),
                ("STUDY", "StudyInstanceUID", _text(_value(ds, "StudyInstanceUID"))),
                ("SERIES", "SeriesInstanceUID", _text(_value(ds, "SeriesInstanceUID"))),
            ]
        parent: Record | None = None
        new_records: list[tuple[Record | None, Record]] = []
        for level, key_kw, key in parent_chain:
            if key is None:
                if not invent:
                    raise MediaError(f"the instance has no {key_kw}, the key that groups it "
                                     f"under a {level} record (PS3.3 F.5)", path=where)  # fmt: skip
                key = invented_key(level, ds, parent, sop_inst)
                invented[key_kw] = key
            if not new_records:  # parent is an existing record (or the root entity)
                found = self._child(parent, level, key_kw, key)
                if found is not None:
                    parent = found
                    continue
            rds = record_keys(level, ds, invent, invented, parent, where, self._next)
            rds.add(DataElement(_tag(key_kw), dictionary_vr(_tag(key_kw)), key))
            rec = Record(rds)
            rec.parent = parent
            new_records.append((parent, rec))
            parent = rec
        leaf_ds = record_keys(rtype, ds, invent, invented, parent, where, self._next)
        leaf_ds.add(DataElement(REFERENCED_SOP_CLASS_IN_FILE, "UI", sop_class))
        leaf_ds.add(DataElement(REFERENCED_SOP_INSTANCE_IN_FILE, "UI", sop_inst))
        leaf_ds.add(DataElement(REFERENCED_TS_IN_FILE, "UI", ts))
        leaf = Record(leaf_ds)
        for par, rec in new_records:
            self._attach(par, rec)
        self._attach(parent, leaf)
        inst = Instance(self, leaf, source=source, transfer_syntax=ts, invented=invented)
        self._instances[id(leaf)] = inst
        self._by_uid[sop_inst] = inst
        return inst

    def remove(self, instance: Instance | str) -> None:
        """Stage the removal of ``instance`` (or of the instance with this SOP Instance UID).

        Records left without lower-level records (an emptied SERIES, STUDY, PATIENT)
        are removed too. The file is deleted by :meth:`write`, after the new DICOMDIR.
        """
        if isinstance(instance, str):
            found = self.find(sop_instance_uid=instance)
            if not found:
                raise MediaError(f"no instance with SOP Instance UID {instance} in the File-set")
            instance = found[0]
        rec = instance.record
        if self._instances.pop(id(rec), None) is None:
            raise MediaError("the instance is not part of this File-set")
        if instance.sop_instance_uid and self._by_uid.get(instance.sop_instance_uid) is instance:
            del self._by_uid[instance.sop_instance_uid]
        while rec is not None:
            siblings = self.roots if rec.parent is None else rec.parent.children
            siblings[:] = [r for r in siblings if r is not rec]
            parent = rec.parent
            if parent is None or parent.children:
                break
            rec = parent
        if instance.source is None:
            self._removed.append(instance)

    # --- writing -----------------------------------------------------------------

    def write(
        self,
        out_dir: str | os.PathLike[str] | None = None,
        *,
        skipped: list[tuple[str, str]] | None = None,
    ) -> Path:
        """Write the File-set to ``out_dir`` (default: in place); returns the DICOMDIR path.

        Writing to a new folder copies the existing files too (same File IDs). An existing
        file is never copied from outside the File-set root (symbolic links resolved).
        ``skipped``: a staged instance that cannot be written (e.g. it fails to convert to
        the profile's transfer syntax) is removed from the File-set and ``(source,
        reason)`` appended, instead of the whole write failing. A failed write leaves no
        file and no folder it created.
        """
        if out_dir is None:
            if self.root is None:
                raise MediaError("a new File-set needs an output folder")
            target = self.root
        else:
            target = Path(out_dir)
        if not self.instances:
            raise MediaError("a File-set must reference at least one instance (PS3.11)")
        created = not target.exists()
        target.mkdir(parents=True, exist_ok=True)
        in_place = self.root is not None and target.resolve() == self.root.resolve()
        allocate_file_ids(self.instances, self._removed, target, self._instances)
        tmp_tag = f".dgtmp{os.getpid()}"
        written: list[Instance] = []
        try:
            for inst in list(self.instances):
                fid = inst.file_id
                assert fid is not None
                dest = fids.to_path(target, fid)
                if inst.source is None:
                    if in_place:
                        continue
                    src = fids.resolve(self.root, fid) if self.root is not None else None
                    if src is None:
                        raise MediaError(f"referenced file {fids.file_id_str(fid)!r} not found",
                                         path=str(self.root))  # fmt: skip
                    atomic_copy(src, dest, tmp_tag)
                    continue
                try:
                    self._write_instance(inst, dest, tmp_tag)
                except DicomError as exc:
                    prune_empty_dirs(dest.parent, target)
                    if skipped is None:
                        raise
                    src = inst.source
                    name = os.fspath(src) if isinstance(src, (str, os.PathLike)) else repr(src)
                    skipped.append((name, f"cannot write as {inst.transfer_syntax}: {exc.message}"))
                    self.remove(inst)
                    continue
                written.append(inst)
            if not self.instances:
                raise MediaError("no instance could be written (PS3.11: at least one)")
            data = encode_dicomdir(
                self.roots,
                fileset_uid=self.uid,
                fileset_id=self.fileset_id,
                descriptor_file_id=self.descriptor_file_id,
                descriptor_charset=self.descriptor_charset,
                extra=self._extra,
            )
            name = self.dicomdir_name if in_place else "DICOMDIR"
            dicomdir = target / name
            tmp = target / (name + tmp_tag)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, dicomdir)
        except BaseException:
            for inst in written:  # new files are not referenced by the old DICOMDIR
                fid = inst.file_id
                if fid is not None:
                    path = fids.to_path(target, fid)
                    path.unlink(missing_ok=True)
                    prune_empty_dirs(path.parent, target)
                    inst.record.dataset.pop(REFERENCED_FILE_ID, None)
            if created:
                try:
                    target.rmdir()  # only if nothing else was put there meanwhile
                except OSError:
                    pass
            raise
        for inst in written:
            inst.source = None
        if in_place:
            for inst in self._removed:
                fid = inst.file_id
                p = fids.resolve(target, fid) if fid is not None else None
                if p is not None:
                    p.unlink()
                    prune_empty_dirs(p.parent, target)
        self._removed.clear()
        self.root = target
        self.dicomdir_name: str = dicomdir.name
        return dicomdir

    def _write_instance(self, inst: Instance, dest: Path, tmp_tag: str) -> None:
        from .part10 import read, write

        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + tmp_tag)
        src = inst.source
        ts = inst.transfer_syntax or EXPLICIT_VR_LITTLE_ENDIAN
        try:
            if isinstance(src, Dataset):
                write(tmp, src, ts)
            else:
                ds_meta = read(src, stop_before_pixels=True)
                has_meta = ds_meta.file_meta is not None and len(ds_meta.file_meta) > 0
                current = _text(ds_meta.file_meta.get_value(0x00020010)) if has_meta else None
                if has_meta and current == ts and ds_meta.preamble is not None:
                    shutil.copyfile(src, tmp)
                else:
                    write(tmp, read(src, defer_size=None), ts)
            os.replace(tmp, dest)
        finally:
            if tmp.exists():
                tmp.unlink()

    # --- building ----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        sources: Iterable[Any],
        out_dir: str | os.PathLike[str],
        *,
        fileset_id: str = "",
        profile: str = "STD-GEN-CD",
        invent: bool = False,
        recursive: bool = True,
    ) -> tuple[FileSet, BuildReport]:
        """Create a File-set in ``out_dir`` from files, folders (scanned) and Datasets.

        Files that cannot be added (not DICOM, corrupt or truncated, no SOP Instance UID,
        duplicate, refused transfer syntax, missing Type 1 key) or cannot be converted to
        the profile's transfer syntax are skipped and listed in the report, whatever the
        profile.
        """
        fs = cls(fileset_id, profile=profile)
        report = BuildReport()
        for src in _expand(sources, recursive):
            try:
                report.added.append(fs.add(src, invent=invent))
            except MediaError as exc:
                name = os.fspath(src) if isinstance(src, (str, os.PathLike)) else repr(src)
                report.skipped.append((name, exc.message))
        fs.write(out_dir, skipped=report.skipped)
        kept = set(map(id, fs.instances))
        report.added[:] = [inst for inst in report.added if id(inst) in kept]
        return fs, report

    # --- display -----------------------------------------------------------------

    def tree_lines(self) -> list[str]:
        """A text listing of the records (``dicomgen dicomdir list``)."""
        lines = [f"File-set {self.fileset_id or '(no ID)'}  UID {self.uid}"]
        for depth, rec in self.walk():
            lines.append("  " * (depth + 1) + describe(rec))
        return lines


_SHOWN = {
    "PATIENT": ("PatientID", "PatientName"),
    "STUDY": ("StudyDate", "StudyID", "StudyDescription", "StudyInstanceUID"),
    "SERIES": ("Modality", "SeriesNumber", "SeriesInstanceUID"),
}


def describe(rec: Record) -> str:
    """One line: record type, main keys, and the referenced file."""
    keys = _SHOWN.get(rec.record_type, ("InstanceNumber",))
    parts = [rec.record_type]
    for kw in keys:
        try:
            v = rec.get(kw)
        except DicomError:
            v = "<undecodable>"
        if v not in (None, "", []):
            parts.append(f"{kw}={v}")
    fid = rec.dataset.get(REFERENCED_FILE_ID)
    if fid is not None and not fid.is_empty:
        v = fid.value
        parts.append("-> " + (v if isinstance(v, str) else "\\".join(map(str, v))))
    if rec.offset is not None:
        parts.append(f"@{rec.offset}")
    return "  ".join(str(p) for p in parts)


def _expand(sources: Iterable[Any], recursive: bool) -> Iterator[Any]:
    for src in sources:
        if isinstance(src, (str, os.PathLike)) and Path(src).is_dir():
            walker = sorted(Path(src).rglob("*") if recursive else Path(src).iterdir())
            for p in walker:
                if p.is_file() and p.name.upper() != "DICOMDIR":
                    yield p
        else:
            yield src


__all__ = ["BuildReport", "FileSet", "Instance", "PROFILES", "describe"]
