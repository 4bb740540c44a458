"""A content tree as text, one item a line, like dcmtk's ``dsrdump``."""

from __future__ import annotations

from .content import ContentItem


def dump_tree(root: ContentItem) -> str:
    """``<position> <relationship> <VALUE TYPE>:<concept name> = <value>`` per item, indented by
    depth; the template an item claims follows as ``[TID n]``."""
    lines = []
    for path, item in root.walk():
        indent = "  " * (len(path) - 1)
        pos = ".".join(map(str, path))
        rel = f"<{item.relationship}> " if item.relationship else ""
        vt = item.value_type or "(by reference)"
        concept = f":{item.concept_name}" if item.concept_name is not None else ""
        value = item.value_text()
        tid = f" [TID {item.template}]" if item.template else ""
        lines.append(f"{indent}{pos} {rel}{vt}{concept}{' = ' + value if value else ''}{tid}")
    return "\n".join(lines) + "\n"
