"""An instance of a File-set: its leaf directory record, its file and the records above it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.dataset import Dataset
from ..core.errors import MediaError
from . import file_ids as fids
from .dicomdir import Record

if TYPE_CHECKING:
    from .fileset import FileSet


@dataclass(eq=False)
class Instance:
    """A SOP Instance of a File-set: its leaf record and where its file is."""

    fileset: FileSet
    record: Record
    source: Any = None  # staged: a path or a Dataset to write; None once written/read
    transfer_syntax: str | None = None
    invented: dict[str, str] = field(default_factory=dict)

    @property
    def record_type(self) -> str:
        return self.record.record_type

    @property
    def file_id(self) -> tuple[str, ...] | None:
        return self.record.file_id

    @property
    def sop_instance_uid(self) -> str | None:
        return self.record.sop_instance_uid

    @property
    def sop_class_uid(self) -> str | None:
        return self.record.sop_class_uid

    @property
    def transfer_syntax_uid(self) -> str | None:
        return self.record.transfer_syntax_uid

    def _ancestor(self, rtype: str) -> Record | None:
        r = self.record.parent
        while r is not None:
            if r.record_type == rtype:
                return r
            r = r.parent
        return None

    @property
    def patient(self) -> Record | None:
        return self._ancestor("PATIENT")

    @property
    def study(self) -> Record | None:
        return self._ancestor("STUDY")

    @property
    def series(self) -> Record | None:
        return self._ancestor("SERIES")

    @property
    def path(self) -> Path | None:
        """The file on disk (``None`` while staged, or if it cannot be found)."""
        fid = self.file_id
        if fid is None or self.fileset.root is None or self.source is not None:
            return None
        return fids.resolve(self.fileset.root, fid)

    def read(self, **kwargs: Any) -> Dataset:
        """The instance's data set (read from its file, or the staged data set)."""
        from .part10 import read

        if isinstance(self.source, Dataset):
            return self.source
        if self.source is not None:
            return read(self.source, **kwargs)
        p = self.path
        if p is None:
            raise MediaError(
                f"referenced file {fids.file_id_str(self.file_id or ())!r} not found",
                path=str(self.fileset.root),
                offset=self.record.offset,
            )
        return read(p, **kwargs)
