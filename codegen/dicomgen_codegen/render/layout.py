"""Line layout of generated calls, as black prints them (line length 100).

Templates hold the shape of a file and of a class; the calls in it (``@dicom_class(...)``,
``attribute(...)``) are laid out here: on one line when they fit, else their arguments on one
indented line when those fit, else one argument per line with a trailing comma, a nested call
or tuple split the same way. That is black's right-hand split, so that a rendered file is
already what black prints and the writer only runs black on the rare file with a line this
layout cannot shorten (:func:`needs_black`).
"""

from __future__ import annotations

import re
from typing import Union

import attrs

__all__ = [
    "Call",
    "Tup",
    "Kw",
    "Expr",
    "WIDTH",
    "text_of",
    "layout",
    "field_lines",
    "fill",
    "fenced",
    "import_line",
    "needs_black",
]

WIDTH = 100  # black's line length (render/writer.py)
_PAD = "    "


@attrs.frozen
class Call:
    """``func(args)``."""

    func: str
    args: tuple[Expr, ...]


@attrs.frozen
class Tup:
    """``(items)`` (a one-element tuple keeps its comma)."""

    items: tuple[Expr, ...]


@attrs.frozen
class Kw:
    """``key=value``."""

    key: str
    value: Expr


@attrs.frozen
class Sub:
    """A subscript: ``list[X]``, ``Literal["A", "B"]``."""

    outer: str
    items: tuple[Expr, ...]


@attrs.frozen
class Union_:
    """``A | B | None`` (an annotation)."""

    parts: tuple[Expr, ...]


Expr = Union[str, Call, Tup, Kw, Sub, Union_]


def _split_top(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside brackets and string literals."""
    out, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    out.append(text[start:])
    return out


def annotation_expr(text: str) -> Expr:
    """A generated annotation (``list[X] | None``, ``Literal["A", "B"]``) as an expression
    that :func:`layout` can split."""
    parts = _split_top(text, " | ")
    if len(parts) > 1:
        return Union_(tuple(annotation_expr(p) for p in parts))
    if text.endswith("]") and "[" in text:
        outer, _, inner = text[:-1].partition("[")
        return Sub(outer, tuple(annotation_expr(p) for p in _split_top(inner, ", ")))
    return text


def text_of(e: Expr) -> str:
    """An expression on one line."""
    if isinstance(e, str):
        return e
    if isinstance(e, Kw):
        return f"{e.key}={text_of(e.value)}"
    if isinstance(e, Call):
        return f"{e.func}({', '.join(text_of(a) for a in e.args)})"
    if isinstance(e, Sub):
        return f"{e.outer}[{', '.join(text_of(a) for a in e.items)}]"
    if isinstance(e, Union_):
        return " | ".join(text_of(p) for p in e.parts)
    inner = ", ".join(text_of(a) for a in e.items)
    return f"({inner},)" if len(e.items) == 1 else f"({inner})"


def fill(items: list[str], pad: str) -> list[str]:
    """``items``, each followed by a comma, filled into lines of at most :data:`WIDTH` columns
    starting with ``pad`` (a layout black does not make: the caller keeps it out of black with
    ``# fmt: off``)."""
    lines: list[str] = []
    line = ""
    for item in items:
        piece = f"{item},"
        if line and len(pad) + len(line) + 1 + len(piece) > WIDTH:
            lines.append(pad + line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    if line:
        lines.append(pad + line)
    return lines


def layout(e: Expr, pad: str, lead: str = "", trail: str = "", compact: bool = False) -> list[str]:
    """Lines of ``lead + e + trail`` at indentation ``pad``: one line if it fits; else split
    at the outer brackets - a call's arguments on one line if they fit (a lone argument split
    in turn), else one per line with a trailing comma; a tuple one element per line. Atoms
    (strings) are never split. ``compact`` lays data tables out as black does not (the
    caller fences them, :func:`fenced`): a tuple or call of atoms filled (:func:`fill`), a
    tuple of calls one unsplit call per line (one record per line, as the standard's tables)."""
    one = f"{pad}{lead}{text_of(e)}{trail}"
    if len(one) <= WIDTH or isinstance(e, str):
        return [one]
    if isinstance(e, Kw):
        return layout(e.value, pad, f"{lead}{e.key}=", trail, compact)
    if isinstance(e, Union_):  # only inside parentheses: one part per line
        out: list[str] = []
        for i, part in enumerate(e.parts):
            last = i == len(e.parts) - 1
            out += layout(part, pad, lead if i == 0 else "| ", trail if last else "")
        return out
    if compact and isinstance(e, (Tup, Call)):
        items = e.items if isinstance(e, Tup) else e.args
        opening = f"{pad}{lead}(" if isinstance(e, Tup) else f"{pad}{lead}{e.func}("
        atoms = [a for a in items if isinstance(a, str)]
        if len(atoms) == len(items):
            return [opening, *fill(atoms, pad + _PAD), f"{pad}){trail}"]
        if isinstance(e, Tup) and all(isinstance(a, Call) for a in items):
            rows = [f"{pad}{_PAD}{text_of(a)}," for a in items]
            return [opening, *rows, f"{pad}){trail}"]
    inner = pad + _PAD
    closing = ")"
    if isinstance(e, (Call, Sub)):
        opening, closing = ("(", ")") if isinstance(e, Call) else ("[", "]")
        name = e.func if isinstance(e, Call) else e.outer
        items = e.args if isinstance(e, Call) else e.items
        first = f"{pad}{lead}{name}{opening}"
        body = inner + ", ".join(text_of(a) for a in items)
        if len(body) <= WIDTH:
            return [first, body, f"{pad}{closing}{trail}"]
        if len(items) == 1:
            return [first, *layout(items[0], inner, compact=compact), f"{pad}{closing}{trail}"]
    else:
        first, items = f"{pad}{lead}(", e.items
    lines = [first]
    for a in items:
        lines += layout(a, inner, "", ",", compact)
    lines.append(f"{pad}{closing}{trail}")
    return lines


def field_lines(pad: str, name: str, annotation: str, call: Call) -> str:
    """``name: annotation = call(...)`` as black lays it out (:func:`black_field_lines`),
    except that a long tuple of atoms (Defined Terms, Enumerated Values) is filled into few
    lines when that saves lines (:func:`fenced`)."""
    return fenced(
        black_field_lines(pad, name, annotation, call),
        black_field_lines(pad, name, annotation, call, compact=True),
        pad,
    )


def fenced(black_form: str, compact_form: str, pad: str) -> str:
    """``compact_form`` fenced from black by ``# fmt: off``/``# fmt: on`` when that saves
    lines, else ``black_form``."""
    if compact_form.count("\n") + 2 >= black_form.count("\n"):
        return black_form
    return f"{pad}# fmt: off\n{compact_form}\n{pad}# fmt: on"


def black_field_lines(
    pad: str, name: str, annotation: str, call: Call, compact: bool = False
) -> str:
    """``name: annotation = call(...)`` as black lays it out: split at the call's parentheses
    when ``name: annotation = func(`` fits; else the right-hand side in parentheses when
    ``name: annotation = (`` fits; else the annotation split (at its subscript, or in
    parentheses when a union). ``compact``: data tables laid out by :func:`layout`."""
    target = f"{pad}{name}: {annotation} = "
    if len(f"{target}{call.func}(") <= WIDTH or len(f"{target}{text_of(call)}") <= WIDTH:
        return "\n".join(layout(call, pad, target[len(pad) :], compact=compact))
    if len(f"{target}(") <= WIDTH:
        return "\n".join([f"{target}(", *layout(call, pad + _PAD, compact=compact), f"{pad})"])
    ann = annotation_expr(annotation)
    if isinstance(ann, Sub):  # split at the subscript; its "]" starts the call's line
        body = pad + _PAD + ", ".join(text_of(a) for a in ann.items)
        if len(body) <= WIDTH or len(ann.items) == 1:
            head = [body]
        else:
            head = [line for a in ann.items for line in layout(a, pad + _PAD, "", ",")]
        return "\n".join(
            [f"{pad}{name}: {ann.outer}[", *head, *layout(call, pad, "] = ", compact=compact)]
        )
    inner = layout(ann, pad + _PAD)
    return "\n".join([f"{pad}{name}: (", *inner, *layout(call, pad, ") = ", compact=compact)])


# A line black cannot shorten: one string, a dotted name or ``lambda: Name`` (after an
# optional ``key=``), with closing brackets and commas.
_ATOM_LINE = re.compile(
    r"""(\w+=)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|lambda: [\w.]+|[\w.]+)[,)]*"""
)


def needs_black(source: str) -> bool:
    """Whether a rendered file has a long line black could still shorten (a long annotation):
    black then lays the file out itself. Lines that are one string are left long by black too,
    and so are the lines between ``# fmt: off`` and ``# fmt: on`` (data tables) and the lines
    marked ``# fmt: skip``."""
    fenced = False
    for line in source.splitlines():
        mark = line.strip()
        if mark in ("# fmt: off", "# fmt: on"):
            fenced = mark == "# fmt: off"
        elif (
            not fenced
            and len(line) > WIDTH
            and not mark.endswith("# fmt: skip")
            and not _ATOM_LINE.fullmatch(mark)
        ):
            return True
    return False


def import_line(module: str, name: str, pad: str = "") -> str:
    """``from module import name``, in parentheses when too long (as black prints it)."""
    line = f"{pad}from {module} import {name}"
    if len(line) <= WIDTH:
        return line
    return f"{pad}from {module} import (\n{pad}{_PAD}{name},\n{pad})"
