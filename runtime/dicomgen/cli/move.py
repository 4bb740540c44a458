"""``dicomgen move HOST PORT --move DEST -k KEY=VALUE ...``: C-MOVE SCU (PS3.4 C.4.2).

movescu style.

The peer sends what the Identifier selects to the AE titled ``DEST`` (which it must know).
Keys and ``-P``/``-S`` as for ``dicomgen find``; ``--cancel N`` sends a C-CANCEL-RQ after N
responses. Prints the final sub-operation counts; exit status 0 when the final status is
Success, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from .find import add_common_arguments, make_ae, parse_keys, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--move", "-aem", required=True, metavar="DEST", help="Move Destination AE")
    parser.add_argument(
        "--cancel", type=int, default=None, metavar="N", help="send C-CANCEL-RQ after N responses"
    )


def report(kind: str, rsp: object) -> str:
    from dicomgen.net.dimse.move import RetrieveResponse

    assert isinstance(rsp, RetrieveResponse)
    text = (
        f"{kind} final status 0x{rsp.status:04X}: completed {rsp.completed}, failed"
        f" {rsp.failed}, warning {rsp.warning}"
    )
    if rsp.failed_sop_instance_uids:
        text += "; failed: " + ", ".join(rsp.failed_sop_instance_uids)
    if rsp.error_comment:
        text += f" ({rsp.error_comment})"
    return text


async def _run(args: argparse.Namespace) -> int:
    from dicomgen.net.dimse.find import sop_class_for
    from dicomgen.net.dimse.move import c_move

    identifier = parse_keys(args.keys)
    ae = make_ae(args)
    ae.add_requested_context(sop_class_for(args.model, "MOVE"))
    say(args, f"Requesting Association with {args.aec} at {args.host}:{args.port}")
    last = None
    async with ae.associate(args.host, args.port, args.aec) as assoc:
        stream = c_move(assoc, identifier, args.move, args.model, timeout=args.timeout)
        count = 0
        async for rsp in stream:
            count += 1
            say(
                args,
                f"Move Response {count} (Status 0x{rsp.status:04X}, remaining {rsp.remaining},"
                f" completed {rsp.completed}, failed {rsp.failed}, warning {rsp.warning})",
            )
            if args.cancel is not None and count == args.cancel:
                await stream.cancel()
            last = rsp
    assert last is not None
    print(report("C-MOVE", last))
    if last.status != 0 and not (args.cancel is not None and last.status == 0xFE00):
        print(f"dicomgen move: final status 0x{last.status:04X}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
