"""Typed IOD classes vs pydicom: build + encode CT Images to Part 10 bytes, and decode them.

The CT Image is the one of ``tests/generated/pyright/ct_image_complete.py`` (about 60 attributes,
a Referenced Image Sequence item, 64x64 16-bit pixels by default). In the same run:

- build+encode: dicomgen ``CTImageIOD(...)`` -> ``to_file(BytesIO)``; pydicom: ``Dataset()`` with
  the same attributes set by keyword (values given as DICOM strings, the cheapest form for
  pydicom) + ``save_as(BytesIO)``. Target >= 3x.
- encode only (objects built beforehand): ``to_file`` vs ``save_as``.
- decode: ``CTImageIOD.from_file(bytes)`` (every attribute the class knows is decoded into its
  typed field) vs ``pydicom.dcmread`` + reading every element value. Target >= 2x.

    python bench/bench_typed_encode.py [--n N] [--rows R]
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _builder() -> Callable[..., Any]:
    path = REPO / "tests" / "generated" / "pyright" / "ct_image_complete.py"
    spec = importlib.util.spec_from_file_location("_bench_ct_image_complete", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.build_ct_image


# --- recipes: the same content for both libraries, prepared outside the timed loops --------


def typed_recipe(obj: Any) -> tuple[type, dict[str, Any]]:
    """(class, {field: value or [item recipes]}) of a typed object's non-None fields."""
    kwargs: dict[str, Any] = {}
    for f in type(obj).__dicom__.fields:
        v = getattr(obj, f.name)
        if v is None:
            continue
        kwargs[f.name] = [typed_recipe(i) for i in v] if f.vr == "SQ" else v
    return type(obj), kwargs


def build_typed(recipe: tuple[type, dict[str, Any]]) -> Any:
    cls, kwargs = recipe
    kw = {k: [build_typed(i) for i in v] if isinstance(v, list) else v for k, v in kwargs.items()}
    return cls(**kw)


def pydicom_recipe(ds: Any) -> list[tuple[str, Any]]:
    """[(keyword, value or [item recipes])] from our data set, values as DICOM strings/ints."""
    from dicomgen.core.dictionary import keyword_for

    out: list[tuple[str, Any]] = []
    for e in ds.values():
        kw = keyword_for(e.tag)
        v = e.value
        if e.vr == "SQ":
            out.append((kw, [pydicom_recipe(i) for i in v]))
        elif v is None:
            out.append((kw, None))
        elif e.vr in ("OB", "OW", "UN"):
            out.append((kw, bytes(v)))
        elif e.vr in ("US", "SS", "UL", "SL", "FL", "FD", "AT"):
            out.append((kw, list(v) if isinstance(v, list) else v))
        elif isinstance(v, list):
            out.append((kw, [str(x) for x in v]))
        else:
            out.append((kw, str(v)))
    return out


def build_pydicom(recipe: list[tuple[str, Any]]) -> Any:
    from pydicom.dataset import Dataset

    ds = Dataset()
    for kw, v in recipe:
        if isinstance(v, list) and v and isinstance(v[0], list):
            setattr(ds, kw, [build_pydicom(i) for i in v])
        else:
            setattr(ds, kw, v)
    return ds


def save_pydicom(ds: Any) -> bytes:
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = ds.SOPClassUID
    fm.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    fm.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = fm
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def save_typed(obj: Any) -> bytes:
    buf = io.BytesIO()
    obj.to_file(buf, "1.2.840.10008.1.2.1")
    return buf.getvalue()


def _walk_pydicom(ds: Any) -> None:
    for elem in ds:
        v = elem.value
        if elem.VR == "SQ":
            for item in v:
                _walk_pydicom(item)


def _timed(fn: Callable[[], Any], n: int) -> float:
    fn()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - t0)
    return best / n


def main(argv: list[str] | None = None) -> int:
    import pydicom

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=300, help="iterations per measurement")
    p.add_argument("--rows", type=int, default=64, help="rows = columns of the image")
    args = p.parse_args(argv)

    obj = _builder()(1, args.rows, args.rows)
    cls = type(obj)
    t_recipe = typed_recipe(obj)
    p_recipe = pydicom_recipe(obj.to_dataset())
    ours_bytes = save_typed(build_typed(t_recipe))
    theirs_bytes = save_pydicom(build_pydicom(p_recipe))
    # the same content: each library reads the other's file to the same values
    a = pydicom.dcmread(io.BytesIO(ours_bytes))
    b = pydicom.dcmread(io.BytesIO(theirs_bytes))
    assert [e.tag for e in a] == [e.tag for e in b], "the two data sets differ"
    for ea in a:
        assert ea.VR == b[ea.tag].VR and (ea.VR == "SQ" or ea.value == b[ea.tag].value), ea

    n = args.n
    rows = []
    t_ours = _timed(lambda: save_typed(build_typed(t_recipe)), n)
    t_pyd = _timed(lambda: save_pydicom(build_pydicom(p_recipe)), n)
    rows.append(("build + encode", t_ours, t_pyd, 3.0))
    built = build_typed(t_recipe)
    pbuilt = build_pydicom(p_recipe)
    rows.append(
        (
            "encode only",
            _timed(lambda: save_typed(built), n),
            _timed(lambda: save_pydicom(pbuilt), n),
            0,
        )
    )
    t_ours = _timed(lambda: cls.from_file(ours_bytes), n)
    t_pyd = _timed(lambda: _walk_pydicom(pydicom.dcmread(io.BytesIO(theirs_bytes))), n)
    rows.append(("decode", t_ours, t_pyd, 2.0))

    print(f"CT Image {args.rows}x{args.rows}, {len(ours_bytes)} bytes, {len(p_recipe)} elements")
    print(f"{'':16} {'dicomgen':>12} {'pydicom':>12} {'ratio':>7}  target")
    ok = True
    for name, ours, theirs, target in rows:
        ratio = theirs / ours
        mark = "" if not target else ("ok" if ratio >= target else "MISSED") + f" (>= {target:g}x)"
        ok &= not target or ratio >= target
        print(f"{name:16} {ours * 1e6:10.1f}us {theirs * 1e6:10.1f}us {ratio:6.2f}x  {mark}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
