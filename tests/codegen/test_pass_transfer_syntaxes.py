"""Transfer syntax pass: PS3.6 Table A-1 (2015b, newest here) joined with PS3.5 (2020c)."""

from __future__ import annotations

import pytest

from dicomgen.core.errors import GenerationError
from dicomgen_codegen.ir.model import Provenance, UIDRecord
from dicomgen_codegen.parse import part05, part06
from dicomgen_codegen.parse.part05 import TSProps
from dicomgen_codegen.passes.transfer_syntaxes import (
    TSProblem,
    build_transfer_syntaxes,
    facts_from_name,
)


@pytest.fixture(scope="module")
def a1(docbook):
    return part06.parse_uids(docbook(6, "2015b"))


@pytest.fixture(scope="module")
def props(docbook):
    return part05.parse_transfer_syntax_properties(docbook(5, "2020c"))


@pytest.fixture(scope="module")
def built(a1, props):
    problems: list[TSProblem] = []
    records = build_transfer_syntaxes(a1, props, problems)
    return {r.uid: r for r in records}, problems


def _ts(uid: str, name: str, retired: bool = False) -> UIDRecord:
    return UIDRecord(uid, name, name.replace(" ", ""), "Transfer Syntax", "PS3.5", retired)


def _props(uid: str, **kw: object) -> TSProps:
    base = dict(
        implicit_vr=False,
        little_endian=True,
        deflated=False,
        encapsulated=False,
        lossy=False,
        title="t",
        description="d",
        derivation="stated",
        source=Provenance("PS3.5", "2099a", "sect_A.2"),
    )
    base.update(kw)
    return TSProps(uid=uid, **base)  # type: ignore[arg-type]


def test_every_a1_transfer_syntax_is_built_or_reported(a1, built) -> None:
    records, problems = built
    listed = {u.uid for u in a1 if u.type == "Transfer Syntax"}
    unclassifiable = {p.uid for p in problems if p.kind == "unclassifiable"}
    assert unclassifiable == {"1.2.840.10008.1.2.6.1", "1.2.840.10008.1.2.6.2"}  # MIME, XML
    assert set(records) == listed - unclassifiable
    assert len(records) == 35
    # the 2015b erratum "Transfer" (Color Palette Storage) is not a transfer syntax
    assert "1.2.840.10008.5.1.4.39.1" not in records


def test_spot_checks(built) -> None:
    records, _ = built
    ivle = records["1.2.840.10008.1.2"]
    assert (ivle.keyword, ivle.implicit_vr, ivle.little_endian, ivle.encapsulated) == (
        "ImplicitVRLittleEndian",
        True,
        True,
        False,
    )
    be = records["1.2.840.10008.1.2.2"]
    assert (be.retired, be.implicit_vr, be.little_endian) == (True, False, False)
    assert records["1.2.840.10008.1.2.1.99"].deflated
    jpeg = records["1.2.840.10008.1.2.4.50"]
    assert jpeg.encapsulated and jpeg.lossy and not jpeg.retired
    assert records["1.2.840.10008.1.2.4.52"].retired and records["1.2.840.10008.1.2.4.52"].lossy
    assert not records["1.2.840.10008.1.2.4.57"].lossy
    assert not records["1.2.840.10008.1.2.4.65"].lossy  # retired "JPEG Lossless, Hierarchical"
    assert not records["1.2.840.10008.1.2.5"].lossy  # PS3.5 silent; "RLE Lossless"
    assert records["1.2.840.10008.1.2.4.100"].lossy  # MPEG2: encapsulated, nobody says
    assert records["1.2.840.10008.1.2"].source.part == "PS3.6"


def test_problems_are_reported_with_their_kind(built) -> None:
    _, problems = built
    by_kind: dict[str, set[str]] = {}
    for p in problems:
        by_kind.setdefault(p.kind, set()).add(p.uid)
    assert "1.2.840.10008.1.2.2" in by_kind["from_name"]  # retired, not in PS3.5 2020c
    assert {f"1.2.840.10008.1.2.4.{n}" for n in range(52, 57)} <= by_kind["from_name"]
    assert "1.2.840.10008.1.2.4.50" not in by_kind["from_name"]
    # PS3.5 2020c is newer than PS3.6 2015b: HEVC and SMPTE ST 2110 are not in Table A-1
    assert {"1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.7.1"} <= by_kind["not_in_table_a1"]
    assert "1.2.840.10008.1.2.4.100" in by_kind["lossy_default"]
    assert "1.2.840.10008.1.2.5" not in by_kind["lossy_default"]


def test_older_ps35_properties_replace_the_name_fallback(a1, props, docbook) -> None:
    old = part05.parse_transfer_syntax_properties(docbook(5, "2015b"))
    problems: list[TSProblem] = []
    records = build_transfer_syntaxes(a1, {**old, **props}, problems)
    assert "1.2.840.10008.1.2.2" not in {p.uid for p in problems if p.kind == "from_name"}
    be = {r.uid: r for r in records}["1.2.840.10008.1.2.2"]
    assert (be.little_endian, be.implicit_vr) == (False, False)


def test_agrees_with_pydicom_for_the_native_syntaxes(built) -> None:
    from pydicom.uid import UID  # test oracle only

    records, _ = built
    for uid in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"):
        u, r = UID(uid), records[uid]
        assert (u.is_implicit_VR, u.is_little_endian, u.is_encapsulated) == (
            r.implicit_vr,
            r.little_endian,
            r.encapsulated,
        )
    for uid, r in records.items():
        if r.encapsulated:
            assert UID(uid).is_encapsulated, uid


def test_contradiction_between_name_and_ps35_is_an_error() -> None:
    uid = "1.2.840.10008.1.2.999.1"
    with pytest.raises(GenerationError, match="little_endian"):
        build_transfer_syntaxes(
            [_ts(uid, "Explicit VR Big Endian")], {uid: _props(uid, little_endian=True)}
        )
    with pytest.raises(GenerationError, match="lossy"):
        build_transfer_syntaxes(
            [_ts(uid, "Fancy Lossless")], {uid: _props(uid, encapsulated=True, lossy=True)}
        )


def test_duplicate_uid_is_an_error() -> None:
    uid = "1.2.840.10008.1.2.999.1"
    rec = _ts(uid, "Explicit VR Little Endian")
    with pytest.raises(GenerationError, match="twice"):
        build_transfer_syntaxes([rec, rec], {uid: _props(uid)})


def test_hand_written_records_cover_every_rule() -> None:
    a, b, c, d = (f"1.2.840.10008.1.2.999.{i}" for i in range(1, 5))
    problems: list[TSProblem] = []
    records = build_transfer_syntaxes(
        [
            _ts(a, "Explicit VR Little Endian"),  # with props
            _ts(b, "JPEG Extended (Process 3 & 5) (Retired)", retired=True),  # from name
            _ts(c, "XML Encoding"),  # unclassifiable
            UIDRecord("1.2.840.10008.1.1", "Verification SOP Class", "V", "SOP Class", "", False),
        ],
        {a: _props(a), d: _props(d)},  # d: PS3.5 only
        problems,
    )
    assert [r.uid for r in records] == [a, b]
    rb = records[1]
    assert (rb.encapsulated, rb.lossy, rb.retired, rb.little_endian, rb.implicit_vr) == (
        True,
        True,
        True,
        True,
        False,
    )
    kinds = sorted((p.uid, p.kind) for p in problems)
    assert kinds == [
        (b, "from_name"),
        (b, "lossy_default"),
        (c, "unclassifiable"),
        (d, "not_in_table_a1"),
    ]
    assert build_transfer_syntaxes([], {}) == ()


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "Implicit VR Little Endian: Default Transfer Syntax for DICOM",
            (True, True, None, None, None),
        ),
        ("Explicit VR Big Endian (Retired)", (False, False, None, None, None)),
        ("Deflated Explicit VR Little Endian", (False, True, True, None, None)),
        ("JPEG-LS Lossy (Near-Lossless) Image Compression", (None, None, None, True, True)),
        ("JPEG 2000 Image Compression (Lossless Only)", (None, None, None, True, False)),
        ("RLE Lossless", (None, None, None, True, False)),
        ("JPIP Referenced Deflate", (None, None, True, None, None)),
        ("XML Encoding", (None, None, None, None, None)),
    ],
)
def test_facts_from_name(name: str, expected: tuple) -> None:
    f = facts_from_name(name)
    assert (f.implicit_vr, f.little_endian, f.deflated, f.encapsulated, f.lossy) == expected


def test_rebuilding_from_the_ir_gives_the_same_records(a1, built) -> None:
    records, _ = built
    props = part05.properties_from_records(records.values())
    assert props["1.2.840.10008.1.2.2"].derivation == "from IR"
    problems: list[TSProblem] = []
    again = build_transfer_syntaxes(a1, props, problems)
    assert again == tuple(records[k] for k in records)
    assert {p.kind for p in problems} <= {"unclassifiable", "lossy_default"}
