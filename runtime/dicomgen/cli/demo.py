"""``dicomgen demo``: the whole pipeline, end to end, on this machine.

Each step prints what it did and checks its own result; the demo fails (exit 1) if any
step does. Steps that need the generator (lxml, jinja2, black) say so if it is missing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

STEPS: list[tuple[str, Callable[[Path], list[str]]]] = []


def step(title: str) -> Callable[[Callable[[Path], list[str]]], Callable[[Path], list[str]]]:
    def register(fn: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        STEPS.append((title, fn))
        return fn

    return register


class DemoFailure(Exception):
    pass


@step("regenerate dicomgen_std from the committed IR")
def regenerate(work: Path) -> list[str]:
    try:
        from dicomgen_codegen import pipeline  # the generator is an optional extra
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DemoFailure(
            f"the generator is not installed ({exc}); pip install 'dicomgen[codegen]'"
        ) from exc
    import filecmp
    import shutil

    out = work / "generated"
    # start from a copy of the committed tree, as `dicomgen generate` regenerates in place:
    # every file is rendered again from the IR, black's output is reused where the rendering
    # is unchanged (the writer's fingerprint), so a rendering that changed shows as a diff
    shutil.copytree(
        pipeline.DEFAULT_OUT, out, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
    )
    report, _ = pipeline.generate(out_root=out)
    lines = [*report.lines()[: 1 + len(report.counts)]]
    committed = pipeline.DEFAULT_OUT / "dicomgen_std"
    produced = out / "dicomgen_std"
    names = sorted(p.relative_to(produced).as_posix() for p in produced.rglob("*") if p.is_file())
    differ = [
        n
        for n in names
        if not (committed / n).is_file()
        or not filecmp.cmp(produced / n, committed / n, shallow=False)
    ]
    if differ:
        raise DemoFailure(f"regenerated files differ from the committed ones: {differ[:5]}")
    lines.append(f"{len(names)} files rendered from the IR, identical to the committed generated/")
    return lines


@step("data sets: build, write Part 10 in every uncompressed transfer syntax, read back")
def part10_round_trip(work: Path) -> list[str]:
    import io

    import dicomgen
    from dicomgen.cli.dump import dump_dataset
    from dicomgen.encoding.json import to_json_str
    from dicomgen_std import transfer_syntaxes as ts
    from dicomgen_std.uids import CTImageStorage

    ds = dicomgen.Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = "2.25.1234567890"
    ds.PatientName = "Müller^Jürgen=ミュラー^ユルゲン"
    ds.PatientID = "DEMO-1"
    ds.StudyInstanceUID = "2.25.1001"
    ds.SeriesInstanceUID = "2.25.1002"
    ds.Modality = "CT"
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.StudyDate = "20261123"
    ds.StudyTime = "154800"
    ds.PixelSpacing = [0.5, 0.5]
    ds.Rows, ds.Columns = 2, 2
    lines = []
    syntaxes = (
        ts.ImplicitVRLittleEndian,
        ts.ExplicitVRLittleEndian,
        ts.ExplicitVRBigEndian,
        ts.DeflatedExplicitVRLittleEndian,
    )
    for number, syntax in enumerate(syntaxes, 1):
        ds.SOPInstanceUID = f"2.25.1234567890{number}"
        ds.InstanceNumber = number
        path = work / f"demo-{syntax.keyword}.dcm"
        dicomgen.write(path, ds, transfer_syntax=syntax.uid)
        back = dicomgen.read(path)
        if to_json_str(back) != to_json_str(ds):
            raise DemoFailure(f"{syntax.name}: read back differs from what was written")
        lines.append(f"{syntax.name}: {path.stat().st_size} bytes, read back equal")
    out = io.StringIO()
    dump_dataset(dicomgen.read(work / "demo-ExplicitVRLittleEndian.dcm"), out)
    lines += ["dump:"] + ["  " + line for line in out.getvalue().splitlines()]
    return lines


@step("typed classes: build a CT Image IOD, validate it, write it, read it back")
def typed_ct_image(work: Path) -> list[str]:
    import datetime
    import shutil
    import subprocess

    import attrs

    from dicomgen_std.iods.ct_image import CTImageIOD

    root = "2.25.30717346651402913117212545398124823"
    ct = CTImageIOD(  # every Type 1 attribute of a Mandatory module is a required argument
        patient_name="Doe^Jane",
        patient_id="DEMO-1",
        patient_birth_date=datetime.date(1970, 1, 31),
        patient_sex="F",
        study_instance_uid=f"{root}.1",
        study_date=datetime.date(2026, 11, 23),
        study_time=datetime.time(15, 48),
        referring_physician_name="",
        study_id="1",
        accession_number="",
        modality="CT",
        series_instance_uid=f"{root}.2",
        series_number=1,
        patient_position="HFS",
        body_part_examined="CHEST",
        frame_of_reference_uid=f"{root}.3",
        position_reference_indicator="",
        manufacturer="dicomgen",
        instance_number=1,
        pixel_spacing=(0.5, 0.5),
        image_orientation_patient=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        image_position_patient=(0.0, 0.0, 0.0),
        slice_thickness=1.0,
        samples_per_pixel=1,
        photometric_interpretation="MONOCHROME2",
        rows=4,
        columns=4,
        bits_allocated=16,
        bits_stored=12,
        high_bit=11,
        pixel_representation=0,
        pixel_data=bytes(32),
        image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
        rescale_intercept=-1024.0,
        rescale_slope=1.0,
        kvp=120.0,
        acquisition_number=1,
        sop_class_uid="1.2.840.10008.5.1.4.1.1.2",
        sop_instance_uid=f"{root}.4",
    )
    errors = [f for f in ct.validate() if f.severity == "error"]
    if errors:
        raise DemoFailure(f"the CT Image does not validate: {errors[0]}")
    path = work / "ct-typed.dcm"
    ct.to_file(path)
    back = CTImageIOD.from_file(path)
    if back.to_dataset() != ct.to_dataset():
        raise DemoFailure("the CT Image read back differs from the one written")
    lines = [
        f"CTImageIOD: {len(attrs.fields(CTImageIOD))} typed fields; validates with no errors",
        f"written as Part 10 ({path.stat().st_size} bytes) and read back equal",
    ]
    dciodvfy = shutil.which("dciodvfy")
    if dciodvfy:
        out = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True, timeout=60)
        bad = [x for x in (out.stdout + out.stderr).splitlines() if x.startswith("Error")]
        if bad:
            raise DemoFailure(f"dciodvfy: {bad[0]}")
        lines.append("dciodvfy (dicom3tools): no errors")
    broken = attrs.evolve(ct, modality=None, rows=None)  # Type 1 attributes
    lines.append("a copy without Modality and Rows (Type 1), as the validator reports it:")
    lines += [f"  {f}" for f in broken.validate() if f.severity == "error"]
    return lines


@step("network: our SCP on 127.0.0.1; C-ECHO, C-STORE those files, C-FIND them back")
def network(work: Path) -> list[str]:
    from dicomgen.cli import scp as scp_cli
    from dicomgen.net import AE, VERIFICATION_SOP_CLASS
    from dicomgen.net.dimse.find import STUDY_ROOT_FIND, c_find

    files = sorted(work.glob("*.dcm"))
    parser = argparse.ArgumentParser()
    scp_cli.add_arguments(parser)
    args = parser.parse_args(["--port", "0", "--aet", "DEMO-SCP", "--store", str(work / "scp")])
    ae, handlers, _tls, storage = scp_cli.build(args)
    scu = AE("DEMO-SCU")
    scu.add_requested_context(VERIFICATION_SOP_CLASS)
    scu.add_requested_context("1.2.840.10008.5.1.4.1.1.2")  # CT Image Storage
    scu.add_requested_context(STUDY_ROOT_FIND)
    lines = []
    try:
        with ae.serve_sync(("127.0.0.1", 0), handlers) as server:
            with scu.associate_sync("127.0.0.1", server.port, "DEMO-SCP") as assoc:
                lines.append(f"C-ECHO: status 0x{assoc.send_c_echo():04X}")
                for path in files:
                    rsp = assoc.send_c_store(path)
                    if not rsp.ok:
                        raise DemoFailure(f"C-STORE {path.name}: status 0x{rsp.status:04X}")
                lines.append(f"C-STORE: {len(files)} instance(s) stored and indexed")

                async def find() -> list:
                    query = {
                        "QueryRetrieveLevel": "SERIES",
                        "PatientID": "DEMO-1",
                        "SeriesInstanceUID": "",
                        "NumberOfSeriesRelatedInstances": "",
                    }
                    return await c_find(assoc.association, query, "STUDY").collect()

                found = [ds for status, ds in assoc.run(find()) if ds is not None]
        if sum(int(ds.get_value(0x00201209) or 0) for ds in found) != len(files):
            raise DemoFailure(
                f"C-FIND found {len(found)} series not holding all {len(files)} files"
            )
        for ds in found:
            lines.append(
                f"C-FIND: series {ds.first_text(0x0020000E)}: "
                f"{ds.get_value(0x00201209)} instance(s)"
            )
    finally:
        storage.close()
    return lines


@step("media: build a File-set with a DICOMDIR from those files, read it back")
def fileset(work: Path) -> list[str]:
    from dicomgen.media.fileset import FileSet

    sources = sorted(work.glob("*.dcm"))
    if not sources:
        raise DemoFailure("no files from the previous step")
    fs, report = FileSet.build(sources, work / "media", fileset_id="DEMO", profile="STD-GEN-CD")
    back = FileSet.read(work / "media" / "DICOMDIR")
    found = back.find(patient_id="DEMO-1")
    if len(found) != len(report.added) or not found:
        raise DemoFailure(f"wrote {len(report.added)} instances, found {len(found)} back")
    lines = [f"{len(report.added)} instance(s) added, {len(report.skipped)} skipped"]
    lines += [f"skipped {name}: {why}" for name, why in report.skipped]
    return lines + back.tree_lines()


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", type=Path, help="keep the demo's files in this folder")


def run(args: argparse.Namespace) -> int:
    from dicomgen.core.errors import DicomError

    failed = 0
    with tempfile.TemporaryDirectory(prefix="dicomgen-demo-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for i, (title, fn) in enumerate(STEPS, 1):
            t0 = time.perf_counter()
            print(f"[{i}/{len(STEPS)}] {title}")
            try:
                lines = fn(work)
            except (DemoFailure, DicomError) as exc:
                failed += 1
                print(f"    FAILED: {exc}")
                continue
            for line in lines:
                print(f"    {line}")
            print(f"    ok ({time.perf_counter() - t0:.2f} s)")
    print("demo: " + ("all steps passed" if not failed else f"{failed} step(s) failed"))
    return 1 if failed else 0
