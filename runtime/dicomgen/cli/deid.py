"""``dicomgen deid SRC... OUT``: de-identify files and folders by PS3.15 Annex E.

The Basic Application Level Confidentiality Profile plus the options given with ``--option``
(``retain-uids``, ``retain-safe-private``, ``clean-descriptors``...; see ``--list-options``).
Outputs are written atomically and a rerun skips finished outputs; a file that cannot be
de-identified is reported and skipped, and the exit status is then 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="SRC... OUT")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME",
        help="an option of PS3.15 E.3 (repeatable), e.g. retain-uids",
    )
    parser.add_argument(
        "--key",
        type=Path,
        metavar="KEYFILE",
        help="secret key file for UIDs and date shifts (created if missing; default "
        "OUT/.deid/key)",
    )
    parser.add_argument(
        "--pixels-clean",
        action="store_true",
        help="state that the pixels hold no burned-in identifying information "
        "(Clean Pixel Data Option); without it Burned In Annotation YES or absent is refused",
    )
    parser.add_argument(
        "--mapping", type=Path, metavar="FILE", help="append the UID mapping here (JSON lines)"
    )
    parser.add_argument("--list-options", action="store_true", help="list the options and exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def run(args: argparse.Namespace) -> int:
    from ..deid import files
    from ..deid.profile import Profile, option_names, std

    if args.list_options:
        for name, opt in sorted(option_names().items()):
            info = std().OPTIONS[opt]
            print(f"{name:58} {info.code_value}  {info.code_meaning}")
        return 0
    if len(args.paths) < 2:
        print("dicomgen deid: give at least one SRC and the OUT folder", file=sys.stderr)
        return 2
    *sources, out_name = args.paths
    out = Path(out_name)
    if out.exists() and not out.is_dir():
        print(f"dicomgen deid: {out} is not a folder", file=sys.stderr)
        return 2
    names = list(args.option) + (["clean-pixel-data"] if args.pixels_clean else [])
    profile = Profile(names)
    paths = [Path(s) for s in sources]
    files.plan(paths, out)  # refuses a bad set of inputs before anything is written
    keys, note = files.load_key(args.key, out)
    if note and not args.quiet:
        print(f"dicomgen deid: {note}", file=sys.stderr)
    show = sys.stderr.isatty() and not args.quiet

    def progress(n: int, total: int, name: str) -> None:
        sys.stderr.write(f"\r\x1b[K[{n}/{total}] {name[-60:]}")
        sys.stderr.flush()

    result = files.run(
        paths,
        out,
        profile,
        keys,
        mapping=args.mapping,
        progress=progress if show else None,
    )
    if show:
        sys.stderr.write("\r\x1b[K")
    for f in result.failed:
        print(f"dicomgen deid: skipped {f.path}: {f.message}", file=sys.stderr)
    if not args.quiet:
        print(
            f"{len(result.written)} written, {len(result.skipped)} already done, "
            f"{len(result.failed)} failed; records in {out / files.STATE_DIR / 'records'}"
        )
    return 1 if result.failed else 0
