"""Runs one peer de-identifier (``deid`` default recipe or ``dicognito``) over files, inside
the peers' own virtual environment (they may need another pydicom than ours).

    /work/venv-peers/bin/python bench/deid_peer_worker.py TOOL OUTDIR REPEAT < files.json

Reads a JSON list of [input path, output name]; for each: read with pydicom, de-identify,
save under OUTDIR/<output name>. Prints JSON: tool, seconds (best of REPEAT passes over all
files, interpreter start-up and imports excluded), ok and failed (with the error).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _dicognito() -> Callable[[str], Any]:
    import pydicom
    from dicognito.anonymizer import Anonymizer

    anonymizer = Anonymizer()

    def one(path: str) -> Any:
        ds = pydicom.dcmread(path)
        anonymizer.anonymize(ds)
        return ds

    return one


def _deid() -> Callable[[str], Any]:
    from deid.config import DeidRecipe
    from deid.dicom import replace_identifiers

    recipe = DeidRecipe()  # the default recipe

    def one(path: str) -> Any:
        return replace_identifiers(dicom_files=[path], deid=recipe, save=False)[0]

    return one


def main() -> int:
    tool, out, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    pairs = json.load(sys.stdin)
    one = {"dicognito": _dicognito, "deid": _deid}[tool]()
    out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.CRITICAL)
    best = float("inf")
    ok: list[str] = []
    failed: dict[str, str] = {}
    for _ in range(repeat):
        ok, failed = [], {}
        t0 = time.perf_counter()
        for src, name in pairs:
            try:
                ds = one(src)
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                ds.save_as(str(target), enforce_file_format=False)
                ok.append(name)
            except Exception as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"[:200]
        best = min(best, time.perf_counter() - t0)
    json.dump({"tool": tool, "seconds": best, "ok": ok, "failed": failed}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
