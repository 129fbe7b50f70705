"""GS1 family entry point: examples, bare digit strings, and which notation goes where."""

from __future__ import annotations

import pytest

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.gs1 import BENCH_INPUTS, EXAMPLES, read

SGTIN = "urn:epc:id:sgtin:0614141.812345.6789"
SSCC = "urn:epc:id:sscc:0614141.1234567890"


def invalid(text: str) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as caught:
        read(text)
    return caught.value


def summary(readings: list[Reading]) -> list[tuple[str, str, int]]:
    return [(r.scheme, r.canonical, r.rank) for r in readings]


# --- examples, bench inputs ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "canonical"), EXAMPLES)
def test_example_reads_to_its_canonical_and_back(text: str, canonical: str) -> None:
    assert read(text)[0].canonical == canonical
    again = read(canonical)
    assert again[0].canonical == canonical
    assert again[0].rank == 100
    assert len(again) == 1


@pytest.mark.parametrize("text", BENCH_INPUTS)
def test_bench_input_is_read(text: str) -> None:
    assert read(text)


def test_examples_cover_every_scheme() -> None:
    schemes = {r.scheme for text, _ in EXAMPLES for r in read(text)}
    assert schemes == {"gtin", "sgtin", "sscc", "gln", "sgln", "grai", "giai", "gsrn", "gdti"}


# --- bare digits ----------------------------------------------------------------------------


def test_thirteen_digits_are_a_gtin_then_a_gln() -> None:
    readings = read("0614141123452")
    assert summary(readings) == [
        ("gtin", "https://id.gs1.org/01/00614141123452", 40),
        ("gln", "urn:epc:id:sgln:0614141.12345.0", 35),
    ]
    gtin, gln = readings
    assert gtin.object_level is False
    assert gtin.notation == "digits"
    assert gtin.details["company_prefix"] == "0614141"
    assert gtin.details["item_reference"] == "12345"
    assert gln.object_level is True
    assert gln.details["location_reference"] == "12345"


@pytest.mark.parametrize(
    ("digits", "gtin14", "rank"),
    [
        ("96385074", "00000096385074", 30),  # GTIN-8 from biip's docs
        ("614141123452", "00614141123452", 40),  # UPC-A
        ("80614141123458", "80614141123458", 40),  # GTIN-14 of the TDS SGTIN example
    ],
)
def test_gtin_lengths_normalise_to_14_digits(digits: str, gtin14: str, rank: int) -> None:
    (reading,) = read(digits)
    assert reading.scheme == "gtin"
    assert reading.canonical == f"https://id.gs1.org/01/{gtin14}"
    assert reading.details["gtin"] == gtin14
    assert reading.rank == rank


def test_eighteen_digits_are_an_sscc_then_a_gsrn() -> None:
    assert summary(read("106141412345678908")) == [
        ("sscc", SSCC, 35),
        ("gsrn", "https://id.gs1.org/8018/106141412345678908", 30),
    ]


def test_printed_digits_with_spaces() -> None:
    assert read("0 614141 12345 2")[0].canonical == "https://id.gs1.org/01/00614141123452"


@pytest.mark.parametrize(
    "text",
    [
        "9506000134353",  # GTIN-13 with check digit 3, expected 2: maybe something else
        "80614141123459",
        "106141412345678909",
        "1234567",
        "123456789012345",  # 15 digits: an IMEI's business, not ours
        "",
        "   ",
        "hello",
        "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
        "urn:epc:id:gid:95100000.12345.400",
        "https://example.com/blog/2024/01/hello",
        "mailto:someone@example.com",
        "]C0plain code 128",
        "0109506000134352XYZ(",
    ],
)
def test_not_gs1(text: str) -> None:
    assert read(text) == []


def test_surrounding_whitespace_is_ignored() -> None:
    assert read(f"  {SGTIN}\n")[0].canonical == SGTIN


# --- dispatch to the notation readers -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "notation"),
    [
        (SGTIN, "epc-urn"),
        ("URN:EPC:ID:sgtin:0614141.812345.6789", "epc-urn"),
        ("https://id.gs1.org/01/80614141123458/21/6789", "digital-link"),
        ("HTTP://example.com/01/80614141123458/21/6789", "digital-link"),
        ("(01)80614141123458(21)6789", "element-string"),
        ("]d20180614141123458216789", "element-string"),
        ("\x1d0180614141123458216789\x1d10LOT1", "element-string"),
        ("0180614141123458216789", "element-string"),
    ],
)
def test_notations(text: str, notation: str) -> None:
    (reading,) = read(text)
    assert reading.notation == notation
    assert reading.canonical == SGTIN


@pytest.mark.parametrize(
    ("text", "scheme", "detail"),
    [
        ("urn:epc:id:sgtin:0614141.81234.6789", "sgtin", "must be 13 digits together"),
        ("https://id.gs1.org/01/80614141123459", "gtin", "GTIN check digit is 9, expected 8"),
        ("(01)80614141123459(21)6789", "sgtin", "GTIN check digit is 9, expected 8"),
        ("]d20180614141123459216789", "sgtin", "GTIN check digit is 9, expected 8"),
    ],
)
def test_invalid_in_every_notation(text: str, scheme: str, detail: str) -> None:
    error = invalid(text)
    assert detail in error.detail
    assert error.scheme == scheme
    assert "\n" not in error.detail
