"""``dicomgen store HOST PORT FILE|DIR...``: send DICOM files with C-STORE (PS3.7 9.1.1),
dcmtk storescu style.

One association carries all files. For each SOP Class found, one presentation context
proposes the native transfer syntaxes (``--ts``/``-xe``/``-xi``/``-xb``/``-xd``; default
Explicit then Implicit VR Little Endian) and, for files in another transfer syntax (e.g.
JPEG), one more context proposing exactly that one, so compressed files go unchanged.

Every file is checked before anything is sent: it must decode whole, its declared lengths
must fit the file and its native Pixel Data must be as long as described. A file that fails
the check, cannot be sent on the association or is refused by the peer is reported and the
others go on (one file's defect never aborts the association); ``--halt`` stops at the first
such file instead. Exit status 0 when every file was stored with Success (or a warning), 1
otherwise.
"""

from __future__ import annotations

import argparse
import sys

_TS_SHORTCUTS = {
    "xe": ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2"),
    "xi": ("1.2.840.10008.1.2",),
    "xb": ("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"),
    "xd": ("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help="hostname or IP address of the peer")
    parser.add_argument("port", type=int, help="TCP port of the peer")
    parser.add_argument("paths", nargs="+", metavar="FILE|DIR", help="DICOM files or folders")
    parser.add_argument("--aet", "-aet", default="DICOMGEN", help="our AE title [DICOMGEN]")
    parser.add_argument("--aec", "-aec", default="ANY-SCP", help="the peer's AE title [ANY-SCP]")
    parser.add_argument("-r", "--recurse", action="store_true", help="descend into sub-folders")
    parser.add_argument(
        "--ts",
        action="append",
        metavar="UID|KEYWORD",
        help="native transfer syntax to propose (repeatable, in order of preference)",
    )
    group = parser.add_mutually_exclusive_group()
    for key, help_text in (
        ("xe", "propose Explicit VR LE, then Implicit (default)"),
        ("xi", "propose Implicit VR Little Endian only"),
        ("xb", "propose Explicit VR Big Endian first"),
        ("xd", "propose Deflated Explicit VR LE first"),
    ):
        group.add_argument(
            f"-{key}", dest="ts_shortcut", action="store_const", const=key, help=help_text
        )
    parser.add_argument(
        "--timeout", "-to", type=float, default=30.0, help="network timeout in seconds [30]"
    )
    parser.add_argument("--max-pdu", type=int, default=131072, help="our maximum PDU [131072]")
    parser.add_argument("--tls", action="store_true", help="use TLS (system trust store)")
    parser.add_argument("--tls-ca", metavar="FILE", help="use TLS trusting the CA(s) in FILE")
    parser.add_argument("--tls-cert", metavar="FILE", help="our TLS certificate (client auth)")
    parser.add_argument("--tls-key", metavar="FILE", help="the key of --tls-cert")
    parser.add_argument(
        "--halt", action="store_true", help="stop at the first file that is not stored"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each file")


def _resolve_ts(name: str) -> str:
    from dicomgen.core.errors import NetworkError
    from dicomgen.encoding.transfer_syntax import resolve

    try:
        return resolve(name).uid
    except Exception:
        pass
    from dicomgen_std import transfer_syntaxes as registry

    ts = getattr(registry, name, None)
    if ts is None:
        raise NetworkError(f"unknown transfer syntax {name!r}")
    return str(ts.uid)


def native_proposal(args: argparse.Namespace) -> tuple[str, ...]:
    if args.ts:
        return tuple(_resolve_ts(t) for t in args.ts)
    return _TS_SHORTCUTS[args.ts_shortcut or "xe"]


def plan_contexts(
    sources: list[tuple[str, str, str]], native: tuple[str, ...]
) -> list[tuple[str, tuple[str, ...]]]:
    """Presentation contexts for ``(path, sop_class, transfer_syntax)`` files: per SOP Class
    one with ``native`` (native files are converted to them when needed), plus one per
    compressed transfer syntax found, which files cannot be converted from (at most 128)."""
    from dicomgen.core.errors import NetworkError
    from dicomgen.net.dimse.store_sources import is_native

    out: list[tuple[str, tuple[str, ...]]] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for _path, sop_class, ts in sources:
        own = ((sop_class, (ts,)),) if ts not in native and not is_native(ts) else ()
        for proposal in ((sop_class, native),) + own:
            if proposal not in seen:
                seen.add(proposal)
                out.append(proposal)
    if len(out) > 128:
        raise NetworkError(
            f"the files need {len(out)} presentation contexts; one association carries 128"
        )
    return out


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from dicomgen.core.errors import AssociationAborted, DicomError, NetworkTimeout
    from dicomgen.net import AE, Timeouts
    from dicomgen.net.dimse.store import c_store_many
    from dicomgen.net.dimse.store_sources import FileSource, iter_files

    def say(text: str) -> None:
        if args.verbose:
            print(f"I: {text}", flush=True)

    native = native_proposal(args)
    sources: list[tuple[str, str, str]] = []
    failed = 0
    for path in iter_files(args.paths, recurse=args.recurse):
        try:
            src = FileSource(path)
        except DicomError as exc:
            print(f"E: skipping {path}: {exc}", file=sys.stderr)
            failed += 1
            if args.halt:
                print("dicomgen store: halted (--halt)", file=sys.stderr)
                return 1
            continue
        sources.append((path, src.sop_class_uid, src.transfer_syntax or ""))
        src.close()
    if not sources:
        where = ", ".join(args.paths)
        print(f"dicomgen store: no DICOM file to send in {where}", file=sys.stderr)
        return 1
    t = args.timeout
    ae = AE(args.aet, max_pdu=args.max_pdu, timeouts=Timeouts(connect=t, acse=t, dimse=t, idle=t))
    for sop_class, tss in plan_contexts(sources, native):
        ae.add_requested_context(sop_class, tss)
    ssl_context = None
    if args.tls or args.tls_ca or args.tls_cert:
        import ssl

        ssl_context = ssl.create_default_context(cafile=args.tls_ca)
        if args.tls_cert:
            ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
    say(f"Requesting Association with {args.aec} at {args.host}:{args.port}")
    sent = 0
    try:
        async with ae.associate(args.host, args.port, args.aec, ssl_context=ssl_context) as assoc:
            say(f"Association Accepted (Max Send PDV: {assoc.peer_max_pdu})")
            async for path, rsp in c_store_many(assoc, [path for path, _cls, _ts in sources]):
                sent += 1
                if isinstance(rsp, DicomError):
                    print(f"E: {path}: {rsp}", file=sys.stderr)
                    failed += 1
                elif rsp.status_class in ("Success", "Warning"):
                    say(f"{path}: 0x{rsp.status:04X} {rsp.status_class} ({rsp.transfer_syntax})")
                    continue
                else:
                    print(
                        f"E: {path}: C-STORE status 0x{rsp.status:04X} {rsp.error_comment or ''}",
                        file=sys.stderr,
                    )
                    failed += 1
                if args.halt:
                    print("dicomgen store: halted (--halt)", file=sys.stderr)
                    break
            say("Releasing Association")
    except (AssociationAborted, NetworkTimeout) as exc:
        print(f"E: the association ended: {exc}", file=sys.stderr)
        failed += len(sources) - sent
    unsent = len(sources) - sent if args.halt else 0
    if failed or unsent:
        print(
            f"dicomgen store: {failed} file(s) not stored"
            + (f", {unsent} not sent" if unsent else ""),
            file=sys.stderr,
        )
        return 1
    return 0
