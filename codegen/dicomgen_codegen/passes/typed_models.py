"""Every typed class of PS3.3: module and macro classes, and the IOD classes built on them.

:func:`build_models` runs :class:`~.table_classes.ModelBuilder` over every Module and Macro
table and :func:`~.compose_iods.compose_iod` over every IOD, and checks class and file names
for collisions (a :class:`~dicomgen.core.errors.GenerationError` naming both tables).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from dicomgen.core.errors import GenerationError

from ..ir.iod import Part03Result
from .class_model import ClassModel, class_name, file_stem
from .compose_iods import compose_iod
from .keywords import ElementInfo
from .table_classes import ModelBuilder

__all__ = ["Models", "build_models"]


@attrs.frozen
class Models:
    """Every class to generate: tables (modules and macros) and IODs, sorted by reference."""

    tables: tuple[ClassModel, ...]
    iods: tuple[ClassModel, ...]
    notes: tuple[str, ...]


def build_models(
    result: Part03Result,
    elements: Mapping[str, ElementInfo],
    sop_classes: Mapping[str, tuple[str, ...]] | None = None,
) -> Models:
    """Class models of every attribute table and IOD of ``result``.

    ``sop_classes`` maps an IOD title to the SOP Class UIDs of that IOD (from PS3.4).
    Class and file names are checked for collisions (GenerationError naming both tables).
    """
    builder = ModelBuilder(result, elements)
    _check_names(
        [(r.qualname, xml_id) for xml_id, r in builder.refs.items()]
        + [(class_name(i.title, "iod"), i.xml_id) for i in result.iods],
        "class",
    )
    _check_names(
        [(r.module, xml_id) for xml_id, r in builder.refs.items()]
        + [(f"iods.{file_stem(i.title, 'iod')}", i.xml_id) for i in result.iods],
        "module file",
    )
    tables = [builder.table_class(x) for x in sorted(builder.tables)]
    sop = sop_classes or {}
    iods = [compose_iod(i, builder, tuple(sorted(sop.get(i.title, ())))) for i in result.iods]
    return Models(
        tuple(sorted(tables, key=lambda m: m.ref)),
        tuple(sorted(iods, key=lambda m: m.ref)),
        tuple(builder.notes),
    )


def _check_names(pairs: list[tuple[str, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for name, xml_id in sorted(pairs):
        if name in seen and seen[name] != xml_id:
            raise GenerationError(f"name collision for {what} {name!r}: {seen[name]} and {xml_id}")
        seen.setdefault(name, xml_id)
