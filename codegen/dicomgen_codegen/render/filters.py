"""Jinja filters: the logic that templates must not hold. Each is pure and tested."""

from __future__ import annotations

import re
import textwrap
from typing import Any

_TAG = re.compile(r"^\(([0-9A-Fx]{4}),([0-9A-Fx]{4})\)$")


def py(value: Any) -> str:
    """A Python literal for ``value`` (str, int, bool, None, tuples of those)."""
    if isinstance(value, tuple):
        inner = ", ".join(py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, str):
        return _str_literal(value)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def _str_literal(s: str) -> str:
    # repr() escapes what must be escaped; black prefers double quotes where it can.
    r = repr(s)
    if r.startswith("'") and '"' not in s:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def hex32(value: int) -> str:
    """``0x00100010``."""
    return f"0x{value:08X}"


def hex16(value: int) -> str:
    return f"0x{value:04X}"


def tag_value_mask(tag_text: str) -> tuple[int, int]:
    """``"(60xx,3000)"`` -> (value with x as 0, mask with x digits cleared)."""
    m = _TAG.match(tag_text)
    if not m:
        raise ValueError(f"not a tag: {tag_text!r}")
    digits = m.group(1) + m.group(2)
    value = int(digits.replace("x", "0"), 16)
    mask = int("".join("0" if d == "x" else "F" for d in digits), 16)
    return value, mask


def docstring(text: str, indent: int = 0, width: int = 96) -> str:
    """A triple-quoted docstring, wrapped, safe for any text (quotes, backslashes); the text
    starts after the opening quotes and the closing quotes end its last line when they fit
    (as black leaves them)."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    pad = " " * indent
    paras = [p for p in text.split("\n\n") if p.strip()]
    avail = max(20, width - indent)
    lines: list[str] = []
    for i, p in enumerate(paras):
        if i:
            lines.append("")
        first = '"""' if i == 0 else ""
        wrapped = textwrap.wrap(p, width=avail, initial_indent=first) or [first]
        lines.extend(wrapped)
    if not lines:
        lines = ['"""']
    if lines[-1].endswith('"'):
        lines[-1] += " "  # a closing quote must not touch the closing triple quote
    if len(pad) + len(lines[-1]) + 3 <= 100:
        lines[-1] += '"""'
    else:
        lines.append('"""')
    return "\n".join(f"{pad}{line}" if line else "" for line in lines)


def identifier(name: str) -> str:
    """Check that a generated name is a valid identifier (fail loudly otherwise)."""
    if not name.isidentifier():
        raise ValueError(f"not a Python identifier: {name!r}")
    return name


def laid_out(e: Any, pad: str = "", lead: str = "", trail: str = "") -> str:
    """An expression of :mod:`.layout` (a call, a tuple) laid out as black prints it."""
    from .layout import layout

    return "\n".join(layout(e, pad, lead, trail))


def unsplit(line: str) -> str:
    """A one-line statement kept on one line: marked ``# fmt: skip`` when longer than black's
    line length (a record of a data table, such as one code of a context group)."""
    from .layout import WIDTH

    return line if len(line) <= WIDTH else f"{line}  # fmt: skip"


def class_head(decorator: Any, statement: Any, pad: str) -> str:
    """``@decorator(...)`` and ``class Name(bases):`` laid out by black, or both compact
    (the IOD's module table one record per line, the bases filled) in one fence when that
    saves lines."""
    from .layout import fenced, layout

    def both(compact: bool) -> str:
        lines = layout(decorator, pad, "@", compact=compact)
        return "\n".join(lines + layout(statement, pad, "class ", ":", compact=compact))

    return fenced(both(False), both(True), pad)


def import_line(module: str, name: str, pad: str = "") -> str:
    """``from module import name`` as black prints it (see :func:`.layout.import_line`)."""
    from .layout import import_line as line

    return line(module, name, pad)


def field_code(call: Any, pad: str, name: str, annotation: str) -> str:
    """``name: annotation = attribute(...)`` as black prints it (:func:`.layout.field_lines`)."""
    from .layout import field_lines

    return field_lines(pad, name, annotation, call)


def call(func: str, *args: str) -> Any:
    """A call expression of :mod:`.layout` (for ``|laid_out``)."""
    from .layout import Call

    return Call(func, args)


def filled(items: list[str], pad: str) -> str:
    """``items`` filled into lines (:func:`.layout.fill`): a compact layout for long name
    tables, kept out of black with ``# fmt: off``."""
    from .layout import fill

    return "\n".join(fill(items, pad))


FILTERS = {
    "call": call,
    "filled": filled,
    "field_code": field_code,
    "laid_out": laid_out,
    "class_head": class_head,
    "unsplit": unsplit,
    "import_line": import_line,
    "py": py,
    "hex32": hex32,
    "hex16": hex16,
    "docstring": docstring,
    "identifier": identifier,
}
