"""The in-house PS3.16 front-ends: PixelMed's jar (templates, SR IOD constraints, context
groups) and pydicom's 2024c codes, and the merge rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomgen_codegen.ir.part16 import CodeRecord, ContextGroupRecord, Origin
from dicomgen_codegen.parse import part16_pixelmed, part16_pydicom
from dicomgen_codegen.passes.part16_merge import merge_context_groups

JAR = Path("/usr/share/java/pixelmed.jar")


@pytest.fixture(scope="module")
def pixelmed():
    if not JAR.is_file():
        pytest.skip("libpixelmed-java is not installed")
    xsl, groups = part16_pixelmed.read_jar(JAR)
    templates, constraints = part16_pixelmed.parse_descriptions(xsl, "test")
    return templates, constraints, part16_pixelmed.parse_context_groups(groups, "test")


def test_pixelmed_templates(pixelmed) -> None:
    templates, constraints, groups = pixelmed
    rows = [r for t in templates for r in t.rows]
    assert len(templates) == 157
    # 1,544 CheckContentItem calls, 3 of them the same row reached on two branches
    assert (sum(r.kind == "item" for r in rows), sum(r.kind == "include" for r in rows)) == (
        1294,
        247,
    )
    for t in templates:  # a row's parent comes before it, one nesting level up
        for r in t.rows:
            if r.parent >= 0:
                assert r.parent < r.index and t.rows[r.parent].nesting == r.nesting - 1
            else:
                assert r.nesting == 1
    t1501 = next(t for t in templates if t.tid == "1501")
    scoord = next(r for r in t1501.rows if r.value_type == "SCOORD")
    image = next(r for r in t1501.rows if r.parent == scoord.index)
    assert (image.relationship, image.value_type, image.requirement) == (
        "SELECTED FROM",
        "IMAGE",
        "M",
    )
    assert len(constraints) == 11
    comprehensive = next(c for c in constraints if c.iod == "ComprehensiveSR")
    assert ("CONTAINER", "CONTAINS", "NUM", False) in {
        (c.source_value_type, c.relationship, c.target_value_type, c.by_reference)
        for c in comprehensive.constraints
    }
    assert len(groups) == 350


def test_pydicom_codes() -> None:
    groups = part16_pydicom.parse_context_groups()
    assert len(groups) == 1355
    g244 = next(g for g in groups if g.cid == "244")
    assert CodeRecord("SCT", "7771000", "Left") in g244.codes
    assert g244.extensible is None and g244.uid == ""


def test_merge_newest_codes_oldest_metadata() -> None:
    old = ContextGroupRecord(
        "9",
        "Old",
        "2019",
        "1.2.3",
        False,
        (CodeRecord("A", "1", "one"),),
        ("10",),
        Origin("pixelmed", "x", "CID 9"),
    )
    new = ContextGroupRecord(
        "9",
        "New",
        "",
        "",
        None,
        (CodeRecord("A", "2", "two"),),
        (),
        Origin("pydicom", "y", "CID 9"),
    )
    (merged,) = merge_context_groups([old], [new])
    assert merged.codes == (CodeRecord("A", "2", "two"),)
    assert (merged.name, merged.version, merged.uid, merged.extensible) == (
        "New",
        "2019",
        "1.2.3",
        False,
    )
    assert merged.includes == ("10",)
