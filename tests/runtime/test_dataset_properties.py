"""Property tests: random data sets survive writing and reading in every uncompressed syntax."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import datasets

import dicomgen
from dicomgen.encoding.json import to_json
from dicomgen.encoding.reader import decode_dataset
from dicomgen.encoding.writer import encode_dataset

SYNTAXES = (
    "1.2.840.10008.1.2",  # Implicit VR Little Endian
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian (retired)
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR Little Endian
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=datasets())
@pytest.mark.parametrize("syntax", SYNTAXES)
def test_random_data_sets_round_trip(syntax: str, ds: dicomgen.Dataset) -> None:
    data = encode_dataset(ds, syntax)
    back = decode_dataset(data, syntax)
    assert to_json(back) == to_json(ds)
    assert encode_dataset(back, syntax) == data  # and the bytes are stable


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ds=datasets())
def test_random_data_sets_as_part10_files(ds: dicomgen.Dataset) -> None:
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "2.25.42"
    buf = io.BytesIO()
    dicomgen.write(buf, ds)
    back = dicomgen.read(io.BytesIO(buf.getvalue()))
    assert to_json(back) == to_json(ds)
