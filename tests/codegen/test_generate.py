"""The whole generator: committed IR -> generated/, XML -> IR, determinism, safety of writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dicomgen.cli.main import main
from dicomgen.core.errors import GenerationError
from dicomgen_codegen import pipeline
from dicomgen_codegen.render import writer

REPO = Path(__file__).resolve().parents[2]
GENERATED = REPO / "generated"
IR = REPO / "standard_xml" / "ir"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_generated_is_what_the_committed_ir_makes(capsys) -> None:
    assert main(["generate", "--check", "-q"]) == 0, capsys.readouterr().err


def test_regenerating_from_the_shared_xml_reproduces_the_committed_ir_and_code(
    standard_xml: Path, tmp_path: Path
) -> None:
    ir, out = tmp_path / "ir", tmp_path / "out"
    shutil.copytree(IR, ir)
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    found = __import__("dicomgen_codegen.sources", fromlist=["x"]).discover_sources([standard_xml])
    paths = {p: Path(s.path) for p, s in found.items()}
    report, changed = pipeline.generate(source_paths=paths, ir_dir=ir, out_root=out, check=True)
    assert not changed, (report.ir_changed, report.written, report.removed)
    assert report.counts["data elements (data)"] >= 3879
    assert report.counts["uids"] >= 358
    assert report.counts["context group uids"] >= 927


def test_check_detects_a_hand_edit_and_a_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    target = out / "dicomgen_std" / "uids.py"
    target.write_text(target.read_text("utf-8").replace("CT Image Storage", "CT Imag Storage"))
    stale = out / "dicomgen_std" / "old_module.py"
    stale.write_text(writer.HEADER + "X = 1\n")
    mine = out / "dicomgen_std" / "hand_written_notes.txt"
    mine.write_text("not generated: kept")
    report, changed = pipeline.generate(out_root=out, check=True)
    assert changed
    assert "dicomgen_std/uids.py" in report.written
    assert report.removed == ("dicomgen_std/old_module.py",)
    assert target.read_text("utf-8").count("CT Imag Storage")  # --check wrote nothing
    report, changed = pipeline.generate(out_root=out)
    assert not stale.exists() and mine.exists()
    assert _tree(out / "dicomgen_std") == {
        **_tree(GENERATED / "dicomgen_std"),
        "hand_written_notes.txt": b"not generated: kept",
    }


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.py")}
    report, changed = pipeline.generate(out_root=out)
    assert not changed and not report.written
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.py")} == before


def test_a_failure_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    before = _tree(out)
    real = pipeline.render_all

    def broken(reg):
        files = real(reg)
        files["dicomgen_std/uids.py"] = files["dicomgen_std/uids.py"].replace(
            "from dicomgen.core.uid import UID", "from dicomgen.core.uid import NoSuchName"
        )
        return files

    monkeypatch.setattr(pipeline, "render_all", broken)
    with pytest.raises(GenerationError, match="does not import"):
        pipeline.generate(out_root=out)
    assert _tree(out) == before


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    """Rendering does not depend on the hash seed: a run under a fixed seed, over a copy of
    the committed tree (black's output reused where a file's rendering is unchanged, so a
    rendering that differs is formatted again and shows), makes the committed tree, which
    ``--check`` above also makes under the suite's own random seed."""
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    proc = subprocess.run(
        [sys.executable, "-m", "dicomgen", "generate", "-q", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert _tree(out) == _tree(GENERATED)
