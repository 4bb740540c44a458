"""``dicomgen dicomdir``: build a File-set with its DICOMDIR, or list one (PS3.10 8, PS3.11).

``dicomgen dicomdir build SRC_DIR OUT_DIR [--profile STD-GEN-CD] [--fileset-id ID]``
copies every DICOM file found under SRC_DIR into OUT_DIR under conformant File IDs and
writes OUT_DIR/DICOMDIR; files that cannot be added are listed on stderr with the
reason. ``dicomgen dicomdir list DICOMDIR`` prints the record tree.

Exit status: 0 on success, 1 on error (or when no file could be added).
"""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = sub.add_parser("build", help="create a File-set and its DICOMDIR from a folder")
    b.add_argument("src", nargs="+", metavar="SRC", help="source folder(s) or file(s)")
    b.add_argument("out", metavar="OUT_DIR", help="folder of the new File-set")
    b.add_argument(
        "--profile",
        default="STD-GEN-CD",
        help="application profile (PS3.11): STD-GEN-CD, STD-GEN-DVD-RAM, or ANY (keep every "
        "transfer syntax) [STD-GEN-CD]",
    )
    b.add_argument("--fileset-id", default="", help="File-set ID (A-Z 0-9 _, max 16) [none]")
    b.add_argument(
        "--invent",
        action="store_true",
        help="invent missing Type 1 directory keys (like dcmmkdir --invent)",
    )
    b.add_argument("-q", "--quiet", action="store_true", help="do not list skipped files")
    ls = sub.add_parser("list", help="print the record tree of a DICOMDIR")
    ls.add_argument("dicomdir", metavar="DICOMDIR", help="the DICOMDIR file or its folder")
    ls.add_argument(
        "--no-check", action="store_true", help="do not check that referenced files exist"
    )


def run(args: argparse.Namespace) -> int:
    from dicomgen.core.errors import DicomError
    from dicomgen.media.fileset import FileSet

    if args.action == "list":
        fs = FileSet.read(args.dicomdir, check_files=not args.no_check)
        for line in fs.tree_lines():
            print(line)
        for problem in fs.problems:
            print(f"W: {problem}", file=sys.stderr)
        return 0
    missing = [src for src in args.src if not os.path.exists(src)]
    if missing:
        print(f"dicomgen dicomdir: source {', '.join(missing)} does not exist", file=sys.stderr)
        return 1
    try:
        fs, report = FileSet.build(
            args.src, args.out, fileset_id=args.fileset_id, profile=args.profile, invent=args.invent
        )
    except DicomError as exc:
        print(f"dicomgen dicomdir: from {', '.join(args.src)}: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        for name, reason in report.skipped:
            print(f"W: skipped {name}: {reason}", file=sys.stderr)
    print(f"{len(report.added)} instance(s) in {fs.root}, {len(report.skipped)} file(s) skipped")
    return 0
