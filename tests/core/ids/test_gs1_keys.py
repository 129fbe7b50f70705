"""GS1 key building blocks: the mod-10 check digit, the company prefix table, escaping."""

from __future__ import annotations

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from thingreg.core.ids.gs1_keys import (
    Key,
    check_digit,
    company_prefix_length,
    epc_escape,
    uri_escape,
)


@pytest.mark.parametrize(
    ("payload", "digit"),
    [
        ("400638133393", 1),  # EAN-13 4006381333931
        ("03600029145", 2),  # UPC-A 036000291452
        ("950600013435", 2),  # GS1 example GTIN 9506000134352
        ("9638507", 4),  # GTIN-8 96385074
        ("37610425002123456", 9),  # SSCC 376104250021234569
        ("0614141123452400"[:12], 2),  # GLN 0614141123452
    ],
)
def test_check_digit_vectors(payload: str, digit: int) -> None:
    assert check_digit(payload) == digit


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_check_digit_agrees_with_stdnum_and_biip(payload: str) -> None:
    assert check_digit(payload) == int(ean.calc_check_digit(payload))
    assert check_digit(payload) == gs1_standard_check_digit(payload)


@pytest.mark.parametrize(
    ("digits", "available", "length"),
    [
        ("061414112345", 12, 7),  # GS1 US example prefix of the EPC TDS
        ("950600013435", 12, 11),  # GS1 Global Office example of the Digital Link standard
        ("704461087346", 12, 6),  # biip's own example: GS1 Norway
        ("978034539180", 12, None),  # Bookland (ISBN): no GS1 company prefix
        ("020000000000", 12, None),  # restricted circulation number
        ("0614141AB", None, 7),  # GIAI: prefix then letters
        ("061414AB", None, None),  # GIAI whose digits end before its 7-digit prefix does
    ],
)
def test_company_prefix_length(digits: str, available: int | None, length: int | None) -> None:
    assert company_prefix_length(digits, available) == length


def test_escapes() -> None:
    assert epc_escape('a"%&/<>?b!') == "a%22%25%26%2F%3C%3E%3Fb!"
    assert uri_escape("a/b!") == "a%2Fb%21"
    assert uri_escape("AZaz09-._") == "AZaz09-._"


def test_key_scheme_and_level() -> None:
    assert Key("01", "80614141123458").scheme == "gtin"
    assert Key("01", "80614141123458", {"21": "1"}).scheme == "sgtin"
    assert Key("01", "80614141123458", {"10": "L"}).object_level is False
    assert Key("414", "0614141123452", {"254": "0"}).scheme == "gln"
    assert Key("414", "0614141123452", {"254": "7"}).scheme == "sgln"
    assert Key("8003", "00614141123452").object_level is False
    assert Key("8003", "00614141123452X").object_level is True


def test_epc_urn_with_an_explicit_prefix_length() -> None:
    key = Key("01", "80614141123458", {"21": "6789"})
    assert key.epc_urn(7) == "urn:epc:id:sgtin:0614141.812345.6789"
    assert key.epc_urn(12) == "urn:epc:id:sgtin:061414112345.8.6789"
    assert Key("01", "80614141123458").epc_urn(7) is None  # a class has no EPC
