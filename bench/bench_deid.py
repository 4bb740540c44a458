"""De-identification throughput: dicomgen vs ``deid`` (default recipe) and ``dicognito``,
in the same run, on pydicom's test files.

    python bench/bench_deid.py [--peers-python /work/venv-peers/bin/python] [--repeat 3]

Every tool does the same work per file: read it, de-identify it, write the result to a file
(no fsync, the peers do none). The corpus is the files every tool handles (a first pass
finds them). The peers run in their own virtual environment (they may pin another pydicom),
as subprocesses that time their own loop, so interpreter start-up and imports are excluded
for everyone. A peer that is not installed is skipped. Goal: dicomgen >= 5x the faster peer.
``dicomgen deid`` as a whole (fsync of every output, records) is timed too, for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).resolve().parent / "deid_peer_worker.py"
PEERS = ("deid", "dicognito")
DEFAULT_PEERS_PYTHON = Path("/work/venv-peers/bin/python")
KEY = b"bench-key-0123456789abcdef012345"


def corpus() -> list[tuple[str, str]]:
    """(path, output name) of pydicom's test files that are DICOM with a SOP Class UID."""
    import pydicom.data

    root = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            out.append((str(p), p.relative_to(root).as_posix()))
    return out


def ours(pairs: list[tuple[str, str]], out: Path, repeat: int) -> dict:
    from dicomgen.core.errors import DicomError
    from dicomgen.deid.profile import Profile
    from dicomgen.deid.values import Keys
    from dicomgen.deid.walker import Deidentifier
    from dicomgen.media import part10

    warnings.simplefilter("ignore")
    deid = Deidentifier(Profile(["clean-pixel-data"]), Keys(KEY))
    best, ok, failed = float("inf"), [], {}
    for _ in range(repeat):
        ok, failed = [], {}
        t0 = time.perf_counter()
        for src, name in pairs:
            try:
                ds = part10.read(src)
                res, _ = deid.dataset(ds)
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                part10.write(target, res, ds.read_transfer_syntax)
                ok.append(name)
            except (DicomError, OSError, ValueError) as exc:
                failed[name] = str(exc)[:200]
        best = min(best, time.perf_counter() - t0)
    return {"tool": "dicomgen", "seconds": best, "ok": ok, "failed": failed}


def peer(
    tool: str, python: Path, pairs: list[tuple[str, str]], out: Path, repeat: int
) -> dict | None:
    if not python.is_file():
        return None
    probe = subprocess.run([str(python), "-c", f"import {tool}"], capture_output=True, timeout=120)
    if probe.returncode != 0:
        return None
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(python), str(WORKER), tool, str(out), str(repeat)],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{tool} worker failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def cli_seconds(pairs: list[tuple[str, str]], tmp: Path) -> float:
    """``dicomgen deid`` on the same files (copied into one folder), fsync and records included."""
    import shutil

    src = tmp / "cli-in"
    for path, name in pairs:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, src / name)
    key = tmp / "key"
    key.write_bytes(KEY)
    from dicomgen.cli.main import main

    t0 = time.perf_counter()
    main(["deid", str(src), str(tmp / "cli-out"), "--pixels-clean", "--key", str(key), "-q"])
    return time.perf_counter() - t0


def run(peers_python: Path, repeat: int, out_root: Path | None = None) -> dict:
    """Runs everything; returns the results (outputs kept under ``out_root`` if given)."""
    tmp = Path(out_root or tempfile.mkdtemp(prefix="bench-deid-"))
    pairs = corpus()
    # first pass: the files every available tool handles
    first = {"dicomgen": ours(pairs, tmp / "probe-dicomgen", 1)}
    for tool in PEERS:
        r = peer(tool, peers_python, pairs, tmp / f"probe-{tool}", 1)
        if r is not None:
            first[tool] = r
    common = [p for p in pairs if all(p[1] in r["ok"] for r in first.values())]
    results = {"dicomgen": ours(common, tmp / "dicomgen", repeat)}
    for tool in PEERS:
        if tool in first:
            results[tool] = peer(tool, peers_python, common, tmp / tool, repeat)
    return {
        "files": len(common),
        "results": results,
        "skipped_peers": [t for t in PEERS if t not in first],
        "cli_seconds": cli_seconds(common, tmp),
        "out": str(tmp),
        "first_pass_failures": {t: len(r["failed"]) for t, r in first.items()},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers-python", type=Path, default=DEFAULT_PEERS_PYTHON)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, help="keep the outputs here")
    args = ap.parse_args()
    r = run(args.peers_python, args.repeat, args.out)
    n = r["files"]
    print(f"corpus: {n} files every tool handles (first-pass failures {r['first_pass_failures']})")
    for name in r["skipped_peers"]:
        print(f"{name}: not installed in {args.peers_python}, skipped")
    ours_s = r["results"]["dicomgen"]["seconds"]
    for tool, res in r["results"].items():
        s = res["seconds"]
        print(
            f"{tool:10} {s:8.3f} s  {n / s:8.1f} files/s  ratio dicomgen/{tool}: {s / ours_s:6.2f}x"
        )
    peers = [res["seconds"] for t, res in r["results"].items() if t != "dicomgen"]
    if peers:
        ratio = min(peers) / ours_s
        print(f"dicomgen vs the faster peer: {ratio:.2f}x (goal >= 5x)")
    print(
        f"dicomgen deid CLI (fsync + records): {r['cli_seconds']:.3f} s, {n / r['cli_seconds']:.1f} files/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
