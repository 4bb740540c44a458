"""Trees of extract rows -> IR table rows (:class:`AttributeRow`, :class:`IncludeRow`).

Each row gets the same fields the DocBook parser gives it: the attribute's name (the extract
prints none: PS3.6's name by tag), Type, depth (``>`` count: the path's length), the first
paragraph as ``summary``, one line per block as ``description``, the "Required if …" sentence
of a Type 1C/2C row as ``condition_text`` with its parse, the value sets of the cell and of
the sections it references, and the referenced sections' ids.

Type: tables printed without a Type column (print management, RT machine verification, UPS,
Display QA …) have Type "None" in the extract; they get Type "" as the DocBook parser gives the
rows of a table without a Type column, and each such table is noted in the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from ...ir.iod import (
    AttributeRow,
    IncludeRow,
    Provenance,
    ReportIssue,
    TableRow,
    ValueSet,
    ValueTableRecord,
)
from ..conditions import Condition, extract_condition_text, extract_requirement_text, tag_int
from . import html
from .tree import Node, tag_of_component

_TERMS_RE = re.compile(r"defined\s+terms?|enumerated\s+values?", re.IGNORECASE)
_FOR_TAG_RE = re.compile(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)")
NO_TYPE = "None"


def section_id(url: str) -> str:
    """``".../sect_C.7.1.html#sect_C.7.1.5"`` -> ``"sect_C.7.1.5"`` (the standard's id)."""
    return url.rsplit("#", 1)[-1] if "#" in url else url.rsplit("/", 1)[-1].removesuffix(".html")


@attrs.define
class RowContext:
    """What row conversion needs: PS3.6 names by tag, the referenced sections, the macro
    titles, the condition parser (counting into the report) and the report's lists."""

    names: dict[str, str]
    references: dict[str, str]
    macro_titles: dict[str, str]
    condition: Callable[..., Condition | None]
    """(text, table id, row number[, subject (tag, name) of the row, the sequences (tag, name)
    enclosing it]) -> the condition."""
    prov: Callable[[str, int | None], Provenance]
    row_issues: list[ReportIssue] = attrs.field(factory=list)
    dangling: list[ReportIssue] = attrs.field(factory=list)
    value_tables: dict[str, ValueTableRecord] = attrs.field(factory=dict)
    """The tables of terms found in referenced sections, by table id."""
    _sections: dict[str, tuple[str, list[tuple[ValueSet, str]]]] = attrs.field(factory=dict)

    def section(self, url: str) -> tuple[str, list[tuple[ValueSet, str]]] | None:
        """(heading, [(value set, the paragraph introducing it)]: lists and tables of terms)
        of a referenced section, None when the extract does not have it."""
        if url not in self.references:
            return None
        if url not in self._sections:
            root = html.parse_fragment(self.references[url])
            sets = html.value_sets_in_context(root, section_id(url))
            for xml_id, caption, vs in html.term_tables(root):
                sets.append((vs, ""))
                if xml_id and xml_id not in self.value_tables:
                    self.value_tables[xml_id] = ValueTableRecord(
                        xml_id, caption, vs, self.prov(xml_id, None)
                    )
            self._sections[url] = (html.heading(root), sets)
        return self._sections[url]


def _condition_text(block_list: list[tuple[object, str]]) -> str:
    for k, (el, text) in enumerate(block_list):
        if html.has_value_list(el):  # type: ignore[arg-type]
            continue
        cond = extract_condition_text(text)
        if cond:
            if cond.endswith(":") and k + 1 < len(block_list):
                # "Required if either:" followed by a list of alternatives
                nxt = block_list[k + 1][0]
                alts = [html.text_of(li) for li in nxt.iter("li")]  # type: ignore[attr-defined]
                cond = cond + " " + "; ".join(a for a in alts if a)
            return cond
    for el, text in block_list:
        if not html.has_value_list(el):  # type: ignore[arg-type]
            found = extract_requirement_text(text)
            if found:
                return found
    return ""


def _cited_re(number: str) -> re.Pattern[str]:
    """A section number as cited in a sentence, whole: "C.7.3.1" is not cited by "See
    Section C.7.3.1.1.1 for Defined Terms" (a final period ends the sentence, not the number)."""
    return re.compile(rf"(?<![\w.]){re.escape(number)}(?![\w]|\.\w)")


def _tags_in(text: str) -> set[str]:
    return {f"({a},{b})".upper() for a, b in _FOR_TAG_RE.findall(text)}


def _about(vs: ValueSet, context: str, heading: str, name: str, tag: str, says_terms: bool) -> bool:
    """Whether a list of a referenced section is about this attribute: its title or the
    paragraph introducing it names this attribute's tag; or, naming no tag, the description
    says the section holds its terms or the section's heading names it. A list whose title or
    introduction names only other tags is about those. A list of a table row is about that
    row's attribute, and taken only where the description says the section holds its terms."""
    named = _tags_in(vs.qualifier) or _tags_in(context)
    if context.startswith(html.ROW):
        # a list of another table's row (an IOD's module constraining an attribute this row
        # also has): taken only where this row's description says the section holds its terms
        return tag.upper() in named and says_terms
    if named:
        return tag.upper() in named
    if says_terms:
        return True
    words = set(re.findall(r"[a-z0-9]+", name.lower()))
    return bool(name) and (
        name.lower() in heading.lower()
        or bool(words)
        and words <= set(re.findall(r"[a-z0-9]+", heading.lower()))
    )


def _same_list(a: ValueSet, b: ValueSet) -> bool:
    return (a.kind, a.values, a.qualifier) == (b.kind, b.values, b.qualifier)


def _within(node: Node, ctx: RowContext) -> tuple[tuple[int, str], ...]:
    """The sequences (tag, name) enclosing the row, outermost first, from its path."""
    out = []
    for component in node.path.split(":")[1:-1]:
        tag = tag_of_component(component)
        number = tag_int(tag) if tag else None
        if number is None:
            return ()
        out.append((number, ctx.names.get(tag, "")))
    return tuple(out)


def attribute_row(table: str, node: Node, depth: int, ctx: RowContext) -> AttributeRow:
    cell = html.cell_of(html.parse_fragment(node.html))
    block_list = html.blocks(cell)
    summary = block_list[0][1] if block_list and block_list[0][0].tag == "p" else ""
    description = "\n".join(t for _, t in block_list)
    type_ = "" if node.type == NO_TYPE else node.type
    name = ctx.names.get(node.tag, "")
    if not name:
        ctx.row_issues.append(ReportIssue(table, node.index, f"{node.tag}: no PS3.6 name"))
    cond_text = ""
    cond = None
    if type_ in ("1C", "2C"):
        cond_text = _condition_text(block_list)
        if cond_text:
            number = tag_int(node.tag)
            subject = None if number is None else (number, name)
            cond = ctx.condition(cond_text, table, node.index, subject, _within(node, ctx))
        else:
            ctx.row_issues.append(
                ReportIssue(table, node.index, f"Type {type_} without a 'Required if' sentence")
            )
    sets = html.value_sets(cell)
    refs: list[str] = []
    for url in node.references:
        ref = section_id(url)
        if ref not in refs:
            refs.append(ref)
        found = ctx.section(url)
        if found is None:
            ctx.dangling.append(ReportIssue(table, node.index, f"description links to {ref}"))
            continue
        heading, section_sets = found
        cited = _cited_re(ref.split("_", 1)[-1])
        says = any(
            _TERMS_RE.search(sentence)
            for el, text in block_list
            if not html.has_value_list(el)
            for sentence in re.split(r"(?<=\.)\s", text)
            if cited.search(sentence)
        )
        for vs, context in section_sets:
            if any(_same_list(vs, have) for have in sets):
                continue
            if _about(vs, context, heading, name, node.tag, says):
                sets.append(vs)
    return AttributeRow(
        name=name,
        tag=node.tag,
        type=type_,
        depth=depth,
        summary=summary,
        description=description,
        condition_text=cond_text,
        condition=cond,
        value_sets=tuple(sets),
        references=tuple(refs),
        source=ctx.prov(table, node.index),
    )


def include_row(table: str, node: Node, depth: int, ctx: RowContext) -> IncludeRow:
    if node.functional_groups:
        return IncludeRow(
            depth=depth,
            target="",
            text="Include one or more Functional Group Macros.",
            functional_groups=True,
            source=ctx.prov(table, node.index),
        )
    label = node.include.removeprefix("table_")
    title = ctx.macro_titles.get(node.include, "")
    return IncludeRow(
        depth=depth,
        target=node.include,
        text=f"Include Table {label} \u201c{title} Macro Attributes\u201d",
        source=ctx.prov(table, node.index),
    )


def table_rows(table: str, nodes: list[Node], ctx: RowContext, depth: int = 0) -> list[TableRow]:
    """The IR rows of a tree, depth first (a sequence's item rows after it, one ``>`` more)."""
    out: list[TableRow] = []
    for node in nodes:
        if node.is_include:
            out.append(include_row(table, node, depth, ctx))
            continue
        out.append(attribute_row(table, node, depth, ctx))
        out.extend(table_rows(table, node.children, ctx, depth + 1))
    return out
