"""PS3.16 in the pipeline: a DocBook edition over the in-house IR (newest wins per TID and
CID), and the generator report listing the rows it could not express, with their text."""

from __future__ import annotations

import shutil
from pathlib import Path

import black

from dicomgen_codegen.ir.io import load_collection
from dicomgen_codegen.ir.part16 import Part16Result
from dicomgen_codegen.pipeline import extract_part16_docbook
from dicomgen_codegen.render.layout import needs_black
from dicomgen_codegen.render.sr import render_sr_package

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "docbook" / "hand_written_part16_excerpt.xml"


def _merged(tmp_path: Path) -> Part16Result:
    shutil.copy(FIXTURE, tmp_path / "part16.xml")
    base = load_collection(Part16Result, REPO / "standard_xml" / "ir" / "part16")
    return extract_part16_docbook(tmp_path / "part16.xml", base)


def test_docbook_wins_per_tid_and_cid(tmp_path: Path) -> None:
    merged = _merged(tmp_path)
    by_tid = {t.tid: t for t in merged.templates}
    assert len(merged.templates) == 157
    assert by_tid["300"].origin.source == "docbook"
    assert by_tid["1501"].origin.source == "pixelmed"
    g = {c.cid: c for c in merged.context_groups}["7151"]
    assert (g.origin.source, g.uid, g.extensible) == ("docbook", "1.2.840.10008.6.1.528", True)
    assert "docbook" in merged.sources


def test_report_lists_unexpressed_rows_with_their_text(tmp_path: Path) -> None:
    files, report = render_sr_package(_merged(tmp_path))
    conditions = [u for u in report.unexpressed if u.startswith("TID 1500 ")]
    assert any("At least one of Rows 6, 10 and 12 shall be present" in u for u in conditions)
    assert report.counts["PS3.16 rows not expressed"] == len(report.unexpressed)
    src = files["sr/templates/tid_1500.py"]
    assert '"HAS CONCEPT MOD", "CODE"' in src


def test_disambiguated_names_are_identifiers() -> None:
    from dicomgen_codegen.render.sr_names import unique

    taken = {"MusculusAdductorHallucis"}
    name = unique("MusculusAdductorHallucis", taken, "MDC_7:970")
    assert name.isidentifier() and name == "MusculusAdductorHallucis_MDC_7_970"


def test_context_group_files_are_rendered_as_black_prints_them() -> None:
    """The writer skips black for them (a long record line is marked ``# fmt: skip``)."""
    p16 = load_collection(Part16Result, REPO / "standard_xml" / "ir" / "part16")
    files, _report = render_sr_package(p16)
    cids = {rel: src for rel, src in files.items() if rel.startswith("sr/cids/cid_")}
    assert sum(needs_black(src) for src in cids.values()) <= len(cids) // 20
    for rel in ("sr/cids/cid_00200.py", "sr/cids/cid_07400.py", "sr/cids/cid_private.py"):
        src = cids[rel]
        assert not needs_black(src), rel
        assert black.format_str(src, mode=black.Mode(line_length=100)) == src, rel
