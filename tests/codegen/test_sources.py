"""Discovery of local DocBook parts: newest edition per part, from the head of each file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dicomgen.core.errors import StandardSourceError
from dicomgen_codegen.sources import (
    HEAD_BYTES,
    SourceFile,
    discover_sources,
    edition_key,
    identify_head,
)

pytestmark = pytest.mark.timeout(60)


def part_head(part: int, edition: str, *, subtitle: str | None = None) -> str:
    """The opening of a published partNN.xml (same shape as the NEMA DocBook)."""
    sub = subtitle if subtitle is not None else f"DICOM PS3.{part} {edition} - Some Title"
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        '<book xmlns="http://docbook.org/ns/docbook" xmlns:xl="http://www.w3.org/1999/xlink"'
        f' label="PS3.{part}" version="5.0" xml:id="PS3.{part}">\n'
        f"  <title>PS3.{part}</title>\n"
        f"  <subtitle>{sub}</subtitle>\n"
    )


def write_part(folder: Path, part: int, edition: str, *, pad: int = 0, **kw: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part{part:02d}.xml"
    body = "  <chapter><title>x</title>" + "<para>p</para>" * pad + "</chapter>\n</book>\n"
    path.write_text(part_head(part, edition, **kw) + body, encoding="utf-8")
    return path


# --- the published files ----------------------------------------------------------


def test_shared_folder_newest_edition_per_part(standard_xml: Path) -> None:
    found = discover_sources([standard_xml])
    expected = {  # from the <subtitle> of each file (see the folder's README.md)
        3: ("2016c", "2016c-excerpt/part03.xml"),
        4: ("2020c", "2020c/part04.xml"),  # 2020c beats 2015b
        5: ("2020c", "2020c/part05.xml"),
        6: ("2015b", "2015b/part06.xml"),  # the only PS3.6
        7: ("2020c", "2020c/part07.xml"),
        15: ("2020c", "2020c/part15.xml"),
        22: ("2020c", "2020c/part22.xml"),
    }
    for part, (edition, rel) in expected.items():
        src = found[part]
        assert isinstance(src, SourceFile)
        assert (src.part, src.edition) == (part, edition)
        assert src.path == standard_xml / rel
        assert src.size == (standard_xml / rel).stat().st_size
    assert 9 not in found and 13 not in found and 16 not in found
    assert list(found) == sorted(found)


def test_shared_subtitles_agree_with_lxml(standard_xml: Path) -> None:
    """The cheap head scan and the full DocBook parse identify the same part/edition."""
    from dicomgen_codegen.docbook.xml import load_part

    found = discover_sources([standard_xml])
    for part in (1, 22):  # the small ones; a full parse of the others is slow
        parsed = load_part(found[part].path, part)
        assert (parsed.part, parsed.edition) == (part, found[part].edition)


def test_source_file_is_frozen(standard_xml: Path) -> None:
    src = discover_sources([standard_xml])[22]
    with pytest.raises(AttributeError):
        src.edition = "2099a"  # type: ignore[misc]


# --- editions -----------------------------------------------------------------------


def test_edition_order() -> None:
    names = ["2020c", "2015b", "2011", "2020a", "2011a", "2016c", "2019e"]
    assert sorted(names, key=edition_key) == [
        "2011",
        "2011a",
        "2015b",
        "2016c",
        "2019e",
        "2020a",
        "2020c",
    ]
    assert edition_key("2015b") == (2015, "b")


@pytest.mark.parametrize("bad", ["current", "15b", "2015B", "2015bb", "", "../x"])
def test_edition_key_rejects(bad: str) -> None:
    with pytest.raises(StandardSourceError, match="edition"):
        edition_key(bad)


def test_identify_head_cleans_subtitle() -> None:
    head = part_head(
        6, "", subtitle="DICOM PS3.6 20\u200b19a -\n   Data <emphasis>Dictionary</emphasis>"
    )
    assert identify_head(head.encode()) == (6, "2019a", "DICOM PS3.6 2019a - Data Dictionary")
    assert identify_head(b"<html><subtitle>DICOM PS3.6 2019a</subtitle></html>") is None
    assert identify_head(part_head(6, "", subtitle="Data Dictionary").encode()) is None


# --- choosing among files -------------------------------------------------------------


def test_newest_edition_wins(tmp_path: Path) -> None:
    write_part(tmp_path / "a", 6, "2019a")
    newest = write_part(tmp_path / "b" / "deep" / "er", 6, "2019e")
    write_part(tmp_path / "c", 6, "2018e")
    write_part(tmp_path / "d", 6, "2019")
    older_year = write_part(tmp_path / "e", 5, "2019e")
    newer_year = write_part(tmp_path / "f", 5, "2020a")
    found = discover_sources([tmp_path])
    assert found[6].path == newest and found[6].edition == "2019e"
    assert found[5].path == newer_year and found[5].path != older_year


def test_folder_name_is_ignored(tmp_path: Path) -> None:
    """The subtitle identifies the edition, not the folder (``current`` or a misnamed one)."""
    real = write_part(tmp_path / "2099z", 4, "2015b")
    newer = write_part(tmp_path / "current", 4, "2021a")
    found = discover_sources([tmp_path])
    assert found[4].path == newer and found[4].edition == "2021a"
    assert real.exists()


def test_same_edition_prefers_earlier_dir_then_larger_file(tmp_path: Path) -> None:
    first = write_part(tmp_path / "one", 3, "2016c")
    big = write_part(tmp_path / "two" / "full", 3, "2016c", pad=100)
    write_part(tmp_path / "two" / "excerpt", 3, "2016c")
    assert discover_sources([tmp_path / "one", tmp_path / "two"])[3].path == first
    assert discover_sources([tmp_path / "two", tmp_path / "one"])[3].path == big
    assert discover_sources([tmp_path])[3].path == big


def test_only_partNN_xml_files(tmp_path: Path) -> None:
    write_part(tmp_path, 7, "2020c")
    for name in ("part07.xml.part", "part7.xml", "part007.xml", "Part07.xml", "part07.xml.bak"):
        (tmp_path / name).write_text(part_head(7, "2030a"), encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"parts": {}}))
    found = discover_sources([tmp_path])
    assert found[7].edition == "2020c" and set(found) == {7}


def test_head_only_is_read(tmp_path: Path) -> None:
    """A valid head followed by bytes that are not XML: discovery does not parse files."""
    path = tmp_path / "part06.xml"
    path.write_bytes(part_head(6, "2024b").encode() + b"\x00\xff not xml " * 50_000)
    found = discover_sources([tmp_path])
    assert found[6].edition == "2024b" and found[6].size == path.stat().st_size


def test_subtitle_beyond_head_is_not_found(tmp_path: Path) -> None:
    path = tmp_path / "part06.xml"
    comment = "<!-- " + "x" * HEAD_BYTES + " -->"
    path.write_text(part_head(6, "2024b").replace("<title>", comment + "<title>"))
    assert discover_sources([tmp_path]) == {}
    with pytest.raises(StandardSourceError, match="no DICOM subtitle") as err:
        discover_sources([tmp_path], strict=True)
    assert err.value.path == str(path)


def test_unidentified_files_skipped_or_strict(tmp_path: Path) -> None:
    good = write_part(tmp_path / "ok", 5, "2020c")
    (tmp_path / "junk").mkdir()
    junk = tmp_path / "junk" / "part05.xml"
    junk.write_text("<html><body>404 Not Found</body></html>")
    assert discover_sources([tmp_path])[5].path == good
    with pytest.raises(StandardSourceError, match="not a DICOM part file") as err:
        discover_sources([tmp_path], strict=True)
    assert err.value.path == str(junk)


def test_file_named_for_another_part(tmp_path: Path) -> None:
    wrong = tmp_path / "part07.xml"
    wrong.write_text(part_head(5, "2030a"))
    assert discover_sources([tmp_path]) == {}
    with pytest.raises(StandardSourceError, match="names PS3.5, not PS3.7"):
        discover_sources([tmp_path], strict=True)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StandardSourceError, match="no such folder") as err:
        discover_sources([tmp_path / "nope"])
    assert err.value.path == str(tmp_path / "nope")


def test_overlapping_folders_and_empty(tmp_path: Path) -> None:
    assert discover_sources([]) == {}
    assert discover_sources([tmp_path]) == {}
    p = write_part(tmp_path / "x", 10, "2020c")
    found = discover_sources([tmp_path, tmp_path / "x", str(tmp_path)])
    assert found == {10: SourceFile(part=10, edition="2020c", path=p, size=p.stat().st_size)}
