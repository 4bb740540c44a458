"""Tables located by ``xml:id``, with rowspan and colspan expanded.

A :class:`Table` is a list of :class:`Row`, each a list of :class:`Cell`. A cell that
spans rows or columns appears in every grid position it covers (``cell.origin``
tells whether this position is where it was written), so parsers can index by
column without caring about spans.
"""

from __future__ import annotations

import attrs
from lxml import etree  # pyright: ignore[reportAttributeAccessIssue] - compiled, no stubs

from dicomgen.core.errors import SpecParseError

from .text import clean
from .xml import DocBookPart, q


@attrs.frozen
class Cell:
    element: etree._Element
    text: str
    colspan: int
    rowspan: int
    origin: bool  # True where the cell was written; False where a span repeats it

    @property
    def italic(self) -> bool:
        """True if the whole visible text is inside ``<emphasis role="italic">``."""
        ems = self.element.findall(".//" + q("emphasis"))
        it = "".join("".join(e.itertext()) for e in ems if e.get("role") == "italic")
        return bool(self.text) and clean(it) == self.text

    def xrefs(self) -> list[str]:
        """``linkend`` targets of the ``<xref>`` elements inside the cell, in order."""
        return [x.get("linkend", "") for x in self.element.iter(q("xref"))]


@attrs.frozen
class Row:
    index: int  # 1-based, within tbody
    cells: tuple[Cell, ...]
    element: etree._Element

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    @property
    def spans_all(self) -> bool:
        """True for a full-width row (one cell spanning every column)."""
        return len({id(c.element) for c in self.cells}) == 1


@attrs.frozen
class Table:
    part: int
    edition: str
    xml_id: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    element: etree._Element

    def error(self, message: str, row: Row | int | None = None) -> SpecParseError:
        """A :class:`SpecParseError` naming the part, this table and the row."""
        idx = row.index if isinstance(row, Row) else row
        return SpecParseError(
            f"PS3.{self.part} {self.edition} table {self.xml_id}: {message}",
            part=f"PS3.{self.part}",
            table=self.xml_id,
            row=idx,
        )

    def expect_columns(self, *names: str, width: int | None = None) -> None:
        """Fail clearly when the header is not what a parser was written for."""
        n = width if width is not None else len(names)
        if len(self.header) != n:
            raise self.error(
                f"expected {n} columns {names}, found {len(self.header)} {self.header}"
            )
        for want, got in zip(names, self.header):
            if want.lower() not in got.lower():
                raise self.error(f"expected column {want!r}, found {got!r}")


def _expand(section: etree._Element | None) -> list[tuple[etree._Element, list[Cell]]]:
    if section is None:
        return []
    grid: list[tuple[etree._Element, list[Cell]]] = []
    pending: dict[int, tuple[Cell, int]] = {}  # column -> (cell, rows still to cover)
    for tr in section.iterchildren(q("tr")):
        cells: list[Cell] = []
        col = 0
        tds = [c for c in tr if c.tag in (q("td"), q("th"))]
        it = iter(tds)

        def fill_pending() -> None:
            nonlocal col
            while col in pending:
                cell, left = pending[col]
                cells.append(attrs.evolve(cell, origin=False))
                if left <= 1:
                    del pending[col]
                else:
                    pending[col] = (cell, left - 1)
                col += 1

        fill_pending()
        for td in it:
            colspan = int(td.get("colspan") or 1)
            rowspan = int(td.get("rowspan") or 1)
            cell = Cell(td, clean("".join(td.itertext())), colspan, rowspan, True)
            for k in range(colspan):
                cells.append(cell if k == 0 else attrs.evolve(cell, origin=False))
                if rowspan > 1:
                    pending[col] = (cell, rowspan - 1)
                col += 1
            fill_pending()
        # spans from above that reach past the written cells
        while pending and col <= max(pending):
            if col in pending:
                fill_pending()
            else:
                col += 1
        grid.append((tr, cells))
    return grid


def get_table(doc: DocBookPart, xml_id: str) -> Table:
    """The table with this ``xml:id`` (``table`` or ``informaltable``), expanded."""
    el = doc.find(xml_id)
    if el is None:
        raise SpecParseError(
            f"PS3.{doc.part} {doc.edition}: table {xml_id} not found",
            part=f"PS3.{doc.part}",
            table=xml_id,
            path=doc.path,
        )
    if el.tag not in (q("table"), q("informaltable")):
        raise SpecParseError(
            f"PS3.{doc.part} {doc.edition}: {xml_id} is a <{etree.QName(el).localname}>, "
            "not a table",
            part=f"PS3.{doc.part}",
            table=xml_id,
        )
    head = _expand(el.find(q("thead")))
    header = tuple(c.text for c in head[-1][1]) if head else ()
    body = _expand(el.find(q("tbody")))
    rows = tuple(Row(i + 1, tuple(cells), tr) for i, (tr, cells) in enumerate(body))
    caption = clean("".join(el.findtext(q("caption")) or ""))
    return Table(doc.part, doc.edition, xml_id, caption, header, rows, el)
