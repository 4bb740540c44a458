"""Dependency direction, checked on the source with ``ast``:

- ``dicomgen_std`` (generated) imports only ``dicomgen`` (and the standard library);
- ``dicomgen`` (runtime) never imports ``dicomgen_codegen`` at import time (only the CLI
  glue in ``dicomgen/cli/`` may, inside the function that runs a subcommand, since
  ``dicomgen generate``/``demo`` drive the generator), and imports ``dicomgen_std`` only
  inside functions;
- test oracles (pydicom, pynetdicom) are never imported outside tests/ and bench/;
- ``dicomgen.net`` (the protocol) never imports ``dicomgen.archive`` (built on it).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORACLES = {"pydicom", "pynetdicom"}
STDLIB = set(sys.stdlib_module_names)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    out: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.Import):
            out.extend((a.name.split(".")[0], top) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                out.append((node.module.split(".")[0], top))
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:  # type-checking-only imports cost nothing at run time
                visit(sub, False)
            for sub in node.orelse:
                visit(sub, top)
        else:
            inner = top and not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            for child in ast.iter_child_nodes(node):
                visit(child, inner)

    visit(tree, True)
    return out


def _files(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


def test_generated_imports_only_runtime() -> None:
    bad = [
        (p.relative_to(REPO), m)
        for p in _files("generated")
        for m, _ in _imports(p)
        if m not in STDLIB and m not in {"dicomgen", "dicomgen_std"}
    ]
    assert not bad


def test_runtime_never_imports_codegen_nor_std_at_import_time() -> None:
    bad = []
    for p in _files("runtime"):
        for m, top in _imports(p):
            cli_glue = p.parent.name == "cli" and not top
            if (m == "dicomgen_codegen" and not cli_glue) or (m == "dicomgen_std" and top):
                bad.append((str(p.relative_to(REPO)), m, "module level" if top else "function"))
    assert not bad


def test_oracles_only_in_tests_and_bench() -> None:
    bad = [
        (str(p.relative_to(REPO)), m)
        for folder in ("runtime", "generated", "codegen")
        for p in _files(folder)
        for m, _ in _imports(p)
        if m in ORACLES
    ]
    assert not bad


def test_the_checker_sees_what_it_should(tmp_path: Path) -> None:
    f = tmp_path / "x.py"
    f.write_text(
        "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import dicomgen_std\n"
        "def f():\n    import dicomgen_std.dictionary\nimport dicomgen_codegen.x\n"
    )
    assert _imports(f) == [
        ("os", True),
        ("typing", True),
        ("dicomgen_std", False),
        ("dicomgen_std", False),
        ("dicomgen_codegen", True),
    ]


# --- runtime packages: the archive is built on the protocol, never the other way ---------

RUNTIME = REPO / "runtime"


def _runtime_imports(path: Path) -> set[str]:
    """Every module ``path`` imports (relative imports resolved; inside functions and under
    ``TYPE_CHECKING`` too), as dotted names."""
    package = ".".join(path.relative_to(RUNTIME).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names)
    return out


def _importers(folder: str, target: str) -> list[tuple[str, str]]:
    return sorted(
        (str(p.relative_to(REPO)), m)
        for p in (RUNTIME / folder).rglob("*.py")
        for m in _runtime_imports(p)
        if m == target or m.startswith(target + ".")
    )


def test_net_never_imports_the_archive() -> None:
    assert not _importers("dicomgen/net", "dicomgen.archive")


def test_the_archive_uses_the_protocol_only_through_dicomgen_net() -> None:
    """The archive imports the networking layer by its public package, never a CLI."""
    assert _importers("dicomgen/archive", "dicomgen.net")  # it is built on it
    assert not _importers("dicomgen/archive", "dicomgen.cli")


def test_the_runtime_checker_resolves_relative_imports() -> None:
    net = RUNTIME / "dicomgen" / "net" / "dimse" / "store.py"
    found = _runtime_imports(net)
    assert "dicomgen.net.dimse.message" in found  # ``from .message import ...``
    assert "dicomgen.core.errors" in found
