"""E.164 numbers: RFC 3966 tel URIs and bare international numbers, checked by phonenumbers."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thingreg.core.ids import tel
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier


@pytest.mark.parametrize(
    ("text", "canonical", "notation", "rank", "details"),
    [
        # RFC 3966 §6's global number.
        ("tel:+1-201-555-0123", "tel:+12015550123", "tel-uri", 100, {"country_code": "1"}),
        ("TEL:+33 1 23 45 67 89", "tel:+33123456789", "tel-uri", 100, {"region": "FR"}),
        ("+1 (202) 555-0143", "tel:+12025550143", "international", 90, {}),
        # +44 is shared by GB, GG, IM and JE: no region is claimed.
        ("+44.20.7946.0018", "tel:+442079460018", "international", 90, {"country_code": "44"}),
        # Italy keeps the trunk 0 in international form.
        (
            "+39 06 1234 5678",
            "tel:+390612345678",
            "international",
            90,
            {"national_number": "0612345678"},
        ),
        # A non-geographic code of international networks, where M2M SIMs live.
        ("tel:+882-360-0123-4567", "tel:+88236001234567", "tel-uri", 100, {"region": "001"}),
    ],
)
def test_e164_numbers(
    text: str, canonical: str, notation: str, rank: int, details: dict[str, str]
) -> None:
    (reading,) = tel.read(text)
    assert (reading.scheme, reading.canonical) == ("tel", canonical)
    assert (reading.notation, reading.rank) == (notation, rank)
    assert details.items() <= dict(reading.details).items()


def test_a_possible_number_the_library_does_not_know_is_accepted() -> None:
    """is_possible (lengths) rather than is_valid (known ranges): IoT numbers run ahead of it."""
    number = phonenumbers.parse("+46719123456789")
    assert phonenumbers.is_possible_number(number)
    assert not phonenumbers.is_valid_number(number)
    assert tel.read("+46 719 123 456 789")[0].canonical == "tel:+46719123456789"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # RFC 3966 §6's local numbers: not E.164.
        ("tel:7042;phone-context=example.com", "is a local number"),
        ("tel:863-1234;phone-context=+1-914-555", "is a local number"),
        ("tel:12345", "is not global"),
        ("tel:+1-201-555-0123;ext=1234", "tel: parameters (;ext=, ;isub=…) are not part"),
        ("+1 201 555 O123", "holds digits and the separators - . ( ) only"),
        ("+", "no digits after the +"),
        ("tel:+", "no digits after the +"),
        ("+1234567890123456", "at most 15 digits, this one has 16"),
        ("+999 1234 5678", "+999… is no assigned country code"),
        ("+0 1234 5678", "+012… is no assigned country code"),
        ("+33 1 23", "3 digits after +33 are too few for its numbering plan"),
        ("+33 1 23 45 67 89 01", "11 digits after +33 are too many for its numbering plan"),
    ],
)
def test_invalid_numbers_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        tel.read(text)
    assert reason in info.value.detail
    assert info.value.detail.startswith(repr(text))
    assert info.value.scheme == "tel"


@pytest.mark.parametrize("text", ["33123456789", "urn:tel:+331", "telephone", ""])
def test_what_is_not_a_number(text: str) -> None:
    assert tel.read(text) == []


def _example_numbers() -> list[phonenumbers.PhoneNumber]:
    found = [phonenumbers.example_number(region) for region in phonenumbers.SUPPORTED_REGIONS]
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        found.append(phonenumbers.example_number_for_non_geo_entity(code))
    return sorted(
        (number for number in found if number is not None),
        key=lambda number: (number.country_code, number.national_number),
    )


EXAMPLE_NUMBERS = _example_numbers()
separator = st.sampled_from(["", "", " ", "-", ".", "(", ")"])


@given(st.sampled_from(EXAMPLE_NUMBERS), st.lists(separator, min_size=20, max_size=20))
def test_tel_round_trip(number: phonenumbers.PhoneNumber, gaps: list[str]) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    expected = "tel:" + e164
    spaced = "+" + "".join(digit + gap for digit, gap in zip(e164[1:], gaps, strict=False))
    texts = [
        e164,
        spaced,
        "tel:" + spaced,
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966),
    ]
    for text in texts:
        assert analyse(text).readings[0].canonical == expected
    assert analyse(expected).readings[0].canonical == expected


@pytest.mark.parametrize(
    "e164",
    [
        *(
            phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
            for n in EXAMPLE_NUMBERS
        ),
        "+3900612345678",
        "+390000000",
    ],
)
def test_numbers_are_built_as_phonenumbers_parses_them(e164: str) -> None:
    """The reader builds PhoneNumber itself (parse costs 10 µs); leading zeros must match."""
    parsed = phonenumbers.parse(e164)
    assert parsed.country_code is not None
    national = e164[1 + len(str(parsed.country_code)) :]
    assert tel._phone_number(parsed.country_code, national) == parsed


def test_examples() -> None:
    for text, expected in tel.EXAMPLES:
        assert tel.read(text)[0].canonical == expected
        assert analyse(text).readings[0].canonical == expected
