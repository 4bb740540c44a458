"""``dicomgen get HOST PORT -k KEY=VALUE ... [-od DIR]``: C-GET SCU (PS3.4 C.4.3), getscu style.

The instances come back on the same association as C-STORE sub-operations: we propose the
Storage SOP Classes (all of the generated registry that fit, or ``--sop-class`` ones) with
the SCP role (PS3.7 D.3.3.4) and write each received instance as a Part 10 file
``DIR/<SOP Instance UID>.dcm``. Keys and ``-P``/``-S`` as for ``dicomgen find``. Exit status 0
when the final status is Success, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from .find import add_common_arguments, make_ae, parse_keys, say
from .move import report

#: Storage SOP Classes proposed by default (a presentation context each, so at most 127 fit
#: next to the C-GET one, PS3.8 9.3.2.2): the registry's, in registry order.
MAX_STORAGE_CONTEXTS = 120


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "--output-dir", "-od", default=".", help="folder for the received files [.]"
    )
    parser.add_argument(
        "--sop-class",
        action="append",
        default=[],
        metavar="UID",
        help="Storage SOP Class to accept (repeatable; default: the common ones)",
    )
    parser.add_argument(
        "--propose-ts",
        action="append",
        default=[],
        metavar="UID",
        help="also accept instances in this (compressed) transfer syntax: one more context per"
        " SOP Class (repeatable; use with --sop-class, at most 128 contexts)",
    )


async def _run(args: argparse.Namespace) -> int:
    from dicomgen.archive.files import part10_header, safe_name
    from dicomgen.core.errors import DimseError
    from dicomgen.net.dimse.get import Received, add_get_contexts, c_get

    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    classes = list(args.sop_class)
    if not classes:
        from dicomgen_std.sop_classes import STORAGE_SOP_CLASSES

        classes = list(STORAGE_SOP_CLASSES)[:MAX_STORAGE_CONTEXTS]
    if args.propose_ts and not args.sop_class:
        classes = classes[: max(1, 127 // (1 + len(args.propose_ts)))]
    if len(classes) * (1 + len(args.propose_ts)) + 1 > 128:
        raise DimseError(
            f"{len(classes)} SOP Classes x {1 + len(args.propose_ts)} transfer syntax proposals"
            " do not fit in 128 presentation contexts (PS3.8 9.3.2.2)"
        )
    identifier = parse_keys(args.keys)
    ae = make_ae(args)
    add_get_contexts(ae, args.model, classes)
    for ts in args.propose_ts:
        for uid in classes:
            ae.add_requested_context(uid, (ts,), scu_role=False, scp_role=True)
    written: list[Path] = []

    def on_store(event: object) -> int:
        cmd = event.command  # type: ignore[attr-defined]
        out = Received(
            str(cmd.AffectedSOPClassUID or ""),
            str(cmd.AffectedSOPInstanceUID or ""),
            event.context.transfer_syntax,  # type: ignore[attr-defined]
            bytes(event.message.dataset or b""),  # type: ignore[attr-defined]
        )
        head = part10_header(out.sop_class_uid, out.sop_instance_uid, out.transfer_syntax)
        path = out_dir / f"{safe_name(out.sop_instance_uid)}.dcm"
        try:
            path.write_bytes(head + out.data)
        except OSError as exc:
            say(args, f"cannot write {path}: {exc}")
            return 0xA700  # Refused: Out of Resources (PS3.4 Table B.2-1)
        written.append(path)
        say(args, f"Received {out.sop_instance_uid} -> {path}")
        return 0

    say(args, f"Requesting Association with {args.aec} at {args.host}:{args.port}")
    last = None
    async with ae.associate(
        args.host, args.port, args.aec, handlers={"C-STORE": on_store}
    ) as assoc:
        async for rsp in c_get(assoc, identifier, args.model, timeout=args.timeout):
            say(
                args,
                f"Get Response (Status 0x{rsp.status:04X}, remaining {rsp.remaining},"
                f" completed {rsp.completed}, failed {rsp.failed}, warning {rsp.warning})",
            )
            last = rsp
    assert last is not None
    print(report("C-GET", last))
    if last.status != 0:
        print(f"dicomgen get: final status 0x{last.status:04X}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
