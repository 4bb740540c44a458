"""File IDs of a File-set (PS3.10 8.2, 8.5; PS3.12 file system mappings).

A File ID is an ordered sequence of one to eight components (PS3.10 8.2); each
component is one to eight characters of the ISO 646 G0 subset ``A-Z 0-9 _`` (PS3.10
8.5: the CS repertoire without SPACE). In a DICOMDIR the components are the values of
Referenced File ID (0004,1500), a CS with VM 1-8, i.e. stored with backslash
separators. PS3.12 (ISO 9660, PC File System, UDF annexes) maps each component to one
directory or file name level, without extension, at most 8 levels deep.

On a case-sensitive file system a File-set written by another system may have lower
case names (a CD mounted with lower-case mapping): :func:`resolve` then matches each
component case-insensitively. Whatever a DICOMDIR says, a File ID never leads outside the
File-set root: :func:`resolve` follows symbolic links and refuses a file they place
elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.errors import MediaError

MAX_COMPONENTS = 8
MAX_COMPONENT_LENGTH = 8
#: Longest component read from a lax creator's DICOMDIR (a CS value holds 16 characters).
LAX_COMPONENT_LENGTH = 16
_COMPONENT = re.compile(r"[A-Z0-9_]{1,8}")

FileID = tuple[str, ...]


def check_component(component: str, *, where: str | None = None) -> str:
    """``component`` if it is a valid File ID component (PS3.10 8.5), else MediaError."""
    if not isinstance(component, str) or not _COMPONENT.fullmatch(component):
        raise MediaError(
            f"invalid File ID component {component!r}: 1-8 characters of A-Z, 0-9 and _ "
            "(PS3.10 8.5)",
            path=where,
        )
    return component


def check_file_id(components: Iterable[str], *, where: str | None = None) -> FileID:
    """The validated File ID (PS3.10 8.2: 1-8 components; 8.5: component characters)."""
    comps = tuple(components)
    if not 1 <= len(comps) <= MAX_COMPONENTS:
        shown = "\\".join(map(str, comps))
        raise MediaError(
            f"a File ID has 1 to {MAX_COMPONENTS} components, not {len(comps)}: "
            f"{shown!r} (PS3.10 8.2)",
            path=where,
        )
    for c in comps:
        check_component(c, where=where)
    return comps


def parse_file_id(value: object, *, where: str | None = None, strict: bool = False) -> FileID:
    """Referenced File ID (0004,1500) value (a str or list of components) as a tuple.

    Leading/trailing spaces are removed. With ``strict`` the components are validated;
    else only emptiness, path traversal (``..``, separators), more than
    :data:`MAX_COMPONENTS` components and components longer than
    :data:`LAX_COMPONENT_LENGTH` are rejected, so that File-sets written by lax creators
    (lower case names) can still be read.
    """
    if value is None:
        raise MediaError("empty Referenced File ID (0004,1500)", path=where)
    if isinstance(value, str):
        parts = value.split("\\")
    else:
        parts = [str(v) for v in value]  # type: ignore[attr-defined]
    comps = tuple(p.strip(" \x00") for p in parts)
    if strict:
        return check_file_id(comps, where=where)
    if not 1 <= len(comps) <= MAX_COMPONENTS:
        raise MediaError(
            f"a Referenced File ID has 1 to {MAX_COMPONENTS} components, not {len(comps)}"
            " (PS3.10 8.2)",
            path=where,
        )
    if any(
        not c
        or len(c) > LAX_COMPONENT_LENGTH
        or c in (".", "..")
        or "/" in c
        or "\\" in c
        or os.sep in c
        or "\x00" in c
        for c in comps
    ):
        shown = "\\".join(c[: LAX_COMPONENT_LENGTH + 1] for c in comps)
        raise MediaError(
            f"invalid Referenced File ID {shown!r}: components of 1-{LAX_COMPONENT_LENGTH}"
            " characters, no path separators (PS3.10 8.2)",
            path=where,
        )
    return comps


def to_path(root: str | os.PathLike[str], file_id: Sequence[str]) -> Path:
    """The path of ``file_id`` under ``root`` as written (no case folding)."""
    return Path(root, *file_id)


def resolve(root: str | os.PathLike[str], file_id: Sequence[str]) -> Path | None:
    """The existing file for ``file_id`` under ``root``, matching components exactly first,
    then case-insensitively; ``None`` if there is none. MediaError if the file (symbolic
    links followed) is outside ``root``, or the file system refuses the name."""
    try:
        found = _find(Path(root), file_id)
        if found is None:
            return None
        inside = Path(root).resolve()
        real = found.resolve()
    except OSError as exc:
        raise MediaError(
            f"cannot look up File ID {file_id_str(file_id)!r}: {exc.strerror}",
            path=os.fspath(root),
        ) from None
    if real != inside and inside not in real.parents:
        raise MediaError(
            f"File ID {file_id_str(file_id)!r} leads outside the File-set root (to {real})",
            path=os.fspath(found),
        )
    return found


def _find(root: Path, file_id: Sequence[str]) -> Path | None:
    exact = Path(root, *file_id)
    if exact.is_file():
        return exact
    cur = root
    for comp in file_id:
        nxt = cur / comp
        if not nxt.exists():
            try:
                names = os.listdir(cur)
            except OSError:
                return None
            match = [n for n in names if n.upper() == comp.upper()]
            if not match:
                return None
            nxt = cur / sorted(match)[0]
        cur = nxt
    return cur if cur.is_file() else None


def from_path(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> FileID:
    """The File ID of ``path`` relative to ``root`` (validated, PS3.10 8.2/8.5)."""
    try:
        rel = Path(path).resolve().relative_to(Path(root).resolve())
    except ValueError:
        raise MediaError("file is not inside the File-set root", path=os.fspath(path)) from None
    return check_file_id(rel.parts, where=os.fspath(path))


def file_id_str(file_id: Sequence[str]) -> str:
    """The Referenced File ID value text: components joined with backslashes."""
    return "\\".join(file_id)


class NameAllocator:
    """Allocates unique File ID components (``PREFIX`` + decimal counter, 8 characters).

    ``taken`` holds names already used in a directory (compared upper case): names of
    files on disk and names planned in this session.
    """

    def __init__(self) -> None:
        self._taken: dict[FileID, set[str]] = {}
        self._next: dict[tuple[FileID, str], int] = {}
        self._scanned: set[tuple[str, FileID]] = set()

    def reserve(self, file_id: Sequence[str]) -> None:
        """Mark every component of ``file_id`` as used in its directory."""
        for i in range(len(file_id)):
            self._taken.setdefault(tuple(file_id[:i]), set()).add(file_id[i].upper())

    def reserve_disk(self, root: str | os.PathLike[str], directory: FileID) -> None:
        """Mark the names present on disk in ``directory`` (under ``root``) as used (once)."""
        key = (os.fspath(root), directory)
        if key in self._scanned:
            return
        self._scanned.add(key)
        try:
            names = os.listdir(Path(root, *directory))
        except OSError:
            return
        taken = self._taken.setdefault(directory, set())
        taken.update(n.upper() for n in names)

    def new(self, directory: FileID, prefix: str) -> str:
        """A fresh component ``prefix`` + digits, unused in ``directory``."""
        check_component(prefix)
        width = MAX_COMPONENT_LENGTH - len(prefix)
        if width < 1:
            raise MediaError(f"File ID prefix {prefix!r} leaves no room for a number")
        taken = self._taken.setdefault(directory, set())
        n = self._next.get((directory, prefix), 0)
        limit = 10**width
        while n < limit:
            name = f"{prefix}{n:0{width}d}"
            n += 1
            if name not in taken:
                taken.add(name)
                self._next[(directory, prefix)] = n
                return name
        raise MediaError(f"no free File ID component with prefix {prefix!r} in {directory}")


__all__ = [
    "FileID",
    "LAX_COMPONENT_LENGTH",
    "MAX_COMPONENTS",
    "MAX_COMPONENT_LENGTH",
    "NameAllocator",
    "check_component",
    "check_file_id",
    "file_id_str",
    "from_path",
    "parse_file_id",
    "resolve",
    "to_path",
]
