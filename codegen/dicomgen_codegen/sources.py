"""Where the generator's DocBook comes from: discovering local parts and fetching them.

NEMA publishes each edition of the DICOM Standard (PS3.1 "Introduction and Overview",
Section 1 and the edition notice) as DocBook 5 XML, one book per part, at::

    <base>/medical/dicom/<edition>/source/docbook/partNN/partNN.xml

where ``<edition>`` is ``YYYYx`` (e.g. ``2025b``) or ``current``. Each book's
``<subtitle>`` names its part and edition, e.g. ``DICOM PS3.6 2015b - Data Dictionary``;
that subtitle, never the folder name, is what identifies a file.

Two services live here:

* :func:`discover_sources` scans folders for ``partNN.xml`` and returns, per part, the
  file of the newest edition (reading only the head of each file).
* :func:`fetch_part` / :func:`fetch_edition` download parts into a cache
  ``<dest>/<edition>/partNN.xml`` with a ``manifest.json`` (edition, size, sha256).
  Downloads go to ``partNN.xml.part`` in the same folder, resume with HTTP ``Range``
  (guarded by ``If-Range``), retry a bounded number of times with exponential backoff,
  use socket timeouts, and are verified (well-formed DocBook of the expected part and
  edition) before an atomic ``os.replace``. On a definitive error nothing is cached for
  that part: the temporary files are removed and the manifest is left as it was.

Only the standard library is used for HTTP (``urllib``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from email.message import Message
from http.client import HTTPException
from pathlib import Path
from typing import TextIO

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

_CHUNK = 64 * 1024
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


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


ProgressFn = Callable[[int, "int | None"], None]


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


class _Retryable(Exception):
    """A transient failure of one attempt (the download may be retried/resumed)."""


def _user_agent() -> str:
    try:
        from dicomgen import __version__
    except ImportError:  # pragma: no cover - dicomgen always installed with the codegen
        __version__ = "0"
    return f"dicomgen/{__version__} (dicomgen fetch; Python urllib)"


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


def check_edition_name(edition: str) -> None:
    """Reject anything but ``YYYY[x]`` or ``current`` (it becomes a folder name)."""
    if not _FOLDER_RE.match(edition):
        raise StandardSourceError(
            f"not a DICOM edition: {edition!r} (expected e.g. 2025b, or current)"
        )


@attrs.define
class _Download:
    """One part's download into ``<final>.part``, resumable across attempts and runs.

    The validator (strong ETag or Last-Modified) of the first response is kept in
    ``<final>.part.json`` so that a resume sends ``If-Range`` and never splices two
    different versions of the file together.
    """

    url: str
    part: int
    final: Path
    timeout: float
    progress: ProgressFn | None
    opener: urllib.request.OpenerDirector
    validator: str | None = None
    total: int | None = None
    attempts: int = 0
    fresh: bool = False  # the .part was started by this run (resumable without a validator)

    @property
    def temp(self) -> Path:
        return self.final.with_name(self.final.name + ".part")

    @property
    def meta(self) -> Path:
        return self.final.with_name(self.final.name + ".part.json")

    def have(self) -> int:
        try:
            return self.temp.stat().st_size
        except FileNotFoundError:
            return 0

    def run(self, *, retries: int, backoff: float) -> None:
        self._load_meta()
        last: str = ""
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(min(60.0, backoff * 2 ** (attempt - 1)))
            self.attempts = attempt + 1
            try:
                self._attempt()
                return
            except _Retryable as exc:
                last = str(exc)
        raise self.error(f"{last} (gave up after {self.attempts} attempts)")

    def error(self, what: str) -> StandardSourceError:
        return StandardSourceError(f"cannot fetch PS3.{self.part}: {what}", url=self.url)

    def discard(self) -> None:
        for p in (self.temp, self.meta):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    def discard_meta(self) -> None:
        try:
            self.meta.unlink()
        except FileNotFoundError:
            pass

    def _load_meta(self) -> None:
        """Resume a .part left by an interrupted run only if its validator is known."""
        if not self.temp.exists():
            self.discard_meta()
            return
        try:
            meta = json.loads(self.meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        if (
            isinstance(meta, dict)
            and meta.get("url") == self.url
            and isinstance(meta.get("validator"), str)
        ):
            self.validator = meta["validator"]
            total = meta.get("total")
            self.total = total if isinstance(total, int) and total >= 0 else None
        else:
            self.discard()

    def _save_meta(self) -> None:
        if self.validator is None:
            self.discard_meta()
            return
        data = {"url": self.url, "validator": self.validator, "total": self.total}
        self.meta.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")

    def _restart(self) -> None:
        with open(self.temp, "wb"):
            pass
        self.validator = None
        self.total = None

    def _attempt(self) -> None:
        have = self.have()
        if self.total is not None and have > self.total:
            self._restart()
            have = 0
        headers = {"User-Agent": _user_agent(), "Accept-Encoding": "identity"}
        if have and (self.validator or self.fresh):
            headers["Range"] = f"bytes={have}-"
            if self.validator:
                headers["If-Range"] = self.validator
        elif have:
            self._restart()
            have = 0
        request = urllib.request.Request(self.url, headers=headers)
        try:
            response = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            try:
                self._http_error(exc, have)
            finally:
                exc.close()
            return
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            raise _Retryable(_describe(exc)) from None
        with response:
            self._receive(response, have)

    def _http_error(self, exc: urllib.error.HTTPError, have: int) -> None:
        if exc.code == 416 and have:
            total = _content_range(exc.headers)[2]
            if total is not None and total == have and total == self.total:
                return  # the .part is already complete
            self._restart()
            raise _Retryable(f"HTTP 416 for bytes={have}- (restarting from the beginning)")
        what = f"HTTP {exc.code} {exc.reason}".rstrip()
        if exc.code == 404:
            what += " (no such part in this edition, or a wrong edition name or base URL)"
        if exc.code in _RETRY_STATUS:
            raise _Retryable(what)
        raise self.error(what)

    def _receive(self, response: object, have: int) -> None:
        status = getattr(response, "status", 200)
        headers: Message = response.headers  # type: ignore[attr-defined]
        encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", ""):
            raise self.error(f"unsupported Content-Encoding {encoding!r}")
        length = _int_header(headers, "Content-Length")
        if status == 206:
            start, _end, total = _content_range(headers)
            if start != have or (total is not None and self.total not in (None, total)):
                self._restart()
                raise _Retryable(
                    f"server resumed at byte {start} of {total}, expected {have} of {self.total}"
                )
            mode = "ab"
            expected_total = (
                total if total is not None else (have + length if length is not None else None)
            )
        elif status == 200:
            have = 0
            mode = "wb"
            expected_total = length
            self.validator = _validator(headers)
            self.fresh = True
        else:
            raise self.error(f"unexpected HTTP status {status}")
        self.total = expected_total
        self._save_meta()
        got = have
        try:
            with open(self.temp, mode) as out:
                if self.progress:
                    self.progress(got, expected_total)
                while True:
                    try:
                        chunk = response.read(_CHUNK)  # type: ignore[attr-defined]
                    except (HTTPException, OSError) as exc:
                        raise _Retryable(
                            f"connection lost after {got} bytes: {_describe(exc)}"
                        ) from None
                    if not chunk:
                        break
                    out.write(chunk)
                    got += len(chunk)
                    if self.progress:
                        self.progress(got, expected_total)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise self.error(f"cannot write {self.temp}: {exc.strerror or exc}") from None
        if expected_total is not None and got != expected_total:
            raise _Retryable(
                f"truncated download: received {got} of {expected_total} bytes "
                "(Content-Length mismatch)"
            )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return "timed out"
        return f"connection failed: {reason}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _int_header(headers: Message, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        n = int(value.strip())
    except ValueError:
        return None
    return n if n >= 0 else None


_CONTENT_RANGE_RE = re.compile(r"^\s*bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*$", re.I)


def _content_range(headers: Message) -> tuple[int | None, int | None, int | None]:
    """``(start, end, total)`` of a ``Content-Range`` header (None where unknown)."""
    m = _CONTENT_RANGE_RE.match(headers.get("Content-Range") or "")
    if not m:
        return None, None, None
    start = int(m.group(1)) if m.group(1) else None
    end = int(m.group(2)) if m.group(2) else None
    total = int(m.group(3)) if m.group(3) != "*" else None
    return start, end, total


def _validator(headers: Message) -> str | None:
    """A validator usable in ``If-Range``: a strong ETag, else Last-Modified."""
    etag = headers.get("ETag")
    if etag and not etag.strip().startswith("W/"):
        return etag.strip()
    modified = headers.get("Last-Modified")
    return modified.strip() if modified else None


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
