"""Reading the PS3.7 message field tables (Tables 9.3-1 ff., 10.3-1 ff.) in the tests that
check our DIMSE messages carry exactly the fields the standard lists.

Importable from any test folder (``tests/`` is on ``sys.path`` through its conftest).
"""

from __future__ import annotations

import re
from typing import Any


def table_tags(part07: Any, table_id: str) -> set[int]:
    """The command field tags listed in a PS3.7 message field table."""
    from dicomgen_codegen.docbook.tables import get_table

    tags = set()
    for row in get_table(part07, table_id).rows:
        for text in row.texts():
            m = re.fullmatch(r"\s*\((\w{4}),(\w{4})\)\s*", text)
            if m:
                tags.add(int(m.group(1) + m.group(2), 16))
    assert tags, table_id
    return tags
