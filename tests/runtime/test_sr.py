"""SR: TID 1500 built from generated classes, validation of broken variants, content trees of
pydicom's SR files written back unchanged, every generated CID and TID importable."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from sr_tid1500 import basic_document, build_basic_report, build_report, document

import dicomgen
from dicomgen.core.dataset import Dataset
from dicomgen.sr import dump_tree, read_tree, validate_sr, write_tree
from dicomgen.sr.codes import Code


def _doc() -> Dataset:
    return document(build_report())


def _group(ds: Dataset) -> Dataset:
    # 1.2.1: root -> Imaging Measurements -> Measurement Group
    return ds.ContentSequence[1].ContentSequence[0]


def _item(ds: Dataset, concept_value: str) -> Dataset:
    return next(
        i
        for i in _group(ds).ContentSequence
        if i.ConceptNameCodeSequence[0].CodeValue == concept_value
    )


def test_report_is_valid_and_round_trips(tmp_path: Path) -> None:
    ds = _doc()
    assert validate_sr(ds) == []
    path = tmp_path / "r.dcm"
    dicomgen.write(str(path), ds, transfer_syntax="1.2.840.10008.1.2.1")
    back = dicomgen.read(str(path))
    tree = read_tree(back)
    assert tree.template == "1500"
    text = dump_tree(tree)
    assert '"12.5" (mm, UCUM, "millimeter")' in text
    assert "<SELECTED FROM> IMAGE" in text
    assert write_tree(tree) == back


def test_basic_diagnostic_report_is_valid_and_round_trips(tmp_path: Path) -> None:
    ds = basic_document(build_basic_report("No abnormality."))
    assert validate_sr(ds) == []
    path = tmp_path / "b.dcm"
    dicomgen.write(str(path), ds, transfer_syntax="1.2.840.10008.1.2.1")
    tree = read_tree(dicomgen.read(str(path)))
    assert tree.template == "2000"
    assert "<CONTAINS> TEXT:(121071, DCM, \"Finding\") = 'No abnormality.'" in dump_tree(tree)


def _illegal_relationship(ds: Dataset) -> None:
    ds.ContentSequence[0].RelationshipType = "HAS PROPERTIES"


def _missing_mandatory(ds: Dataset) -> None:
    del ds.ConceptNameCodeSequence  # TID 1500 row 1: the document title (CID 7021)


def _code_outside_cid(ds: Dataset) -> None:
    site = _item(ds, "363698007")
    lat = Dataset()
    lat.RelationshipType = "HAS CONCEPT MOD"
    lat.ValueType = "CODE"
    lat.ConceptNameCodeSequence = [_code("SCT", "272741003", "Laterality")]
    lat.ConceptCodeSequence = [_code("SCT", "123456", "Not a laterality")]
    site.ContentSequence = [lat]


def _code(scheme: str, value: str, meaning: str) -> Dataset:
    c = Dataset()
    c.CodeValue = value
    c.CodingSchemeDesignator = scheme
    c.CodeMeaning = meaning
    return c


def _wrong_value_type(ds: Dataset) -> None:
    _item(ds, "112040").ValueType = "TEXT"


def _vm_exceeded(ds: Dataset) -> None:
    g = _group(ds)
    g.ContentSequence = [g.ContentSequence[0].copy(), *g.ContentSequence]


def _num_without_value(ds: Dataset) -> None:
    del _item(ds, "410668003").MeasuredValueSequence


def _scoord_without_image(ds: Dataset) -> None:
    del _item(ds, "111030").ContentSequence


def _text_without_value(ds: Dataset) -> None:
    del _item(ds, "112039").TextValue


def _code_without_code(ds: Dataset) -> None:
    del _item(ds, "121071").ConceptCodeSequence


def _row_not_in_template(ds: Dataset) -> None:
    extra = Dataset()
    extra.RelationshipType = "CONTAINS"
    extra.ValueType = "TEXT"
    extra.ConceptNameCodeSequence = [_code("DCM", "121106", "Comment")]
    extra.TextValue = "not a row of TID 1501"
    g = _group(ds)
    g.ContentSequence = [*g.ContentSequence, extra]


BROKEN = {
    "illegal relationship": (_illegal_relationship, "relationship", "is not permitted"),
    "missing mandatory row": (_missing_mandatory, "template", "TID 1500 row 1: missing mandatory"),
    "code outside non-extensible CID": (_code_outside_cid, "template", "is not in CID 244"),
    "wrong value type": (_wrong_value_type, "template", "the row requires UIDREF"),
    "VM exceeded": (_vm_exceeded, "template", "more than 1"),
    "NUM without value": (_num_without_value, "content item", "NUM without Measured Value"),
    "SCOORD without IMAGE child": (_scoord_without_image, "content item", "SELECTED FROM IMAGE"),
    "TEXT without value": (_text_without_value, "content item", "TEXT without Text Value"),
    "CODE without code": (_code_without_code, "content item", "CODE without Concept Code"),
    "row not in template": (_row_not_in_template, "template", "is not in the template"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_variant_is_reported(name: str) -> None:
    break_it, rule, text = BROKEN[name]
    ds = _doc()
    break_it(ds)
    findings = validate_sr(ds)
    assert any(f.rule == rule and text in f.message for f in findings), [str(f) for f in findings]


def _pydicom_sr_files() -> list[str]:
    from pydicom.data import get_testdata_files

    out = []
    for f in get_testdata_files("*.dcm"):
        try:
            ds = dicomgen.read(f)
            if ds.get_value("Modality") == "SR" or ds.get_value("ValueType") == "CONTAINER":
                out.append(f)
        except dicomgen.DicomError:
            continue
    return out


def test_pydicom_sr_corpus_round_trips(tmp_path: Path) -> None:
    """Each SR file reads into a tree and dumps; the tree written back is the data set read,
    byte for byte as dicomgen writes the untouched data set."""
    files = _pydicom_sr_files()
    assert len(files) >= 3
    for f in files:
        ds = dicomgen.read(f)
        tree = read_tree(ds)
        assert dump_tree(tree).startswith("1 CONTAINER")
        plain, through_tree = tmp_path / "plain.dcm", tmp_path / "tree.dcm"
        dicomgen.write(str(plain), ds)
        dicomgen.write(str(through_tree), write_tree(tree))
        assert through_tree.read_bytes() == plain.read_bytes(), f
        assert dicomgen.read(str(through_tree)) == ds, f


def test_every_cid_and_tid_imports() -> None:
    from dicomgen_std.sr import cids, templates

    n_cids = n_codes = n_tids = n_rows = 0
    for pkg, kind in ((cids, "cid"), (templates, "tid")):
        for m in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{m.name}")
            for name in dir(mod):
                obj = getattr(mod, name)
                if kind == "cid" and name.startswith("CID") and not name.endswith("Code"):
                    n_cids += 1
                    n_codes += len(obj.own_codes())
                    assert all(isinstance(c, Code) for c in obj.own_codes())
                if kind == "tid" and name == f"TID{m.name[4:]}":
                    n_tids += 1
                    n_rows += len(mod._R)
    assert (n_tids, n_rows) == (157, 1541)
    assert n_cids >= 1400 and n_codes > 25000


def test_cli_dump(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from dicomgen.cli.main import main

    path = tmp_path / "r.dcm"
    dicomgen.write(str(path), _doc(), transfer_syntax="1.2.840.10008.1.2.1")
    assert main(["sr", "dump", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith('1 CONTAINER:(126000, DCM, "Imaging Measurement Report")')
    assert main(["sr", "validate", str(path)]) == 0


def test_readme_example_runs() -> None:
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    start = text.index("### Author a structured report")
    code = text[text.index("```python\n", start) + 10 : text.index("```\n", start + 40)]
    exec(compile(code, "README.md", "exec"), {})


def test_changed_item_keeps_its_other_elements() -> None:
    from dicomgen.core.element import DataElement
    from dicomgen.sr.content import Text

    ds = _doc()
    item = _item(ds, "112039")  # Tracking Identifier (TEXT)
    item[0x00091010] = DataElement(0x00091010, "LO", "private value")
    tree = read_tree(ds)
    text = next(i for _, i in tree.walk() if isinstance(i, Text))
    text.value = "lesion 2"
    back = write_tree(tree)
    written = _item(back, "112039")
    assert written.TextValue == "lesion 2"
    assert written[0x00091010].value == "private value"
    assert _item(back, "121071") == _item(ds, "121071")  # an unchanged sibling, as read
