"""Fetching the DocBook parts of an edition from NEMA into a cache ``<dest>/<edition>/partNN.xml``
with a ``manifest.json`` (edition, size, sha256): each part verified (well-formed DocBook of the
expected part and edition) before an atomic ``os.replace``; on a definitive error nothing is
cached for that part. The resumable HTTP download itself is :mod:`.download`."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

import attrs

from dicomgen.core.errors import StandardSourceError

from .docbook.text import clean
from .download import ProgressFn, _Download
from .sources import MANIFEST_NAME, NEMA_BASE_URL, check_edition_name

# --- fetching -------------------------------------------------------------------


def part_url(edition: str, part: int, base_url: str = NEMA_BASE_URL) -> str:
    """The NEMA URL of ``partNN.xml`` of an edition (``"2025b"`` or ``"current"``)."""
    return f"{base_url.rstrip('/')}/medical/dicom/{edition}/source/docbook/part{part:02d}/part{part:02d}.xml"


def default_dest() -> Path:
    """Where ``dicomgen fetch`` caches parts when no ``--dest`` is given.

    ``<repo>/standard_xml`` when running from a source checkout (a ``pyproject.toml`` and
    a ``standard_xml/`` folder beside ``codegen/``), else the user cache folder
    (``$XDG_CACHE_HOME/dicomgen/standard_xml``, ``~/Library/Caches/...`` on macOS,
    ``%LOCALAPPDATA%\\dicomgen\\standard_xml`` on Windows).
    """
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "standard_xml").is_dir():
        return repo / "standard_xml"
    return user_cache_dir() / "standard_xml"


def user_cache_dir() -> Path:
    """The per-user cache folder of dicomgen."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "dicomgen"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "dicomgen"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg if xdg else Path.home() / ".cache") / "dicomgen"


@attrs.frozen
class FetchedPart:
    """A part in the cache: what the manifest records about it."""

    part: int
    edition: str  # the edition in the file's subtitle (the real one for "current")
    path: Path
    size: int
    sha256: str
    url: str
    subtitle: str
    downloaded: bool  # False when it was already cached and verified against the manifest


@attrs.frozen
class FetchReport:
    """The outcome of :func:`fetch_edition`: parts cached and parts that failed."""

    fetched: tuple[FetchedPart, ...]
    errors: tuple[tuple[int, StandardSourceError], ...]


class TextProgress:
    """Download progress on a text stream (stderr), rate-limited.

    On a terminal one line is rewritten in place; elsewhere (forced with ``--progress``)
    a line is printed at most every 10 %, so logs stay short.
    """

    def __init__(self, label: str, stream: TextIO | None = None, *, tty: bool | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._last = 0.0
        self._last_step = -1
        self._shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.2 and (total is None or done < total):
                return
            self._last = now
            self.stream.write(f"\r{self._text(done, total)}\x1b[K")
        else:
            step = (done * 10 // total) if total else done // (1 << 20)
            if step == self._last_step:
                return
            self._last_step = step
            self.stream.write(self._text(done, total) + "\n")
        self._shown = True
        self.stream.flush()

    def finish(self) -> None:
        if self._shown and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _text(self, done: int, total: int | None) -> str:
        if total:
            return (
                f"{self.label}: {done / 1e6:.1f} of {total / 1e6:.1f} MB ({done * 100 // total}%)"
            )
        return f"{self.label}: {done / 1e6:.1f} MB"


def fetch_part(
    edition: str,
    part: int,
    dest: Path | str,
    *,
    base_url: str = NEMA_BASE_URL,
    timeout: float = 30.0,
    retries: int = 4,
    backoff: float = 1.0,
    force: bool = False,
    progress: ProgressFn | None = None,
    opener: urllib.request.OpenerDirector | None = None,
) -> FetchedPart:
    """Download ``partNN.xml`` of ``edition`` into ``<dest>/<edition>/`` and record it.

    ``timeout`` bounds every socket operation (connect, each read). Up to ``retries``
    further attempts follow a transient failure (connection error, timeout, HTTP 408/
    425/429/5xx, a body shorter than its Content-Length), waiting ``backoff * 2**n``
    seconds (capped at 60 s); each resumes the ``.part`` file with ``Range``. A part
    already in the cache whose size and sha256 match the manifest is not downloaded
    again unless ``force``. Raises :class:`StandardSourceError` naming the URL and part.
    """
    check_edition_name(edition)
    if not 1 <= part <= 99:
        raise StandardSourceError(f"no such part number: {part}")
    url = part_url(edition, part, base_url)
    folder = Path(dest) / edition
    final = folder / f"part{part:02d}.xml"
    manifest = read_manifest(folder)
    key = f"part{part:02d}"
    if not force and final.is_file() and key in manifest["parts"]:
        cached = _cached(final, manifest["parts"][key], part)
        if cached is not None:
            return cached
    download = _Download(
        url=url,
        part=part,
        final=final,
        timeout=timeout,
        progress=progress,
        opener=opener or urllib.request.build_opener(),
    )
    created = not folder.exists()
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise download.error(f"cannot create {folder}: {exc.strerror or exc}") from None
        download.run(retries=retries, backoff=backoff)
        fetched = _verify(download.temp, part, edition, url)
        try:
            os.replace(download.temp, final)
        except OSError as exc:
            raise download.error(f"cannot move into {final}: {exc.strerror or exc}") from None
        _fsync_dir_entry(final)
        download.discard_meta()
    except StandardSourceError:
        download.discard()
        if created:
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                pass
        raise
    # (Any other exception, e.g. Ctrl-C, keeps the .part file and its validator so that
    # the next run resumes it; the final partNN.xml is never half-written.)
    fetched = attrs.evolve(fetched, path=final)
    try:
        _update_manifest(folder, edition, base_url, fetched)
    except OSError as exc:
        raise StandardSourceError(
            f"cannot write the manifest: {exc.strerror or exc}", path=str(folder / MANIFEST_NAME)
        ) from None
    return fetched


def fetch_edition(
    edition: str,
    parts: Iterable[int],
    dest: Path | str,
    *,
    on_part: Callable[[FetchedPart | None, int, StandardSourceError | None], None] | None = None,
    progress_for: Callable[[int], ProgressFn | None] | None = None,
    **kwargs: object,
) -> FetchReport:
    """Fetch several parts; a failing part does not stop the others.

    ``on_part(fetched, part, error)`` is called after each part; ``progress_for(part)``
    gives the progress callback of a part. Other keyword arguments go to :func:`fetch_part`.
    """
    done: list[FetchedPart] = []
    errors: list[tuple[int, StandardSourceError]] = []
    for part in parts:
        progress = progress_for(part) if progress_for else None
        try:
            got = fetch_part(edition, part, dest, progress=progress, **kwargs)  # type: ignore[arg-type]
        except StandardSourceError as exc:
            errors.append((part, exc))
            if on_part:
                on_part(None, part, exc)
            continue
        finally:
            if isinstance(progress, TextProgress):
                progress.finish()
        done.append(got)
        if on_part:
            on_part(got, part, None)
    return FetchReport(tuple(done), tuple(errors))


def _verify(path: Path, part: int, edition: str, url: str) -> FetchedPart:
    """Check a downloaded file is well-formed DocBook of PS3.``part`` and ``edition``."""
    from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

    from .docbook.xml import identify, q

    def fail(what: str) -> StandardSourceError:
        return StandardSourceError(f"cannot fetch PS3.{part}: {what}", url=url)

    size = path.stat().st_size
    if size == 0:
        raise fail("the server sent an empty file")
    parser = etree.XMLParser(
        collect_ids=False, resolve_entities=False, no_network=True, huge_tree=True
    )
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise fail(f"not well-formed XML: {exc}") from None
    if root.tag != q("book"):
        raise fail(f"not a DocBook book (root element is {root.tag!r})")
    got_part, got_edition = identify(root)
    subtitle = clean(root.findtext(q("subtitle")))
    if got_part is None:
        raise fail("not a DICOM part: no 'PS3.N' in its title or subtitle")
    if got_part != part:
        raise fail(f"wrong part: expected PS3.{part} but the file is PS3.{got_part}")
    if got_edition == "unknown":
        raise fail(f"no edition in the subtitle {subtitle!r}")
    got_edition = got_edition.lower()
    if edition != "current" and got_edition != edition:
        raise fail(f"wrong edition: asked for {edition} but the file is {got_edition}")
    return FetchedPart(
        part=part,
        edition=got_edition,
        path=path,
        size=size,
        sha256=sha256_of(path),
        url=url,
        subtitle=subtitle,
        downloaded=True,
    )


def _cached(final: Path, entry: object, part: int) -> FetchedPart | None:
    """The cached part if its size and sha256 match the manifest entry, else None."""
    if not isinstance(entry, dict):
        return None
    try:
        size = final.stat().st_size
    except OSError:
        return None
    if size != entry.get("size"):
        return None
    digest = sha256_of(final)
    if digest != entry.get("sha256"):
        return None
    return FetchedPart(
        part=part,
        edition=str(entry.get("edition")),
        path=final,
        size=size,
        sha256=digest,
        url=str(entry.get("url")),
        subtitle=str(entry.get("subtitle", "")),
        downloaded=False,
    )


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- manifest -------------------------------------------------------------------


def read_manifest(folder: Path | str) -> dict:
    """The manifest of a cache folder (``{"parts": {}}`` when there is none yet).

    Shape (keys sorted when written)::

        {"base_url": "https://dicom.nema.org", "edition": "current",
         "parts": {"part06": {"edition": "2025b", "file": "part06.xml",
                              "sha256": "...", "size": 4054017,
                              "subtitle": "DICOM PS3.6 2025b - Data Dictionary",
                              "url": "https://.../part06.xml"}}}
    """
    path = Path(folder) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"parts": {}}
    except (OSError, ValueError) as exc:
        raise StandardSourceError(f"unreadable manifest: {exc}", path=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("parts"), dict):
        raise StandardSourceError("manifest has no 'parts' object", path=str(path))
    return data


def _update_manifest(folder: Path, edition: str, base_url: str, fetched: FetchedPart) -> None:
    manifest = read_manifest(folder)
    manifest["edition"] = edition
    manifest["base_url"] = base_url.rstrip("/")
    manifest["parts"][f"part{fetched.part:02d}"] = {
        "edition": fetched.edition,
        "file": fetched.path.name,
        "sha256": fetched.sha256,
        "size": fetched.size,
        "subtitle": fetched.subtitle,
        "url": fetched.url,
    }
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(folder / MANIFEST_NAME, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old or the new content, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    _fsync_dir_entry(path)


def _fsync_dir_entry(path: Path) -> None:
    """Make a rename in ``path``'s folder durable (no-op where folders cannot be opened)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
