"""Macro recovery: the extract expands every "Include Table …" row inline; find the copies.

The extract drops the Include rows of module and macro tables and prints the included
macro's rows in their place. A macro's copy is found where a run of consecutive sibling rows
equals the macro's top-level rows, each with its whole subtree, on tag, Type and description
(tags alone are ambiguous: the General Anatomy Mandatory/Required/Optional macros differ only
in Type). A copy is replaced by one include node, outermost (largest) copies first; a run that
equals two macros' rows (identical macros) is ambiguous and stays inline. Rows of the same
table that match no macro stay inline too.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .tree import Node

Signature = int


@attrs.define
class RecoveryStats:
    """What recovery found: every copy anywhere (nested copies too), the outermost ones that
    became include rows, the ambiguous runs left inline, and the macros found at least once."""

    occurrences: int = 0
    outermost: int = 0
    ambiguous: int = 0
    found: set[str] = attrs.field(factory=set)


class _Signatures:
    """Hash-consing of (tag, Type, description, children) so subtrees compare as integers.

    A node's signature is computed once: recovery reads a sibling list before it rewrites
    the children of its nodes, and never reads that list again. The memo keeps the node
    itself so its id cannot be reused while the memo lives."""

    def __init__(self) -> None:
        self.ids: dict[tuple[object, ...], int] = {}
        self.memo: dict[int, tuple[Node, int]] = {}

    def sig(self, node: Node) -> Signature:
        hit = self.memo.get(id(node))
        if hit is not None:
            return hit[1]
        kids = tuple(self.sig(c) for c in node.children)
        key = (node.key(), node.include, node.functional_groups, kids)
        value = self.ids.setdefault(key, len(self.ids))
        self.memo[id(node)] = (node, value)
        return value


class MacroIndex:
    """The macros' expanded rows as signature sequences, indexed by their first signature."""

    def __init__(self, macros: dict[str, list[Node]]) -> None:
        self.sigs = _Signatures()
        self.patterns: dict[Signature, list[tuple[str, tuple[Signature, ...], int]]] = {}
        seen: dict[tuple[Signature, ...], list[str]] = {}
        for macro_id, top in sorted(macros.items()):
            if not top:
                continue
            pattern = tuple(self.sigs.sig(n) for n in top)
            seen.setdefault(pattern, []).append(macro_id)
            size = sum(n.size() for n in top)
            self.patterns.setdefault(pattern[0], []).append((macro_id, pattern, size))
        self.twins = {p: ids for p, ids in seen.items() if len(ids) > 1}

    def matches(self, nodes: list[Node], skip: str) -> list[tuple[int, int, str, int, bool]]:
        """(start, length, macro id, size, ambiguous) of every copy in a sibling list."""
        sigs = [self.sigs.sig(n) for n in nodes]
        out = []
        for i, s in enumerate(sigs):
            for macro_id, pattern, size in self.patterns.get(s, ()):
                if macro_id == skip or tuple(sigs[i : i + len(pattern)]) != pattern:
                    continue
                out.append((i, len(pattern), macro_id, size, pattern in self.twins))
        return out


def _lists(nodes: list[Node]) -> Iterable[list[Node]]:
    yield nodes
    for n in nodes:
        if n.children:
            yield from _lists(n.children)


def count_occurrences(index: MacroIndex, top: list[Node], skip: str, stats: RecoveryStats) -> None:
    """Count every copy of a macro in a table, nested copies included."""
    for nodes in _lists(top):
        for _start, _length, macro_id, _size, ambiguous in index.matches(nodes, skip):
            if not ambiguous:
                stats.occurrences += 1
                stats.found.add(macro_id)


def recover(index: MacroIndex, nodes: list[Node], skip: str, stats: RecoveryStats) -> list[Node]:
    """``nodes`` with the outermost unambiguous macro copies replaced by include nodes
    (``skip``: the table's own id, so a macro is not found in itself)."""
    found = index.matches(nodes, skip)
    taken: list[tuple[int, int, str]] = []
    used = [False] * len(nodes)
    for start, length, macro_id, _size, ambiguous in sorted(
        found, key=lambda m: (-m[3], m[0], m[2])
    ):
        if ambiguous:
            stats.ambiguous += 1
            continue
        if any(used[start : start + length]):
            continue
        for k in range(start, start + length):
            used[k] = True
        taken.append((start, length, macro_id))
    starts = {start: (length, macro_id) for start, length, macro_id in taken}
    out: list[Node] = []
    i = 0
    while i < len(nodes):
        if i in starts:
            length, macro_id = starts[i]
            first = nodes[i]
            out.append(
                Node(
                    path=first.path,
                    tag="",
                    type="",
                    html="",
                    references=(),
                    index=first.index,
                    include=macro_id,
                )
            )
            stats.outermost += 1
            i += length
            continue
        node = nodes[i]
        if node.children:
            node.children = recover(index, node.children, skip, stats)
        out.append(node)
        i += 1
    return out
