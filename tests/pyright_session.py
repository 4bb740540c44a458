"""One pyright run for the whole suite.

Loading ``generated/`` costs pyright most of its time, and every static-typing test needs it
loaded; so the hand-written packages (standard mode, the repository's ``pyrightconfig.json``),
all of ``generated/`` and every test script (each contributed by a ``Scripts`` writer, strict
or standard) are checked in one process, and each test reads the diagnostics of its own files.

``generated/`` is checked in standard mode without ``reportIncompatibleVariableOverride``: an
IOD class narrows the fields of its module classes (``str | None`` in a module, ``str`` where
the IOD makes the module's attribute Type 1), which is the design, not an error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

Diagnostic = dict[str, Any]


@dataclass
class Scripts:
    """Test scripts written into one folder of the run: ``strict`` ones and ``standard`` ones."""

    folder: Path
    strict: list[str] = field(default_factory=list)
    standard: list[str] = field(default_factory=list)

    def add(self, name: str, text: str, *, strict: bool) -> None:
        (self.folder / name).write_text(text, "utf-8")
        (self.strict if strict else self.standard).append(name)


@dataclass(frozen=True)
class PyrightRun:
    """What pyright reported: a summary and the diagnostics of every file by absolute path."""

    summary: dict[str, Any]
    by_file: dict[Path, list[Diagnostic]]
    scripts: dict[str, Path]

    def errors_under(self, root: Path) -> list[Diagnostic]:
        return [
            d
            for path, diags in self.by_file.items()
            if path.is_relative_to(root)
            for d in diags
            if d["severity"] == "error"
        ]

    def script_errors(self, name: str) -> list[Diagnostic]:
        path = self.scripts[name]
        return [d for d in self.by_file.get(path, []) if d["severity"] == "error"]


def shown(errors: list[Diagnostic], limit: int = 20) -> str:
    return "\n".join(
        f"{e['file']}:{e['range']['start']['line'] + 1}: {e['message']} ({e.get('rule', '')})"
        for e in errors[:limit]
    )


def run(work: Path, writers: list[Callable[[Scripts], None]]) -> PyrightRun:
    """Write each writer's scripts into its own folder under ``work`` and run pyright once."""
    exe = shutil.which("pyright")
    if exe is None:
        raise RuntimeError("pyright is not installed (it comes with the test extra)")
    base = json.loads((REPO / "pyrightconfig.json").read_text("utf-8"))
    paths = [str(REPO / p) for p in base["extraPaths"]]
    environments: list[dict[str, Any]] = [
        {
            "root": str(REPO / "generated"),
            "extraPaths": paths,
            "reportIncompatibleVariableOverride": "none",
        },
    ]
    strict: list[str] = []
    scripts: dict[str, Path] = {}
    for n, writer in enumerate(writers):
        folder = work / f"scripts{n}"
        folder.mkdir()
        found = Scripts(folder)
        writer(found)
        strict += [str(folder / name) for name in found.strict]
        for name in (*found.strict, *found.standard):
            assert name not in scripts, f"two scripts named {name}"
            scripts[name] = folder / name
        environments.append({"root": str(folder), "extraPaths": paths})
    environments.append({"root": str(REPO), "extraPaths": paths})
    config = {
        "typeCheckingMode": base["typeCheckingMode"],
        "pythonVersion": base["pythonVersion"],
        "reportMissingModuleSource": "none",
        "strict": strict,
        "executionEnvironments": environments,
    }
    (work / "pyrightconfig.json").write_text(json.dumps(config, indent=1), "utf-8")
    targets = [*(str(REPO / p) for p in base["include"]), str(REPO / "generated")]
    targets += [str(p) for p in scripts.values()]
    proc = subprocess.run(
        [exe, "--outputjson", "--pythonpath", sys.executable, "-p", str(work), *targets],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=work,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"pyright did not report JSON: {proc.stdout[-2000:]}") from exc
    by_file: dict[Path, list[Diagnostic]] = {}
    for d in report["generalDiagnostics"]:
        by_file.setdefault(Path(d["file"]), []).append(d)
    return PyrightRun(report["summary"], by_file, scripts)
