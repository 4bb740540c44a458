"""Generation and import speed of the typed PS3.3 classes.

    python bench/bench_generate.py [--source DIR]

1. ``dicomgen generate`` from the shared DocBook XML into a fresh IR copy and a fresh output
   folder (nothing to reuse: every file goes through black), with the pipeline's per-stage
   times (read XML, parse, parse PS3.3, classes, render, format, import check).
2. The typed classes alone: parse PS3.3, build and render the classes, black them in a fresh
   folder (the writer's own ``format_files``, parallel over 2 cores for large batches).
   Target: < 10 s.
3. ``python -X importtime -c "import dicomgen"`` (target < 100 ms) and importing one IOD class
   module (target < 50 ms), each with warm bytecode (``PYTHONDONTWRITEBYTECODE`` unset, one
   warm-up run, best of 5), beside ``import pydicom`` (the peer) as a ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "standard_xml"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # warm bytecode: let .pyc files be written
    return env


def import_ms(statement: str, module: str, runs: int = 5) -> float:
    """Best cumulative ``-X importtime`` of ``module`` (ms) over ``runs`` after a warm-up."""
    best = float("inf")
    for i in range(runs + 1):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0:
            raise SystemExit(f"{statement!r} failed:\n{proc.stderr[-2000:]}")
        us = None
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", line)
            if m and m.group(3) == module:
                us = int(m.group(1))
        if us is None:
            raise SystemExit(f"no importtime line for {module}")
        if i:  # the first run writes bytecode
            best = min(best, us / 1000)
    return best


def bench_generate(source: Path) -> dict[str, float]:
    from dicomgen_codegen import pipeline
    from dicomgen_codegen.sources import discover_sources

    paths = {p: Path(s.path) for p, s in discover_sources([source]).items()}
    with tempfile.TemporaryDirectory(prefix="bench-gen-") as tmp:
        ir, out = Path(tmp) / "ir", Path(tmp) / "out"
        shutil.copytree(pipeline.DEFAULT_IR, ir)
        t = time.perf_counter()
        report, _changed = pipeline.generate(source_paths=paths, ir_dir=ir, out_root=out)
        total = time.perf_counter() - t
        files = len(report.written)
    print(f"generate --source, fresh output: {total:.2f} s ({files} files written)")
    print("  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items()))
    return {"generate": total, **report.timings}


def bench_classes(source: Path) -> float:
    from dicomgen_codegen import pipeline
    from dicomgen_codegen.docbook.xml import load_part
    from dicomgen_codegen.ir.io import load_collection
    from dicomgen_codegen.ir.model import Registry
    from dicomgen_codegen.render import writer
    from dicomgen_codegen.sources import discover_sources

    found = discover_sources([source])
    if 3 not in found:
        raise SystemExit(f"no part03.xml under {source}")
    reg, _errata = pipeline.finish_registry(
        load_collection(Registry, pipeline.DEFAULT_IR / "registry")
    )
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    doc = load_part(found[3].path, 3)
    stages["read PS3.3"] = time.perf_counter() - t0
    t = time.perf_counter()
    p3 = pipeline.extract_part03(doc)
    stages["parse PS3.3"] = time.perf_counter() - t
    t = time.perf_counter()
    typed = pipeline.render_classes(p3, reg)
    stages["classes + render"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="bench-classes-") as tmp:
        t = time.perf_counter()
        files = writer.format_files({f"dicomgen_std/{k}": v for k, v in typed.items()}, Path(tmp))
        stages["black"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    lines = sum(f.text.count("\n") for f in files)
    print(
        f"typed classes from PS3.3 ({len(files)} files, {lines} lines): {total:.2f} s "
        f"(target < 10 s: {'ok' if total < 10 else 'MISSED'})"
    )
    print("  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
    return total


def bench_imports() -> None:
    dicomgen = import_ms("import dicomgen", "dicomgen")
    try:
        pydicom = import_ms("import pydicom", "pydicom")
    except SystemExit:
        pydicom = float("nan")
    iod_cold = import_ms("import dicomgen_std.iods.ct_image", "dicomgen_std.iods.ct_image")
    iod_alone = import_ms(
        "import dicomgen.core.typed, dicomgen.core.conditions; import dicomgen_std.iods.ct_image",
        "dicomgen_std.iods.ct_image",
    )
    print(
        f"import dicomgen: {dicomgen:.1f} ms (target < 100 ms: "
        f"{'ok' if dicomgen < 100 else 'MISSED'}); import pydicom: {pydicom:.1f} ms; "
        f"ratio pydicom/dicomgen {pydicom / dicomgen:.2f}"
    )
    print(
        f"import dicomgen_std.iods.ct_image: {iod_cold:.1f} ms with the runtime it needs "
        f"(target < 50 ms: {'ok' if iod_cold < 50 else 'MISSED'}), {iod_alone:.1f} ms for the "
        "class module alone (runtime already imported)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--skip-generate", action="store_true", help="skip the full generate run")
    args = ap.parse_args(argv)
    bench_classes(args.source)
    if not args.skip_generate:
        bench_generate(args.source)
    bench_imports()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
