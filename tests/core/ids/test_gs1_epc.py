"""EPC pure-identity URNs against the EPC Tag Data Standard's own examples, valid and invalid.

The examples use the GS1 US company prefix 0614141; biip's prefix table knows it is 7 digits
long, so every canonical below is the EPC URN itself.
"""

from __future__ import annotations

import pytest

from thingreg.core.ids.base import InvalidIdentifier
from thingreg.core.ids.gs1 import read
from thingreg.core.ids.gs1_keys import company_prefix_length

# (EPC URN, the element string it stands for, its scheme) — EPC TDS §6 and §7 examples
TDS_VECTORS = [
    ("urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789", "sgtin"),
    ("urn:epc:id:sgtin:0614141.112345.400", "(01)10614141123459(21)400", "sgtin"),
    ("urn:epc:id:sgtin:0614141.712345.32a%2Fb", "(01)70614141123451(21)32a/b", "sgtin"),
    ("urn:epc:id:sscc:0614141.1234567890", "(00)106141412345678908", "sscc"),
    ("urn:epc:id:sgln:0614141.12345.400", "(414)0614141123452(254)400", "sgln"),
    ("urn:epc:id:sgln:0614141.12345.0", "(414)0614141123452", "gln"),
    ("urn:epc:id:grai:0614141.12345.400", "(8003)00614141123452400", "grai"),
    ("urn:epc:id:giai:0614141.12345400", "(8004)061414112345400", "giai"),
    ("urn:epc:id:giai:0614141.32a%2Fb", "(8004)061414132a/b", "giai"),
    ("urn:epc:id:gsrn:0614141.1234567890", "(8018)061414112345678902", "gsrn"),
    ("urn:epc:id:gdti:0614141.12345.006847", "(253)0614141123452006847", "gdti"),
]


def invalid(text: str) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as caught:
        read(text)
    return caught.value


def test_the_examples_prefix_is_in_the_table() -> None:
    assert company_prefix_length("061414112345", 12) == 7


@pytest.mark.parametrize(("urn", "element_string", "scheme"), TDS_VECTORS)
def test_tds_vector(urn: str, element_string: str, scheme: str) -> None:
    (reading,) = read(urn)
    assert reading.canonical == urn
    assert reading.scheme == scheme
    assert reading.notation == "epc-urn"
    assert reading.rank == 100
    assert reading.object_level is True
    assert reading.details["company_prefix"] == "0614141"
    assert reading.details["epc_urn"] == urn
    (from_element_string,) = read(element_string)
    assert from_element_string.canonical == urn
    assert read(reading.details["digital_link"])[0].canonical == urn


def test_sgtin_details() -> None:
    details = read("urn:epc:id:sgtin:0614141.812345.6789")[0].details
    assert details == {
        "gtin": "80614141123458",
        "digital_link": "https://id.gs1.org/01/80614141123458/21/6789",
        "company_prefix": "0614141",
        "indicator": "8",
        "item_reference": "12345",
        "epc_urn": "urn:epc:id:sgtin:0614141.812345.6789",
        "serial": "6789",
    }


def test_escaped_serial_decodes_and_converts_to_a_digital_link() -> None:
    (reading,) = read("urn:epc:id:sgtin:0614141.712345.32a%2Fb")
    assert reading.details["serial"] == "32a/b"
    assert reading.details["digital_link"] == "https://id.gs1.org/01/70614141123451/21/32a%2Fb"


def test_all_seven_reserved_characters_round_trip() -> None:
    urn = "urn:epc:id:sgtin:0614141.812345.%22%25%26%2F%3C%3E%3F"
    (reading,) = read(urn)
    assert reading.details["serial"] == '"%&/<>?'
    assert reading.canonical == urn


def test_unneeded_and_lowercase_escapes_are_normalised() -> None:
    (reading,) = read("urn:epc:id:sgtin:0614141.812345.%41b%2fc")
    assert reading.canonical == "urn:epc:id:sgtin:0614141.812345.Ab%2Fc"


def test_dots_belong_to_the_serial() -> None:
    (reading,) = read("urn:epc:id:sgtin:0614141.812345.1.2.3")
    assert reading.details["serial"] == "1.2.3"
    (giai,) = read("urn:epc:id:giai:0614141.A.B")
    assert giai.details["giai"] == "0614141A.B"


def test_a_split_other_than_the_tables_reads_to_the_same_canonical() -> None:
    # The same SGTIN with a 6-digit and a 9-digit company prefix: the table says 7.
    for urn in ("urn:epc:id:sgtin:061414.1112345.400", "urn:epc:id:sgtin:061414112.1345.400"):
        assert read(urn)[0].canonical == "urn:epc:id:sgtin:0614141.112345.400"


def test_unknown_prefix_gives_the_digital_link_and_keeps_the_declared_prefix() -> None:
    # 978… is Bookland (ISBN): no GS1 company prefix length in the table.
    (reading,) = read("urn:epc:id:sgtin:9780345.039180.A1")
    assert reading.canonical == "https://id.gs1.org/01/09780345391803/21/A1"
    assert reading.details["company_prefix"] == "9780345"
    assert reading.details["company_prefix_source"] == "epc-urn"
    assert "epc_urn" not in reading.details


def test_scheme_name_is_case_insensitive_and_canonical_is_lowercase() -> None:
    (reading,) = read("urn:epc:id:SSCC:0614141.1234567890")
    assert reading.canonical == "urn:epc:id:sscc:0614141.1234567890"


@pytest.mark.parametrize(
    "urn", ["urn:epc:id:gid:95100000.12345.400", "urn:epc:id:cpi:0614141.123ABC.123456789"]
)
def test_other_epc_schemes_are_left_to_others(urn: str) -> None:
    assert read(urn) == []


@pytest.mark.parametrize(
    ("urn", "scheme", "detail"),
    [
        ("urn:epc:id:sgtn:0614141.812345.6789", "epc", "unknown EPC scheme 'sgtn'"),
        ("urn:epc:id:sgtin", "epc", "EPC URN needs urn:epc:id:{scheme}:{parts}"),
        ("urn:epc:id:", "epc", "EPC URN needs"),
        ("urn:epc:id:sgtin:0614141.812345", "sgtin", "needs 3 dot-separated parts"),
        ("urn:epc:id:sscc:0614141", "sscc", "needs 2 dot-separated parts"),
        ("urn:epc:id:sgtin:06141.8123456.6789", "sgtin", "company prefix must be 6 to 12 digits"),
        ("urn:epc:id:sgtin:0614141123456.8.1", "sgtin", "company prefix must be 6 to 12 digits"),
        ("urn:epc:id:sgtin:0614141.81234.6789", "sgtin", "must be 13 digits together"),
        ("urn:epc:id:sgtin:0614141.8123A5.6789", "sgtin", "must be 13 digits together"),
        ("urn:epc:id:sscc:0614141.123456789", "sscc", "must be 17 digits together"),
        ("urn:epc:id:sgln:0614141.1234.400", "sgln", "must be 12 digits together"),
        ("urn:epc:id:gsrn:0614141.12345678901", "gsrn", "must be 17 digits together"),
        ("urn:epc:id:sgtin:0614141.812345.", "sgtin", "serial is empty"),
        ("urn:epc:id:sgtin:0614141.812345.a b", "sgtin", "serial contains ' '"),
        ("urn:epc:id:sgtin:0614141.812345.a/b", "sgtin", "which an EPC URI writes as %2F"),
        ("urn:epc:id:sgtin:0614141.812345.a%2", "sgtin", "malformed %-escape '%2'"),
        ("urn:epc:id:sgtin:0614141.812345.a%G1", "sgtin", "malformed %-escape '%G1'"),
        ("urn:epc:id:sgtin:0614141.812345.%7E", "sgtin", "escapes '~', not a GS1 character"),
        ("urn:epc:id:sgtin:0614141.812345.%C3%A9", "sgtin", "not a GS1 character"),
        ("urn:epc:id:sgtin:0614141.812345.123456789012345678901", "sgtin", "at most 20"),
        ("urn:epc:id:grai:0614141.12345.12345678901234567", "grai", "at most 16"),
        ("urn:epc:id:gdti:0614141.12345.123456789012345678", "gdti", "at most 17"),
        ("urn:epc:id:giai:0614141.123456789012345678901234", "giai", "at most 30"),
        ("urn:epc:id:sgln:0614141.12345.123456789012345678901", "sgln", "at most 20"),
    ],
)
def test_invalid_urn(urn: str, scheme: str, detail: str) -> None:
    error = invalid(urn)
    assert detail in error.detail
    assert error.scheme == scheme


def test_escaped_length_counts_characters_not_escapes() -> None:
    # 20 characters, 60 once escaped: still a valid serial
    (reading,) = read("urn:epc:id:sgtin:0614141.812345." + "%2F" * 20)
    assert reading.details["serial"] == "/" * 20
