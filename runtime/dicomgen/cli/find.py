"""``dicomgen find HOST PORT -k KEY=VALUE ...``: C-FIND SCU (PS3.4 C.4.1), findscu style.

Each match is printed as one line of DICOM JSON (PS3.18 F); ``-v`` reports the responses on
stderr. Keys (``-k``, repeatable): ``Keyword=value``, ``gggg,eeee=value``, or without
``=value`` for a universal (empty) key; inside sequences ``Seq[0].Keyword=value`` (dcmtk
style) or ``Seq/Keyword=value``; several values separated by ``\\``. ``-P``/``-S`` choose the
Patient Root / Study Root model (default Study Root); ``--cancel N`` sends a C-CANCEL-RQ
after N responses. Exit status 0 when the final status is Success, 1 otherwise.

The helpers here (:func:`add_common_arguments`, :func:`parse_keys`, :func:`make_ae`) are shared
with ``dicomgen move`` and ``dicomgen get``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from typing import Any

_SEGMENT = re.compile(r"^(?P<name>[^\[\]]+?)(?:\[(?P<index>\d+)\])?$")
_NUMERIC = {
    "US": int,
    "SS": int,
    "UL": int,
    "SL": int,
    "UV": int,
    "SV": int,
    "FL": float,
    "FD": float,
}


def add_common_arguments(parser: argparse.ArgumentParser, *, keys: bool = True) -> None:
    parser.add_argument("host", help="hostname or IP address of the peer")
    parser.add_argument("port", type=int, help="TCP port of the peer")
    parser.add_argument(
        "--aet", "-aet", default="DICOMGEN", help="our (calling) AE title [DICOMGEN]"
    )
    parser.add_argument("--aec", "-aec", default="ANY-SCP", help="the peer's AE title [ANY-SCP]")
    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "-P",
        "--patient",
        dest="model",
        action="store_const",
        const="PATIENT",
        help="Patient Root Information Model",
    )
    model.add_argument(
        "-S",
        "--study",
        dest="model",
        action="store_const",
        const="STUDY",
        help="Study Root Information Model (default)",
    )
    parser.set_defaults(model="STUDY")
    if keys:
        parser.add_argument(
            "-k",
            "--key",
            dest="keys",
            action="append",
            default=[],
            metavar="KEY[=VALUE]",
            help="a query key (repeatable): Keyword=value, gggg,eeee=value, Seq[0].Keyword=value",
        )
    parser.add_argument(
        "--timeout",
        "-to",
        type=float,
        default=30.0,
        help="seconds for connect, association and each response [30]",
    )
    parser.add_argument("--max-pdu", type=int, default=16384, help="our maximum PDU length [16384]")
    parser.add_argument("-v", "--verbose", action="store_true", help="report responses on stderr")


def _tag(name: str) -> int:
    from dicomgen.core.errors import DimseError
    from dicomgen.net.dimse.find import tag_of_key

    try:
        return tag_of_key(name)
    except DimseError as exc:
        raise DimseError(f"-k {name}: {exc}") from None


def _value(vr: str, text: str) -> Any:
    from dicomgen.core.errors import DimseError

    if text == "":
        return None
    parts = text.split("\\")
    conv = _NUMERIC.get(vr)
    if conv is not None:
        try:
            values = [conv(p) for p in parts]
        except ValueError:
            raise DimseError(f"{text!r} is not a {vr} value") from None
    else:
        values = parts
    return values[0] if len(values) == 1 else values


def parse_keys(keys: list[str]) -> Any:
    """A Dataset from ``-k`` arguments (see the module docstring)."""
    from dicomgen.core.dataset import Dataset, dictionary_vr
    from dicomgen.core.element import DataElement
    from dicomgen.core.errors import DimseError

    ds = Dataset()
    for arg in keys:
        path, has_value, text = arg.partition("=")
        segments = [s for s in re.split(r"[./]", path.strip()) if s]
        if not segments:
            raise DimseError(f"-k {arg!r}: no key")
        current = ds
        for i, seg in enumerate(segments):
            m = _SEGMENT.match(seg.strip())
            if m is None:
                raise DimseError(f"-k {arg!r}: cannot read {seg!r}")
            tag = _tag(m.group("name"))
            vr = dictionary_vr(tag, [current])
            last = i == len(segments) - 1
            if vr == "SQ":
                elem = current.get(tag)
                if elem is None:
                    elem = current.add(DataElement(tag, "SQ", []))
                items = elem.value if elem.value is not None else []
                if last and m.group("index") is None:
                    if text:
                        raise DimseError(f"-k {arg!r}: a sequence takes no value")
                    elem.value = items
                    continue
                index = int(m.group("index") or 0)
                while len(items) <= index:
                    items.append(Dataset())
                elem.value = items
                current = items[index]
                if last:
                    raise DimseError(f"-k {arg!r}: a sequence item takes no value")
                continue
            if not last:
                raise DimseError(f"-k {arg!r}: {seg} is not a sequence")
            current.add(DataElement(tag, vr, _value(vr, text if has_value else "")))
    return ds


def make_ae(args: argparse.Namespace) -> Any:
    from dicomgen.net import AE, Timeouts

    t = args.timeout
    return AE(
        args.aet,
        max_pdu=args.max_pdu,
        timeouts=Timeouts(connect=t, acse=t, dimse=t, idle=t, artim=min(t, 30.0)),
    )


def say(args: argparse.Namespace, text: str) -> None:
    if args.verbose:
        print(f"I: {text}", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "--cancel",
        type=int,
        default=None,
        metavar="N",
        help="send C-CANCEL-RQ after N responses",
    )


async def _run(args: argparse.Namespace) -> int:
    from dicomgen.encoding.json import to_json_str
    from dicomgen.net.dimse.find import c_find, sop_class_for

    identifier = parse_keys(args.keys)
    ae = make_ae(args)
    ae.add_requested_context(sop_class_for(args.model, "FIND"))
    say(args, f"Requesting Association with {args.aec} at {args.host}:{args.port}")
    final = None
    async with ae.associate(args.host, args.port, args.aec) as assoc:
        stream = c_find(assoc, identifier, args.model, timeout=args.timeout)
        count = 0
        async for status, ds in stream:
            count += 1
            if ds is not None:
                print(to_json_str(ds))
            say(args, f"Find Response {count} (Status 0x{status:04X})")
            if args.cancel is not None and count == args.cancel:
                say(args, "Sending Cancel Request")
                await stream.cancel()
            final = status
        if stream.error_comment:
            say(args, f"Error Comment: {stream.error_comment}")
    if final != 0 and not (args.cancel is not None and final == 0xFE00):
        print(f"dicomgen find: final status 0x{(final or 0):04X}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
