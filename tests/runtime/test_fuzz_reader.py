"""Fuzzing the reader: mutated Part 10 files raise only DicomError subclasses.

Seeded random mutations (byte flips, truncations, length-field corruptions, inserted
and deleted bytes) of files written in each uncompressed transfer syntax and of a few
files of pydicom's corpus. The count is bounded so the test runs in a few seconds.
Every decoded value is accessed too (lazy decoding must fail cleanly as well).
"""

from __future__ import annotations

import io
import random
import struct
import time
import warnings

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.errors import DicomError
from dicomgen.encoding.json import to_json
from dicomgen.media.part10 import read, write

TS = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"]
MUTANTS_PER_SEED = 3000
TIME_BUDGET_S = 15.0


def _seed_files() -> list[bytes]:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.PatientName = "Müller^Hans"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.PixelSpacing = [0.5, 0.5]
    ds.Rows = 2
    ds.Columns = 2
    ds.BitsAllocated = 16
    ds.PixelRepresentation = 1
    ds.SmallestImagePixelValue = -2
    ds.FrameIncrementPointer = 0x00181063
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3.5"
    item.item_undefined_length = True
    inner = Dataset()
    inner.CodeValue = "123"
    item.add_new(0x00081199, "SQ", [inner])
    ds.ReferencedImageSequence = [item]
    ds[0x00081140].undefined_length = True
    ds.add_new(0x7FE00010, "OW", struct.pack("<4h", 1, -2, 3, -4))
    out = []
    for ts in TS:
        buf = io.BytesIO()
        write(buf, ds, ts)
        out.append(buf.getvalue())
    try:
        import pydicom.data

        for name in ("rtplan.dcm", "JPEG2000.dcm", "nested_priv_SQ.dcm", "MR_small_bigendian.dcm"):
            with open(pydicom.data.get_testdata_file(name), "rb") as f:
                out.append(f.read())
    except (ImportError, OSError, TypeError):  # pragma: no cover - pydicom is a test dep
        pass
    return out


def _mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    kind = rng.randrange(6)
    n = len(b)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(n)] = rng.randrange(256)
    elif kind == 1:  # truncate
        del b[rng.randrange(n) :]
    elif kind == 2:  # corrupt a 16- or 32-bit length-like field with an extreme value
        pos = rng.randrange(max(1, n - 4))
        val = rng.choice([0, 1, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, n, n * 2, 3])
        if rng.random() < 0.5:
            b[pos : pos + 4] = struct.pack("<I", val & 0xFFFFFFFF)
        else:
            b[pos : pos + 2] = struct.pack("<H", val & 0xFFFF)
    elif kind == 3:  # insert garbage
        pos = rng.randrange(n)
        b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif kind == 4:  # delete a run
        pos = rng.randrange(n)
        del b[pos : pos + rng.randint(1, 16)]
    else:  # splice delimiter / item tags in
        pos = rng.randrange(n)
        tag = rng.choice(
            [b"\xfe\xff\x00\xe0", b"\xfe\xff\x0d\xe0", b"\xfe\xff\xdd\xe0", b"\xff\xfe\xe0\x00"]
        )
        b[pos : pos + 4] = tag
    return bytes(b)


@pytest.mark.parametrize("seed", range(3))
def test_mutated_files_raise_only_dicom_errors(seed: int) -> None:
    rng = random.Random(1234 + seed)
    seeds = _seed_files()
    start = time.monotonic()
    outcomes = {"ok": 0, "error": 0}
    warnings.simplefilter("ignore")
    for i in range(MUTANTS_PER_SEED):
        if time.monotonic() - start > TIME_BUDGET_S / 3:
            break
        data = _mutate(rng, rng.choice(seeds))
        try:
            ds = read(data)
            ds.decode_all()
            to_json(ds)
            outcomes["ok"] += 1
        except DicomError:
            outcomes["error"] += 1
        except Exception as exc:
            pytest.fail(f"seed {seed} mutant {i}: {type(exc).__name__}: {exc}")
    assert outcomes["ok"] + outcomes["error"] > 50
    assert outcomes["error"] > 0  # the mutations do break things
