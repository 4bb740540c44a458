"""Benchmark: C-STORE over loopback, dicomgen vs dcmtk vs pynetdicom, in one run.

Workloads (written to a temporary folder): one 128 MB multi-frame instance (Explicit VR
Little Endian) and 1,000 small instances (~8 kB each, one series). Measured:

SCU side, all into dcmtk ``storescp`` (``--max-pdu 131072``):
  1. dicomgen SCU (in process, ``c_store_many(assoc, paths)``: one C-STORE at a time on the
     wire, the next file prepared while the peer stores the current one)
  2. dcmtk ``storescu`` (a process; its start-up is included, ~10 ms)
  3. pynetdicom SCU (in process, ``send_c_store(path)``)
SCP side, dcmtk ``storescu`` sending to:
  4. ``dicomgen scp`` (``--max-pdu 131072 --no-fsync``: storescp does not fsync either;
     unlike storescp it publishes each file atomically (on Linux a nameless temporary file
     linked into place), checks that the data set decodes and matches the request, and
     indexes each instance in SQLite, the rows written in batches after the responses)
  5. dcmtk ``storescp``
  6. a pynetdicom storage SCP writing each data set to a file (``event.encoded_dataset()``,
     as pynetdicom's documentation shows; no fsync, no index)
  7. reference, not a product: ``python_floor_scp.py``, the least work per instance a
     Python SCP can do (one blocking loop, no state machine, one ``open``/``write``/``close``
     per instance, no File Meta Information, no rename, no index). For many small instances,
     where the cost per instance decides, it shows what Python itself reaches on the machine
     and so how much of a gap to storescp is Python's and how much the SCP's own work.
     (For one large data set it is no bound: it keeps every PDU in memory.)
  8. reference, not a product: ``dicomgen scp`` with a C-STORE handler that stores nothing
     (it answers Success from the read callback, as the real store does for small data
     sets): the Upper Layer, DIMSE and C-STORE service alone, so that the gap between 4
     and 5 splits into the network stack's part and the store's (checks, file, index).
  9. reference, not a product: the same, but the handler writes each data set to a file
     with one ``open``/``writev``/``close`` before answering (no File Meta Information, no
     check, no atomic publish, no index): the least a store that answers Success only once
     the file is written can add to 8, and so the most any such store on this stack reaches.
     (Small instances only: it keeps a data set in memory and writes it after the last PDU,
     so for the large one it measures that, not a bound.)
SCUs into ``dicomgen scp`` (which receives faster than storescp, so the SCU shows):
  10. dicomgen SCU, 11. pynetdicom SCU
  (Into storescp the large case can be bound by storescp itself: on the machine this was
  first run on it used 0.35-0.38 s of CPU per 134 MB received, of 0.41-0.46 s wall,
  whichever SCU sent; so there no SCU can come out more than ~1.1x ahead of storescu, and
  the dicomgen/pynetdicom ratio cannot exceed pynetdicom's time over storescp's.)

Prints MB/s or instances/s, and the ratios dicomgen/dcmtk (target >= 0.8) and
dicomgen/pynetdicom (target >= 2), for the SCU and for the SCP. Run:
``python bench/bench_net_store.py [--mb 128] [--small 1000] [--repeat 3] [--dir DIR]``
(best of ``repeat``). dcmtk is run as /usr/bin/<tool> with ``TCP_NODELAY=1`` in its
environment: this dcmtk build leaves Nagle's algorithm on otherwise, which costs it ~40 ms
(a delayed ACK) per small message and would make the comparison meaningless
(``--dcmtk-nagle`` measures it that way). dicomgen (asyncio) and pynetdicom set
TCP_NODELAY themselves.

The in-process SCUs (dicomgen, pynetdicom) each run in a fresh Python process per case
(so that no case inherits another's heap, caches or garbage) and are measured as a running
application uses them: their modules are imported, and one workload file read, before the
clock starts (that takes dicomgen ~0.1 s once per process; dcmtk's process start-up, ~10 ms,
is inside its times). Before each case the page cache is written back (``os.sync()``), so
that the previous case's 134 MB file does not slow the next one's writes, and the workload
files are read once, outside the clock: a machine may drop cached pages that were not used
for a few seconds (the machines this was written on run the kernel's DAMON with a
``pageout`` scheme), and then whichever SCU came first read the 134 MB from disk (~0.3 s)
while the others found it cached.

What the SCPs receive is kept until the end of the run (in the temporary folder), not
deleted after each case: on an ext4 file system without a journal (as on the machines this
was written on) a new inode is not taken from those freed in the last minute or more, and the
search past them runs on every file creation. Deleting one case's 1,000 files just before
the next case made each of the next case's file creations cost ~0.3 ms instead of ~0.03 ms
(measured: 0.27-0.33 s per 1,000 creations right after such a deletion, 0.03 s without),
which decided the small-instance results rather than the SCPs did. The same holds for
files deleted by whatever ran in the minutes before the bench (an earlier bench run, a test
suite): measured there, 1,000 creations cost 0.10-0.18 s for a few minutes after such a
deletion, 0.01 s later, and the rounds of a run drifted from slow to fast. ``--dir`` puts
the workloads and what the SCPs receive elsewhere (``--dir /dev/shm``: tmpfs, no such
effect, and a file creation costs less there than on ext4 at its best).

``dicomgen scp`` writes its index rows in batches at most 50 ms after the responses
(``StorageService.index_delay``): the rows of the last <= 50 ms of a case are written after
storescu has ended (a few ms of work for 1,000 instances); all the others inside the case.
The run needs ~0.9 GB of disk per repeat.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MF_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.7.3"  # Multi-frame Grayscale Word SC Image Storage
SC_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.7"
EXPLICIT = "1.2.840.10008.1.2.1"
IMPLICIT = "1.2.840.10008.1.2"
MAX_PDU = 131072


DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")


def dcmtk(name: str) -> str:
    path = f"/usr/bin/{name}"
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    if "dcmtk" not in (out.stdout + out.stderr).lower():
        raise SystemExit(f"{path} is not dcmtk")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {port}")


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def dataset(sop_class: str, uid: str, rows: int, cols: int, frames: int, pixels: bytes):
    from dicomgen.core.dataset import Dataset

    ds = Dataset()
    for tag, vr, value in (
        (0x00080016, "UI", sop_class),
        (0x00080018, "UI", f"{uid}.3"),
        (0x00080060, "CS", "OT"),
        (0x00100010, "PN", "Bench^Store"),
        (0x00100020, "LO", "BENCH"),
        (0x0020000D, "UI", f"{uid}.1"),
        (0x0020000E, "UI", f"{uid}.2"),
        (0x00280002, "US", 1),
        (0x00280004, "CS", "MONOCHROME2"),
        (0x00280008, "IS", str(frames)),
        (0x00280010, "US", rows),
        (0x00280011, "US", cols),
        (0x00280100, "US", 16),
        (0x00280101, "US", 16),
        (0x00280102, "US", 15),
        (0x00280103, "US", 0),
    ):
        ds.add_new(tag, vr, value)
    ds.add_new(0x7FE00010, "OW", pixels)
    return ds


def make_workloads(folder: Path, mb: int, small: int) -> tuple[Path, list[Path]]:
    from dicomgen.media.part10 import write

    frames = max(1, mb * 2)  # 512 x 512 x 2 bytes = 0.5 MB per frame
    big = folder / "big.dcm"
    write(
        big,
        dataset(MF_SOP_CLASS, "2.25.1001", 512, 512, frames, os.urandom(frames << 19)),
        EXPLICIT,
    )
    small_dir = folder / "small"
    small_dir.mkdir()
    paths = []
    pixels = os.urandom(64 * 64 * 2)
    for i in range(small):  # one series of ``small`` images, as a modality sends them
        p = small_dir / f"s{i:05d}.dcm"
        ds = dataset(SC_SOP_CLASS, f"2.25.2{i:06d}", 64, 64, 1, pixels)
        ds[0x0020000D].value = "2.25.3.1"
        ds[0x0020000E].value = "2.25.3.2"
        write(p, ds, EXPLICIT)
        paths.append(p)
    return big, paths


class StoreSCPProcess:
    """dcmtk storescp into a fresh folder."""

    def __init__(self, root: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(dir=root))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [dcmtk("storescp"), "--max-pdu", str(MAX_PDU), "-od", str(self.dir), str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=DCMTK_ENV,
        )
        wait_port(self.port)

    def close(self) -> None:
        kill(self.proc)  # its folder stays until the end of the run (module docstring)


class _PrintedPortProcess:
    """A server process that prints ``...:PORT...`` on its first line when it listens."""

    def __init__(self, root: Path, argv: list[str]) -> None:
        self.dir = Path(tempfile.mkdtemp(dir=root))
        self.proc = subprocess.Popen(
            argv + self.args(self.dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        m = re.search(r":(\d+)", line)
        if not m:
            kill(self.proc)
            raise RuntimeError(f"{argv[1:3]} did not start: {line!r}")
        self.port = int(m.group(1))

    def args(self, folder: Path) -> list[str]:
        return []

    def close(self) -> None:
        kill(self.proc)  # its folder stays until the end of the run (module docstring)


class OurSCPProcess(_PrintedPortProcess):
    """``dicomgen scp`` into a fresh folder."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, [sys.executable, "-m", "dicomgen.cli.main", "scp"])

    def args(self, folder: Path) -> list[str]:
        return ["--port", "0", "--aet", "ANY-SCP", "--store", str(folder / "store")] + [
            "--no-fsync",
            "--max-pdu",
            str(MAX_PDU),
            "--no-query-retrieve",
        ]


class PynetdicomSCPProcess(_PrintedPortProcess):
    """A pynetdicom storage SCP writing each data set to a file, as pynetdicom's
    documentation shows (``event.encoded_dataset()``, no fsync, no index)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, [sys.executable, __file__, "--pynetdicom-scp"])

    def args(self, folder: Path) -> list[str]:
        return [str(folder)]


class FloorSCPProcess(_PrintedPortProcess):
    """bench/python_floor_scp.py writing plain files (a reference, not a product SCP)."""

    def __init__(self, root: Path) -> None:
        super().__init__(
            root, [sys.executable, str(Path(__file__).with_name("python_floor_scp.py"))]
        )

    def args(self, folder: Path) -> list[str]:
        return ["--max-pdu", str(MAX_PDU), "--write", str(folder)]


class StackOnlySCPProcess(_PrintedPortProcess):
    """dicomgen's SCP stack with a C-STORE handler that stores nothing (a reference)."""

    MODE = "--stack-only-scp"

    def __init__(self, root: Path) -> None:
        super().__init__(root, [sys.executable, __file__, self.MODE])

    def args(self, folder: Path) -> list[str]:
        return [str(folder)]


class StackWriteSCPProcess(StackOnlySCPProcess):
    """dicomgen's SCP stack with a C-STORE handler that writes each data set with one
    ``open``/``writev``/``close`` and nothing else (a reference)."""

    MODE = "--stack-write-scp"


class _Parts:
    """A data set sink keeping the fragments (for the bare-write reference handler)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def close(self) -> None:
        pass

    def abort(self) -> None:
        self.parts.clear()

    def room(self) -> None:
        return None


def stack_only_scp_main(folder: str, write: bool) -> None:
    from dicomgen.archive.storage import add_storage_contexts
    from dicomgen.net import AE, Timeouts
    from dicomgen.net.dimse.store_scp import DiscardSink, StreamingStoreHandler

    prefix = os.path.join(folder, "")

    class StoreNothing(StreamingStoreHandler[Any]):
        """A streaming C-STORE handler dropping the data set and answering Success at once."""

        def open_stream(self, request: Any) -> Any:
            return DiscardSink()

        def complete_now(self, request: Any, sink: Any) -> int:
            return 0

        async def complete(self, request: Any, sink: Any) -> int:
            return self.complete_now(request, sink)

    class BareWrite(StoreNothing):
        """Writes the data set to ``<SOP Instance UID>.dcm`` (one open/writev/close), then
        answers Success."""

        def open_stream(self, request: Any) -> Any:
            return _Parts()

        def complete_now(self, request: Any, sink: Any) -> int:
            name = prefix + str(request.sop_instance_uid).strip("\x00 ") + ".dcm"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                for i in range(0, len(sink.parts), 512):  # IOV_MAX is 1024 on Linux
                    os.writev(fd, sink.parts[i : i + 512])
            finally:
                os.close(fd)
            return 0

    async def serve() -> None:
        ae = AE("ANY-SCP", max_pdu=MAX_PDU, timeouts=Timeouts(dimse=120, idle=120))
        add_storage_contexts(ae)
        handler = BareWrite() if write else StoreNothing()
        server = await ae.start_server(("127.0.0.1", 0), {"C-STORE": handler})
        print(f"listening :{server.port} ({folder})", flush=True)
        await asyncio.Event().wait()  # until the bench terminates this process

    asyncio.run(serve())


def pynetdicom_scp_main(folder: str) -> None:
    from pynetdicom import AE as PynAE
    from pynetdicom import evt

    def handle_store(event):
        name = os.path.join(folder, f"{event.request.AffectedSOPInstanceUID}.dcm")
        with open(name, "wb") as f:
            f.write(event.encoded_dataset())
        return 0x0000

    ae = PynAE(ae_title="ANY-SCP")
    ae.maximum_pdu_size = MAX_PDU
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 120
    for uid in (SC_SOP_CLASS, MF_SOP_CLASS):
        ae.add_supported_context(uid, [EXPLICIT, IMPLICIT])
    server = ae.start_server(
        ("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_STORE, handle_store)]
    )
    print(f"listening :{server.server_address[1]}", flush=True)
    threading.Event().wait()  # until the bench terminates this process


def ours_scu(port: int, paths: list[Path], sop_class: str) -> None:
    from dicomgen.net import AE, Timeouts
    from dicomgen.net.dimse.store import c_store_many

    async def go() -> None:
        ae = AE("BENCH", max_pdu=MAX_PDU, timeouts=Timeouts(dimse=120, idle=120))
        ae.add_requested_context(sop_class, [EXPLICIT, IMPLICIT])
        async with ae.associate("127.0.0.1", port, "ANY-SCP") as assoc:
            async for _path, rsp in c_store_many(assoc, paths):
                if isinstance(rsp, Exception) or not rsp.ok:
                    raise RuntimeError(f"C-STORE failed: {rsp}")

    asyncio.run(go())


def dcmtk_scu(port: int, paths: list[Path], sop_class: str) -> None:
    # storescu reads the file names from the command line; 1,000 fit easily
    out = subprocess.run(
        [dcmtk("storescu"), "-R", "--max-pdu", str(MAX_PDU), "-to", "120", "127.0.0.1", str(port)]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        timeout=600,
        env=DCMTK_ENV,
    )
    if out.returncode != 0 or "Failed" in out.stderr:
        raise RuntimeError(out.stderr[-2000:])


def pynetdicom_scu(port: int, paths: list[Path], sop_class: str) -> None:
    from pynetdicom import AE as PynAE

    ae = PynAE(ae_title="BENCH")
    ae.maximum_pdu_size = MAX_PDU
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 120
    ae.add_requested_context(sop_class, [EXPLICIT, IMPLICIT])
    assoc = ae.associate("127.0.0.1", port)
    if not assoc.is_established:
        raise RuntimeError("pynetdicom association failed")
    try:
        for p in paths:
            status = assoc.send_c_store(str(p))
            if status is None or status.Status != 0:
                raise RuntimeError(f"pynetdicom status {status}")
    finally:
        assoc.release()


def warm_imports(sample: Path) -> None:
    """Import what the in-process SCUs use (see the module docstring). ``dicomgen.net``
    loads its names when first used, and reading a file for a C-STORE imports the data
    layer then: reading ``sample`` once (a workload file) imports it here, as a running
    application has it; the same for pynetdicom (pydicom's reader)."""
    from dicomgen.net import AE, Timeouts  # noqa: F401
    from dicomgen.net.dimse.command_set import command_vrs
    from dicomgen.net.dimse.store import c_store_many  # noqa: F401
    from dicomgen.net.dimse.store_sources import open_source

    command_vrs()
    open_source(sample).close()
    try:
        import pydicom
        from pynetdicom import AE as PynAE  # noqa: F401
    except ImportError:
        return
    pydicom.dcmread(sample, stop_before_pixels=True)


IN_PROCESS = {"ours_scu": ours_scu, "pynetdicom_scu": pynetdicom_scu}


def run_child(
    client: Callable[[int, list[Path], str], None],
    port: int,
    paths: list[Path],
    sop_class: str,
    root: Path,
) -> float:
    """Run an in-process SCU in a fresh interpreter; returns the time it measured."""
    listing = root / "paths.txt"
    listing.write_text("\n".join(str(p) for p in paths))
    out = subprocess.run(
        [sys.executable, __file__, "--child", client.__name__, str(port), sop_class, str(listing)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{client.__name__} failed: {out.stderr[-2000:]}")
    return float(out.stdout.split()[-1])


def child_main(name: str, port: str, sop_class: str, listing: str) -> None:
    paths = [Path(p) for p in Path(listing).read_text().splitlines()]
    warm_imports(paths[0])
    t0 = time.perf_counter()
    IN_PROCESS[name](int(port), paths, sop_class)
    print(f"{time.perf_counter() - t0:.6f}")


def warm(paths: list[Path]) -> None:
    """Read the workload files once, outside the clock, so that every SCU reads them from the
    page cache (see the module docstring)."""
    buf = bytearray(1 << 20)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def timed(
    root: Path,
    server_cls: type,
    client: Callable[[int, list[Path], str], None],
    paths: list[Path],
    sop_class: str,
    repeat: int,
) -> float:
    best = float("inf")
    for _ in range(repeat):
        server = server_cls(root)
        try:
            os.sync()
            warm(paths)
            if client.__name__ in IN_PROCESS:
                elapsed = run_child(client, server.port, paths, sop_class, root)
            else:
                t0 = time.perf_counter()
                client(server.port, paths, sop_class)
                elapsed = time.perf_counter() - t0
            best = min(best, elapsed)
        finally:
            server.close()
    return best


def compile_bytecode() -> None:
    """Write the bytecode of dicomgen's packages before any case runs: where Python does not
    write it on import (``PYTHONDONTWRITEBYTECODE``, set on the machines this was written
    on) every process would otherwise compile each module it imports, some of them inside
    the clock (a module imported on first use), which measures the compiler, not the
    network code. ``compileall`` writes it whatever that setting says."""
    import compileall

    import dicomgen
    import dicomgen_std

    for package in (dicomgen, dicomgen_std):
        compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=128, help="size of the large instance [128]")
    parser.add_argument("--small", type=int, default=1000, help="number of small instances")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs [3]")
    parser.add_argument(
        "--dir", default=None, help="where the temporary folder goes [the system's default]"
    )
    parser.add_argument(
        "--dcmtk-nagle", action="store_true", help="run dcmtk without TCP_NODELAY=1"
    )
    args = parser.parse_args()
    compile_bytecode()
    if args.dcmtk_nagle:
        DCMTK_ENV.pop("TCP_NODELAY", None)
    try:
        import pynetdicom  # noqa: F401

        have_pyn = True
    except ImportError:
        have_pyn = False
    with tempfile.TemporaryDirectory(prefix="bench_net_store_", dir=args.dir) as tmp:
        root = Path(tmp)
        big, small = make_workloads(root, args.mb, args.small)
        size_mb = big.stat().st_size / 1e6
        print(
            f"workloads: {size_mb:.1f} MB instance; {len(small)} instances of "
            f"{small[0].stat().st_size / 1e3:.1f} kB; max PDU {MAX_PDU}; best of {args.repeat}"
        )
        results: dict[str, dict[str, float]] = {}
        cases = [
            ("dicomgen SCU -> storescp", StoreSCPProcess, ours_scu),
            ("storescu -> storescp", StoreSCPProcess, dcmtk_scu),
        ]
        if have_pyn:
            cases.append(("pynetdicom SCU -> storescp", StoreSCPProcess, pynetdicom_scu))
        cases.append(("storescu -> dicomgen scp", OurSCPProcess, dcmtk_scu))
        if have_pyn:
            cases.append(("storescu -> pynetdicom scp", PynetdicomSCPProcess, dcmtk_scu))
        cases.append(("storescu -> Python floor scp", FloorSCPProcess, dcmtk_scu))
        cases.append(("storescu -> dicomgen stack only", StackOnlySCPProcess, dcmtk_scu))
        cases.append(("storescu -> stack + bare write", StackWriteSCPProcess, dcmtk_scu))
        cases.append(("dicomgen SCU -> dicomgen scp", OurSCPProcess, ours_scu))
        if have_pyn:
            cases.append(("pynetdicom SCU -> dicomgen scp", OurSCPProcess, pynetdicom_scu))
        # Rounds are interleaved (A, B, C, A, B, C, ...) and the best of each case kept, so
        # that page-cache write-back after one case does not always land on the next one.
        best: dict[str, list[float]] = {name: [float("inf")] * 2 for name, _s, _c in cases}
        workloads = (([big], MF_SOP_CLASS), (small, SC_SOP_CLASS))
        for round_ in range(args.repeat):
            for name, server_cls, client in cases:
                for i, (paths, sop_class) in enumerate(workloads):
                    if (
                        i == 1
                        and round_ > 0
                        and (client is pynetdicom_scu or server_cls is PynetdicomSCPProcess)
                    ):
                        continue  # 4-45 s per run and far behind the others: once is enough
                    t = timed(root, server_cls, client, paths, sop_class, 1)
                    best[name][i] = min(best[name][i], t)
        for name, _s, _c in cases:
            t_big, t_small = best[name]
            results[name] = {"big": size_mb / t_big, "small": len(small) / t_small}
            print(
                f"  {name:30s} large: {size_mb / t_big:8.1f} MB/s ({t_big:6.3f} s)   "
                f"small: {len(small) / t_small:8.1f} inst/s ({t_small:6.3f} s)",
                flush=True,
            )

        def ratio(a: str, b: str, key: str) -> str:
            if a not in results or b not in results:
                return "n/a"
            return f"{results[a][key] / results[b][key]:.2f}x"

        print("ratios (higher is better for dicomgen):")
        for key, label in (("big", "large"), ("small", "small")):
            print(
                f"  {label}\n"
                f"    SCU  dicomgen/dcmtk "
                f"{ratio('dicomgen SCU -> storescp', 'storescu -> storescp', key)} (target 0.8x)"
                f"   dicomgen/pynetdicom "
                f"{ratio('dicomgen SCU -> storescp', 'pynetdicom SCU -> storescp', key)}"
                f" (target 2x); into dicomgen scp: dicomgen/pynetdicom "
                f"{ratio('dicomgen SCU -> dicomgen scp', 'pynetdicom SCU -> dicomgen scp', key)}\n"
                f"    SCP  dicomgen/dcmtk "
                f"{ratio('storescu -> dicomgen scp', 'storescu -> storescp', key)} (target 0.8x)"
                f"   dicomgen/pynetdicom "
                f"{ratio('storescu -> dicomgen scp', 'storescu -> pynetdicom scp', key)}"
                f" (target 2x)\n"
                f"    reference: minimal Python SCP/dcmtk "
                f"{ratio('storescu -> Python floor scp', 'storescu -> storescp', key)}"
                f" (python_floor_scp.py; per instance, no Python SCP does less);"
                f" dicomgen stack storing nothing/dcmtk "
                f"{ratio('storescu -> dicomgen stack only', 'storescu -> storescp', key)};"
                f" that stack writing each data set with one open/writev/close/dcmtk "
                f"{ratio('storescu -> stack + bare write', 'storescu -> storescp', key)}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child_main(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "--pynetdicom-scp":
        pynetdicom_scp_main(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] in ("--stack-only-scp", "--stack-write-scp"):
        stack_only_scp_main(sys.argv[2], write=sys.argv[1] == "--stack-write-scp")
    else:
        main()
