"""The resumable HTTP download of one part (standard library ``urllib`` only): into
``partNN.xml.part`` in the cache folder, resumed with HTTP ``Range`` guarded by ``If-Range``,
retried a bounded number of times with exponential backoff, with socket timeouts."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from http.client import HTTPException
from pathlib import Path

import attrs

from dicomgen.core.errors import StandardSourceError

_CHUNK = 64 * 1024
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


ProgressFn = Callable[[int, "int | None"], None]


def _user_agent() -> str:
    try:
        from dicomgen import __version__
    except ImportError:  # pragma: no cover - dicomgen always installed with the codegen
        __version__ = "0"
    return f"dicomgen/{__version__} (dicomgen fetch; Python urllib)"


class _Retryable(Exception):
    """A transient failure of one attempt (the download may be retried/resumed)."""


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
