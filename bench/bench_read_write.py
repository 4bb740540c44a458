"""Read/write throughput on pydicom's test corpus (header-heavy files): dicomgen vs pydicom.

For each library, in the same run: read every file, access every element value (nested
sequence items included), and write the data set back to memory in its own transfer
syntax. Prints files/s for both and the ratios (targets: read >= 2x pydicom, write >= 3x).

    python bench/bench_read_write.py [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import time
import warnings
from pathlib import Path


def corpus() -> list[bytes]:
    import pydicom
    import pydicom.data

    from dicomgen.core.errors import DicomError
    from dicomgen.media.part10 import read

    out = []
    for f in pydicom.data.get_testdata_files():
        p = Path(f)
        if not p.is_file() or p.stat().st_size > 2_000_000:
            continue
        data = p.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                read(data).decode_all()
                pydicom.dcmread(io.BytesIO(data)).to_json_dict()
        except (DicomError, Exception):
            continue
        out.append(data)
    return out


def _walk_pydicom(ds) -> None:
    for elem in ds:
        v = elem.value
        if elem.VR == "SQ":
            for item in v:
                _walk_pydicom(item)


def _walk_ours(ds) -> None:
    for elem in ds.values():
        v = elem.value
        if elem.vr == "SQ":
            for item in v:
                _walk_ours(item)


def bench_read(files: list[bytes], repeat: int) -> tuple[float, float]:
    import pydicom

    from dicomgen.media.part10 import read

    best_p = best_o = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for data in files:
            _walk_pydicom(pydicom.dcmread(io.BytesIO(data)))
        best_p = min(best_p, time.perf_counter() - t)
        t = time.perf_counter()
        for data in files:
            _walk_ours(read(data))
        best_o = min(best_o, time.perf_counter() - t)
    return len(files) / best_p, len(files) / best_o


def bench_write(files: list[bytes], repeat: int) -> tuple[float, float]:
    import pydicom

    from dicomgen.media.part10 import read, write

    pds = [pydicom.dcmread(io.BytesIO(d)) for d in files]
    ods = [read(d) for d in files]
    for ds in pds:
        _walk_pydicom(ds)
    for ds in ods:
        _walk_ours(ds)
    best_p = best_o = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for ds in pds:
            ds.save_as(io.BytesIO(), enforce_file_format=False)
        best_p = min(best_p, time.perf_counter() - t)
        t = time.perf_counter()
        for ds in ods:
            if ds.file_meta is not None and 0x00080016 in ds and 0x00080018 in ds:
                write(io.BytesIO(), ds)
            else:
                from dicomgen.encoding.writer import encode_dataset

                encode_dataset(ds, ds.read_transfer_syntax)
        best_o = min(best_o, time.perf_counter() - t)
    return len(files) / best_p, len(files) / best_o


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    files = corpus()
    print(f"corpus: {len(files)} files read by both, {sum(map(len, files)) / 1e6:.1f} MB")
    rp, ro = bench_read(files, args.repeat)
    print(
        f"read + access every value: pydicom {rp:8.0f} files/s   dicomgen {ro:8.0f} files/s"
        f"   ratio {ro / rp:5.2f}x (target >= 2x)"
    )
    wp, wo = bench_write(files, args.repeat)
    print(
        f"write back:                pydicom {wp:8.0f} files/s   dicomgen {wo:8.0f} files/s"
        f"   ratio {wo / wp:5.2f}x (target >= 3x)"
    )


if __name__ == "__main__":
    main()
