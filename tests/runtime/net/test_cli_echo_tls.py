"""``dicomgen echo`` against our own SCP, and associations over TLS (Python ssl)."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
from net_processes import free_port

from dicomgen.cli.main import main
from dicomgen.core.errors import NetworkError
from dicomgen.net import AE, VERIFICATION_SOP_CLASS, Timeouts

pytestmark = pytest.mark.timeout(60)
FAST = Timeouts(connect=3, acse=3, dimse=3, idle=5, artim=1)


def scp(**kw: object) -> AE:
    ae = AE("DGSCP", timeouts=FAST, **kw)  # type: ignore[arg-type]
    ae.add_supported_context(VERIFICATION_SOP_CLASS)
    return ae


def test_cli_echo_success(capsys: pytest.CaptureFixture[str]) -> None:
    with scp().serve_sync(("127.0.0.1", 0)) as server:
        rc = main(["echo", "127.0.0.1", str(server.port), "--aec", "DGSCP", "-v", "--repeat", "2"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.count("Received Echo Response (Status: 0x0000 Success)") == 2


def test_cli_echo_failure_status_exit_1() -> None:
    with scp().serve_sync(("127.0.0.1", 0), handlers={"C-ECHO": lambda e: 0x0211}) as server:
        assert main(["echo", "127.0.0.1", str(server.port), "--timeout", "3"]) == 1


def test_cli_echo_rejected_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with scp(allowed_calling_aets=["FRIEND"]).serve_sync(("127.0.0.1", 0)) as server:
        rc = main(["echo", "127.0.0.1", str(server.port), "--aet", "STRANGER", "--timeout", "3"])
    assert rc == 1
    assert "calling ae title not recognized" in capsys.readouterr().err


def test_cli_echo_refused_exit_1() -> None:
    port = free_port()
    assert main(["echo", "127.0.0.1", str(port), "--timeout", "2"]) == 1


def test_tls_association(cert: tuple[Path, Path]) -> None:
    crt, key = cert
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(crt, key)
    client_ctx = ssl.create_default_context(cafile=str(crt))

    async def go() -> None:
        server = await scp().start_server(("127.0.0.1", 0), ssl_context=server_ctx)
        try:
            ae = AE("DGSCU", timeouts=FAST)
            ae.add_requested_context(VERIFICATION_SOP_CLASS)
            async with ae.associate("127.0.0.1", server.port, "DGSCP", ssl_context=client_ctx) as a:
                assert a.provider.transport.get_extra_info("ssl_object") is not None
                assert await a.send_c_echo() == 0
            # an untrusting client fails the handshake: a NetworkError, not a hang
            with pytest.raises(NetworkError):
                await ae.associate(
                    "127.0.0.1", server.port, "DGSCP", ssl_context=ssl.create_default_context()
                )
        finally:
            await server.close()

    asyncio.run(asyncio.wait_for(go(), 30))


def test_cli_echo_tls(cert: tuple[Path, Path]) -> None:
    crt, key = cert
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(crt, key)
    with scp().serve_sync(("127.0.0.1", 0), ssl_context=server_ctx) as server:
        assert (
            main(["echo", "127.0.0.1", str(server.port), "--aec", "DGSCP", "--tls-ca", str(crt)])
            == 0
        )
