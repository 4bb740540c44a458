"""``dicomgen fetch``: downloads from a local HTTP server laid out like dicom.nema.org.

The server (127.0.0.1, port 0, a thread) serves the published parts of the shared
folder at ``/medical/dicom/<edition>/source/docbook/partNN/partNN.xml`` with ETag and
Range support, and broken variants installed per test: 404, truncated bodies, the
wrong part, not XML, a connection dropped mid-body, 5xx, a server that never answers.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dicomgen.cli.main import main
from dicomgen.core.errors import StandardSourceError
from dicomgen_codegen.fetch import (
    TextProgress,
    default_dest,
    fetch_edition,
    fetch_part,
    part_url,
    read_manifest,
)
from dicomgen_codegen.sources import DEFAULT_PARTS, MANIFEST_NAME

pytestmark = pytest.mark.timeout(60)

FAST = dict(timeout=2.0, retries=2, backoff=0.0)  # bounded: never waits long

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        server = self.server
        assert isinstance(server, NemaServer)
        server.requests.append((self.path, dict(self.headers.items())))
        route = server.routes.get(self.path)
        if route is not None:
            route(self)
            return
        m = re.fullmatch(r"/medical/dicom/([^/]+)/source/docbook/part(\d\d)/part\2\.xml", self.path)
        path = None
        if m:
            folder = {"current": "2020c"}.get(m.group(1), m.group(1))
            path = server.root / folder / f"part{m.group(2)}.xml"
        if path is None or not path.is_file():
            self.send_error(404)
            return
        serve_bytes(self, path.read_bytes())

    # helpers used by routes
    def head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def drop(self) -> None:
        """Close the connection abruptly (the client sees a short body)."""
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def etag_of(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


def serve_bytes(h: Handler, data: bytes, *, etag: bool = True) -> None:
    """200, or 206 for ``Range: bytes=N-`` (honouring ``If-Range``), like a real server."""
    tag = etag_of(data)
    rng = h.headers.get("Range")
    if_range = h.headers.get("If-Range")
    base = {"Content-Type": "application/xml"}
    if etag:
        base["ETag"] = tag
    if rng and (if_range is None or if_range == tag):
        start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))  # type: ignore[union-attr]
        if start >= len(data):
            h.head(416, {**base, "Content-Range": f"bytes */{len(data)}", "Content-Length": "0"})
            return
        body = data[start:]
        h.head(
            206,
            {
                **base,
                "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                "Content-Length": str(len(body)),
            },
        )
        h.wfile.write(body)
        return
    h.head(200, {**base, "Content-Length": str(len(data))})
    h.wfile.write(data)


class NemaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.root = root
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()  # ends handlers that hang

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url_path(self, edition: str, part: int) -> str:
        return part_url(edition, part, "")

    def hits(self, edition: str, part: int) -> list[dict[str, str]]:
        p = self.url_path(edition, part)
        return [h for path, h in self.requests if path == p]


@pytest.fixture()
def server(standard_xml: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NemaServer]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    srv = NemaServer(standard_xml)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def shared(standard_xml: Path, edition: str, part: int) -> bytes:
    return (standard_xml / edition / f"part{part:02d}.xml").read_bytes()


def leftovers(dest: Path) -> list[str]:
    """Files in the cache other than finished parts and the manifest (temp, .part...)."""
    return sorted(
        str(p.relative_to(dest))
        for p in dest.rglob("*")
        if p.is_file() and not re.fullmatch(r"part\d\d\.xml|manifest\.json", p.name)
    )


def cached_files(dest: Path) -> list[str]:
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())


def interrupted_part22(
    dest: Path, server: NemaServer, body: bytes, validator: str, total: int
) -> Path:
    """The 2020c folder under ``dest`` as an interrupted run leaves it: ``part22.xml.part`` holding
    ``body`` and ``part22.xml.part.json`` naming the URL, the validator and the expected size."""
    folder = dest / "2020c"
    folder.mkdir()
    url = server.base_url + server.url_path("2020c", 22)
    (folder / "part22.xml.part").write_bytes(body)
    meta = {"url": url, "validator": validator, "total": total}
    (folder / "part22.xml.part.json").write_text(json.dumps(meta))
    return folder


# --- good downloads ----------------------------------------------------------------


def test_fetch_good_parts_and_manifest(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    report = fetch_edition("2020c", [1, 22, 8], tmp_path, base_url=server.base_url, **FAST)
    assert report.errors == ()
    assert [f.part for f in report.fetched] == [1, 22, 8]
    manifest_path = tmp_path / "2020c" / MANIFEST_NAME
    text = manifest_path.read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert manifest["edition"] == "2020c" and manifest["base_url"] == server.base_url
    assert sorted(manifest["parts"]) == ["part01", "part08", "part22"]
    for part in (1, 8, 22):
        data = shared(standard_xml, "2020c", part)
        on_disk = (tmp_path / "2020c" / f"part{part:02d}.xml").read_bytes()
        assert on_disk == data
        entry = manifest["parts"][f"part{part:02d}"]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
        assert entry["edition"] == "2020c"
        assert entry["file"] == f"part{part:02d}.xml"
        assert entry["subtitle"].startswith(f"DICOM PS3.{part} 2020c - ")
        assert entry["url"] == server.base_url + server.url_path("2020c", part)
    assert leftovers(tmp_path) == []
    got = {f.part: f for f in report.fetched}
    assert got[22].sha256 == hashlib.sha256(shared(standard_xml, "2020c", 22)).hexdigest()
    assert got[22].downloaded and got[22].path == tmp_path / "2020c" / "part22.xml"


def test_current_records_real_edition(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    got = fetch_part("current", 22, tmp_path, base_url=server.base_url, **FAST)
    assert got.edition == "2020c"
    assert got.path == tmp_path / "current" / "part22.xml"
    manifest = read_manifest(tmp_path / "current")
    assert manifest["edition"] == "current"
    assert manifest["parts"]["part22"]["edition"] == "2020c"


def test_cached_part_is_not_downloaded_again(server: NemaServer, tmp_path: Path) -> None:
    fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    before = (tmp_path / "2020c" / MANIFEST_NAME).read_bytes()
    n = len(server.requests)
    again = fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    assert not again.downloaded and len(server.requests) == n
    assert (tmp_path / "2020c" / MANIFEST_NAME).read_bytes() == before  # stable
    # a damaged cache file is detected (sha256) and downloaded again
    path = tmp_path / "2020c" / "part22.xml"
    path.write_bytes(path.read_bytes().replace(b"Real-Time", b"Real-Tim3"))
    fixed = fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    assert fixed.downloaded and len(server.requests) == n + 1
    assert (tmp_path / "2020c" / MANIFEST_NAME).read_bytes() == before
    forced = fetch_part("2020c", 22, tmp_path, base_url=server.base_url, force=True, **FAST)
    assert forced.downloaded and len(server.requests) == n + 2


# --- broken servers: a clear error, and nothing cached ----------------------------------


def test_404(server: NemaServer, tmp_path: Path) -> None:
    with pytest.raises(StandardSourceError) as err:
        fetch_part("2020c", 3, tmp_path, base_url=server.base_url, **FAST)
    msg = str(err.value)
    assert "PS3.3" in msg and "HTTP 404" in msg
    assert server.base_url + server.url_path("2020c", 3) in msg
    assert len(server.hits("2020c", 3)) == 1  # not retried
    assert cached_files(tmp_path) == []
    assert not (tmp_path / "2020c").exists()  # the folder this call created is removed


def test_truncated(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    data = shared(standard_xml, "2020c", 1)

    def truncated(h: Handler) -> None:
        h.head(200, {"Content-Length": str(len(data) + 1000), "ETag": etag_of(data)})
        h.wfile.write(data[:20_000])
        h.drop()

    server.routes[server.url_path("2020c", 1)] = truncated
    with pytest.raises(StandardSourceError) as err:
        fetch_part("2020c", 1, tmp_path, base_url=server.base_url, **FAST)
    msg = str(err.value)
    assert "truncated" in msg and "Content-Length" in msg and "PS3.1" in msg
    assert f"of {len(data) + 1000} bytes" in msg
    assert "3 attempts" in msg and len(server.hits("2020c", 1)) == 3
    assert cached_files(tmp_path) == []


def test_wrong_part(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    data = shared(standard_xml, "2020c", 22)
    server.routes[server.url_path("2020c", 7)] = lambda h: serve_bytes(h, data)
    with pytest.raises(StandardSourceError, match=r"wrong part: expected PS3.7 .* PS3.22") as err:
        fetch_part("2020c", 7, tmp_path, base_url=server.base_url, **FAST)
    assert err.value.context["url"].endswith("/part07/part07.xml")
    assert len(server.hits("2020c", 7)) == 1
    assert cached_files(tmp_path) == []


def test_wrong_part_in_brief(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    """part05 served for part07 (the case named in the issue)."""
    data = shared(standard_xml, "2020c", 5)
    server.routes[server.url_path("2020c", 7)] = lambda h: serve_bytes(h, data)
    with pytest.raises(StandardSourceError, match=r"expected PS3.7 but the file is PS3.5"):
        fetch_part("2020c", 7, tmp_path, base_url=server.base_url, **FAST)
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize(
    "body, what",
    [
        (b"Service temporarily unavailable, try later\n", "not well-formed XML"),
        (b"<html><body><p>Moved</p></body></html>", "not a DocBook book"),
        (b"", "empty file"),
        (
            b'<book xmlns="http://docbook.org/ns/docbook"><title>Other</title></book>',
            "not a DICOM part",
        ),
    ],
)
def test_not_xml(server: NemaServer, tmp_path: Path, body: bytes, what: str) -> None:
    server.routes[server.url_path("2020c", 22)] = lambda h: serve_bytes(h, body)
    with pytest.raises(StandardSourceError, match=what):
        fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    assert cached_files(tmp_path) == []


def test_cut_xml_is_rejected(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    """A short body without Content-Length (cannot be seen by size) fails the XML check."""
    data = shared(standard_xml, "2020c", 22)

    def eof_terminated(h: Handler) -> None:
        h.head(200, {"Connection": "close"})
        h.wfile.write(data[: len(data) // 2])
        h.drop()

    server.routes[server.url_path("2020c", 22)] = eof_terminated
    with pytest.raises(StandardSourceError, match="not well-formed XML"):
        fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    assert cached_files(tmp_path) == []


def test_wrong_edition(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    data = shared(standard_xml, "2020c", 22)
    server.routes[server.url_path("2019a", 22)] = lambda h: serve_bytes(h, data)
    with pytest.raises(StandardSourceError, match="asked for 2019a but the file is 2020c"):
        fetch_part("2019a", 22, tmp_path, base_url=server.base_url, **FAST)
    assert cached_files(tmp_path) == []


def test_failure_leaves_manifest_alone(server: NemaServer, tmp_path: Path) -> None:
    fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    before = (tmp_path / "2020c" / MANIFEST_NAME).read_bytes()
    server.routes[server.url_path("2020c", 1)] = lambda h: serve_bytes(h, b"nope")
    with pytest.raises(StandardSourceError):
        fetch_part("2020c", 1, tmp_path, base_url=server.base_url, **FAST)
    assert (tmp_path / "2020c" / MANIFEST_NAME).read_bytes() == before
    assert cached_files(tmp_path) == ["2020c/manifest.json", "2020c/part22.xml"]


# --- resume and retry ---------------------------------------------------------------------


@pytest.mark.parametrize("with_etag", [True, False])
def test_dropped_connection_is_resumed_with_range(
    server: NemaServer, standard_xml: Path, tmp_path: Path, with_etag: bool
) -> None:
    data = shared(standard_xml, "2020c", 8)
    cut = 123_457
    calls = []

    def drop_once(h: Handler) -> None:
        calls.append(h.headers.get("Range"))
        if len(calls) == 1:
            headers = {"Content-Length": str(len(data))}
            if with_etag:
                headers["ETag"] = etag_of(data)
            h.head(200, headers)
            h.wfile.write(data[:cut])
            h.drop()
        else:
            serve_bytes(h, data, etag=with_etag)

    server.routes[server.url_path("2020c", 8)] = drop_once
    got = fetch_part("2020c", 8, tmp_path, base_url=server.base_url, **FAST)
    assert calls == [None, f"bytes={cut}-"]
    second = server.hits("2020c", 8)[1]
    assert second.get("If-Range") == (etag_of(data) if with_etag else None)
    assert got.sha256 == hashlib.sha256(data).hexdigest() and got.size == len(data)
    assert (tmp_path / "2020c" / "part08.xml").read_bytes() == data
    assert leftovers(tmp_path) == []


def test_resume_across_runs(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    """A .part left by an interrupted run is resumed when its validator still matches."""
    data = shared(standard_xml, "2020c", 22)
    folder = interrupted_part22(tmp_path, server, data[:30_000], etag_of(data), len(data))
    got = fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    (hit,) = server.hits("2020c", 22)
    assert hit["Range"] == "bytes=30000-" and hit["If-Range"] == etag_of(data)
    assert (folder / "part22.xml").read_bytes() == data and got.size == len(data)
    assert leftovers(tmp_path) == []


def test_changed_file_is_not_spliced(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    """If-Range with an old validator: the server sends the whole new file."""
    data = shared(standard_xml, "2020c", 22)
    folder = interrupted_part22(tmp_path, server, b"<old version>" * 1000, '"old-etag"', 99_999)
    fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    assert server.hits("2020c", 22)[0]["If-Range"] == '"old-etag"'
    assert (folder / "part22.xml").read_bytes() == data
    assert leftovers(tmp_path) == []


def test_stale_part_without_validator_is_discarded(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "2020c"
    folder.mkdir()
    (folder / "part22.xml.part").write_bytes(b"garbage")
    fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    (hit,) = server.hits("2020c", 22)
    assert "Range" not in hit
    assert (folder / "part22.xml").read_bytes() == shared(standard_xml, "2020c", 22)
    assert leftovers(tmp_path) == []


def test_server_errors_are_retried(server: NemaServer, standard_xml: Path, tmp_path: Path) -> None:
    data = shared(standard_xml, "2020c", 22)
    count = []

    def flaky(h: Handler) -> None:
        count.append(1)
        if len(count) <= 2:
            h.send_error(503)
        else:
            serve_bytes(h, data)

    server.routes[server.url_path("2020c", 22)] = flaky
    got = fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    assert len(count) == 3 and got.sha256 == hashlib.sha256(data).hexdigest()
    count.clear()
    with pytest.raises(StandardSourceError, match=r"HTTP 503.*gave up after 2 attempts"):
        fetch_part(
            "2020c", 22, tmp_path / "b", base_url=server.base_url, timeout=2, retries=1, backoff=0
        )
    assert cached_files(tmp_path / "b") == []


def test_backoff_grows(server: NemaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("dicomgen_codegen.download.time.sleep", waits.append)
    server.routes[server.url_path("2020c", 22)] = lambda h: h.send_error(500)
    with pytest.raises(StandardSourceError, match="gave up after 4 attempts"):
        fetch_part("2020c", 22, tmp_path, base_url=server.base_url, retries=3, backoff=0.5)
    assert waits == [0.5, 1.0, 2.0]


def test_no_hang_on_silent_server(server: NemaServer, tmp_path: Path) -> None:
    def silent(h: Handler) -> None:
        server.release.wait(10)

    server.routes[server.url_path("2020c", 22)] = silent
    start = time.monotonic()
    with pytest.raises(StandardSourceError, match="timed out"):
        fetch_part(
            "2020c", 22, tmp_path, base_url=server.base_url, timeout=0.3, retries=1, backoff=0
        )
    assert time.monotonic() - start < 5
    assert len(server.hits("2020c", 22)) == 2
    assert cached_files(tmp_path) == []


def test_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StandardSourceError, match="connection failed") as err:
        fetch_part("2020c", 22, tmp_path, base_url=f"http://127.0.0.1:{port}", **FAST)
    assert f"127.0.0.1:{port}" in str(err.value)
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize("edition", ["../x", "2020C", "latest", ""])
def test_bad_edition_name(tmp_path: Path, edition: str) -> None:
    with pytest.raises(StandardSourceError, match="not a DICOM edition"):
        fetch_part(edition, 22, tmp_path)
    assert cached_files(tmp_path) == []


# --- several parts, progress -----------------------------------------------------------------


def test_some_parts_fail_others_cached(server: NemaServer, tmp_path: Path) -> None:
    report = fetch_edition("2020c", [22, 3, 1], tmp_path, base_url=server.base_url, **FAST)
    assert [f.part for f in report.fetched] == [22, 1]
    assert [p for p, _ in report.errors] == [3]
    assert "HTTP 404" in str(report.errors[0][1])
    assert sorted(read_manifest(tmp_path / "2020c")["parts"]) == ["part01", "part22"]


def test_text_progress_lines() -> None:
    log = io.StringIO()
    bar = TextProgress("part06.xml", log, tty=False)
    for done in range(0, 4_000_001, 10_000):
        bar(done, 4_000_000)
    bar.finish()
    lines = log.getvalue().splitlines()
    assert len(lines) == 11  # one per 10 %, no spam in logs
    assert lines[-1] == "part06.xml: 4.0 of 4.0 MB (100%)"
    term = io.StringIO()
    bar = TextProgress("part06.xml", term, tty=True)
    bar(0, 100)
    bar(100, 100)
    bar.finish()
    assert term.getvalue().startswith("\rpart06.xml: 0.0 of 0.0 MB (0%)")
    assert "(100%)" in term.getvalue() and term.getvalue().endswith("\n")


def test_progress_callback_sees_all_bytes(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    seen: list[tuple[int, int | None]] = []
    fetch_part(
        "2020c",
        8,
        tmp_path,
        base_url=server.base_url,
        progress=lambda d, t: seen.append((d, t)),
        **FAST,
    )
    size = len(shared(standard_xml, "2020c", 8))
    assert seen[0] == (0, size) and seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# --- the command ----------------------------------------------------------------------------


def test_cli_fetch(
    server: NemaServer, standard_xml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        [
            "fetch",
            "2020c",
            "--parts",
            "1",
            "22",
            "--base-url",
            server.base_url,
            "--dest",
            str(tmp_path),
        ]
    )
    out, err = capsys.readouterr()
    assert rc == 0
    assert err == ""  # not a terminal: no progress
    for part in (1, 22):
        assert hashlib.sha256(shared(standard_xml, "2020c", part)).hexdigest() in out
    assert "downloaded" in out
    rc = main(
        ["fetch", "2020c", "--parts", "22", "--base-url", server.base_url, "--dest", str(tmp_path)]
    )
    assert rc == 0 and "up to date" in capsys.readouterr().out


def test_cli_progress_flag(
    server: NemaServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "fetch",
        "2020c",
        "--parts",
        "8",
        "--base-url",
        server.base_url,
        "--dest",
        str(tmp_path),
    ]
    assert main([*args, "--progress"]) == 0
    err = capsys.readouterr().err
    assert "part08.xml: 0.3 of 0.3 MB (100%)" in err and len(err.splitlines()) <= 11


def test_cli_error_exit_status(
    server: NemaServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        ["fetch", "2020c", "--parts", "3", "--base-url", server.base_url, "--dest", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("dicomgen fetch: error: cannot fetch PS3.3: HTTP 404")
    assert "/medical/dicom/2020c/source/docbook/part03/part03.xml" in err
    assert err.count("\n") == 1  # said once
    assert cached_files(tmp_path) == []


def test_cli_partial_failure(
    server: NemaServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes[server.url_path("2020c", 7)] = lambda h: serve_bytes(h, b"<html/>")
    rc = main(
        [
            "fetch",
            "2020c",
            "--parts",
            "7,22",
            "--retries",
            "0",
            "--base-url",
            server.base_url,
            "--dest",
            str(tmp_path),
        ]
    )
    out, err = capsys.readouterr()
    assert rc == 1
    assert "PS3.7" in err and "not a DocBook book" in err and "1 of 2 parts failed" in err
    assert "part22.xml" in out
    assert cached_files(tmp_path) == ["2020c/manifest.json", "2020c/part22.xml"]


@pytest.mark.parametrize(
    "extra, message",
    [(["--parts", "x"], "not a part number"), (["--retries", "-1"], "--retries"), ([], "edition")],
)
def test_cli_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    edition = "2020c" if extra else "../evil"
    rc = main(["fetch", edition, *extra, "--dest", str(tmp_path)])
    assert rc == 1 and message in capsys.readouterr().err
    assert cached_files(tmp_path) == []


def test_defaults() -> None:
    assert DEFAULT_PARTS == (3, 4, 5, 6, 7, 15, 16)
    repo = Path(__file__).resolve().parents[2]
    assert default_dest() == repo / "standard_xml"
    assert part_url("2025b", 6) == (
        "https://dicom.nema.org/medical/dicom/2025b/source/docbook/part06/part06.xml"
    )


def test_complete_part_file_gets_416(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    """A .part that is already complete: the server answers 416 and the file is kept."""
    data = shared(standard_xml, "2020c", 22)
    interrupted_part22(tmp_path, server, data, etag_of(data), len(data))
    got = fetch_part("2020c", 22, tmp_path, base_url=server.base_url, **FAST)
    (hit,) = server.hits("2020c", 22)
    assert hit["Range"] == f"bytes={len(data)}-"
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert leftovers(tmp_path) == []


def test_interrupted_download_resumes_next_run(
    server: NemaServer, standard_xml: Path, tmp_path: Path
) -> None:
    """Ctrl-C mid-body keeps the .part (never a partNN.xml); the next run resumes it."""
    data = shared(standard_xml, "2020c", 8)

    def interrupt(done: int, total: int | None) -> None:
        if done > 100_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_part("2020c", 8, tmp_path, base_url=server.base_url, progress=interrupt, **FAST)
    folder = tmp_path / "2020c"
    assert sorted(p.name for p in folder.iterdir()) == ["part08.xml.part", "part08.xml.part.json"]
    have = (folder / "part08.xml.part").stat().st_size
    assert 100_000 < have < len(data)
    fetch_part("2020c", 8, tmp_path, base_url=server.base_url, **FAST)
    assert server.hits("2020c", 8)[-1]["Range"] == f"bytes={have}-"
    assert (folder / "part08.xml").read_bytes() == data
    assert leftovers(tmp_path) == []
