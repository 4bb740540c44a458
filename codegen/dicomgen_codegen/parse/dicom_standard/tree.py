"""The extract's attribute rows as trees: one :class:`Node` per row, children by path.

``module_to_attributes.json`` / ``macro_to_attributes.json`` publish one row per attribute
with its ``path`` (``"patient-relationship:00081110:00081150"``: the table's id, then the tags
from the top level down), its Type and its description cell as HTML. The rows of a table are
in document order; a row's parent is the latest row before it whose path is its path minus
the last tag. Tags are written as the DocBook path writes them (hex digits upper case,
repeating-group ``x`` lower case: ``(60xx,3000)``, ``(0074,100C)``).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

_TAG_RE = re.compile(r"^\(\s*([0-9A-Fa-fxX]{4})\s*,\s*([0-9A-Fa-fxX]{4})\s*\)$")


def normal_tag(text: str) -> str:
    """``"(60XX,3000)"`` -> ``"(60xx,3000)"``, ``"(0074,100c)"`` -> ``"(0074,100C)"``; "" if
    the text is not a tag."""
    m = _TAG_RE.match(text.strip())
    if not m:
        return ""
    return f"({m.group(1).upper()},{m.group(2).upper()})".replace("X", "x")


def tag_of_component(component: str) -> str:
    """A path component (``"0008110a"``) as a tag (``"(0008,110A)"``)."""
    return normal_tag(f"({component[:4]},{component[4:]})") if len(component) == 8 else ""


@attrs.define(eq=False)
class Node:
    """One published row (``index``: 1-based position in its table in the extract) or, after
    macro recovery, one inclusion of a macro table (``include`` is then its table id)."""

    path: str
    tag: str
    type: str
    html: str
    references: tuple[str, ...]
    index: int
    children: list[Node] = attrs.field(factory=list)
    include: str = ""
    functional_groups: bool = False
    """An "Include one or more Functional Group Macros" row (no table id)."""

    @property
    def is_include(self) -> bool:
        return bool(self.include) or self.functional_groups

    def key(self) -> tuple[str, str, str]:
        """What macro recovery compares: tag, Type and description."""
        return (self.tag, self.type, self.html)

    def size(self) -> int:
        return 1 + sum(c.size() for c in self.children)


@attrs.frozen
class Orphan:
    """A row whose parent path has no row before it."""

    table: str
    index: int
    path: str


def raw_rows(rows: list[dict[str, Any]], id_field: str) -> dict[str, list[dict[str, Any]]]:
    """The extract's rows grouped by table (module or macro id), in document order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[id_field], []).append(r)
    return out


def build_tree(table: str, rows: list[dict[str, Any]], orphans: list[Orphan]) -> list[Node]:
    """The top-level nodes of one table. Rows whose parent path was not seen are attached at
    the top level and listed in ``orphans``."""
    top: list[Node] = []
    latest: dict[str, Node] = {}
    for r in rows:
        path = r["path"]
        parts = path.split(":")
        parent_path = ":".join(parts[:-1])
        if "_include" in r:  # an include row added by an erratum: the items of its parent
            parent = latest.get(parent_path)
            if parent is not None:
                parent.children.append(
                    Node(
                        path,
                        "",
                        "",
                        "",
                        (),
                        parent.index,
                        include=r["_include"],
                        functional_groups=not r["_include"],
                    )
                )
            continue
        index = int(r["_index"])
        node = Node(
            path=path,
            tag=normal_tag(r["tag"]) or tag_of_component(parts[-1]),
            type=r["type"],
            html=r.get("description") or "",
            references=tuple(
                e["sourceUrl"] for e in r.get("externalReferences") or () if e.get("sourceUrl")
            ),
            index=index,
        )
        if len(parts) <= 2:
            top.append(node)
        elif parent_path in latest:
            latest[parent_path].children.append(node)
        else:
            orphans.append(Orphan(table, index, path))
            top.append(node)
        latest[path] = node
    return top
