"""The ``dicomgen`` command.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``. Modules are named as strings and imported only when their
subcommand runs, so ``dicomgen --help`` stays fast and the runtime never imports
the generator at import time (``fetch``/``generate`` live in ``dicomgen_codegen``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# subcommand -> (module, one-line help). Sorted by name.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "deid": ("dicomgen.cli.deid", "de-identify files and folders by PS3.15 Annex E"),
    "demo": ("dicomgen.cli.demo", "run the whole pipeline end to end and report what it did"),
    "dicomdir": ("dicomgen.cli.dicomdir", "build or list a DICOM File-set and its DICOMDIR"),
    "dump": ("dicomgen.cli.dump", "list a DICOM file's elements (dcmdump-like, or DICOM JSON)"),
    "echo": ("dicomgen.cli.echo", "verify a DICOM peer with C-ECHO (echoscu-like)"),
    "fetch": ("dicomgen_codegen.cli_fetch", "download DocBook XML of a DICOM edition"),
    "find": ("dicomgen.cli.find", "query a DICOM peer with C-FIND (findscu-like)"),
    "generate": ("dicomgen_codegen.cli_generate", "regenerate dicomgen_std from the IR or XML"),
    "get": ("dicomgen.cli.get", "retrieve from a DICOM peer with C-GET (getscu-like)"),
    "move": ("dicomgen.cli.move", "have a DICOM peer send instances with C-MOVE (movescu-like)"),
    "scp": ("dicomgen.cli.scp", "Storage + Q/R SCP storing into a folder (storescp-like)"),
    "sr": ("dicomgen.cli.sr", "dump or validate a structured report's content tree"),
    "store": ("dicomgen.cli.store", "send DICOM files with C-STORE (storescu-like)"),
    "validate": ("dicomgen.cli.validate", "check DICOM files against their IOD (dciodvfy-like)"),
}


def register(name: str, module: str, help_text: str) -> None:
    """Add a subcommand (used by tests and extensions)."""
    SUBCOMMANDS[name] = (module, help_text)


def _build_parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, str | None]:
    from dicomgen import __version__

    # The module docstring is None under ``python -OO``.
    description = __doc__.splitlines()[0] if __doc__ else None
    parser = argparse.ArgumentParser(prog="dicomgen", description=description)
    parser.add_argument("--version", action="version", version=f"dicomgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in sorted(SUBCOMMANDS.items()):
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module).add_arguments(p)
    return parser, chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; the exit status. Errors end with one line on stderr naming the
    command, the file and what is wrong (status 1); output closed early (``| head``) ends
    quietly with 141 and Ctrl-C with 130 (128 + SIGPIPE / SIGINT, as the shell reports them)."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end the line ^C was echoed on
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return 141


def _main(args_list: list[str]) -> int:
    from dicomgen.core.errors import DicomError

    parser, _ = _build_parser(args_list)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 2
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    try:
        status = int(module.run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        raise
    except DicomError as exc:
        print(f"dicomgen {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"dicomgen {args.command}: error: {_os_error(exc)}", file=sys.stderr)
        return 1


def _os_error(exc: OSError) -> str:
    """``FILE: No such file or directory`` (the file first, as cp and ls report it)."""
    what = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {what}"
    return what


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured): nothing to do
        pass


if __name__ == "__main__":
    raise SystemExit(main())
