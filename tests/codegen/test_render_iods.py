"""Rendering of the typed PS3.3 classes: annotations from VR/VM, conditions as code, the
black-like layout, the generated files (metadata, docstrings, lazy imports, registry)."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import black
import pytest
from conftest import excerpt_part03

from dicomgen_codegen import pipeline
from dicomgen_codegen.ir.io import load_collection
from dicomgen_codegen.ir.iod import Part03Result
from dicomgen_codegen.ir.model import Registry
from dicomgen_codegen.parse.conditions import And, Equals, Not, Present, Unparsed
from dicomgen_codegen.passes.class_model import ClassRef, TypedField
from dicomgen_codegen.render.iods import field_args
from dicomgen_codegen.render.layout import Call, Kw, Tup, field_lines, needs_black, text_of
from dicomgen_codegen.render.typed_code import (
    FileContext,
    annotation_of,
    condition_code,
    xml_label,
)

REPO = Path(__file__).resolve().parents[2]
IR = REPO / "standard_xml" / "ir"
GENERATED = REPO / "generated" / "dicomgen_std"


def _field(vrs: tuple[str, ...], vm: str = "1", required: bool = False, **kw) -> TypedField:
    return TypedField(
        "f", 1, "(0000,0001)", "F", "F", vrs, vm, "1" if required else "3", required, "t", **kw
    )


@pytest.mark.parametrize(
    ("vrs", "vm", "required", "enum", "expected"),
    [
        (("PN",), "1", False, (), "PersonName | str | None"),
        (("DA",), "1-n", True, (), "list[datetime.date] | tuple[datetime.date, ...]"),
        (("US", "SS"), "1", True, (), "int"),
        (("OB", "OW"), "1", False, (), "bytes | None"),
        (("US", "OW"), "1-n", True, (), "list[int] | tuple[int, ...] | bytes"),
        (("CS",), "1", False, ("M", "F", "O"), 'Literal["M", "F", "O"] | None'),
        (("CS",), "2", True, ("A", "B"), "list[str] | tuple[str, ...]"),
        (("DS",), "3", True, (), "list[float] | tuple[float, ...]"),
        (("UN",), "1", True, (), "bytes"),
    ],
)
def test_annotations_from_vr_and_vm(vrs, vm, required, enum, expected) -> None:
    ctx = FileContext("modules.x")
    assert (annotation_of(_field(vrs, vm, required, enum=enum), ctx)) == expected


def test_sequence_annotations_and_thunks_by_file() -> None:
    ctx = FileContext("modules.x")
    local = ClassRef("modules.x", "XModule.ASequenceItem")
    other = ClassRef("macros.code_sequence", "CodeSequenceMacro")
    assert (annotation_of(_field(("SQ",), item=local), ctx)) == (
        "list[XModule.ASequenceItem] | None"
    )
    assert (annotation_of(_field(("SQ",), item=other, required=True), ctx)) == (
        "list[CodeSequenceMacro]"
    )
    assert ctx.type_only == {"CodeSequenceMacro": "macros.code_sequence"}  # typing only
    assert ctx.thunk(local) == "lambda: XModule.ASequenceItem"
    assert text_of(ctx.thunk(other)) == '_ref("macros.code_sequence:CodeSequenceMacro")'
    assert ctx.lazy
    ctx.base(other)  # a base class is imported for real, then referred to directly
    assert ctx.thunk(other) == "lambda: CodeSequenceMacro"


def test_conditions_as_runtime_constructor_calls() -> None:
    cond = And((Present(0x00280008), Not(Equals(0x00080008, ("ORIGINAL",), 1)), Unparsed("if x")))
    assert condition_code(cond) == (
        'C.And((C.Present(0x00280008), C.Not(C.Equals(0x00080008, ("ORIGINAL",), 1)), '
        'C.Unparsed("if x")))'
    )
    from dicomgen.core import conditions as C  # the code evaluates to the runtime's classes

    value = eval(condition_code(cond), {"C": C})
    assert value == C.And(
        (C.Present(0x00280008), C.Not(C.Equals(0x00080008, ("ORIGINAL",), 1)), C.Unparsed("if x"))
    )


def test_attribute_calls_name_their_arguments() -> None:
    ctx = FileContext("modules.x")
    f = _field(("CS",), "1", False, enum=("A", "B"), condition=Present(0x00280008))
    args = tuple(text_of(a) for a in field_args(f, ctx))
    assert args[:3] == ("0x00000001", 'vr="CS"', 'type="3"')  # VM 1 is the default
    multi = tuple(text_of(a) for a in field_args(_field(("CS",), "1-n"), ctx))
    assert multi[:4] == ("0x00000001", 'vr="CS"', 'vm="1-n"', 'type="3"')
    assert 'enum=("A", "B")' in args and "condition=C.Present(0x00280008)" in args
    assert args[-1] == "default=None" and ctx.conditions
    assert not any(a.startswith("**") for a in args)
    assert not any(a.startswith(("keyword=", "name=")) for a in args)  # PS3.6's, by tag
    unknown = tuple(text_of(a) for a in field_args(_field(("UN",), known=False), ctx))
    assert 'keyword="F"' in unknown and 'name="F"' in unknown
    text = "Required if contrast was used."
    same = _field(("CS",), condition=Unparsed(text), condition_text=text)
    assert not any(a.startswith("condition_text=") for a in map(text_of, field_args(same, ctx)))
    parsed = _field(("CS",), condition=Present(0x00280008), condition_text=text)
    assert f"condition_text={text!r}".replace("'", '"') in map(text_of, field_args(parsed, ctx))


def test_xml_labels() -> None:
    assert xml_label("sect_C.7.1.1") == "Section C.7.1.1"
    assert xml_label("table_C.7-1") == "Table C.7-1"


@lru_cache(maxsize=1)
def _rendered() -> dict[str, str]:
    """The classes of the 4 IODs of the 2016c DocBook excerpt, rendered from its parse."""
    p3 = excerpt_part03()
    reg, _errata = pipeline.finish_registry(load_collection(Registry, IR / "registry"))
    return pipeline.render_classes(p3, reg)


def test_rendering_is_deterministic_and_complete() -> None:
    p3 = excerpt_part03()
    reg, _errata = pipeline.finish_registry(load_collection(Registry, IR / "registry"))
    report = pipeline.Report()
    again = pipeline.render_classes(p3, reg, report)
    assert again == _rendered()
    assert report.counts["PS3.3 IOD classes"] == 4
    assert report.counts["PS3.3 module classes"] == 53
    assert report.counts["PS3.3 macro classes"] >= 99
    assert report.counts["PS3.3 item classes"] >= 100
    lines = report.part03_lines()
    assert any(line.startswith("  unparsed condition table_") for line in lines)
    assert any(line.startswith("  skipped table table_C.7-24") for line in lines)
    assert {
        "iods/ct_image.py",
        "modules/patient.py",
        "macros/code_sequence.py",
        "_registry.py",
        "macros/__init__.py",
    } <= set(again)


@pytest.mark.parametrize(
    "rel",
    [
        "modules/patient.py",
        "macros/code_sequence.py",
        "iods/rt_dose.py",
        "iods/enhanced_ct_image.py",
        "modules/rt_dose.py",
        "macros/document_relationship.py",
    ],
)
def test_rendered_files_are_already_black_formatted(rel: str) -> None:
    """The layout filters print what black prints, so the writer skips black (the slow step)."""
    src = _rendered()[rel]
    assert not needs_black(src)
    assert black.format_str(src, mode=black.Mode(line_length=100)) == src
    assert "vr=" in src and "**" not in src


def test_long_term_lists_are_filled_and_fenced_from_black() -> None:
    """A long tuple of Defined Terms is filled into few lines, fenced by ``# fmt: off/on``;
    black leaves the class as it is; a short one keeps black's layout, unfenced."""
    terms = Tup(tuple(f'"TERM{i:02d}"' for i in range(40)))
    call = Call("attribute", ("0x00080060", 'vr="CS"', 'type="1"', Kw("defined_terms", terms)))
    code = field_lines("    ", "modality", "str", call)
    lines = code.split("\n")
    assert lines[0] == "    # fmt: off" and lines[-1] == "    # fmt: on"
    assert len(lines) < 15 and all(len(line) <= 100 for line in lines)  # one per term: 46
    src = f"class M:\n{code}\n"
    assert black.format_str(src, mode=black.Mode(line_length=100)) == src
    assert not needs_black(src)
    short = Call("attribute", ("0x00080060", Kw("defined_terms", Tup(terms.items[:3]))))
    code = field_lines("    ", "modality", "str", short)
    assert "fmt" not in code
    src = f"class M:\n{code}\n"
    assert black.format_str(src, mode=black.Mode(line_length=100)) == src


def test_needs_black_skips_fenced_lines() -> None:
    long = "x = [" + ", ".join(["1"] * 60) + "]"
    assert needs_black(long + "\n")
    assert not needs_black(f"# fmt: off\n{long}\n# fmt: on\n")
    assert needs_black(f"# fmt: off\n# fmt: on\n{long}\n")
    assert not needs_black(f"{long}  # fmt: skip\n")


def test_few_rendered_files_need_black() -> None:
    typed = [s for r, s in _rendered().items() if r.startswith(("iods/", "modules/", "macros/"))]
    assert sum(needs_black(s) for s in typed) <= len(typed) // 20


def _field_docs(tree: ast.Module, cls_name: str) -> dict[str, str]:
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name)
    out = {}
    body = cls.body
    for a, b in zip(body, body[1:]):
        if isinstance(a, ast.AnnAssign) and isinstance(b, ast.Expr):
            out[a.target.id] = b.value.value  # type: ignore[union-attr]
    return out


def test_every_field_has_a_docstring_from_the_standard() -> None:
    tree = ast.parse(_rendered()["modules/patient.py"])
    docs = _field_docs(tree, "PatientModule")
    assert docs["patient_name"] == "Patient's full name. (0010,0010) Type 2."
    assert "Required if the patient is an animal" in docs["patient_species_description"]
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    assert "Table C.7-1" in ast.get_docstring(cls)
    annotated = [n for n in cls.body if isinstance(n, ast.AnnAssign)]
    assert len(docs) == len(annotated) > 10


# --- the committed generated package ------------------------------------------------------------


def test_generated_classes_carry_the_metadata() -> None:
    from dicomgen_std.iods.ct_image import CTImageIOD
    from dicomgen_std.macros.code_sequence import CodeSequenceMacro
    from dicomgen_std.macros.issuer_of_patient_id import IssuerOfPatientIDMacro
    from dicomgen_std.modules.patient import PatientModule

    spec = PatientModule.__dicom__
    f = spec.by_name["patient_name"]
    assert (f.tag, f.vr, f.vm, f.type, f.keyword, f.title, f.required) == (
        0x00100010,
        "PN",
        "1",
        "2",
        "PatientName",
        "Patient's Name",
        False,
    )
    assert spec.by_name["patient_sex"].enum == ("M", "F", "O")
    assert issubclass(PatientModule, IssuerOfPatientIDMacro)  # macros stay macros
    item = spec.by_name["other_patient_ids_sequence"].item_class
    assert item is PatientModule.OtherPatientIDsSequenceItem
    assert item.__dicom__.by_name["patient_id"].required
    assert (
        spec.by_name["breed_registration_sequence"].item_class
        is PatientModule.BreedRegistrationSequenceItem
    )
    ct = CTImageIOD.__dicom__
    assert ct.sop_class_uids == ("1.2.840.10008.5.1.4.1.1.2",)
    image_type = ct.by_name["image_type"]
    assert image_type.required and image_type.module == "CT Image" and len(image_type.sources) == 2
    assert ct.by_name["patient_name"].usage == "M"
    assert (
        ct.by_name["referenced_patient_sequence"].item_class.__name__ == "SOPInstanceReferenceMacro"
    )
    assert CodeSequenceMacro.__dicom__.kind == "macro"


def test_recursive_item_classes_resolve() -> None:
    from dicomgen_std.macros.document_relationship import DocumentRelationshipMacro

    item = DocumentRelationshipMacro.ContentSequenceItem
    assert item.__dicom__.by_name["content_sequence"].item_class is item


def test_registry_and_iod_class_for() -> None:
    from dicomgen.core.typed import iod_class_for
    from dicomgen_std._registry import IOD_CLASSES
    from dicomgen_std.iods.enhanced_ct_image import EnhancedCTImageIOD

    assert IOD_CLASSES["1.2.840.10008.5.1.4.1.1.2"] == "dicomgen_std.iods.ct_image:CTImageIOD"
    # every SOP class of the registry whose IOD the committed PS3.3 IR holds, and no other
    titles = {i.title for i in load_collection(Part03Result, IR / "part03").iods}
    sops = load_collection(Registry, IR / "registry").sop_classes
    assert set(IOD_CLASSES) == {s.uid for s in sops if s.iod in titles}
    assert len(IOD_CLASSES) >= 140
    assert iod_class_for("1.2.840.10008.5.1.4.1.1.2.1") is EnhancedCTImageIOD


def test_importing_one_iod_imports_only_what_it_is_built_on(fresh_python) -> None:
    code = (
        "import sys\n"
        "import dicomgen_std.iods as iods\n"
        "assert 'dicomgen_std.iods.ct_image' not in sys.modules\n"  # the package is lazy
        "cls = iods.CTImageIOD\n"
        "mods = {m for m in sys.modules if m.startswith('dicomgen_std.')}\n"
        "assert {m for m in mods if m.startswith('dicomgen_std.iods.')} == "
        "{'dicomgen_std.iods.ct_image'}, mods\n"
        "parts = {u.cls.__module__ for u in cls.__dicom__.modules}\n"
        "assert {m for m in mods if m.startswith('dicomgen_std.modules.')} == parts, mods\n"
        "import dicomgen_std.macros as macros\n"  # item classes of other files: on first use
        "macro_mods = {m for m in mods if m.startswith('dicomgen_std.macros.')}\n"
        "assert len(macro_mods) < len(set(macros._LAZY.values())) / 2, macro_mods\n"
    )
    fresh_python(code)


def test_a_typed_object_round_trips_through_a_dataset() -> None:
    from dicomgen_std.modules.patient import PatientModule

    p = PatientModule(
        patient_name="Doe^Jane",
        patient_sex="F",
        other_patient_ids_sequence=[
            PatientModule.OtherPatientIDsSequenceItem(patient_id="7", type_of_patient_id="TEXT")
        ],
    )
    ds = p.to_dataset()
    back = PatientModule.from_dataset(ds)
    assert back == p
    assert back.other_patient_ids_sequence[0].patient_id == "7"


def test_laid_out_registry_files_are_black_formatted() -> None:
    reg, _errata = pipeline.finish_registry(load_collection(Registry, IR / "registry"))
    files = pipeline.render_all(reg)
    for rel in pipeline.LAID_OUT_REGISTRIES:
        src = files[f"dicomgen_std/{rel}"]
        assert not needs_black(src), rel
        if rel == "dictionary.py":  # the first entries (black takes ~1 ms per line)
            head = src[: src.index("\n", src.index("_E(0x00100010"))]
            src = head.rsplit("\n", 1)[0] + "\n)\n"
            assert "# fmt: off" in src  # one entry per line, as the table lists them
        assert black.format_str(src, mode=black.Mode(line_length=100)) == src, rel
