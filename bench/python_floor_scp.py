"""Reference for bench_net_store.py: the least a C-STORE SCP written in Python can do.

Not a product SCP. One blocking thread, one association at a time, no state machine, no
timeouts, no checks beyond what it needs to answer: it reads a PDU, cuts its PDVs, and when a
C-STORE request's data set is complete answers Success. With ``--write DIR`` it first writes
the data set to ``DIR/<n>.dcm`` with one ``open``/``write``/``close`` (no File Meta
Information, no temporary name, no rename, no fsync, no index: less than dcmtk's storescp
does, which writes the File Meta Information too). Association negotiation and the command
set codec are dicomgen's (:meth:`dicomgen.net.AE.negotiate`, ``encode_command`` /
``decode_command``), so its per-instance cost is Python's own: the socket calls, a few
struct unpacks, the command set, the response.

What it shows: the least time 1,000 small C-STOREs take into an SCP written in Python on
this machine, where the cost per instance decides. An SCP that stores atomically, keeps an
index and runs a real state machine does more per instance; the difference between the two
is that SCP's own cost. (For one large data set it is no bound: it keeps every PDU.)

Run: ``python python_floor_scp.py [--write DIR]``; prints ``listening :PORT`` when ready.
"""

from __future__ import annotations

import argparse
import os
import socket
import struct
import sys

_PDU_HEADER = struct.Struct(">BBI")
_PDV_HEADER = struct.Struct(">IBB")
_RELEASE_RP = bytes.fromhex("06000000000400000000")  # A-RELEASE-RP, PS3.8 Table 9-25
_C_STORE_RQ, _C_ECHO_RQ = 0x0001, 0x0030


def recv_exact(sock: socket.socket, n: int) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:])
        if not k:
            raise EOFError
        got += k
    return buf


def read_pdu(sock: socket.socket) -> tuple[int, bytearray, bytearray]:
    header = recv_exact(sock, 6)
    pdu_type, _, length = _PDU_HEADER.unpack(header)
    return pdu_type, header, recv_exact(sock, length)


def respond(sock: socket.socket, context_id: int, command: dict) -> None:
    from dicomgen.net.dimse.command_set import encode_command

    rsp = encode_command(command)
    sock.sendall(
        _PDU_HEADER.pack(4, 0, len(rsp) + 6) + _PDV_HEADER.pack(len(rsp) + 2, context_id, 3) + rsp
    )


def serve(sock: socket.socket, ae: object, folder: str | None) -> None:
    from dicomgen.net.dimse.command_set import decode_command
    from dicomgen.net.pdu.codec import decode_pdu, encode_pdu

    pdu_type, header, body = read_pdu(sock)
    if pdu_type != 1:
        return
    accept, _contexts = ae.negotiate(decode_pdu(bytes(header + body)))  # type: ignore[attr-defined]
    sock.sendall(encode_pdu(accept))
    command: dict = {}
    fragments: list[memoryview] = []
    count = 0
    while True:
        pdu_type, _header, body = read_pdu(sock)
        if pdu_type == 5:  # A-RELEASE-RQ
            sock.sendall(_RELEASE_RP)
            return
        if pdu_type != 4:  # anything but P-DATA-TF: stop
            return
        view = memoryview(body)
        pos = 0
        while pos < len(body):
            length, context_id, control = _PDV_HEADER.unpack_from(body, pos)
            fragment = view[pos + 6 : pos + 4 + length]
            pos += 4 + length
            if control & 1:  # command (one fragment: small commands only)
                command = decode_command(bytes(fragment))
                if command.get(0x00000100) == _C_ECHO_RQ:
                    respond(
                        sock,
                        context_id,
                        {
                            0x00000002: command[0x00000002],
                            0x00000100: 0x8030,
                            0x00000120: command[0x00000110],
                            0x00000800: 0x0101,
                            0x00000900: 0,
                        },
                    )
                continue
            fragments.append(fragment)
            if not control & 2 or command.get(0x00000100) != _C_STORE_RQ:
                continue
            if folder is not None:
                fd = os.open(os.path.join(folder, f"{count}.dcm"), os.O_WRONLY | os.O_CREAT, 0o644)
                try:
                    for piece in fragments:
                        os.write(fd, piece)
                finally:
                    os.close(fd)
            fragments = []
            count += 1
            respond(
                sock,
                context_id,
                {
                    0x00000002: command[0x00000002],
                    0x00000100: 0x8001,
                    0x00000120: command[0x00000110],
                    0x00000800: 0x0101,
                    0x00000900: 0,
                    0x00001000: command[0x00001000],
                },
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", help="write each data set to a file in DIR")
    parser.add_argument("--max-pdu", type=int, default=131072)
    args = parser.parse_args()
    from dicomgen.archive.storage import add_storage_contexts
    from dicomgen.net import AE

    ae = AE("ANY-SCP", max_pdu=args.max_pdu)
    add_storage_contexts(ae)
    if args.write:
        os.makedirs(args.write, exist_ok=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print(f"listening :{listener.getsockname()[1]}", flush=True)
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            serve(sock, ae, args.write)
        except (EOFError, OSError) as exc:
            print(f"connection ended: {exc!r}", file=sys.stderr)
        finally:
            sock.close()


if __name__ == "__main__":
    main()
