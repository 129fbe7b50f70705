"""The identifier benchmark's alias generator makes valid, unique, varied identifiers."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bench.aliases import (
    MAX_THINGS,
    Alias,
    check_notation,
    delegation_prefixes,
    gs1_check_digit,
    luhn_digit,
    make_aliases,
)
from thingreg.core.aliases import listed_aliases
from thingreg.core.ids.analysis import analyse

COUNT = 1500


@pytest.fixture(scope="module")
def aliases() -> list[Alias]:
    rng = random.Random(3)
    return [alias for i in range(COUNT) for alias in make_aliases(i, rng)]


def test_check_digits_match_published_examples() -> None:
    assert luhn_digit("49015420323751") == "8"  # IMEI 49-015420-323751-8
    assert luhn_digit("8901410321111851072") == "0"  # ICCID 89014103211118510720
    assert gs1_check_digit("8061414112345") == "8"  # GTIN 80614141123458
    assert gs1_check_digit("950600013435") == "2"  # GTIN 9506000134352


def test_every_notation_reads_to_the_canonical_form(aliases: list[Alias]) -> None:
    for alias in aliases:
        assert alias.canonical.startswith(alias.prefix)
        for text in alias.texts:
            assert text != alias.canonical
            found = [r.canonical for r in analyse(text).readings if r.scheme == alias.scheme]
            assert alias.canonical in found, text


def test_the_registry_accepts_the_listed_identifiers(aliases: list[Alias]) -> None:
    for start in range(0, len(aliases), 50):  # a TD lists at most 64
        batch = aliases[start : start + 50]
        stored, member, errors = listed_aliases([alias.listed for alias in batch])
        assert errors == []
        assert member == [alias.canonical for alias in batch]
        assert [a.scheme for a in stored] == [alias.scheme for alias in batch]


def test_aliases_are_unique_and_varied(aliases: list[Alias]) -> None:
    assert len({alias.canonical for alias in aliases}) == len(aliases)
    schemes = Counter(alias.scheme for alias in aliases)
    assert set(schemes) == {"imei", "mac", "tel", "sgtin"}
    assert COUNT * 1.1 < len(aliases) < COUNT * 1.5  # one alias, or two
    assert {alias.prefix for alias in aliases} == set(delegation_prefixes())
    assert any(isinstance(alias.listed, dict) for alias in aliases)  # ambiguous digit strings
    assert any(a.canonical.startswith("https://id.gs1.org/01/") for a in aliases)  # unknown GCP


def test_unchecked_aliases_are_the_same() -> None:
    checked = [a for i in range(200) for a in make_aliases(i, random.Random(i))]
    unchecked = [a for i in range(200) for a in make_aliases(i, random.Random(i), check=False)]
    assert [(a.canonical, a.notations) for a in checked] == [
        (a.canonical, a.notations) for a in unchecked
    ]


def test_a_wrong_notation_is_caught() -> None:
    canonical = "urn:gsma:imei:49015420-323751-0"
    check_notation("49-015420-323751-8", "imei", canonical)
    with pytest.raises(ValueError, match="invalid"):
        check_notation("49-015420-323751-7", "imei", canonical)
    with pytest.raises(ValueError, match="reads as"):
        check_notation("49-015420-323752-6", "imei", canonical)
    with pytest.raises(ValueError, match="canonical form"):
        check_notation(canonical, "imei", canonical)
    with pytest.raises(ValueError, match="unique"):
        make_aliases(MAX_THINGS, random.Random(1))
