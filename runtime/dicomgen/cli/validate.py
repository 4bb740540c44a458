"""``dicomgen validate FILE...``: check DICOM files against their IOD (like dciodvfy).

Each file is read as Part 10 (PS3.10), its IOD class is chosen from the SOP Class UID
(0008,0016) through :func:`dicomgen.core.typed.iod_class_for`, and every
:class:`~dicomgen.core.validation.Finding` is printed as
``Error - <IOD> / <module>: <attribute path> (gggg,eeee): <message> [<rule>] (<standard text>)``.
Rules whose condition the generator could not parse are counted ("not checked") and listed with
``--show-info``. The exit status is 1 when any file has an error (or cannot be read or has no IOD
class), else 0.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING, Any, TextIO

from ..core.errors import DicomError

if TYPE_CHECKING:
    from ..core.validation import ValidationResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="DICOM Part 10 files")
    parser.add_argument(
        "--iod",
        metavar="MODULE:CLASS",
        help="validate against this class (e.g. dicomgen_std.iods.ct_image:CTImageIOD) "
        "instead of the one of the SOP Class UID",
    )
    parser.add_argument(
        "--show-info", action="store_true", help="also list the rules that were not checked"
    )
    parser.add_argument("--no-warnings", action="store_true", help="do not list warnings")


def _load_class(target: str) -> Any:
    """The class named ``module:Class`` (``--iod``); a DicomError saying what is missing."""
    module, _, qualname = target.partition(":")
    if not module or not qualname:
        raise DicomError(f"--iod {target}: expected MODULE:CLASS")
    try:
        obj: Any = importlib.import_module(module)
    except ImportError as exc:
        raise DicomError(f"--iod {target}: cannot import {module}: {exc}") from None
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise DicomError(f"--iod {target}: {module} has no {qualname}")
        obj = getattr(obj, part)
    if not hasattr(obj, "__dicom__"):
        raise DicomError(f"--iod {target}: {qualname} is not a typed DICOM class")
    return obj


def validate_file(path: str, cls: Any = None) -> tuple[ValidationResult, str]:
    """The findings of one file and the title of the IOD it was checked against."""
    from ..core.typed import iod_class_for
    from ..core.validation import validate_dataset
    from ..media import part10

    ds = part10.read(path)
    if cls is None:
        e = ds.get(0x00080016)
        uid = str(e.value).strip("\0 ") if e is not None and e.value else ""
        if not uid:
            raise DicomError("no SOP Class UID (0008,0016): cannot choose an IOD", path=path)
        cls = iod_class_for(uid)
        if cls is None:
            raise DicomError(f"no IOD class for SOP Class UID {uid}", path=path, tag=0x00080016)
    return validate_dataset(ds, cls), cls.__dicom__.title


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    cls = _load_class(args.iod) if args.iod else None
    status = 0
    for path in args.files:
        try:
            findings, iod = validate_file(path, cls)
        except (DicomError, OSError) as exc:
            print(f"{path}: Error - {exc}", file=out)
            status = 1
            continue
        for f in findings:
            if (f.severity == "warning" and args.no_warnings) or (
                f.severity == "info" and not args.show_info
            ):
                continue
            print(f"{path}: {f}", file=out)
        print(f"{path}: {iod}: {findings.summary()}", file=out)
        if not findings:
            status = 1
    return status
