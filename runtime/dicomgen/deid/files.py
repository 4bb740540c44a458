"""De-identify files and folders into an output folder, resumably.

Inputs are only read. Each output is written under a temporary name in its final folder and
renamed into place, so a file under its final name is always complete; a rerun skips every
output that exists (it was finished) and removes temporaries left by an interrupted run. A
file that cannot be read or de-identified is reported and skipped; the run goes on.

Beside the outputs, in ``OUT/.deid/``: ``records/<output path>.jsonl``, one JSON line per
element a rule decided on (path, tag, VR, action, Table E.1-1 row, column), and ``key`` when
no key file was given. The UID mapping (original -> replacement) is appended, as JSON lines,
only to the file the caller names, since it re-identifies.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from ..core.dataset import Dataset
from ..core.errors import DicomError
from ..media import part10
from .profile import DeidError, Profile
from .values import Keys
from .walker import Deidentifier

STATE_DIR = ".deid"
TMP_SUFFIX = ".deid-tmp"


class Failure(NamedTuple):
    path: str
    message: str


class RunResult(NamedTuple):
    written: list[str]
    skipped: list[str]
    failed: list[Failure]


def plan(sources: list[Path], out: Path) -> list[tuple[Path, Path]]:
    """(input, output path relative to ``out``) of every file under ``sources``: a file
    keeps its name, a folder's files keep their path inside it. Hidden files, ``out`` itself
    and temporaries are left out. Two inputs with one output path are an error."""
    out_abs = out.resolve()
    found: dict[Path, Path] = {}
    for src in sources:
        if src.is_dir() and src.resolve() == out_abs:
            raise DeidError(f"the output folder {out} is an input folder", path=str(src))
        if src.is_dir():
            pairs: Iterator[tuple[Path, Path]] = (
                (p, p.relative_to(src)) for p in _files_under(src, out_abs)
            )
        elif src.is_file():
            pairs = iter([(src, Path(src.name))])
        else:
            raise DeidError(f"no such file or folder: {src}", path=str(src))
        for path, rel in pairs:
            if rel in found and found[rel].resolve() != path.resolve():
                raise DeidError(
                    f"{path} and {found[rel]} would both be written to {out / rel}",
                    path=str(path),
                )
            found[rel] = path
    return sorted(((p, r) for r, p in found.items()), key=lambda pr: str(pr[1]))


def _files_under(folder: Path, out_abs: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (here / d).resolve() != out_abs
        )
        for name in sorted(files):
            if not name.startswith("."):
                yield here / name


def load_key(path: Path | None, out: Path) -> tuple[Keys, str]:
    """The keys from ``path`` (created with a random key if missing), or from
    ``OUT/.deid/key`` (created likewise) when no path is given. Returns (keys, note)."""
    target = path or out / STATE_DIR / "key"
    if target.is_file():
        return Keys(target.read_bytes().strip()), ""
    keys = Keys.generate()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(keys.secret.hex().encode("ascii") + b"\n")
    keys = Keys(target.read_bytes().strip())
    return keys, f"new key written to {target}: keep it secret, reuse it for consistent UIDs"


def _atomic_write(target: Path, write: Callable[[BinaryIO], Any]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_temporaries(out: Path) -> None:
    if not out.is_dir():
        return
    for p in out.rglob(f".*{TMP_SUFFIX}"):
        p.unlink(missing_ok=True)


def deidentify_file(src: Path, deid: Deidentifier) -> tuple[Dataset, list[dict[str, Any]]]:
    """The de-identified data set of ``src`` and its record lines (DicomError when bad)."""
    ds = part10.read(src)
    out, entries = deid.dataset(ds)
    return out, [e.as_json() for e in entries]


def run(
    sources: list[Path],
    out: Path,
    profile: Profile,
    keys: Keys,
    *,
    mapping: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> RunResult:
    """De-identify every file of ``sources`` into ``out`` (see the module docstring)."""
    todo = plan(sources, out)
    _remove_temporaries(out)
    deid = Deidentifier(profile, keys)
    result = RunResult([], [], [])
    records = out / STATE_DIR / "records"
    mapped: set[str] = set()
    for n, (src, rel) in enumerate(todo, 1):
        if progress:
            progress(n, len(todo), str(rel))
        target = out / rel
        if target.is_file():
            result.skipped.append(str(rel))
            continue
        try:
            ds, lines = deidentify_file(src, deid)
            ts = ds.read_transfer_syntax
            text = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
            _atomic_write(records / f"{rel}.jsonl", lambda f: f.write(text.encode()))
            _atomic_write(target, lambda f: part10.write(f, ds, ts))
        except (DicomError, OSError, ValueError, TypeError) as exc:
            result.failed.append(Failure(str(src), str(exc)))
            continue
        result.written.append(str(rel))
        if mapping is not None:
            _append_mapping(mapping, keys, mapped)
    return result


def _append_mapping(path: Path, keys: Keys, written: set[str]) -> None:
    """Append the UID replacements not yet in the mapping file (JSON lines)."""
    if not written and path.is_file():
        written.update(_mapped(path))
    new = [(o, r) for o, r in keys.uids.items() if o not in written]
    if not new:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    cut = path.is_file() and path.stat().st_size and not path.read_bytes().endswith(b"\n")
    with open(path, "a", encoding="utf-8") as f:
        if cut:
            f.write("\n")  # end a line cut by an interrupted run before appending
        for o, r in new:
            f.write(json.dumps({"original": o, "replacement": r}) + "\n")
            written.add(o)
        f.flush()
        os.fsync(f.fileno())


def _mapped(path: Path) -> Iterator[str]:
    for line in path.read_text("utf-8").splitlines():
        try:
            yield json.loads(line)["original"]
        except (ValueError, KeyError, TypeError):
            continue  # a line cut by an interrupted run
