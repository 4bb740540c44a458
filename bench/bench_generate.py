"""Generation and import speed of the typed PS3.3 classes.

    python bench/bench_generate.py [--source DIR]
    python bench/bench_generate.py --ir DIR [--iod mr_image]

With ``--ir`` (an IR folder holding ``part03/``; ``registry/``, ``part15/`` and ``part16/`` are
taken from it or else from the committed IR), the scale budgets are measured and checked (exit
status 1 when one is missed):

- lines of all of ``generated/`` (budget 200,000);
- ``dicomgen generate`` from that IR into a fresh output folder (budget 60 s);
- importing one IOD class with the runtime it needs (``from dicomgen_std.iods.mr_image import
  MRImageIOD`` in a fresh interpreter), warm bytecode, median of 9 runs (budget 60 ms; CPU
  time printed beside it, which a busy shared machine does not inflate as much);
- pyright on a script that builds that IOD with every required argument (budget 15 s).

Without ``--ir``:

1. ``dicomgen generate`` from the shared DocBook XML into a fresh IR copy and a fresh output
   folder (nothing to reuse: every file goes through black), with the pipeline's per-stage
   times (read XML, parse, parse PS3.3, classes, render, format, import check).
2. The typed classes alone: parse PS3.3, build and render the classes, black them in a fresh
   folder (the writer's own ``format_files``, parallel over 2 cores for large batches).
   Target: < 10 s.
3. ``python -X importtime -c "import dicomgen"`` (target < 100 ms) and importing one IOD class
   module (target < 50 ms), each with warm bytecode (``PYTHONDONTWRITEBYTECODE`` unset, one
   warm-up run, best of 5), beside ``import pydicom`` (the peer) as a ratio; then
   ``from dicomgen_std.iods.ct_image import CTImageIOD`` and the MR one, median of 9 (budget
   60 ms).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "standard_xml"


def _env(path: list[Path] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # warm bytecode: let .pyc files be written
    if path:
        env["PYTHONPATH"] = os.pathsep.join([*map(str, path), env.get("PYTHONPATH", "")])
    return env


def import_ms(statement: str, module: str, runs: int = 5, path: list[Path] | None = None) -> float:
    """Best cumulative ``-X importtime`` of ``module`` (ms) over ``runs`` after a warm-up."""
    best = float("inf")
    for i in range(runs + 1):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            env=_env(path),
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


_TIMED = """import time
w, c = time.perf_counter(), time.process_time()
{statement}
print((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000)
"""


def statement_ms(statement: str, runs: int = 9, path: list[Path] | None = None) -> dict[str, float]:
    """Wall and CPU milliseconds of ``statement`` (an import with everything it imports) in a
    fresh interpreter, warm bytecode (one warm-up run first): median and minimum of ``runs``.
    CPU time shows the cost apart from waiting on a shared machine's other processes."""
    wall: list[float] = []
    cpu: list[float] = []
    for i in range(runs + 1):
        proc = subprocess.run(
            [sys.executable, "-c", _TIMED.format(statement=statement)],
            env=_env(path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0:
            raise SystemExit(f"{statement!r} failed:\n{proc.stderr[-2000:]}")
        if i:  # the first run writes bytecode
            w, c = map(float, proc.stdout.split()[-2:])
            wall.append(w)
            cpu.append(c)
    return {
        "wall": statistics.median(wall),
        "wall min": min(wall),
        "cpu": statistics.median(cpu),
        "cpu min": min(cpu),
    }


def _shown(t: dict[str, float]) -> str:
    return (
        f"median {t['wall']:.1f} ms (min {t['wall min']:.1f}), CPU median {t['cpu']:.1f} ms "
        f"(min {t['cpu min']:.1f})"
    )


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
    for stem, name in (("ct_image", "CTImageIOD"), ("mr_image", "MRImageIOD")):
        t = statement_ms(f"from dicomgen_std.iods.{stem} import {name}")
        budget = BUDGETS["import ms"]
        print(
            f"from dicomgen_std.iods.{stem} import {name}: {_shown(t)} (budget {budget:.0f} ms: "
            f"{'ok' if t['wall'] <= budget else 'MISSED'}; load average "
            f"{os.getloadavg()[0]:.1f})"
        )


# --- scale budgets (--ir) ------------------------------------------------------------------

BUDGETS = {"lines": 200_000, "generate s": 60.0, "import ms": 60.0, "pyright s": 15.0}


def _value_code(f: object, imports: dict[str, set[str]], depth: int) -> str:
    """Python source of a valid value for field spec ``f`` (an item built recursively)."""
    vr = f.vrs[0]  # type: ignore[attr-defined]
    if vr == "SQ":
        item = f.item_class  # type: ignore[attr-defined]
        top = item.__qualname__.split(".", 1)[0]
        imports.setdefault(item.__module__, set()).add(top)
        return f"[{_call_code(item, imports, depth + 1)}]"
    enum = f.enum  # type: ignore[attr-defined]
    if vr in ("DA", "TM", "DT"):
        imports.setdefault("datetime", set())
        one = {
            "DA": "datetime.date(2020, 1, 2)",
            "TM": "datetime.time(12, 30)",
            "DT": "datetime.datetime(2020, 1, 2, 12, 30)",
        }[vr]
    elif vr in ("IS", "US", "UL", "SS", "SL", "UV", "SV", "AT"):
        one = enum[0] if enum else "1"
    elif vr in ("DS", "FL", "FD"):
        one = "1.0"
    elif vr in ("OB", "OD", "OF", "OL", "OV", "OW", "UN"):
        return 'b"\\0\\0"'
    elif vr == "UI":
        one = '"1.2.3.4"'
    elif vr == "PN":
        one = '"Doe^Jane"'
    else:
        one = f'"{enum[0]}"' if enum else '"X"'
    return f"[{one}]" if f.multi else one  # type: ignore[attr-defined]


def _call_code(cls: type, imports: dict[str, set[str]], depth: int = 0) -> str:
    spec = cls.__dicom__  # type: ignore[attr-defined]
    pad = "    " * (depth + 1)
    args = [f"{pad}{f.name}={_value_code(f, imports, depth)}," for f in spec.fields if f.required]
    body = "\n".join(args)
    return f"{cls.__qualname__}(\n{body}\n{'    ' * depth})" if args else f"{cls.__qualname__}()"


def iod_script(cls: type) -> str:
    """A script that builds ``cls`` with every required argument (valid values by VR)."""
    imports: dict[str, set[str]] = {cls.__module__: {cls.__qualname__}}
    call = _call_code(cls, imports, 1)
    head = [
        f"from {m} import {', '.join(sorted(n))}" if n else f"import {m}"
        for m, n in sorted(imports.items())
    ]
    return "\n".join(
        [
            '"""Builds one instance with the typed classes (checked by pyright)."""',
            "",
            *head,
            "",
            "",
            f"def build() -> {cls.__qualname__}:",
            f"    return {call}",
            "",
        ]
    )


def bench_scale(ir_source: Path, iod: str) -> bool:
    """Generate from ``ir_source`` into a fresh folder and check the scale budgets."""
    from dicomgen_codegen import pipeline

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        ir, out = Path(tmp) / "ir", Path(tmp) / "out"
        part03 = ir_source / "part03" if (ir_source / "part03").is_dir() else ir_source
        shutil.copytree(part03, ir / "part03")
        # the other parts (registry, PS3.15, PS3.16) from the IR given, else the committed
        # ones: the line budget is for all of generated/
        for part in ("registry", "part15", "part16"):
            given = ir_source / part
            shutil.copytree(given if given.is_dir() else pipeline.DEFAULT_IR / part, ir / part)
        t = time.perf_counter()
        report, _changed = pipeline.generate(ir_dir=ir, out_root=out)
        results["generate s"] = time.perf_counter() - t
        pkg = out / "dicomgen_std"
        results["lines"] = sum(p.read_text("utf-8").count("\n") for p in pkg.rglob("*.py"))
        counts = {d: len(list((pkg / d).glob("*.py"))) - 1 for d in ("iods", "modules", "macros")}
        print(
            f"IR {ir_source}: {counts['iods']} IODs, {counts['modules']} modules, "
            f"{counts['macros']} macros; stages: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
        )
        stem = iod if (pkg / "iods" / f"{iod}.py").is_file() else "ct_image"
        module = f"dicomgen_std.iods.{stem}"
        path = [out, REPO / "runtime"]
        cls_name = _iod_class_name(pkg / "iods" / f"{stem}.py")
        timed = statement_ms(f"from {module} import {cls_name}", path=path)
        results["import ms"] = timed["wall"]
        print(f"from {module} import {cls_name}: {_shown(timed)}")
        results["pyright s"], errors = _pyright_script(module, Path(tmp), path)
        print(f"pyright on the {stem} script: {errors} errors")
    ok = True
    for key, budget in BUDGETS.items():
        value = results[key]
        good = value <= budget
        ok &= good
        shown = f"{value:,.0f}" if key == "lines" else f"{value:.1f}"
        print(f"  {key}: {shown} (budget {budget:,.0f}: {'ok' if good else 'MISSED'})")
    return ok


def _iod_class_name(path: Path) -> str:
    m = re.search(r"^class (\w+IOD)\b", path.read_text("utf-8"), re.M)
    if m is None:
        raise SystemExit(f"no IOD class in {path}")
    return m.group(1)


def _pyright_script(module: str, tmp: Path, path: list[Path]) -> tuple[float, int]:
    """Seconds pyright takes on a script building the IOD of ``module``, and its errors."""
    import importlib
    import json

    sys.path[:0] = [str(p) for p in path]
    for name in [m for m in sys.modules if m == "dicomgen_std" or m.startswith("dicomgen_std.")]:
        del sys.modules[name]
    mod = importlib.import_module(module)
    cls = next(v for v in vars(mod).values() if isinstance(v, type) and v.__module__ == module)
    work = tmp / "pyright"
    work.mkdir()
    script = iod_script(cls)
    (work / "build_iod.py").write_text(script)
    print(f"  script: {script.count(chr(10))} lines")
    config = {"extraPaths": [str(p) for p in path], "typeCheckingMode": "strict"}
    (work / "pyrightconfig.json").write_text(json.dumps(config))
    exe = shutil.which("pyright")
    if exe is None:
        raise SystemExit("pyright is not installed")
    t = time.perf_counter()
    proc = subprocess.run(
        [exe, "--outputjson", "--pythonpath", sys.executable, "-p", str(work)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.perf_counter() - t
    report = json.loads(proc.stdout)
    return took, int(report["summary"]["errorCount"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--skip-generate", action="store_true", help="skip the full generate run")
    ap.add_argument("--ir", type=Path, help="check the scale budgets on this IR folder")
    ap.add_argument("--iod", default="mr_image", help="IOD module for import and pyright")
    ap.add_argument("--imports", action="store_true", help="only the import times")
    args = ap.parse_args(argv)
    if args.imports:
        bench_imports()
        return 0
    if args.ir is not None:
        return 0 if bench_scale(args.ir, args.iod) else 1
    bench_classes(args.source)
    if not args.skip_generate:
        bench_generate(args.source)
    bench_imports()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
