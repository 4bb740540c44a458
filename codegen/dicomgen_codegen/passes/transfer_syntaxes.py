"""Transfer syntax records: UIDs and names from PS3.6 Table A-1, encodings from PS3.5.

:func:`build_transfer_syntaxes` joins the two sources and cross-checks them.

* A-1 transfer syntax with PS3.5 properties: the record takes the PS3.5 facts. Where the
  PS3.6 name states a fact too ("Implicit VR", "Big Endian", "Deflate", "Lossless",
  "Lossy", a compression scheme) it must agree, else :class:`GenerationError`.
* A-1 transfer syntax that PS3.5 does not describe (the retired JPEG processes and Explicit VR
  Big Endian, which PS3.5 2020c no longer describes; RFC 2557 / XML encodings): the facts are
  derived from the name (:func:`facts_from_name`, rules below) and a ``"from_name"``
  :class:`TSProblem` is recorded. A name that states no encoding at all (e.g. "XML Encoding")
  is not emitted and is recorded as ``"unclassifiable"``.
* A UID PS3.5 describes that A-1 does not list (PS3.5 newer than PS3.6): not emitted (there
  is no name or keyword to give it), recorded as ``"not_in_table_a1"``.
* ``lossy`` when PS3.5 does not say (:attr:`TSProps.lossy` is None): the name decides
  ("RLE Lossless" -> False); if the name is silent too, an encapsulated syntax is lossy
  (MPEG-2, H.264, HEVC: a receiver cannot assume lossless) - recorded as ``"lossy_default"``.

Name rules (:func:`facts_from_name`): "Implicit VR" -> implicit VR, else explicit; "Big
Endian" -> big endian, else little; "Deflate" -> deflated; a compression scheme in the name
(JPEG, JPEG-LS, JPEG 2000, RLE, MPEG, HEVC, H.264/H.265) -> encapsulated; "Lossy" or
"Near-Lossless" -> lossy, else "Lossless" -> not lossy, else encapsulated -> lossy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from dicomgen.core.errors import GenerationError

from ..ir.model import TransferSyntaxRecord, UIDRecord
from ..parse.part05 import TSProps

TRANSFER_SYNTAX_TYPE = "Transfer Syntax"


@attrs.frozen
class TSProblem:
    """A finding of the PS3.5/PS3.6 cross-check that did not stop generation."""

    uid: str
    kind: str  # "from_name" | "unclassifiable" | "not_in_table_a1" | "lossy_default"
    message: str


@attrs.frozen
class NameFacts:
    """What a transfer syntax name states; ``None`` where it says nothing."""

    implicit_vr: bool | None
    little_endian: bool | None
    deflated: bool | None
    encapsulated: bool | None
    lossy: bool | None

    @property
    def states_encoding(self) -> bool:
        return any(
            v is not None
            for v in (self.implicit_vr, self.little_endian, self.encapsulated, self.deflated)
        )


_COMPRESSION = re.compile(r"\b(JPEG|RLE|MPEG\S*|HEVC|H\.26[45])", re.I)


def facts_from_name(name: str) -> NameFacts:
    """The encoding facts a PS3.6 transfer syntax name states (see module doc)."""
    implicit = True if re.search(r"\bImplicit VR\b", name, re.I) else None
    if implicit is None and re.search(r"\bExplicit VR\b", name, re.I):
        implicit = False
    little: bool | None = None
    if re.search(r"\bBig Endian\b", name, re.I):
        little = False
    elif re.search(r"\bLittle Endian\b", name, re.I):
        little = True
    deflated = True if re.search(r"\bDeflate", name, re.I) else None
    encapsulated = True if _COMPRESSION.search(name) else None
    lossy: bool | None = None
    if re.search(r"\b(Lossy|Near-Lossless)\b", name, re.I):
        lossy = True
    elif re.search(r"\bLossless\b", name, re.I):
        lossy = False
    return NameFacts(implicit, little, deflated, encapsulated, lossy)


def _check(uid: str, name: str, what: str, stated: bool | None, actual: bool) -> None:
    if stated is not None and stated != actual:
        raise GenerationError(
            f"transfer syntax {uid} {name!r}: PS3.6 name says {what}={stated}, "
            f"PS3.5 says {what}={actual}",
            uid=uid,
        )


def build_transfer_syntaxes(
    uids: Iterable[UIDRecord],
    props: dict[str, TSProps],
    problems: list[TSProblem] | None = None,
) -> tuple[TransferSyntaxRecord, ...]:
    """Transfer syntax records for every A-1 UID of type "Transfer Syntax", sorted by UID.

    Findings that do not stop generation are appended to ``problems`` when given.
    Raises :class:`GenerationError` on a contradiction between PS3.5 and the PS3.6 name or
    on a UID listed twice.
    """
    found: list[TSProblem] = []
    out: dict[str, TransferSyntaxRecord] = {}
    for rec in uids:
        if rec.type != TRANSFER_SYNTAX_TYPE:
            continue
        if rec.uid in out:
            raise GenerationError(f"transfer syntax {rec.uid} listed twice in Table A-1")
        named = facts_from_name(rec.name)
        p = props.get(rec.uid)
        if p is not None:
            _check(rec.uid, rec.name, "implicit_vr", named.implicit_vr, p.implicit_vr)
            _check(rec.uid, rec.name, "little_endian", named.little_endian, p.little_endian)
            _check(rec.uid, rec.name, "deflated", named.deflated, p.deflated)
            _check(rec.uid, rec.name, "encapsulated", named.encapsulated, p.encapsulated)
            if p.lossy is not None:
                _check(rec.uid, rec.name, "lossy", named.lossy, p.lossy)
            implicit, little = p.implicit_vr, p.little_endian
            deflated, encapsulated, lossy = p.deflated, p.encapsulated, p.lossy
        else:
            if not named.states_encoding:
                found.append(
                    TSProblem(
                        rec.uid,
                        "unclassifiable",
                        f"{rec.name!r}: not described in PS3.5 and its name states no "
                        "encoding; not emitted",
                    )
                )
                continue
            implicit = bool(named.implicit_vr)
            little = named.little_endian is not False
            deflated = bool(named.deflated)
            encapsulated = bool(named.encapsulated)
            lossy = named.lossy
            found.append(
                TSProblem(
                    rec.uid,
                    "from_name",
                    f"{rec.name!r}: not described in PS3.5; encoding derived from the name",
                )
            )
        if lossy is None:
            lossy = named.lossy
        if lossy is None:
            lossy = encapsulated
            if encapsulated:
                found.append(
                    TSProblem(
                        rec.uid,
                        "lossy_default",
                        f"{rec.name!r}: neither PS3.5 nor the name says lossy/lossless; "
                        "encapsulated, so treated as lossy",
                    )
                )
        out[rec.uid] = TransferSyntaxRecord(
            uid=rec.uid,
            name=rec.name,
            keyword=rec.keyword,
            implicit_vr=implicit,
            little_endian=little,
            deflated=deflated,
            encapsulated=encapsulated,
            lossy=lossy,
            retired=rec.retired,
            source=rec.source,
        )
    for uid, p in props.items():
        if uid not in out:
            where = f"{p.source.edition} {p.source.xml_id}" if p.source else ""
            found.append(
                TSProblem(
                    uid,
                    "not_in_table_a1",
                    f"PS3.5 {where} defines {uid} ({p.title}) but Table A-1 does not list it; "
                    "not emitted",
                )
            )
    if problems is not None:
        problems.extend(found)
    return tuple(out[k] for k in sorted(out, key=lambda u: tuple(int(x) for x in u.split("."))))
