"""The Python expressions of the typed classes: annotations from VR and VM, conditions as
runtime constructor calls, and how one generated file refers to classes of another.

Each function returns one line of code; black lays out the files afterwards.
"""

from __future__ import annotations

import re

from ..parse.conditions import (
    Absent,
    And,
    AnyItem,
    Compare,
    Condition,
    Count,
    Equals,
    FirstItem,
    FrameLevel,
    HasCode,
    HasValue,
    InItem,
    LastItem,
    Not,
    NotEquals,
    Or,
    PointsTo,
    PointsToPrivate,
    Present,
    Unparsed,
    Varies,
)
from ..passes.class_model import ClassRef, TypedField
from .filters import hex32, py
from .layout import Call, Expr, Tup, text_of

__all__ = [
    "PY_TYPES",
    "FileContext",
    "annotation_of",
    "condition_code",
    "condition_expr",
    "xml_label",
]

# VR -> the Python type of one value (docs/typed-classes.md, "Field types").
PY_TYPES: dict[str, str] = {
    **{vr: "str" for vr in "AE AS CS LO LT SH ST UC UR UT UI".split()},
    "PN": "PersonName | str",
    "DA": "datetime.date",
    "TM": "datetime.time",
    "DT": "datetime.datetime",
    **{vr: "int" for vr in "IS US UL SS SL UV SV AT".split()},
    **{vr: "float" for vr in "DS FL FD".split()},
    **{vr: "bytes" for vr in "OB OD OF OL OV OW UN".split()},
}
_STR_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI".split())


def xml_label(xml_id: str) -> str:
    """``"sect_C.7.1.1"`` -> ``"Section C.7.1.1"``, ``"table_C.7-1"`` -> ``"Table C.7-1"``."""
    m = re.match(r"(sect|table|chapter)_(.+)$", xml_id)
    if not m:
        return xml_id
    return (
        {"sect": "Section", "table": "Table", "chapter": "Chapter"}[m.group(1)] + " " + m.group(2)
    )


def condition_expr(cond: Condition) -> Expr:
    """The runtime constructor call of a condition (``C.Present(0x00280008)``); the runtime
    classes in ``dicomgen.core.conditions`` have the generator's names and fields."""
    name = f"C.{type(cond).__name__}"
    if isinstance(cond, (Present, Absent, HasValue, FirstItem, LastItem, PointsToPrivate)):
        return Call(name, (hex32(cond.tag),))
    if isinstance(cond, Varies):
        return Call(name, (hex32(cond.tag), hex32(cond.sequence)))
    if isinstance(cond, (Equals, NotEquals)):
        args: tuple[Expr, ...] = (hex32(cond.tag), Tup(tuple(py(v) for v in cond.values)))
        if cond.index is not None:
            args += (str(cond.index),)
        return Call(name, args)
    if isinstance(cond, Compare):
        number = int(cond.number) if float(cond.number).is_integer() else cond.number
        args = (hex32(cond.tag), py(cond.op), py(number))
        if cond.index is not None:
            args += (str(cond.index),)
        return Call(name, args)
    if isinstance(cond, Count):
        return Call(name, (hex32(cond.tag), py(cond.op), str(cond.number)))
    if isinstance(cond, PointsTo):
        return Call(name, (hex32(cond.tag), Tup(tuple(hex32(t) for t in cond.targets))))
    if isinstance(cond, HasCode):
        codes = tuple(Tup((py(v), py(s))) for v, s in cond.codes)
        return Call(name, (hex32(cond.tag), Tup(codes)))
    if isinstance(cond, (AnyItem, InItem)):
        return Call(name, (hex32(cond.tag), condition_expr(cond.item)))
    if isinstance(cond, FrameLevel):
        return Call(name, (condition_expr(cond.item),))
    if isinstance(cond, (And, Or)):
        return Call(name, (Tup(tuple(condition_expr(c) for c in cond.items)),))
    if isinstance(cond, Not):
        return Call(name, (condition_expr(cond.item),))
    if isinstance(cond, Unparsed):
        return Call(name, (py(cond.text),))
    raise TypeError(f"not a condition: {cond!r}")


def condition_code(cond: Condition) -> str:
    """:func:`condition_expr` on one line."""
    return text_of(condition_expr(cond))


class FileContext:
    """Per generated file: which names it imports, and how to reach other files' classes.

    Base classes are imported for real; classes named only in annotations are imported for
    type checkers; item classes of other files are reached through lazy ``_ref`` thunks."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.imported: dict[str, str] = {}  # top name -> module (real imports: base classes)
        self.type_only: dict[str, str] = {}  # top name -> module (TYPE_CHECKING imports)
        self.lazy = False  # needs the _ref helper
        self.uses: set[str] = set()  # "datetime", "PersonName", "Literal", "Sequence", "uses"
        self.conditions = False

    def base(self, ref: ClassRef) -> str:
        if ref.module != self.module:
            self.imported[ref.top] = ref.module
            self.type_only.pop(ref.top, None)
        return ref.qualname

    def annotation_name(self, ref: ClassRef) -> str:
        if ref.module != self.module and ref.top not in self.imported:
            self.type_only[ref.top] = ref.module
        return ref.qualname

    def thunk(self, ref: ClassRef) -> Expr:
        if ref.module == self.module or ref.top in self.imported:
            return f"lambda: {ref.qualname}"
        self.lazy = True
        return Call("_ref", (py(f"{ref.module}:{ref.qualname}"),))

    def condition(self, cond: Condition) -> Expr:
        self.conditions = True
        return condition_expr(cond)


def _one_type(vr: str, multi: bool, literal: tuple[str, ...], ctx: FileContext) -> list[str]:
    t = PY_TYPES.get(vr, "bytes")
    if literal and not multi and vr in _STR_VRS:
        ctx.uses.add("Literal")
        return [f"Literal[{', '.join(py(v) for v in literal)}]"]
    if vr in ("DA", "TM", "DT"):
        ctx.uses.add("datetime")
    if vr == "PN":
        ctx.uses.add("PersonName")
    if multi and t != "bytes":
        # list or tuple, not Sequence: a bare str is a Sequence[str] and would pass
        return [f"list[{t}]", f"tuple[{t}, ...]"]
    return t.split(" | ")


def annotation_of(f: TypedField, ctx: FileContext) -> str:
    """The annotation of a field: VR and VM decide (ambiguous VRs: the types they share)."""
    if f.vrs[:1] == ("SQ",):
        if f.item is None:
            raise ValueError(f"{f.keyword}: SQ without an item class")
        parts = [f"list[{ctx.annotation_name(f.item)}]"]
    else:
        parts = []
        for vr in f.vrs or ("UN",):
            for p in _one_type(vr, f.multi, f.enum, ctx):
                if p not in parts:
                    parts.append(p)
    if not f.required:
        parts.append("None")
    return " | ".join(parts)
