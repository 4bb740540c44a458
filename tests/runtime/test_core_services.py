"""The seams between core and the layers above it: the services higher layers register
(``dicomgen.core.services``) and the bulk-building methods of ``Dataset``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dicomgen.core import services
from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement
from dicomgen.core.errors import DicomError

REPO = Path(__file__).resolve().parents[2]


def test_a_service_is_loaded_on_first_use_and_a_missing_one_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "_services", {})
    monkeypatch.setattr(services, "_loaders", {})
    with pytest.raises(DicomError, match="'read_file'"):
        services.service("read_file")
    calls: list[str] = []

    def load() -> None:
        calls.append("loaded")
        services.register("read_file", len)

    services.set_loader("read_file", load)
    assert services.service("read_file") is len
    assert services.service("read_file") is len
    assert calls == ["loaded"]  # the loader runs once: the layer registered itself


def test_core_alone_reads_and_validates_through_the_layers_it_does_not_import() -> None:
    """In a fresh interpreter, a typed object built and validated with only core imported
    finds the value codec, and writing a file finds Part 10, both loaded on first use."""
    code = (
        "import io, sys\n"
        "from dicomgen.core.element import DataElement\n"
        "assert not any(m.startswith(('dicomgen.encoding', 'dicomgen.media')) for m in sys.modules)\n"
        "e = DataElement.from_raw(0x00100010, 'PN', b'Doe^Jane', True)\n"
        "assert str(e.value) == 'Doe^Jane', e.value\n"
        "assert 'dicomgen.encoding.values' in sys.modules\n"
        "from dicomgen.core.services import service\n"
        "from dicomgen.core.dataset import Dataset\n"
        "ds = Dataset([DataElement(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),\n"
        "              DataElement(0x00080018, 'UI', '1.2.3')])\n"
        "buf = io.BytesIO(); service('write_file')(buf, ds)\n"
        "assert service('read_file')(buf.getvalue())[0x00080018].value == '1.2.3'\n"
    )
    env_path = f"{REPO / 'runtime'}:{REPO / 'generated'}"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr


def test_a_builder_fills_the_dict_then_records_the_order() -> None:
    elems: dict[int, DataElement] = {}
    ds = Dataset.from_element_dict(elems, ordered=True)
    elems[0x00100020] = DataElement(0x00100020, "LO", "B")
    elems[0x00100010] = DataElement(0x00100010, "PN", "A")
    ds.record_order(ordered=False)
    assert list(ds) == [0x00100010, 0x00100020]
    ds.add(DataElement(0x00080020, "DA", "20200101"))
    assert list(ds) == [0x00080020, 0x00100010, 0x00100020]
    assert ds.get_element(0x00100010) is elems[0x00100010]
    assert ds.get_element(0x00100030) is None

    filled: dict[int, DataElement] = {}
    ordered = Dataset.from_element_dict(filled, ordered=True)
    filled[0x00100010] = DataElement(0x00100010, "PN", "A")
    ordered.record_order(ordered=True)
    ordered.add(DataElement(0x00080020, "DA", "20200101"))  # before the last: re-sorted
    assert list(ordered) == [0x00080020, 0x00100010]
