"""PersonName (PS3.5 6.2 Table 6.2-1, 6.2.1): parsing, building, exact round trip."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicomgen.core.errors import InvalidValueError
from dicomgen.core.values import ComponentGroup, PersonName


def test_ps35_6211_examples() -> None:
    # PS3.5 6.2.1.1 examples
    pn = PersonName("Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
    assert pn.family_name == "Adams"
    assert pn.given_name == "John Robert Quincy"
    assert pn.middle_name == ""
    assert pn.name_prefix == "Rev."
    assert pn.name_suffix == "B.A. M.Div."
    pn = PersonName("Morrison-Jones^Susan^^^Ph.D., Chief Executive Officer")
    assert pn.name_suffix == "Ph.D., Chief Executive Officer"
    assert PersonName("Doe^John").alphabetic == ComponentGroup("Doe", "John")
    assert PersonName("Smith^Fluffy").given_name == "Fluffy"


def test_three_groups() -> None:
    pn = PersonName("Yamada^Tarou=山田^太郎=やまだ^たろう")
    assert pn.alphabetic == ("Yamada", "Tarou", "", "", "")
    assert pn.ideographic.family == "山田" and pn.ideographic.given == "太郎"
    assert pn.phonetic == ComponentGroup("やまだ", "たろう")
    assert str(pn) == "Yamada^Tarou=山田^太郎=やまだ^たろう"
    # absent first group: the name starts with "="
    pn = PersonName("=山田^太郎")
    assert not pn.alphabetic and pn.ideographic.family == "山田"


def test_from_components() -> None:
    pn = PersonName.from_components(family="Doe", given="John")
    assert str(pn) == "Doe^John"
    pn = PersonName.from_components(
        "Yamada",
        "Tarou",
        ideographic=("山田", "太郎"),
        phonetic={"family": "やまだ", "given": "たろう"},
    )
    assert pn == "Yamada^Tarou=山田^太郎=やまだ^たろう"
    assert str(PersonName.from_components(prefix="Dr")) == "^^^Dr"
    assert str(PersonName.from_components(phonetic="x^y")) == "==x^y"
    assert str(PersonName.from_components()) == ""
    assert str(PersonName.from_groups("a^b", None, "c")) == "a^b==c"


@pytest.mark.parametrize(
    "kwargs",
    [{"family": "a^b"}, {"given": "x=y"}, {"family": "back\\slash"}, {"ideographic": ["1"] * 6}],
)
def test_from_components_rejects_delimiters(kwargs: dict) -> None:
    with pytest.raises(InvalidValueError):
        PersonName.from_components(**kwargs)


def test_backslash_rejected_and_types() -> None:
    with pytest.raises(InvalidValueError):
        PersonName("a\\b")
    with pytest.raises(InvalidValueError):
        PersonName(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        PersonName.from_components(ideographic={"nickname": "x"})


def test_equality_hash_immutability() -> None:
    a, b = PersonName("Doe^John"), PersonName("Doe^John")
    assert a == b and a == "Doe^John" and "Doe^John" == a and hash(a) == hash(b)
    assert a != PersonName("Doe^John^^^") and a != 3
    assert a.same_name("Doe^John^^^") and a.same_name(" Doe ^John")
    assert not a.same_name("Doe^Jane")
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.foo = 1  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(a)) == a
    assert not PersonName("") and PersonName("x")
    assert repr(a) == "PersonName('Doe^John')"


def test_problems() -> None:
    assert PersonName("Doe^John").problems() == []
    assert PersonName("a=b=c=d").problems()
    assert PersonName("a^b^c^d^e^f").problems()
    assert PersonName("x" * 65).problems()
    assert PersonName("x" * 64).problems() == []
    assert PersonName("x" * 64 + "=y").problems()  # the '=' counts toward the group's 64
    assert PersonName("a\tb").problems()
    # components beyond the fifth are kept (in the suffix) so nothing is lost
    assert PersonName("a^b^c^d^e^f").name_suffix == "e^f"


_component = st.text(
    alphabet=st.characters(blacklist_characters="^=\\", min_codepoint=0x20, max_codepoint=0x3000),
    max_size=8,
)


@given(
    st.lists(st.lists(_component, max_size=5), max_size=3),
)
def test_round_trip_components(groups: list[list[str]]) -> None:
    pn = PersonName.from_groups(*groups)
    again = PersonName(str(pn))
    assert again == pn
    for i, g in enumerate(groups):
        assert tuple(pn.groups[i])[: len(g)] == tuple(g)
    assert not str(pn).endswith(("^", "="))


@given(st.text(alphabet=st.characters(blacklist_characters="\\"), max_size=40))
def test_any_string_kept_exactly(s: str) -> None:
    assert str(PersonName(s)) == s
