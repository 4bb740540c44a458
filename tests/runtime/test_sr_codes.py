"""Codes and generated context groups: equality, membership, extensibility, includes."""

from __future__ import annotations

import pytest

from dicomgen.core.errors import InvalidValueError
from dicomgen.sr.codes import Code, context_group


def test_code_equality_ignores_meaning() -> None:
    assert Code("SCT", "7771000", "Left") == Code("SCT", "7771000", "left side")
    assert Code("SCT", "7771000", "Left") != Code("DCM", "7771000", "Left")
    with pytest.raises(InvalidValueError):
        Code("SCT", "", "nothing")


def test_generated_groups() -> None:
    from dicomgen_std.sr.cids import CID244, CID7021, CID244Code

    assert isinstance(CID244.Left, CID244Code) and CID244.Left == Code("SCT", "7771000", "Left")
    assert CID244.contains(Code("SCT", "7771000", "x"))
    assert CID244.extensible is False and not CID244.accepts(Code("SCT", "1", "other"))
    assert CID7021.extensible is True and CID7021.accepts(Code("99X", "1", "local title"))
    assert CID244.by_value("7771000") == CID244.Left
    assert context_group(244) is CID244 and context_group("999999") is None


def test_included_groups_count_as_members() -> None:
    from dicomgen_std.sr import cids

    with_includes = [
        getattr(cids, n)
        for n in dir(cids)
        if n.startswith("CID") and not n.endswith("Code") and getattr(cids, n).includes
    ]
    assert with_includes
    g = with_includes[0]
    inc = context_group(g.includes[0])
    assert inc is not None and inc.own_codes()
    assert g.contains(inc.own_codes()[0])
