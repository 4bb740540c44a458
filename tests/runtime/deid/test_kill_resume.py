"""``dicomgen deid SRC OUT`` killed with SIGKILL while it writes, then rerun: no file under its
final name is ever partial, and the resumed output tree equals an uninterrupted run's byte for
byte (same key). The kill lands at several points of the run, one of them while a file is
being written (a temporary exists)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicomgen.deid.files import STATE_DIR, TMP_SUFFIX

REPO = Path(__file__).resolve().parents[3]
FILES = 50
TIMEOUT = 60.0
pytestmark = pytest.mark.filterwarnings("ignore")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [*(str(REPO / d) for d in ("runtime", "generated", "codegen")), env.get("PYTHONPATH", "")]
    )
    return env


def _command(src: Path, out: Path, key: Path) -> list[str]:
    return [sys.executable, "-m", "dicomgen", "deid", str(src), str(out), "--pixels-clean"] + [
        "--key",
        str(key),
        "-q",
    ]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _outputs(out: Path) -> int:
    """How many de-identified files exist under their final names."""
    n = 0
    for _, dirs, names in os.walk(out):
        dirs[:] = [d for d in dirs if d != STATE_DIR]
        n += sum(1 for name in names if not name.endswith(TMP_SUFFIX))
    return n


def _writing(out: Path) -> bool:
    """Whether a temporary (an output or record being written) exists under ``out``."""
    return any(n.endswith(TMP_SUFFIX) for _, _, names in os.walk(out) for n in names)


def _killed_at(command: list[str], out: Path, outputs: int, mid_write: bool) -> int:
    """Start ``command``, SIGKILL it once ``outputs`` outputs exist (and, with ``mid_write``,
    while a file is being written); the outputs seen then."""
    proc = subprocess.Popen(
        command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            seen = _outputs(out) if out.is_dir() else 0
            if seen >= outputs and (not mid_write or _writing(out)):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0)  # a write lasts milliseconds: poll without sleeping
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)
    assert proc.returncode == -signal.SIGKILL, "the run ended before the kill"
    return seen


@pytest.fixture(scope="module")
def run_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, int]:
    """A folder of corpus files, a key, and the uninterrupted run's output folder."""
    corpus = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    base = tmp_path_factory.mktemp("kill")
    src = base / "in"
    chosen = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    for p in chosen[:FILES]:
        target = src / p.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(p.read_bytes())
    key = base / "key"
    key.write_bytes(b"kill-test-key-0123456789abcdef01")
    whole = base / "whole"
    proc = subprocess.run(_command(src, whole, key), env=_env(), capture_output=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    written = _outputs(whole)
    assert written >= 40
    return src, key, whole, written


@pytest.mark.parametrize(
    "fraction, mid_write", [(0.0, False), (0.35, False), (0.7, False), (0.5, True)]
)
def test_a_killed_run_never_leaves_a_partial_file_and_resumes_to_the_same_tree(
    run_inputs: tuple[Path, Path, Path, int], tmp_path: Path, fraction: float, mid_write: bool
) -> None:
    src, key, whole, written = run_inputs
    cut = tmp_path / "cut"
    seen = _killed_at(_command(src, cut, key), cut, max(1, int(written * fraction)), mid_write)
    assert 1 <= seen < written
    partial = _tree(cut)
    temporaries = [k for k in partial if k.endswith(TMP_SUFFIX)]
    assert len(temporaries) <= 2  # the record and the output being written when killed
    assert temporaries or not mid_write
    finals = {k: v for k, v in partial.items() if not k.endswith(TMP_SUFFIX)}
    for rel, data in finals.items():
        assert data == (whole / rel).read_bytes(), rel
        if not rel.startswith(f"{STATE_DIR}/"):
            pydicom.dcmread(cut / rel)  # decodes: complete
    proc = subprocess.run(_command(src, cut, key), env=_env(), capture_output=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert _tree(cut) == _tree(whole)
