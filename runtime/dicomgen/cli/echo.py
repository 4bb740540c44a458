"""``dicomgen echo HOST PORT``: verify a DICOM peer with C-ECHO (PS3.7 9.1.5), dcmtk echoscu style.

Exit status 0 when the peer answered Success, 1 otherwise (rejected, aborted, timed out,
non-success status, connection refused).
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help="hostname or IP address of the peer")
    parser.add_argument("port", type=int, help="TCP port of the peer")
    parser.add_argument(
        "--aet", "-aet", default="DICOMGEN", help="our (calling) AE title [DICOMGEN]"
    )
    parser.add_argument(
        "--aec", "-aec", default="ANY-SCP", help="the peer's (called) AE title [ANY-SCP]"
    )
    parser.add_argument(
        "--timeout",
        "-to",
        type=float,
        default=30.0,
        help="seconds for connect, association and response [30]",
    )
    parser.add_argument("--repeat", type=int, default=1, help="number of C-ECHO requests [1]")
    parser.add_argument("--max-pdu", type=int, default=16384, help="our maximum PDU length [16384]")
    parser.add_argument(
        "--tls", action="store_true", help="use TLS (PS3.15 B.1), system trust store"
    )
    parser.add_argument(
        "--tls-ca", metavar="FILE", help="use TLS, trusting the CA certificate(s) in FILE"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print what happens")


def run(args: argparse.Namespace) -> int:
    from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts
    from dicomgen.net.dimse import status_class

    def say(text: str) -> None:
        if args.verbose:
            print(f"I: {text}")

    t = args.timeout
    ae = AE(
        args.aet,
        max_pdu=args.max_pdu,
        timeouts=Timeouts(connect=t, acse=t, dimse=t, idle=t, artim=t),
    )
    ae.add_requested_context(VERIFICATION_SOP_CLASS)
    ssl_context = None
    if args.tls or args.tls_ca:
        import ssl

        ssl_context = ssl.create_default_context(cafile=args.tls_ca)
    say(f"Requesting Association with {args.aec} at {args.host}:{args.port}")
    with ae.associate_sync(args.host, args.port, args.aec, ssl_context=ssl_context) as assoc:
        say(f"Association Accepted (Max Send PDV: {assoc.peer_max_pdu})")
        worst = 0
        for i in range(args.repeat):
            say(f"Sending Echo Request (MsgID {i + 1})")
            status = assoc.send_c_echo(timeout=t)
            say(f"Received Echo Response (Status: 0x{status:04X} {status_class(status).value})")
            if status != 0:
                worst = status
        say("Releasing Association")
    if worst:
        print(f"dicomgen echo: C-ECHO status 0x{worst:04X}", file=sys.stderr)
        return 1
    return 0
