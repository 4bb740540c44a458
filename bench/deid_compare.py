"""What each de-identifier leaves identifying, element by element, on the same corpus.

    python bench/deid_compare.py [--out DIR] [--peers-python PY]

Runs :mod:`bench_deid` (dicomgen with the Basic Profile, ``deid`` with its default recipe,
``dicognito`` with its defaults) over the files every tool handles, then checks each output
against its input with the independent pydicom walk of ``tests/runtime/deid/deid_check.py``:
an element whose Basic Profile action (PS3.15 Table E.1-1) is X, Z, D, U or compound and that
still holds its original value is "left identifying". Prints one row per such element (tag,
keyword, action) with the number of files each tool left it in, then the totals.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "runtime" / "deid"))

import bench_deid  # noqa: E402
from deid_check import leftovers  # noqa: E402


def compare(result: dict) -> tuple[list[str], dict[tuple[int, str, str], Counter], Counter]:
    """(tools, {(tag, keyword, action): Counter(tool -> files)}, files checked per tool)."""
    out = Path(result["out"])
    src = {name: path for path, name in bench_deid.corpus()}
    tools = list(result["results"])
    table: dict[tuple[int, str, str], Counter] = {}
    checked: Counter = Counter()
    warnings.simplefilter("ignore")
    for tool in tools:
        for name in result["results"][tool]["ok"]:
            try:
                found = leftovers(src[name], out / tool / name)
            except Exception:
                continue
            checked[tool] += 1
            # private elements are one row: (gggg,eeee) with gggg odd
            keys = {
                (
                    (0xFFFFFFFF, "private (odd group)", x.action)
                    if (x.tag >> 16) & 1
                    else (x.tag, x.keyword, x.action)
                )
                for x in found
            }
            for key in keys:
                table.setdefault(key, Counter())[tool] += 1
    return tools, table, checked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers-python", type=Path, default=bench_deid.DEFAULT_PEERS_PYTHON)
    ap.add_argument("--out", type=Path, help="keep the outputs here")
    args = ap.parse_args()
    result = bench_deid.run(args.peers_python, 1, args.out)
    tools, table, checked = compare(result)
    print(f"files compared: {dict(checked)} (of {result['files']} every tool handles)")
    print("| tag | keyword | E.1-1 action | " + " | ".join(tools) + " |")
    print("|---|---|---|" + "---|" * len(tools))
    for (tag, kw, action), c in sorted(table.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        cells = " | ".join(str(c.get(t, 0)) for t in tools)
        shown = "(gggg,eeee)" if tag == 0xFFFFFFFF else f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
        print(f"| {shown} | {kw} | {action} | {cells} |")
    totals = {t: sum(c.get(t, 0) for c in table.values()) for t in tools}
    kinds = {t: sum(1 for c in table.values() if c.get(t)) for t in tools}
    print(f"element-files left identifying: {totals}; distinct elements: {kinds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
