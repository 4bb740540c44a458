"""SR documents as typed IOD objects: the content fields from a template tree, the tree read
back from a file, and the SR content checks inside ``validate()`` and ``dicomgen validate``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sr_tid1500 import (
    EVIDENCE,
    IMAGE_UID,
    build_basic_report,
    build_report,
    document,
    typed_document,
)
from test_sr import BROKEN

import dicomgen
from dicomgen.cli.validate import validate_file
from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DicomError
from dicomgen.encoding.writer import encode_dataset
from dicomgen.sr import Code, dump_tree
from dicomgen.sr.content import Text
from dicomgen.sr.document import (
    content_tree,
    referenced_instances,
    sr_content,
    sr_evidence,
    with_content,
)
from dicomgen.sr.iod_checks import sr_findings
from dicomgen_std.iods import ComprehensiveSRIOD, EnhancedSRIOD

LR = "1.2.840.10008.1.2.1"


def test_typed_document_matches_the_hand_built_data_set() -> None:
    typed = typed_document(build_report()).to_dataset()
    by_hand = document(build_report())
    content = [0x0040A040, 0x0040A043, 0x0040A050, 0x0040A504, 0x0040A730, 0x0040A375]

    def encoded(ds: Dataset) -> bytes:
        part = Dataset()
        for tag in content:
            part[tag] = ds[tag]
        return encode_dataset(part, LR)

    assert encoded(typed) == encoded(by_hand)
    assert typed.get_value("ContentSequence")[1].ContentSequence[0].ContentSequence


def test_file_round_trip_gives_the_tree_back(tmp_path: Path) -> None:
    report = build_report(7.25)
    doc = typed_document(report)
    path = tmp_path / "typed.dcm"
    doc.to_file(path, LR)
    back = ComprehensiveSRIOD.from_file(path)
    assert back == doc
    tree = content_tree(back)
    assert tree.template == "1500"
    assert dump_tree(tree) == dump_tree(report.to_tree())
    assert '"7.25" (mm, UCUM, "millimeter")' in dump_tree(tree)
    again = with_content(back, tree)
    assert again == back and again.to_dataset() == back.to_dataset()
    assert dicomgen.read(str(path)) == back.to_dataset()


def test_changed_tree_replaces_the_content() -> None:
    doc = typed_document(build_report())
    tree = content_tree(doc)
    comment = Text("edited", concept_name=Code("DCM", "121106", "Comment"))
    tree.add("CONTAINS", comment)
    changed = with_content(doc, tree)
    assert changed.content_sequence is not None and doc.content_sequence is not None
    assert len(changed.content_sequence) == len(doc.content_sequence) + 1
    assert changed.content_sequence[-1].text_value == "edited"
    assert changed.patient_name == doc.patient_name


def test_evidence_lists_each_referenced_instance() -> None:
    report = build_report()
    assert referenced_instances(report) == [("1.2.840.10008.5.1.4.1.1.2", IMAGE_UID)]
    (study,) = sr_evidence(report, EVIDENCE)
    assert study.study_instance_uid == EVIDENCE[IMAGE_UID][0]
    with pytest.raises(DicomError, match=IMAGE_UID):
        sr_evidence(report, {})


def test_root_must_be_a_container() -> None:
    with pytest.raises(DicomError, match="CONTAINER"):
        sr_content(Text("x"))
    with pytest.raises(DicomError, match="not an SR document"):
        content_tree(Dataset())


def test_enhanced_sr_from_tid2000() -> None:
    base = typed_document(build_report())
    fields = {f: getattr(base, f) for f in ("patient_name", "patient_id", "study_date")}
    doc = with_content(base, build_basic_report("Clear."))
    assert content_tree(doc).template == "2000"
    ds = doc.to_dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.22"
    enhanced = EnhancedSRIOD.from_dataset(ds)
    assert {f: getattr(enhanced, f) for f in fields} == fields
    assert "'Clear.'" in dump_tree(content_tree(enhanced))
    assert not enhanced.validate().errors


def test_valid_document_has_no_sr_findings() -> None:
    result = typed_document(build_report()).validate()
    assert not result.errors, [str(f) for f in result.errors]
    assert not [f for f in result if f.rule.startswith("sr-")]


# value elements a by-value item lacks: Type 1C/2C findings of the Content Item macro, once
MISSING_ELEMENT = {
    "NUM without value": 0x0040A300,
    "TEXT without value": 0x0040A160,
    "CODE without code": 0x0040A168,
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_is_reported_by_validate(name: str) -> None:
    break_it, rule, text = BROKEN[name]
    ds = document(build_report())
    break_it(ds)
    result = ComprehensiveSRIOD.from_dataset(ds).validate()
    if name in MISSING_ELEMENT:
        tag = MISSING_ELEMENT[name]
        assert [f for f in result.errors if f.tag == tag and f.rule.endswith("c-missing")]
        assert not [f for f in result if f.rule == "sr-content-item"]
        return
    found = [f for f in result if f.rule == "sr-" + rule.replace(" ", "-") and text in f.message]
    assert found, [str(f) for f in result if f.rule.startswith("sr-")]
    want = "warning" if name == "row not in template" else "error"
    assert found[0].severity == want
    assert found[0].module == "SR Document Content" and found[0].path.startswith("content item")
    if rule == "template":
        assert found[0].standard == "PS3.16 TID 1500"


def test_cli_validate_reports_sr_findings(tmp_path: Path) -> None:
    ds = document(build_report())
    BROKEN["illegal relationship"][0](ds)
    path = tmp_path / "broken.dcm"
    dicomgen.write(str(path), ds, transfer_syntax=LR)
    findings, iod = validate_file(str(path))
    assert iod == "Comprehensive SR"
    rel = [f for f in findings.errors if f.rule == "sr-relationship"]
    assert rel and "is not permitted in ComprehensiveSR" in rel[0].message
    assert "Comprehensive SR / SR Document Content: content item 1.1" in str(rel[0])


def test_unknown_template_and_sop_class_are_not_checked() -> None:
    ds = document(build_report())
    ds.ContentTemplateSequence[0].TemplateIdentifier = "99999"
    result = ComprehensiveSRIOD.from_dataset(ds).validate()
    assert any(f.rule == "sr-template-not-checked" for f in result.not_checked)
    ds.SOPClassUID = "1.2.3.4"
    found = [f for f in sr_findings(ds, "Comprehensive SR") if f.rule.endswith("not-checked")]
    assert {f.rule for f in found} == {"sr-relationship-not-checked", "sr-template-not-checked"}
    assert "SOP Class 1.2.3.4" in str(found[0])


@pytest.mark.parametrize(
    "iod",
    ["BasicTextSRIOD", "Comprehensive3DSRIOD", "EnhancedSRIOD", "KeyObjectSelectionDocumentIOD"],
)
def test_every_sr_iod_carries_a_tree(iod: str) -> None:
    import dicomgen_std.iods as iods

    cls = getattr(iods, iod)
    ds = typed_document(build_basic_report("Seen.")).to_dataset()
    ds.SOPClassUID = cls.__dicom__.sop_class_uids[0]
    if iod == "KeyObjectSelectionDocumentIOD":
        ds.Modality = "KO"  # Key Object Document Series: Enumerated Value KO
    doc = cls.from_dataset(ds)
    tree = content_tree(doc)
    tree.add("CONTAINS", Text("Added.", concept_name=Code("DCM", "121106", "Comment")))
    changed = with_content(doc, tree)
    assert type(changed) is cls
    assert dump_tree(content_tree(changed)) == dump_tree(tree)
    assert "'Added.'" in dump_tree(content_tree(changed.to_dataset()))
