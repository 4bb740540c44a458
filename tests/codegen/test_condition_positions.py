"""Conditions on control points: "Required for first Item of Control Point Sequence, or if
Gantry Angle changes during Beam" -> FirstItem / Varies (evaluated in
tests/runtime/test_condition_items.py)."""

from __future__ import annotations

from dicomgen_codegen.parse.conditions import (
    Absent,
    And,
    Compare,
    FirstItem,
    Or,
    Unparsed,
    Varies,
    parse_condition,
)

CPS, ION_CPS, DELIVERY = 0x300A0111, 0x300A03A8, 0x30080041
NAMES = {
    "Control Point Sequence": CPS,
    "Ion Control Point Sequence": ION_CPS,
    "Gantry Angle": 0x300A011E,
    "Nominal Beam Energy": 0x300A0114,
}


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_condition(text, NAMES)


def test_first_item_or_changes() -> None:
    cond = parse("Required for first Item of Control Point Sequence, or if Gantry Angle changes "
                 "during Beam.")  # fmt: skip
    assert cond == Or(
        (
            FirstItem(CPS, "Control Point Sequence"),
            Varies(0x300A011E, CPS, "Gantry Angle"),
        )
    )


def test_control_point_zero_of_a_delivery_sequence_with_a_final_and() -> None:
    cond = parse(
        "Required for Control Point 0 of Ion Control Point Delivery Sequence (3008,0041) or if "
        "Nominal Beam Energy (300A,0114) changes during beam administration, and KVP (0018,0060) "
        "is not present."
    )
    first = FirstItem(DELIVERY, "Ion Control Point Delivery Sequence")
    changes = Varies(0x300A0114, DELIVERY, "Nominal Beam Energy")
    # ", and" applies to both alternatives: an item 0 of a kV beam needs no beam energy
    assert cond == And((Or((first, changes)), Absent(0x00180060, "KVP")))


def test_first_item_if_and_subsequent_control_points() -> None:
    cond = parse(
        "Required for first Item of Ion Control Point Sequence if Number of Wedges (300A,00D0) "
        "is non-zero, and in subsequent control points if Wedge Position (300A,0118) or Wedge "
        "Thin Edge Position (300A,00DB) changes during beam."
    )
    assert cond == Or(
        (
            And(
                (
                    FirstItem(ION_CPS, "Ion Control Point Sequence"),
                    Compare(0x300A00D0, "!=", 0, None, "Number of Wedges"),
                )
            ),
            Varies(0x300A0118, ION_CPS, "Wedge Position"),
            Varies(0x300A00DB, ION_CPS, "Wedge Thin Edge Position"),
        )
    )


def test_changes_without_a_sequence_or_unknown_sequence_is_unparsed() -> None:
    assert isinstance(parse("Required if Gantry Angle changes during Beam."), Unparsed)
    text = "Required for first Item of Unknown Sequence, or if Gantry Angle changes during Beam."
    assert isinstance(parse(text), Unparsed)
