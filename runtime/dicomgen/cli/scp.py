"""``dicomgen scp --port P --aet AET --store DIR``: a Storage SCP with a real store, plus
Verification and Query/Retrieve (C-FIND, C-MOVE, C-GET) over what it stored (dcmtk storescp
and dcmqrscp in one).

Received instances are written atomically under DIR (Study/Series/Instance.dcm) and indexed
in ``DIR/index.sqlite`` (PS3.4 B.2.2). Security: ``--allow-aet`` (repeatable) restricts the
calling AE titles (A-ASSOCIATE-RJ reason 3 otherwise), ``--require-called-aet`` rejects a
called AE title other than ``--aet`` (reason 7), ``--tls-cert/--tls-key`` serve TLS
(PS3.15 B.1) and ``--tls-ca`` requires client certificates signed by that CA,
``--user``/``--password`` require that user identity (PS3.7 D.3.3.7, type 2): an
association without one is refused. Before association at most ``--max-pending``
connections wait, each at most ``--acse-timeout`` seconds (README, "Limits").
``--deid`` de-identifies each received data set before it is stored (PS3.15 Annex E: the
Basic Profile plus each ``--deid-option``; UIDs replaced with the key of ``--deid-key``,
default ``DIR/.deid/key``; the record of what was done in ``DIR/.deid/records.jsonl``); a
data set it refuses (Burned In Annotation YES or absent, unless ``--deid-pixels-clean``) is
answered with status C000 and its reason.
Runs until interrupted (SIGINT/SIGTERM). Prints ``listening on HOST:PORT`` once ready.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

    from dicomgen.archive.storage_scp import StorageSCP
    from dicomgen.net import AE
    from dicomgen.net.dimse.service import Handler


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", "-p", type=int, default=11112, help="TCP port (0 = any) [11112]")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on [127.0.0.1]")
    parser.add_argument("--aet", "-aet", default="DICOMGEN", help="our AE title [DICOMGEN]")
    parser.add_argument("--store", "-od", required=True, metavar="DIR", help="store folder")
    parser.add_argument(
        "--allow-aet", action="append", metavar="AET", help="accept only these calling AE titles"
    )
    parser.add_argument(
        "--require-called-aet", action="store_true", help="reject a called AE title != --aet"
    )
    parser.add_argument("--tls-cert", metavar="FILE", help="serve TLS with this certificate")
    parser.add_argument("--tls-key", metavar="FILE", help="the private key of --tls-cert")
    parser.add_argument("--tls-ca", metavar="FILE", help="require client certificates from CA")
    parser.add_argument("--user", help="require this user identity (username)")
    parser.add_argument("--password", help="... with this passcode (username+passcode)")
    parser.add_argument(
        "--move-dest",
        action="append",
        default=[],
        metavar="AET=HOST:PORT",
        help="a C-MOVE destination (repeatable)",
    )
    parser.add_argument("--max-pdu", type=int, default=1 << 20, help="our maximum PDU [1048576]")
    parser.add_argument("--max-associations", type=int, default=64, help="concurrent limit [64]")
    parser.add_argument(
        "--max-pending",
        type=int,
        default=128,
        help="connections waiting to associate; more close the oldest [128]",
    )
    parser.add_argument(
        "--max-associate-pdu",
        type=int,
        default=1 << 18,
        help="longest A-ASSOCIATE-RQ (or other non-P-DATA PDU) accepted, bytes [262144]",
    )
    parser.add_argument(
        "--max-queued",
        type=int,
        default=4 << 20,
        help="received bytes held per connection before reading pauses [4194304]",
    )
    parser.add_argument("--timeout", "-to", type=float, default=60.0, help="idle timeout [60]")
    parser.add_argument(
        "--acse-timeout",
        "-ta",
        type=float,
        default=30.0,
        help="seconds for an A-ASSOCIATE-RQ after connecting, and ARTIM [30]",
    )
    parser.add_argument(
        "--no-fsync", action="store_true", help="do not fsync files (faster, less durable)"
    )
    parser.add_argument("--no-query-retrieve", action="store_true", help="storage only")
    parser.add_argument(
        "--deid", action="store_true", help="de-identify each data set before it is stored"
    )
    parser.add_argument(
        "--deid-option",
        action="append",
        default=[],
        metavar="NAME",
        help="a PS3.15 E.3 option for --deid (repeatable; see dicomgen deid --list-options)",
    )
    parser.add_argument(
        "--deid-key",
        type=Path,
        metavar="KEYFILE",
        help="secret key for --deid UIDs and date shifts (created if missing) [DIR/.deid/key]",
    )
    parser.add_argument(
        "--deid-pixels-clean",
        action="store_true",
        help="state that received pixels hold no burned-in identifying text (--deid)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each stored file")


def parse_move_destinations(items: list[str]) -> dict[str, tuple[str, int]]:
    from dicomgen.core.errors import NetworkError

    out: dict[str, tuple[str, int]] = {}
    for item in items:
        aet, sep, address = item.partition("=")
        host, sep2, port = address.rpartition(":")
        if not sep or not sep2 or not aet or not host or not port.isdigit():
            raise NetworkError(f"--move-dest {item!r} is not AET=HOST:PORT")
        out[aet.strip()] = (host, int(port))
    return out


def deid_transform(args: argparse.Namespace, root: Path) -> Any:
    """The de-identification applied on receipt (``--deid``), or None."""
    if not args.deid:
        if args.deid_option or args.deid_key or args.deid_pixels_clean:
            from dicomgen.core.errors import DicomError

            raise DicomError("--deid-option, --deid-key and --deid-pixels-clean need --deid")
        return None
    from dicomgen.deid import files
    from dicomgen.deid.profile import Profile
    from dicomgen.deid.receipt import RECORDS_NAME, OnReceipt

    names = [*args.deid_option, *(["clean-pixel-data"] if args.deid_pixels_clean else [])]
    profile = Profile(names)
    keys, note = files.load_key(args.deid_key, root)
    if note:
        print(f"dicomgen scp: {note}", file=sys.stderr, flush=True)
    records = root / files.STATE_DIR / RECORDS_NAME
    return OnReceipt(profile, keys, records, fsync=not args.no_fsync)


def build(
    args: argparse.Namespace,
) -> tuple[AE, dict[Any, Handler], ssl.SSLContext | None, StorageSCP]:
    """The AE, the handlers, the TLS context and the store of ``args`` (for tests, too)."""
    from dicomgen.archive.storage import StorageService, add_storage_contexts
    from dicomgen.archive.storage_scp import StorageSCP
    from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts

    user_check = None
    if args.user is not None:

        def check_user(item: Any, calling_ae_title: str) -> bool:
            """Username (and passcode) identity, PS3.7 D.3.3.7 types 1 and 2."""
            return item.primary_field == args.user.encode() and (
                args.password is None or item.secondary_field == args.password.encode()
            )

        user_check = check_user

    t = args.timeout
    ae = AE(
        args.aet,
        max_pdu=args.max_pdu,
        timeouts=Timeouts(acse=args.acse_timeout, dimse=t, idle=t, artim=args.acse_timeout),
        require_called_aet=args.require_called_aet,
        allowed_calling_aets=args.allow_aet,
        max_associations=args.max_associations,
        max_pending_connections=args.max_pending,
        max_associate_length=args.max_associate_pdu,
        max_queued_bytes=args.max_queued,
        user_identity_handler=user_check,
    )
    ae.add_supported_context(VERIFICATION_SOP_CLASS)
    transform = deid_transform(args, Path(args.store))  # refuses bad options before opening
    storage = StorageSCP(args.store, fsync=not args.no_fsync, retrieve_ae_title=args.aet)

    def on_stored(request, result) -> None:
        if args.verbose:
            print(
                f"I: {request.calling_ae_title}: {request.sop_instance_uid}"
                f" 0x{result.status:04X} {result.path or result.error_comment}",
                flush=True,
            )

    handlers: dict[Any, Handler] = {
        "C-STORE": StorageService(storage, on_stored=on_stored, transform=transform)
    }
    qr = None
    if not args.no_query_retrieve:
        from dicomgen.archive import query_retrieve as qr
    # scp_role: a C-GET requestor takes the SCP role of the storage contexts (PS3.4 C.4.3).
    add_storage_contexts(ae, scp_role=True if qr is not None else None)
    if qr is not None:
        qr.add_contexts(ae, storage_sop_classes=())
        handlers = qr.install(handlers, storage, parse_move_destinations(args.move_dest))
    elif args.move_dest:
        parse_move_destinations(args.move_dest)
    ssl_context = None
    if args.tls_cert:
        import ssl

        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=args.tls_ca)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_ca:
            ssl_context.verify_mode = ssl.CERT_REQUIRED
    return ae, handlers, ssl_context, storage


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    ae, handlers, ssl_context, storage = build(args)
    server = await ae.start_server((args.bind, args.port), handlers, ssl_context=ssl_context)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    host, port = server.address
    print(f"listening on {host}:{port} as {ae.ae_title} (store: {storage.root})", flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()
        storage.close()
    print("stopped", file=sys.stderr, flush=True)
    return 0
