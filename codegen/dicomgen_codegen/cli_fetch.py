"""``dicomgen fetch EDITION``: download the DocBook XML of a DICOM edition.

Downloads ``<base>/medical/dicom/<EDITION>/source/docbook/partNN/partNN.xml`` for each
requested part into ``<dest>/<EDITION>/partNN.xml`` and records edition, size and
sha256 in ``<dest>/<EDITION>/manifest.json`` (see :mod:`dicomgen_codegen.fetch`).

By default the parts the generator reads are fetched: PS3.3, 3.4, 3.5, 3.6, 3.7,
3.15 and 3.16 (``--parts all`` fetches every published part). Parts already cached
with the size and sha256 of the manifest are not downloaded again (``--force`` does;
use it to pick up a newer ``current``: the manifest records which edition it was).
Progress goes to stderr only when it is a terminal (or with ``--progress``).
A part that fails is reported and nothing is cached for it; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dicomgen.core.errors import StandardSourceError

from .fetch import FetchedPart, TextProgress, default_dest, fetch_edition
from .sources import ALL_PARTS, DEFAULT_PARTS, NEMA_BASE_URL, check_edition_name


def _part_list(values: list[str]) -> list[int]:
    parts: list[int] = []
    for value in values:
        for item in value.replace(",", " ").split():
            if item.lower() == "all":
                parts.extend(ALL_PARTS)
                continue
            try:
                n = int(item)
            except ValueError:
                raise argparse.ArgumentTypeError(f"not a part number: {item!r}") from None
            if not 1 <= n <= 99:
                raise argparse.ArgumentTypeError(f"not a part number: {n}")
            parts.append(n)
    return sorted(set(parts))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("edition", help="edition to fetch, e.g. 2025b, or 'current'")
    parser.add_argument(
        "--parts",
        nargs="+",
        metavar="N",
        default=None,
        help="part numbers (e.g. 3 4 6, or 'all'); default: "
        + " ".join(map(str, DEFAULT_PARTS))
        + " (the parts the generator reads)",
    )
    parser.add_argument(
        "--base-url", default=NEMA_BASE_URL, help=f"site to fetch from (default {NEMA_BASE_URL})"
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=None,
        help="cache folder; files go to DEST/EDITION/ (default: <repo>/standard_xml in a "
        "source checkout, else the user cache folder)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="socket timeout in seconds (default 30)"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=4,
        help="further attempts after a transient failure, resuming the download (default 4)",
    )
    parser.add_argument(
        "--force", action="store_true", help="download again even if the cache is up to date"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show download progress on stderr (default: only when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        parts = _part_list(args.parts) if args.parts else list(DEFAULT_PARTS)
    except argparse.ArgumentTypeError as exc:
        raise StandardSourceError(f"--parts: {exc}") from None
    if args.retries < 0 or args.timeout <= 0:
        raise StandardSourceError("--retries must be >= 0 and --timeout > 0")
    check_edition_name(args.edition)
    dest: Path = args.dest if args.dest is not None else default_dest()
    show = sys.stderr.isatty() if args.progress is None else bool(args.progress)

    def progress_for(part: int) -> TextProgress | None:
        return TextProgress(f"part{part:02d}.xml", sys.stderr) if show else None

    def on_part(got: FetchedPart | None, part: int, error: StandardSourceError | None) -> None:
        if got is not None:
            state = "downloaded" if got.downloaded else "up to date"
            print(f"{got.path}: PS3.{got.part} {got.edition}, {got.size} bytes, {state}")
            print(f"  sha256 {got.sha256}")
        elif len(parts) > 1:  # a single failure is raised (and printed) by the caller
            print(f"dicomgen fetch: {error}", file=sys.stderr)

    report = fetch_edition(
        args.edition,
        parts,
        dest,
        base_url=args.base_url,
        timeout=args.timeout,
        retries=args.retries,
        force=args.force,
        on_part=on_part,
        progress_for=progress_for,
    )
    if report.errors:
        if len(parts) == 1:
            raise report.errors[0][1]
        failed = ", ".join(f"PS3.{p}" for p, _ in report.errors)
        raise StandardSourceError(
            f"{len(report.errors)} of {len(parts)} parts failed ({failed}); "
            "nothing was cached for them"
        )
    print(f"{len(report.fetched)} part(s) of {args.edition} in {dest / args.edition}")
    return 0
