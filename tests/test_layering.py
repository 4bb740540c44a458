"""Dependency direction, checked on the source with ``ast``:

- ``dicomgen_std`` (generated) imports only ``dicomgen`` (and the standard library);
- ``dicomgen`` (runtime) never imports ``dicomgen_codegen`` at import time (only the CLI
  glue in ``dicomgen/cli/`` may, inside the function that runs a subcommand, since
  ``dicomgen generate``/``demo`` drive the generator), and imports ``dicomgen_std`` only
  inside functions;
- test oracles (pydicom, pynetdicom) are never imported outside tests/ and bench/;
- ``dicomgen.core`` imports no other part of ``dicomgen`` (not even inside a function): the
  higher layers register what core calls in them (``dicomgen.core.services``);
- the private attributes of ``Dataset`` are used only in its own module;
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


def _absolute_imports(path: Path, package: str) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in the file at any depth (functions and
    ``TYPE_CHECKING`` blocks included); ``package`` is the file's package, for relative ones."""
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                if node.module:
                    base = f"{base}.{node.module}"
            out.extend(
                (f"{base}.{a.name}" if node.module is None else base, node.lineno)
                for a in node.names
            )
    return out


def _package_of(path: Path) -> str:
    rel = path.relative_to(REPO / "runtime").with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1]) if parts[-1] != "__init__" else ".".join(parts[:-1])


def test_core_imports_no_other_part_of_dicomgen() -> None:
    bad = []
    for p in _files("runtime/dicomgen/core"):
        for name, line in _absolute_imports(p, _package_of(p)):
            top = name.split(".")
            if top[0] == "dicomgen" and (len(top) < 2 or top[1] != "core"):
                bad.append(f"{p.relative_to(REPO)}:{line} imports {name}")
    assert not bad, bad


def test_the_import_resolver_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    f = tmp_path / "x.py"
    f.write_text(
        "from . import services\nfrom .dataset import Dataset\n"
        "def f():\n    from ..media import part10\n    import dicomgen.encoding.values\n"
    )
    assert _absolute_imports(f, "dicomgen.core") == [
        ("dicomgen.core.services", 1),
        ("dicomgen.core.dataset", 2),
        ("dicomgen.media", 4),
        ("dicomgen.encoding.values", 5),
    ]


def _private_members(cls: ast.ClassDef) -> set[str]:
    """The ``_name`` attributes and methods a class defines (slots included)."""
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
                    if target.id == "__slots__" and isinstance(node.value, ast.Tuple):
                        names.update(
                            e.value for e in node.value.elts if isinstance(e, ast.Constant)
                        )
    return {n for n in names if n.startswith("_") and not n.endswith("__")}


def _dataset_private_names() -> set[str]:
    """The private members of ``Dataset`` that no other runtime class defines for itself
    (a subclass or another class may have a ``_put`` of its own)."""
    home = REPO / "runtime/dicomgen/core/dataset.py"
    tree = ast.parse(home.read_text("utf-8"))
    names = _private_members(
        next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Dataset")
    )
    for p in _files("runtime"):
        for node in ast.walk(ast.parse(p.read_text("utf-8"), str(p))):
            if isinstance(node, ast.ClassDef) and not (p == home and node.name == "Dataset"):
                names -= _private_members(node)
    return names


def test_dataset_internals_are_used_only_in_its_module() -> None:
    private = _dataset_private_names()
    assert {"_elems", "_sorted", "_last"} <= private
    home = REPO / "runtime/dicomgen/core/dataset.py"
    bad = []
    for folder in ("runtime", "generated", "tests", "bench"):
        for p in _files(folder):
            text = p.read_text("utf-8")
            if p == home or not any(n in text for n in private):
                continue  # parsed only when a name occurs in the text
            for node in ast.walk(ast.parse(text, str(p))):
                name = None
                if isinstance(node, ast.Attribute) and node.attr in private:
                    name = node.attr
                elif (  # object.__setattr__(ds, "_elems", ...) and getattr(ds, "_elems")
                    isinstance(node, ast.Call)
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in private
                ):
                    name = node.args[1].value
                if name is not None:
                    bad.append(f"{p.relative_to(REPO)}:{node.lineno} uses Dataset.{name}")
    assert not bad, bad


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
