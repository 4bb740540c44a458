"""SR content items: the value attributes are required when the item is included by-value.

The generated Document Relationship Macro (PS3.3 Table C.17-6) includes the Document Content
Macro "if the Target Content Item is included by-value in the Source Content Item", which the
condition grammar reads as Referenced Content Item Identifier (0040,DB73) absent; combined
with the Value Type test, a TEXT / NUM / CODE / SCOORD item without its value is an error
only when it is by-value.
"""

from __future__ import annotations

import pytest

from dicomgen.core.dataset import Dataset
from dicomgen.core.validation import Finding, validate_dataset
from dicomgen_std.macros.document_relationship import DocumentRelationshipMacro

CONTENT_SEQUENCE = 0x0040A730
RELATIONSHIP_TYPE = 0x0040A010
VALUE_TYPE = 0x0040A040
CONCEPT_NAME = 0x0040A043
REFERENCED_CONTENT_ITEM = 0x0040DB73


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.add_new(0x00080100, "SH", value)
    item.add_new(0x00080102, "SH", scheme)
    item.add_new(0x00080104, "LO", meaning)
    return item


def _by_value(value_type: str) -> Dataset:
    item = Dataset()
    item.add_new(RELATIONSHIP_TYPE, "CS", "CONTAINS")
    item.add_new(VALUE_TYPE, "CS", value_type)
    item.add_new(CONCEPT_NAME, "SQ", [_code("121071", "DCM", "Finding")])
    return item


def _by_reference() -> Dataset:
    item = Dataset()
    item.add_new(RELATIONSHIP_TYPE, "CS", "INFERRED FROM")
    item.add_new(REFERENCED_CONTENT_ITEM, "UL", [1, 2])
    return item


def _validate(*items: Dataset) -> list[Finding]:
    root = Dataset()
    root.add_new(CONTENT_SEQUENCE, "SQ", list(items))
    return validate_dataset(root, DocumentRelationshipMacro)


def _missing(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in found if f.severity == "error"]


CASES = [
    ("TEXT", "type1c-missing", "TextValue"),
    ("NUM", "type2c-missing", "MeasuredValueSequence"),
    ("CODE", "type1c-missing", "ConceptCodeSequence"),
    ("SCOORD", "type1c-missing", "GraphicData"),
]


@pytest.mark.parametrize("value_type,rule,keyword", CASES, ids=[c[0] for c in CASES])
def test_by_value_item_without_its_value_is_an_error(
    value_type: str, rule: str, keyword: str
) -> None:
    found = _missing(_validate(_by_value(value_type)))
    assert (rule, f"ContentSequence[0].{keyword}") in found


@pytest.mark.parametrize("value_type,rule,keyword", CASES, ids=[c[0] for c in CASES])
def test_value_type_test_alone_does_not_require_the_other_values(
    value_type: str, rule: str, keyword: str
) -> None:
    others = {k for _, _, k in CASES if k != keyword}
    found = {path.rsplit(".", 1)[-1] for _, path in _missing(_validate(_by_value(value_type)))}
    assert not (found & others)


def test_by_reference_item_needs_no_value() -> None:
    found = _validate(_by_reference())
    assert _missing(found) == []
    # nor is its condition left unchecked: DB73 decides every by-value rule
    assert not [f for f in found if f.rule == "condition-not-checked" and "[0]" in f.path]


def test_item_with_neither_value_type_nor_reference_is_reported() -> None:
    item = Dataset()
    item.add_new(RELATIONSHIP_TYPE, "CS", "CONTAINS")
    found = _missing(_validate(item))
    assert ("type1c-missing", "ContentSequence[0].ReferencedContentItemIdentifier") in found
    assert ("type1c-missing", "ContentSequence[0].ValueType") in found


def test_complete_by_value_items_are_valid() -> None:
    text = _by_value("TEXT")
    text.add_new(0x0040A160, "UT", "no abnormality")
    code = _by_value("CODE")
    code.add_new(0x0040A168, "SQ", [_code("17621005", "SCT", "Normal")])
    assert _missing(_validate(text, code, _by_reference())) == []
