"""Attribute matching rules of PS3.4 C.2.2.2 (2020c), one key against one stored attribute.

Each expected result is derived from the quoted rule of the section named in the test.
"""

from __future__ import annotations

import pytest

from dicomgen.archive.matching import (
    QueryOptions,
    is_universal,
    match_dataset,
    match_element,
    wildcard_regex,
)
from dicomgen.core.dataset import Dataset
from dicomgen.core.element import DataElement


def el(vr: str, value, tag: int = 0x00100010) -> DataElement:
    return DataElement(tag, vr, value)


def m(vr: str, key, stored, **kw) -> bool:
    return match_element(el(vr, key), None if stored is ... else el(vr, stored), **kw)


# --- C.2.2.2.1 Single Value Matching ------------------------------------------------------


@pytest.mark.parametrize(
    "vr,key,stored,expected",
    [
        # "only entities with values that match exactly the value specified ... case-sensitive"
        ("LO", "ABC", "ABC", True),
        ("LO", "ABC", "abc", False),
        ("LO", "ABC", "ABCD", False),
        ("SH", "A1", "A1", True),
        ("CS", "CT", "CT", True),
        ("CS", "CT", "MR", False),
        ("CS", "CT", "ct", False),
        ("AE", "STORE", "STORE", True),
        ("ST", "some text", "some text", True),
        ("ST", "some text", "Some text", False),
        # "of any other VR": exact value (IS/DS/US compared as numbers)
        ("IS", "5", "5", True),
        ("IS", "5", "6", False),
        ("DS", "1.5", "1.50", True),
        ("US", 7, 7, True),
        ("US", 7, 8, False),
        ("UI", "1.2.3", "1.2.3", True),
        ("UI", "1.2.3", "1.2.34", False),
    ],
)
def test_single_value_matching(vr, key, stored, expected):
    """PS3.4 C.2.2.2.1."""
    assert m(vr, key, stored) is expected


@pytest.mark.parametrize(
    "vr,key,stored,expected",
    [
        ("DA", "20200131", "20200131", True),
        ("DA", "20200131", "20200130", False),
        # C.2.2.2.1.3 examples: the TM "2230" matches "223000"
        ("TM", "2230", "223000", True),
        ("TM", "2230", "223001", False),
        # the DT "19980128103000.0000" matches "19980128103000"
        ("DT", "19980128103000.0000", "19980128103000", True),
        # "19980128103000" w/o offset ... matches "19980128073000" with offset "-0300" only
        # with timezone adjustment: the wall clock times differ, so no match here
        ("DT", "19980128103000+0000", "19980128073000-0300", True),  # same moment
        ("DT", "19980128103000+0100", "19980128103000+0000", False),  # an hour apart
    ],
)
def test_single_value_matching_of_dates_and_times_by_meaning(vr, key, stored, expected):
    """PS3.4 C.2.2.2.1.3: DA, TM, DT "are matched by their meaning, not as literal strings"."""
    assert m(vr, key, stored) is expected


@pytest.mark.parametrize(
    "key,stored,ci,expected",
    [
        ("Doe^John", "Doe^John", True, True),
        ("doe^john", "Doe^John", True, True),  # insensitive to case (allowed, C.2.2.2.1.1)
        ("doe^john", "Doe^John", False, False),  # case-sensitive literal matching
        ("Doe^John", "Doe^John^^^", True, True),  # trailing empty components (PS3.5 6.2.1)
        ("Doe^John", "Doe^Jane", True, False),
        # "Wang^XiaoDong=王^小東" may match "Wang^XiaoDong" or "王^小東": we match groups
        ("Wang^XiaoDong", "Wang^XiaoDong=王^小東", True, True),
        ("王^小東", "Wang^XiaoDong=王^小東", True, True),
        ("Wang^XiaoDong=王^小東", "Wang^XiaoDong=王^小東", True, True),
        ("Wang^XiaoDong=王^小東", "Wang^XiaoDong", True, False),
        ("MÜLLER^HANS", "Müller^Hans", True, True),
    ],
)
def test_person_name_matching(key, stored, ci, expected):
    """PS3.4 C.2.2.2.1.1 Attributes of VR of PN."""
    assert m("PN", key, stored, pn_case_insensitive=ci) is expected


# --- C.2.2.2.2 List of UID Matching -------------------------------------------------------


def test_list_of_uid_matching():
    """PS3.4 C.2.2.2.2: "Each UID in the list ... may generate a match"."""
    key = ["1.2.3", "1.2.4", "1.2.5"]
    assert m("UI", key, "1.2.4")
    assert m("UI", key, "1.2.5")
    assert not m("UI", key, "1.2.6")
    assert not m("UI", key, "1.2")


# --- C.2.2.2.3 Universal Matching ---------------------------------------------------------


@pytest.mark.parametrize(
    "vr,stored", [("LO", "X"), ("DA", "20200101"), ("UI", "1.2"), ("PN", "A^B"), ("US", 3)]
)
def test_universal_matching(vr, stored):
    """PS3.4 C.2.2.2.3: a zero length key matches all entities."""
    assert is_universal(el(vr, None))
    assert m(vr, None, stored)
    assert m(vr, None, ...)  # absent attribute too


# --- C.2.2.2.4 Wild Card Matching ---------------------------------------------------------


@pytest.mark.parametrize(
    "vr,key,stored,expected",
    [
        ("LO", "AB*", "ABCDEF", True),
        ("LO", "AB*", "AB", True),  # "*" matches ... "including a zero length value"
        ("LO", "AB*", "XAB", False),
        ("LO", "*CD*", "ABCDEF", True),
        ("LO", "A?C", "ABC", True),
        ("LO", "A?C", "AC", False),  # "?" matches exactly one character
        ("LO", "A?C", "ABBC", False),
        ("LO", "A*", "abc", False),  # "This matching is case sensitive"
        ("CS", "C?", "CT", True),  # "Wild Card Matching is also defined for CS values"
        ("SH", "1.2*", "1.2.3", True),
        ("SH", "1.2*", "1x2.3", False),  # "." is literal, not a regex wild card
        ("LO", "a+b*", "a+bc", True),  # regex metacharacters are literal
        ("LO", "a+b*", "aab", False),
        ("LO", "(x)*", "(x)y", True),
        ("LO", "[ab]?", "[ab]c", True),
        ("LO", "[ab]?", "ac", False),
        ("LO", "50%*", "50%off", True),  # SQL LIKE metacharacters are literal too
        ("LO", "a_b", "axb", False),
        ("ST", "*line2*", "line1\nline2", True),  # "*" spans line breaks
        ("PN", "doe*", "Doe^John", True),  # PN: case-insensitive as we state
        ("PN", "D?e^J*", "Doe^John", True),
        ("PN", "*XiaoDong*", "Wang^XiaoDong=王^小東", True),
        ("UC", "ü*", "übung", True),  # a character, not a byte
        ("UC", "?bung", "übung", True),
    ],
)
def test_wild_card_matching(vr, key, stored, expected):
    """PS3.4 C.2.2.2.4."""
    assert m(vr, key, stored) is expected


def test_single_star_is_universal():
    """PS3.4 C.2.2.2.4: "Wild card matching on a value of "*" is equivalent to Universal"."""
    assert is_universal(el("LO", "*"))
    assert m("LO", "*", "anything")


def test_wildcard_regex_is_anchored():
    assert wildcard_regex("a*").fullmatch("abc")
    assert not wildcard_regex("a").fullmatch("ab")


def test_wildcards_are_literal_for_vrs_without_wildcard_matching():
    """C.2.2.2.4 lists AE, CS, LO, LT, PN, SH, ST, UC, UR, UT only: a DA "2020*" is not a
    wild card key, so it matches nothing but itself."""
    assert not m("DA", "2020*", "20200101")


# --- C.2.2.2.5 Range Matching -------------------------------------------------------------


@pytest.mark.parametrize(
    "key,stored,expected",
    [
        ("20200101-20201231", "20200101", True),  # inclusive
        ("20200101-20201231", "20201231", True),
        ("20200101-20201231", "20210101", False),
        ("20200101-20201231", "20191231", False),
        ("-20200101", "19000101", True),  # "prior to and including"
        ("-20200101", "20200101", True),
        ("-20200101", "20200102", False),
        ("20200101-", "20200101", True),  # "<date1> and subsequent dates"
        ("20200101-", "29991231", True),
        ("20200101-", "20191231", False),
        ("20200115-20200115", "20200115", True),  # both values the same
    ],
)
def test_range_matching_da(key, stored, expected):
    """PS3.4 C.2.2.2.5.1."""
    assert m("DA", key, stored) is expected


@pytest.mark.parametrize(
    "key,stored,expected",
    [
        ("1000-1200", "1000", True),
        ("1000-1200", "115959", True),
        ("1000-1200", "120000", True),
        ("1000-1200", "120100", False),
        ("1000-1200", "095959", False),
        ("-1130", "000000", True),  # "from midnight of the same day to the specified time"
        ("-1130", "113000", True),
        # an end of minute precision covers the whole minute (documented choice)
        ("-1130", "113059.999", True),
        ("-1130", "113100", False),
        ("2300-", "235959.999999", True),  # "until any time prior to midnight"
        ("2300-", "225959", False),
    ],
)
def test_range_matching_tm(key, stored, expected):
    """PS3.4 C.2.2.2.5.2."""
    assert m("TM", key, stored) is expected


@pytest.mark.parametrize(
    "key,stored,expected",
    [
        ("20200101000000-20200101120000", "20200101060000", True),
        ("20200101000000-20200101120000", "20200101120001", False),
        ("-2020", "20201231235959", True),  # end of year precision covers the year
        ("-2020", "20210101", False),
        ("2020-", "2019", False),
        ("2020-", "20200101", True),
        # "The offset from UTC, if present in the Value ..., shall be taken into account"
        ("20200101100000+0000-20200101110000+0000", "20200101113000+0100", True),
        ("20200101100000+0000-20200101110000+0000", "20200101113000+0000", False),
        # a DT key with a negative UTC offset and no second value is a single value
        ("20200101100000-0500", "20200101150000+0000", True),
    ],
)
def test_range_matching_dt(key, stored, expected):
    """PS3.4 C.2.2.2.5.3."""
    assert m("DT", key, stored) is expected


def test_combined_date_time_range_matching():
    """PS3.4 C.2.2.2.5.4 example: Study Date "20060705-20060707" with Study Time
    "1000-1800" is July 5 10am to July 7 6pm when combined matching is negotiated,
    else the three periods 10am-6pm of each day."""
    keys = [
        DataElement(0x00080020, "DA", "20060705-20060707"),
        DataElement(0x00080030, "TM", "1000-1800"),
    ]

    def study(date: str, time: str) -> Dataset:
        ds = Dataset()
        ds.add(DataElement(0x00080020, "DA", date))
        ds.add(DataElement(0x00080030, "TM", time))
        return ds

    combined = QueryOptions(combined_datetime=True)
    night = study("20060706", "2200")  # July 6, 10pm
    assert match_dataset(keys, night, combined)
    assert not match_dataset(keys, night, QueryOptions())
    early = study("20060705", "0900")  # before the start
    assert not match_dataset(keys, early, combined)
    late = study("20060707", "1801")  # after the end
    assert not match_dataset(keys, late, combined)
    assert match_dataset(keys, study("20060707", "1759"), combined)


# --- C.2.2.1.2 zero-length stored value, multi-valued stored attributes --------------------


def test_zero_length_stored_value_matches():
    """PS3.4 C.2.2.1.2: "If a C-FIND SCP manages an entity with a Required Key of zero
    length, the value is considered unknown and all matching against the zero length
    Required Key shall be considered a successful match"."""
    assert m("DA", "20200101", None)
    assert m("LO", "X*", None)
    assert m("DA", "20200101-", ...)


def test_multi_valued_stored_attribute_matches_any_value():
    assert m("CS", "MR", ["CT", "MR"])
    assert not m("CS", "US", ["CT", "MR"])
    assert m("CS", ["US", "MR"], ["CT", "MR"])  # multi-valued key: any of (extension)


# --- C.2.2.2.6 Sequence Matching ----------------------------------------------------------


def _code_item(value: str, scheme: str = "DCM") -> Dataset:
    it = Dataset()
    it.add(DataElement(0x00080100, "SH", value))
    it.add(DataElement(0x00080102, "SH", scheme))
    return it


def test_sequence_matching():
    """PS3.4 C.2.2.2.6: "If all the Item Key Attributes match, for at least one of the Items
    ... a successful match is generated"; an empty key item is universal."""
    stored = DataElement(0x00081032, "SQ", [_code_item("A1"), _code_item("B2", "LN")])
    key_item = Dataset()
    key_item.add(DataElement(0x00080100, "SH", "B2"))
    key_item.add(DataElement(0x00080102, "SH", "LN"))
    assert match_element(DataElement(0x00081032, "SQ", [key_item]), stored)
    # both keys must match within the same item
    mixed = Dataset()
    mixed.add(DataElement(0x00080100, "SH", "A1"))
    mixed.add(DataElement(0x00080102, "SH", "LN"))
    assert not match_element(DataElement(0x00081032, "SQ", [mixed]), stored)
    # wild card inside an item (recursive use of the matching types)
    wild = Dataset()
    wild.add(DataElement(0x00080100, "SH", "B*"))
    assert match_element(DataElement(0x00081032, "SQ", [wild]), stored)
    # zero-length item / no item: universal
    assert match_element(DataElement(0x00081032, "SQ", [Dataset()]), stored)
    assert match_element(DataElement(0x00081032, "SQ", []), stored)


def test_nested_sequence_matching():
    inner = Dataset()
    inner.add(DataElement(0x00081150, "UI", "1.2.3"))
    outer = Dataset()
    outer.add(DataElement(0x00081199, "SQ", [inner]))
    stored = DataElement(0x00081115, "SQ", [outer])
    k_inner = Dataset()
    k_inner.add(DataElement(0x00081150, "UI", ["9.9", "1.2.3"]))
    k_outer = Dataset()
    k_outer.add(DataElement(0x00081199, "SQ", [k_inner]))
    assert match_element(DataElement(0x00081115, "SQ", [k_outer]), stored)
    k_inner2 = Dataset()
    k_inner2.add(DataElement(0x00081150, "UI", "9.9"))
    k_outer2 = Dataset()
    k_outer2.add(DataElement(0x00081199, "SQ", [k_inner2]))
    assert not match_element(DataElement(0x00081115, "SQ", [k_outer2]), stored)
