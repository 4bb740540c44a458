"""Atomic storage of received instances (PS3.4 B.2.2; PS3.10 7 file format)."""

from __future__ import annotations

import os

import pytest

from dicomgen.archive import StorageSCP
from dicomgen.archive import files as files_mod
from dicomgen.archive.files import FileStore, safe_name
from dicomgen.archive.levels import Level
from dicomgen.encoding.writer import encode_dataset
from dicomgen.media.part10 import read

from .conftest import CT, EXPLICIT_LE, IMPLICIT_LE, make_instance, query


def _all_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _dcm_files(root):
    return [p for p in _all_files(root) if p.endswith(".dcm")]


def test_safe_name_keeps_uids_and_neutralises_the_rest():
    assert safe_name("1.2.840.10008.1.2") == "1.2.840.10008.1.2"
    for bad in ("..", ".", "", "../../etc/passwd", "a/b", "x" * 200, ".hidden", "a\\b"):
        n = safe_name(bad)
        assert "/" not in n and "\\" not in n and not n.startswith(".")
        assert n not in ("", ".", "..")
        assert len(n) <= 80
    assert safe_name("a/b") != safe_name("a_b")  # distinct inputs keep distinct names


def test_stored_file_is_part10_with_the_received_bytes(scp):
    ds = make_instance("1.2.3.4", PatientName="Doe^John", Modality="CT")
    data = encode_dataset(ds, IMPLICIT_LE)
    res = scp.store_encoded(
        data, IMPLICIT_LE, sop_class_uid=CT, sop_instance_uid="1.2.3.4", source_ae_title="STORESCU"
    )
    assert res.ok and res.path is not None
    raw = res.path.read_bytes()
    assert raw[128:132] == b"DICM"
    assert raw.endswith(data)  # the data set is kept byte for byte (PS3.4 B.4.1 level 2)
    back = read(res.path)
    assert back.file_meta.transfer_syntax_uid == IMPLICIT_LE
    assert str(back.file_meta[0x00020003].value) == "1.2.3.4"
    assert str(back.file_meta[0x00020016].value).strip() == "STORESCU"
    assert str(back.PatientName) == "Doe^John"
    assert res.path.relative_to(scp.root).parts == (
        "1.2.826.0.1.1",
        "1.2.826.0.1.1.1",
        "1.2.3.4.dcm",
    )


def test_failure_during_write_leaves_nothing(tmp_path, monkeypatch):
    """A write that fails half way publishes nothing and removes its temporary file."""
    scp = StorageSCP(tmp_path / "s", fsync=True)
    data = encode_dataset(make_instance("1.2.3.5"), EXPLICIT_LE)
    real_fsync = os.fsync

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files_mod.os, "fsync", boom)
    res = scp.store_encoded(data, EXPLICIT_LE)
    monkeypatch.setattr(files_mod.os, "fsync", real_fsync)
    assert res.status == 0xA700 and "No space" in res.error_comment
    assert _dcm_files(scp.root) == []
    assert scp.files.temp_files() == []
    assert list(
        scp.find(
            query(
                "IMAGE",
                StudyInstanceUID="1.2.826.0.1.1",
                SeriesInstanceUID="1.2.826.0.1.1.1",
                SOPInstanceUID=None,
            ),
            "STUDY",
        )
    ) == [(0, None)]
    scp.close()


@pytest.mark.parametrize("most", [1, 3, 7, 1 << 20])
def test_chunks_written_together_survive_short_writes(tmp_path, monkeypatch, most):
    """A tuple of chunks goes out with writev; when the kernel takes only part of them
    (``most`` bytes per call here), the rest follows, in order, nothing twice."""
    real_writev = os.writev
    calls = []

    def short_writev(fd, views):
        calls.append(sum(len(v) for v in views))
        out, budget = [], most
        for v in views:
            if budget <= 0:
                break
            out.append(v[:budget])
            budget -= len(out[-1])
        return real_writev(fd, out)

    monkeypatch.setattr(files_mod.os, "writev", short_writev)
    store = files_mod.FileStore(tmp_path, fsync=False)
    chunks = (b"head", b"", bytearray(b"0123456789"), memoryview(b"tail!"))
    size = store.write_atomic(tmp_path / "a" / "x.dcm", chunks)
    assert size == 19
    assert (tmp_path / "a" / "x.dcm").read_bytes() == b"head0123456789tail!"
    assert len(calls) == (-(-19 // most) if most < 19 else 1)
    fd = os.open(tmp_path / "empty", os.O_WRONLY | os.O_CREAT)
    try:
        assert files_mod._write_all(fd, []) == 0
    finally:
        os.close(fd)


NAMELESS = pytest.mark.skipif(
    not files_mod._ANONYMOUS_FLAGS, reason="no nameless temporary files (O_TMPFILE) here"
)


@pytest.mark.parametrize("anonymous", [pytest.param(True, marks=NAMELESS), False])
def test_failure_at_publishing_leaves_nothing(scp, monkeypatch, anonymous):
    """The last step fails (the rename of the temporary name, or the link of the nameless
    file): nothing is published and no temporary file is left."""
    data = encode_dataset(make_instance("1.2.3.6"), EXPLICIT_LE)
    scp.files.anonymous = anonymous

    def failing(*a, **k):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(files_mod.os, "link" if anonymous else "replace", failing)
    res = scp.store_encoded(data, EXPLICIT_LE)
    assert res.status == 0x0110  # an I/O error: a processing failure, not out of resources
    assert _dcm_files(scp.root) == [] and scp.files.temp_files() == []
    assert scp.files.anonymous is anonymous  # an I/O error is no reason to change method


@NAMELESS
def test_nameless_temporary_files_publish_new_and_replaced_files(tmp_path, monkeypatch):
    store = FileStore(tmp_path, fsync=True)
    assert store.anonymous
    made: list[str] = []
    real_open = files_mod.os.open

    def spy(path, flags, *a):
        fd = real_open(path, flags, *a)  # counted once made (a missing folder fails first)
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            made.append("nameless")
        elif flags & os.O_CREAT:
            made.append("named")
        return fd

    monkeypatch.setattr(files_mod.os, "open", spy)
    final = tmp_path / "a" / "b" / "c.dcm"
    assert store.write_atomic(final, (b"ab", b"cd")) == 4  # folders created on the way
    assert store.write_atomic(final, [b"xyz"]) == 3  # exists: linked as .tmp, renamed over
    assert final.read_bytes() == b"xyz" and store.temp_files() == []
    assert made == ["nameless", "nameless"]
    assert store.write_atomic(tmp_path / "g.dcm", iter([b"1"])) == 1  # not re-iterable
    assert made[-1] == "named"


@NAMELESS
@pytest.mark.parametrize("refused", ["open", "link"])
def test_where_nameless_files_are_refused_named_ones_are_used(tmp_path, monkeypatch, refused):
    import errno

    real_open, real_link = files_mod.os.open, files_mod.os.link

    def no_tmpfile(path, flags, *a):
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "Operation not supported")
        return real_open(path, flags, *a)

    def no_proc_link(src, dst, **k):
        if str(src).startswith("/proc/"):
            raise OSError(errno.ENOENT, "No such file or directory")
        return real_link(src, dst, **k)

    if refused == "open":
        monkeypatch.setattr(files_mod.os, "open", no_tmpfile)
    else:
        monkeypatch.setattr(files_mod.os, "link", no_proc_link)
    store = FileStore(tmp_path, fsync=False)
    final = tmp_path / "s" / "x.dcm"
    assert store.write_atomic(final, (b"head", b"data")) == 8
    assert final.read_bytes() == b"headdata" and store.temp_files() == []
    assert store.anonymous is False  # not tried again


def test_stream_aborted_mid_transfer_publishes_nothing(scp):
    """The association dies while P-DATA arrives: the chunk iterator raises."""
    data = encode_dataset(make_instance("1.2.3.7", PatientName="X^Y"), EXPLICIT_LE)

    class Aborted(Exception):
        pass

    def chunks():
        yield data[:40]
        yield data[40:80]
        raise Aborted("A-ABORT")

    with pytest.raises(Aborted):
        scp.store_stream(chunks(), EXPLICIT_LE, sop_class_uid=CT, sop_instance_uid="1.2.3.7")
    assert _dcm_files(scp.root) == []
    assert scp.files.temp_files() == []
    assert scp.index.count(Level.IMAGE) == 0


def test_stream_success(scp):
    data = encode_dataset(make_instance("1.2.3.8", PatientName="X^Y"), EXPLICIT_LE)
    res = scp.store_stream(
        [data[:10], data[10:]], EXPLICIT_LE, sop_class_uid=CT, sop_instance_uid="1.2.3.8"
    )
    assert res.ok
    assert res.path.read_bytes().endswith(data)
    assert scp.files.temp_files() == []


def test_stream_with_wrong_instance_uid_is_refused_and_removed(scp):
    data = encode_dataset(make_instance("1.2.3.9"), EXPLICIT_LE)
    res = scp.store_stream([data], EXPLICIT_LE, sop_class_uid=CT, sop_instance_uid="9.9.9")
    assert res.status == 0xA900  # PS3.4 Table B.2-1: Data Set does not match SOP Class
    assert _dcm_files(scp.root) == [] and scp.files.temp_files() == []


def test_undecodable_and_incomplete_data_sets(scp):
    res = scp.store_encoded(b"\x08\x00\x16\x00UI\xff\x00abc", EXPLICIT_LE)
    assert res.status == 0xC000  # Cannot understand
    ds = make_instance("1.2.3.10")
    del ds.SeriesInstanceUID
    res = scp.store_encoded(encode_dataset(ds, EXPLICIT_LE), EXPLICIT_LE)
    assert res.status == 0xC000 and "Series Instance UID" in res.error_comment
    res = scp.store_encoded(
        encode_dataset(make_instance("1.2.3.11"), EXPLICIT_LE),
        EXPLICIT_LE,
        sop_class_uid="1.2.840.10008.5.1.4.1.1.4",
    )
    assert res.status == 0xA900
    assert _dcm_files(scp.root) == []


def test_leftover_temp_files_are_cleaned_up(tmp_path):
    """A crash (kill -9) between create and rename leaves a hidden .tmp; start-up removes it."""
    fs = FileStore(tmp_path / "s", fsync=False)
    folder = tmp_path / "s" / "1.2" / "1.2.3"
    folder.mkdir(parents=True)
    leftover = folder / ".1.2.3.4.dcm.0123456789abcdef.tmp"
    leftover.write_bytes(b"partial")
    (tmp_path / "s" / ".incoming").mkdir()
    (tmp_path / "s" / ".incoming" / ".x.00.tmp").write_bytes(b"partial")
    assert len(fs.temp_files()) == 2
    assert fs.cleanup(older_than=3600) == 0  # too young
    scp = StorageSCP(tmp_path / "s", fsync=False)  # cleanup_on_start
    assert scp.files.temp_files() == [] and not leftover.exists()
    scp.close()


def test_replacing_an_instance(scp):
    a = make_instance("1.2.3.12", PatientName="Old^Name")
    b = make_instance("1.2.3.12", PatientName="New^Name")
    assert not scp.store_dataset(a).replaced
    r = scp.store_dataset(b)
    assert r.replaced and r.ok
    assert str(read(r.path).PatientName) == "New^Name"
    assert len(_dcm_files(scp.root)) == 1
    # moved to another series: old file and the emptied series are gone
    c = make_instance("1.2.3.12", series_uid="1.2.826.0.1.1.2")
    r = scp.store_dataset(c)
    assert r.replaced and len(_dcm_files(scp.root)) == 1
    sel = scp.retrieve(
        query("SERIES", StudyInstanceUID="1.2.826.0.1.1", SeriesInstanceUID="1.2.826.0.1.1.1"),
        "STUDY",
    )
    assert sel.records == []


def test_stored_file_reads_in_pydicom(scp):
    """Oracle: pydicom (test-only) reads the stored Part 10 file and its meta information."""
    pydicom = pytest.importorskip("pydicom")
    ds = make_instance("1.2.3.13", PatientName="Doe^John", Modality="CT")
    res = scp.store_encoded(encode_dataset(ds, IMPLICIT_LE), IMPLICIT_LE)
    p = pydicom.dcmread(res.path)
    assert p.file_meta.TransferSyntaxUID == IMPLICIT_LE
    assert p.file_meta.MediaStorageSOPInstanceUID == "1.2.3.13"
    assert p.file_meta.MediaStorageSOPClassUID == CT
    assert str(p.PatientName) == "Doe^John" and p.Modality == "CT"


@pytest.mark.parametrize(
    "ts",
    [IMPLICIT_LE, EXPLICIT_LE, "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"],
)
def test_each_uncompressed_transfer_syntax_is_stored_as_received(scp, ts):
    """PS3.10 7.1: the File Meta Information names the transfer syntax of the data set,
    which is stored as received (also deflated, PS3.5 A.5)."""
    ds = make_instance("1.2.3.20", PatientName="Doe^John", Rows=4)
    data = encode_dataset(ds, ts)
    res = scp.store_encoded(data, ts)
    assert res.ok and res.path.read_bytes().endswith(data)
    back = read(res.path)
    assert back.file_meta.transfer_syntax_uid == ts
    assert back.Rows == 4 and str(back.PatientName) == "Doe^John"
    rs = list(scp.find(query("PATIENT", PatientID="PAT1", PatientName=None), "PATIENT"))
    assert str(rs[0][1].PatientName) == "Doe^John"
