"""Files we write are read by pydicom and by dcmtk's dcmdump with the same values.

For files of pydicom's corpus: read with dicomgen, write in each uncompressed transfer
syntax (Implicit VR LE, Explicit VR LE, Explicit VR BE, Deflated; encapsulated files in
their own transfer syntax), then

- read back with dicomgen: equal data sets (VR of elements whose VR implicit VR cannot
  carry, i.e. private elements and OB/OW, compared by value bytes);
- read with pydicom: its JSON model equals pydicom's JSON of the original file
  (normalisations of ``test_pydicom_corpus``);
- dump with ``dcmdump -q +L -Un``: every top-level text and integer element has the
  value we wrote (parsed from dcmdump's listing).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

pydicom = pytest.importorskip("pydicom")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))
from test_pydicom_corpus import (  # noqa: E402 - found through the path set above
    CORPUS,
    EXPECTED_ERRORS,
    VERBATIM,
    _compare,
    _pydicom_json,
)

from dicomgen.core.dataset import Dataset  # noqa: E402
from dicomgen.encoding.json import to_json  # noqa: E402
from dicomgen.encoding.writer import _Encoder  # noqa: E402
from dicomgen.media.part10 import read, write  # noqa: E402

pytestmark = pytest.mark.interop

ILE, ELE, EBE, DEFL = (
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
)
UNCOMPRESSED = [ILE, ELE, EBE, DEFL]

# Files used (readable by both, File Meta with SOP UIDs so they can be written).
SAMPLE = [
    "test_files/CT_small.dcm",
    "test_files/MR_small.dcm",
    "test_files/MR_small_bigendian.dcm",
    "test_files/rtplan.dcm",
    "test_files/rtstruct.dcm",
    "test_files/rtdose.dcm",
    "test_files/waveform_ecg.dcm",
    "test_files/nested_priv_SQ.dcm",
    "test_files/image_dfl.dcm",
    (
        "test_files/chr_japanese.dcm"
        if "test_files/chr_japanese.dcm" in CORPUS
        else "test_files/SC_rgb.dcm"
    ),
    "test_files/JPEG2000.dcm",
    "test_files/SC_rgb_rle.dcm",
    "test_files/reportsi.dcm",
    "test_files/examples_overlay.dcm",
    "test_files/liver_1frame.dcm",
    "test_files/emri_small_jpeg_2k_lossless.dcm",
]
SAMPLE = [s for s in SAMPLE if s in CORPUS]


def _targets(ds: Dataset) -> list[str]:
    px = ds.get(0x7FE00010)
    if px is not None and px.undefined_length:
        return [ds.read_transfer_syntax]
    return UNCOMPRESSED


def _le_bytes(e: Any) -> bytes:
    return bytes(_Encoder(False, True).value_bytes(e, e.charsets))


def _assert_equivalent(a: Dataset, b: Dataset, where: str = "") -> None:
    assert list(a.keys()) == list(b.keys()), where
    for tag, ea in a.items():
        eb = b[tag]
        w = f"{where}/{tag:08X}"
        if ea.vr == "SQ" or eb.vr == "SQ":
            assert ea.vr == eb.vr == "SQ", w
            assert len(ea.value) == len(eb.value), w
            for i, (x, y) in enumerate(zip(ea.value, eb.value)):
                _assert_equivalent(x, y, f"{w}[{i}]")
        elif ea.vr != eb.vr:  # implicit VR cannot carry it: private -> UN, OB -> OW
            assert {ea.vr, eb.vr} & {"UN", "OB", "OW"}, w
            assert _le_bytes(ea).rstrip(b"\x00 ") == _le_bytes(eb).rstrip(b"\x00 "), w
        else:
            assert ea == eb, w


def _written(name: str, ts: str) -> tuple[Dataset, bytes]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read(CORPUS[name])
    if name in VERBATIM:
        del ds[VERBATIM[name][0]]
    buf = io.BytesIO()
    write(buf, ds, ts)
    return ds, buf.getvalue()


CASES = [(n, ts) for n in SAMPLE for ts in UNCOMPRESSED]


@pytest.mark.parametrize("name, ts", CASES)
def test_round_trip_and_pydicom_reads_ours(name: str, ts: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = read(CORPUS[name])
    if ts not in _targets(original):
        pytest.skip("encapsulated pixel data is written in its own transfer syntax only")
    ds, data = _written(name, ts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = read(data)
    assert back.read_transfer_syntax == ts
    _assert_equivalent(ds, back)
    # pydicom reads what we wrote with the values pydicom reads from the original
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_orig = pydicom.dcmread(str(CORPUS[name]), force=True)
        theirs_ours = pydicom.dcmread(io.BytesIO(data))
        if name in VERBATIM:
            del theirs_orig[VERBATIM[name][0]]
    diffs: list[str] = []
    # Our file's values through pydicom vs our values (same normalisations as the corpus test)
    big = ts == EBE
    _compare(to_json(back), _pydicom_json(theirs_ours), theirs_ours, big, "", diffs)
    assert not diffs, "\n".join(diffs[:20])
    # ... and pydicom's view of the original equals pydicom's view of our file, for every
    # element whose VR the target transfer syntax carries
    jo, jn = _pydicom_json(theirs_orig), _pydicom_json(theirs_ours)
    for key, elem in jo.items():
        if int(key, 16) >> 16 & 1 or elem["vr"] in ("OB", "OW", "UN", "SQ", "US", "SS"):
            continue
        assert key in jn, key
        assert jn[key].get("Value") == elem.get("Value"), key


_LINE = re.compile(r"^\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s*#\s*(\d+|u/l),\s*(\d+) (\S+)$")
_TEXT_VRS = {
    "AE",
    "AS",
    "CS",
    "DA",
    "DS",
    "DT",
    "IS",
    "LO",
    "LT",
    "PN",
    "SH",
    "ST",
    "TM",
    "UC",
    "UI",
    "UR",
    "UT",
}
_INT_VRS = {"US", "SS", "UL", "SL"}


def _dcmdump(path: Path) -> dict[int, tuple[str, str]]:
    proc = subprocess.run(
        ["dcmdump", "-q", "+L", "-Un", str(path)], capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out: dict[int, tuple[str, str]] = {}
    for raw in proc.stdout.splitlines():
        line = raw.decode("latin-1")
        m = _LINE.match(line)
        if m:
            out[int(m.group(1) + m.group(2), 16)] = (m.group(3), m.group(4))
    return out


@pytest.mark.skipif(shutil.which("dcmdump") is None, reason="dcmtk dcmdump not installed")
@pytest.mark.parametrize("name, ts", CASES)
def test_dcmdump_reads_ours(tmp_path: Path, name: str, ts: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = read(CORPUS[name])
    if ts not in _targets(original):
        pytest.skip("encapsulated pixel data is written in its own transfer syntax only")
    if name == "test_files/nested_priv_SQ.dcm":
        pytest.skip("holds only (illegal) group 0001 elements: nothing public to compare")
    ds, data = _written(name, ts)
    path = tmp_path / "ours.dcm"
    path.write_bytes(data)
    dumped = _dcmdump(path)
    checked = 0
    for e in ds.values():
        tag = int(e.tag)
        if e.vr not in _TEXT_VRS | _INT_VRS or tag >> 16 & 1 or tag & 0xFFFF == 0:
            continue
        assert tag in dumped, f"{e.tag} missing from dcmdump output"
        vr, shown = dumped[tag]
        assert vr == e.vr, e.tag
        raw = e.raw
        if e.vr in _TEXT_VRS:
            if raw is None or not len(raw):
                assert shown == "(no value available)", e.tag
            else:
                expected = bytes(raw).decode("latin-1").rstrip(" \x00")
                assert shown.startswith("[") and shown.endswith("]"), (e.tag, shown)
                assert shown[1:-1].rstrip(" \x00") == expected, e.tag
        else:
            v = e.value
            values = v if isinstance(v, list) else ([] if v is None else [v])
            expected = "\\".join(str(int(x)) for x in values) or "(no value available)"
            assert shown == expected, e.tag
        checked += 1
    assert checked > 5


def test_sample_is_not_empty() -> None:
    assert len(SAMPLE) >= 10
    assert not set(SAMPLE) & set(EXPECTED_ERRORS)
