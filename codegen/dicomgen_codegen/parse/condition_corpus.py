"""The condition sentences of the ``dicom-standard`` PS3.3 extract, and how many of them parse.

The extract (PyPI ``dicom-standard`` 0.1.0, PS3.3 2020a taken from the standard's HTML) gives
each module and macro row a Type and an HTML description; a Type 1C/2C row states its condition
in one of the description's paragraphs ("Required if ...", "Shall be present if ...", followed
or not by "May be present otherwise."). IOD module tables give usage "C" with a condition text.

:func:`load_corpus` collects the distinct condition texts of the three kinds (module rows, macro
rows, module usages); :func:`measure` parses each with
:func:`~dicomgen_codegen.parse.conditions.parse_condition` and counts, per kind, the texts whose
condition is fully executable; the rest are grouped by shape for the report.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path

import attrs

from dicomgen.core.errors import StandardSourceError

from .condition_presence import sop_class_conditions
from .conditions import (
    And,
    AnyItem,
    Condition,
    FirstItem,
    FrameLevel,
    InItem,
    LastItem,
    Not,
    Or,
    extract_condition_text,
    extract_requirement_text,
    is_parsed,
    parse_condition,
)
from .dicom_standard.condition_errata import ConditionWords
from .dicom_standard.presence import extract_presence

__all__ = [
    "Corpus",
    "Coverage",
    "KindCoverage",
    "standard_dir",
    "html_blocks",
    "row_condition_text",
    "attribute_names",
    "load_corpus",
    "module_presence",
    "measure",
    "shape_of",
]

DISTRIBUTION = "dicom-standard"

_BLOCK_TAGS = re.compile(r"</?(?:p|dt|dd|dl|li|ul|ol|td|tr|div|br|table)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def standard_dir() -> Path:
    """The folder of the installed ``dicom-standard`` extract's JSON files."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise StandardSourceError(
            f"the {DISTRIBUTION} package is not installed (pip install {DISTRIBUTION}==0.1.0)"
        ) from exc
    for f in dist.files or ():
        if f.name == "module_to_attributes.json" and "standard" in f.parts:
            return Path(str(dist.locate_file(f))).resolve().parent
    raise StandardSourceError(f"{DISTRIBUTION} lists no standard/module_to_attributes.json")


def html_blocks(description: str) -> list[str]:
    """The paragraphs (and list entries) of an HTML description, as plain one-line texts."""
    out = []
    for chunk in _BLOCK_TAGS.split(description):
        text = html.unescape(_TAG.sub(" ", chunk)).replace("\xa0", " ")
        text = _SPACE.sub(" ", text).strip()
        if text:
            out.append(text)
    return out


def row_condition_text(blocks: Iterable[str]) -> str:
    """The condition sentence(s) of a Type 1C/2C row from its description's blocks.

    The first block with a "Required if ..." sentence wins; otherwise the sentences of the
    first block that states a requirement in another form ("Required for the first Item ...",
    "Either ... are required", "Mutually exclusive with ..."); "" when there is none.
    """
    blocks = list(blocks)
    for k, text in enumerate(blocks):
        found = extract_condition_text(text)
        if found:
            return _continued(found, blocks[k + 1 :])
    for text in blocks:
        found = extract_requirement_text(text)
        if found:
            return found
    return ""


_CONTINUES = re.compile(r"(?::|\b(?:is|or|and|of|if))$", re.I)
_NOT_CONDITION = re.compile(r"^(?:Note|See|Defined Terms|Enumerated Values)\b", re.I)


def _continued(found: str, following: list[str]) -> str:
    """A condition sentence that a list continues ("Required if Image Type (0008,0008)
    Value 3 is:" followed by "WHOLE BODY or", "STATIC."), joined into one text."""
    text = found
    for block in following[:8]:
        if not _CONTINUES.search(text.rstrip()) or _NOT_CONDITION.match(block):
            break
        text = f"{text} {block}"
    return text


def attribute_names(std: Path) -> dict[str, int]:
    """Attribute name -> tag, from the extract's PS3.6 ``attributes.json`` (names of one tag)."""
    seen: dict[str, set[int]] = {}
    for a in _load(std, "attributes.json"):
        raw = str(a.get("tag", "")).strip("()").replace(",", "")
        name = str(a.get("name") or "").strip()
        if not name or not re.fullmatch(r"[0-9A-Fa-f]{8}", raw):
            continue
        seen.setdefault(name, set()).add(int(raw, 16))
    return {n: next(iter(t)) for n, t in seen.items() if len(t) == 1}


def module_presence(
    std: Path, names: Mapping[str, int] | None = None, sop_classes: Mapping[str, str] | None = None
) -> dict[str, Condition]:
    """The presence tests of the extract's modules and functional group macros, and the
    tests of ``sop_classes`` (SOP Class names -> UIDs) named in conditions."""
    files = (
        "module_to_attributes",
        "macro_to_attributes",
        "modules",
        "macros",
        "ciod_to_fg_macros",
        "ciod_to_modules",
    )
    out = extract_presence({f: _load(std, f + ".json") for f in files}, names)
    out.update(sop_class_conditions(sop_classes or {}))
    return out


Subject = tuple[int, str, tuple[tuple[int, str], ...]]
"""A row stating a condition: its attribute's tag and name, the sequences enclosing it."""


@attrs.frozen
class Corpus:
    """Distinct condition texts of the extract, per kind, with a count of rows without one;
    ``subjects``: a row text -> the rows that state it, as the attribute (tag, name) and the
    sequences (tag, name) enclosing it, outermost first."""

    module_rows: tuple[str, ...]
    macro_rows: tuple[str, ...]
    usages: tuple[str, ...]
    rows_without_text: int
    subjects: Mapping[str, tuple[Subject, ...]] = attrs.field(factory=dict)

    def kinds(self) -> dict[str, tuple[str, ...]]:
        return {
            "module rows": self.module_rows,
            "macro rows": self.macro_rows,
            "usages": self.usages,
        }


def load_corpus(std: Path) -> Corpus:
    """Collect the distinct condition texts of ``std`` (a :func:`standard_dir`), with the
    errata of their words applied as the generator applies them."""
    words = ConditionWords()
    missing = 0
    rows: dict[str, set[str]] = {}
    names = {tag: name for name, tag in attribute_names(std).items()}
    subjects: dict[str, dict[Subject, None]] = {}
    for kind, name in (
        ("module", "module_to_attributes.json"),
        ("macro", "macro_to_attributes.json"),
    ):
        texts: set[str] = set()
        for row in _load(std, name):
            if str(row.get("type", "")).strip().upper() not in ("1C", "2C"):
                continue
            text = words(row_condition_text(html_blocks(str(row.get("description") or ""))))
            if text:
                texts.add(text)
                path = str(row.get("path", "")).split(":")[1:]
                if path and all(re.fullmatch(r"[0-9A-Fa-f]{8}", p) for p in path):
                    tags = [int(p, 16) for p in path]
                    within = tuple((t, names.get(t, "")) for t in tags[:-1])
                    subjects.setdefault(text, {})[
                        (tags[-1], names.get(tags[-1], ""), within)
                    ] = None
            else:
                missing += 1
        rows[kind] = texts
    usages = {
        words(_SPACE.sub(" ", str(m["conditionalStatement"])).strip())
        for m in _load(std, "ciod_to_modules.json")
        if str(m.get("usage", "")).strip().upper().startswith("C") and m.get("conditionalStatement")
    }
    return Corpus(
        tuple(sorted(rows["module"])),
        tuple(sorted(rows["macro"])),
        tuple(sorted(usages)),
        missing,
        {t: tuple(s) for t, s in subjects.items()},
    )


def _load(std: Path, name: str) -> list[dict[str, object]]:
    path = std / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StandardSourceError(f"{path}: cannot read the extract: {exc}") from exc
    if not isinstance(data, list):
        raise StandardSourceError(f"{path}: expected a JSON list of records")
    return data


@attrs.frozen
class KindCoverage:
    """How many distinct texts of one kind parse into an executable condition."""

    kind: str
    total: int
    parsed: int

    @property
    def ratio(self) -> float:
        return self.parsed / self.total if self.total else 1.0


@attrs.frozen
class Coverage:
    """The measurement: per kind, overall (distinct texts over all kinds), unparsed by shape."""

    kinds: tuple[KindCoverage, ...]
    overall: KindCoverage
    unparsed: Mapping[str, tuple[str, ...]]

    def report(self) -> str:
        lines = [
            f"{k.kind}: {k.parsed}/{k.total} distinct condition texts executable ({k.ratio:.1%})"
            for k in (*self.kinds, self.overall)
        ]
        for shape, texts in sorted(self.unparsed.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"unparsed, {shape}: {len(texts)}")
            lines.extend(f"    {t}" for t in texts)
        return "\n".join(lines)


_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("module or functional group presence", re.compile(r"\b(?:Module|Functional Group|Macro)s?\b")),
    (
        "item position or change (RT control points)",
        re.compile(r"\b(?:first Item|Control Point 0|changes?)\b", re.I),
    ),
    ("coded value of a sequence", re.compile(r"\(\s*\w+\s*,\s*\w+\s*,\s*\"")),
    ("refers to another SOP instance or a referenced object", re.compile(r"\breferenced?\b", re.I)),
    (
        "numbers or counts",
        re.compile(r"\b(?:greater|less|more|zero|number of|one or more)\b", re.I),
    ),
    (
        "prose without an attribute tag",
        re.compile(r"^(?!.*\(\s*[0-9A-Fa-f]{4}\s*,\s*[0-9A-Fa-f]{4}\s*\))"),
    ),
)


def shape_of(text: str) -> str:
    """A coarse name for the form of an unparsed condition text (for grouping the report)."""
    for name, rx in _SHAPES:
        if rx.search(text):
            return name
    return "other"


def _positions(cond: Condition | None) -> list[int]:
    if isinstance(cond, (FirstItem, LastItem)):
        return [cond.tag]
    if isinstance(cond, (And, Or)):
        return [tag for inner in cond.items for tag in _positions(inner)]
    if isinstance(cond, (Not, AnyItem, InItem, FrameLevel)):
        return _positions(cond.item)
    return []


def _decidable(cond: Condition, within: tuple[tuple[int, str], ...]) -> bool:
    """Parsed, and every item position it tests is in a sequence enclosing the row."""
    enclosing = {tag for tag, _ in within}
    return is_parsed(cond) and all(tag in enclosing for tag in _positions(cond))


def measure(
    corpus: Corpus,
    names: Mapping[str, int] | None = None,
    presence: Mapping[str, Condition] | None = None,
    parse: Callable[..., Condition] = parse_condition,
) -> Coverage:
    """Parse every distinct text of ``corpus`` and count the executable ones (``names`` and
    ``presence`` as :func:`~dicomgen_codegen.parse.conditions.parse_condition` takes them).
    A row text counts when it is executable for every row stating it (parsed with the row's
    attribute and enclosing sequences); a position in a sequence that does not enclose the row
    could never be decided there, so it does not count."""
    ok: dict[str, bool] = {}
    kinds = []
    for kind, texts in corpus.kinds().items():
        for t in texts:
            if t in ok:
                continue
            rows = corpus.subjects.get(t, ())
            if not rows:
                ok[t] = is_parsed(parse(t, names, presence))
                continue
            ok[t] = all(
                _decidable(parse(t, names, presence, (tag, name), within), within)
                for tag, name, within in rows
            )
        kinds.append(KindCoverage(kind, len(texts), sum(ok[t] for t in texts)))
    groups: dict[str, list[str]] = {}
    for t in sorted(t for t, good in ok.items() if not good):
        groups.setdefault(shape_of(t), []).append(t)
    overall = KindCoverage("all kinds", len(ok), sum(ok.values()))
    return Coverage(tuple(kinds), overall, {k: tuple(v) for k, v in groups.items()})
