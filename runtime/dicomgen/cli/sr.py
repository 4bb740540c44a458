"""``dicomgen sr dump FILE`` (the content tree, dsrdump-like) and ``dicomgen sr validate FILE``
(content items, the SR IOD's relationship constraints, the claimed template)."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="sr_command", metavar="ACTION", required=True)
    d = sub.add_parser("dump", help="print the content tree")
    d.add_argument("file")
    v = sub.add_parser("validate", help="check content items, relationships and template")
    v.add_argument("file")
    v.add_argument("--tid", help="check against this TID (default: the one the root claims)")


def run(args: argparse.Namespace) -> int:
    import dicomgen
    from dicomgen.sr.dump import dump_tree
    from dicomgen.sr.tree_io import read_tree
    from dicomgen.sr.validate import validate_sr

    ds = dicomgen.read(args.file)
    if args.sr_command == "dump":
        sys.stdout.write(dump_tree(read_tree(ds)))
        return 0
    findings = validate_sr(ds, args.tid)
    for f in findings:
        print(f)
    return 1 if findings else 0
