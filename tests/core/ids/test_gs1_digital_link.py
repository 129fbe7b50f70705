"""GS1 Digital Link URIs: any host and path prefix, qualifiers, query attributes, and errors."""

from __future__ import annotations

import pytest

from thingreg.core.ids.base import InvalidIdentifier
from thingreg.core.ids.gs1 import read

GS1_SGTIN = "urn:epc:id:sgtin:95060001343.05.12345"
SSCC = "urn:epc:id:sscc:0614141.1234567890"


def canonical(text: str) -> str:
    (reading,) = read(text)
    assert reading.notation == "digital-link"
    return reading.canonical


def invalid(text: str) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as caught:
        read(text)
    return caught.value


def test_the_gs1_example_prefix_is_in_the_table() -> None:
    # The Digital Link standard's GTIN 09506000134352 (GS1 Global Office): biip's table gives
    # its company prefix 11 digits, so the serialised form is an EPC URN, not the DL URI.
    (reading,) = read("https://id.gs1.org/01/09506000134352/21/12345")
    assert reading.canonical == GS1_SGTIN
    assert reading.details["company_prefix"] == "95060001343"
    assert reading.details["digital_link"] == "https://id.gs1.org/01/09506000134352/21/12345"


@pytest.mark.parametrize(
    "uri",
    [
        "https://id.gs1.org/01/09506000134352/21/12345",
        "https://example.com/01/09506000134352/21/12345",
        "http://example.com/01/09506000134352/21/12345",
        "https://brand.example.org/some/path/prefix/01/09506000134352/21/12345",
        "https://example.com/01/9506000134352/21/12345",  # GTIN-13, padded to 14
        "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426",  # lot dropped
        "https://id.gs1.org/01/09506000134352/22/2A/10/ABC123/21/12345",
        "https://example.com/01/09506000134352/21/12345?linkType=gs1:pip#top",
        "https://example.com/01/09506000134352/21/12345/",
        "https://example.com/gtin/09506000134352/lot/ABC123/ser/12345",  # DL 1.0 short names
    ],
)
def test_every_host_prefix_and_attribute_gives_one_canonical(uri: str) -> None:
    assert canonical(uri) == GS1_SGTIN


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        # biip's documentation examples (UPC-A GTIN, short names, SSCC with query attributes)
        (
            "https://id.gs1.org/01/614141123452/lot/ABC1/ser/12345?exp=180426",
            "urn:epc:id:sgtin:0614141.012345.12345",
        ),
        ("https://id.gs1.org/01/614141123452?3103=000195", "https://id.gs1.org/01/00614141123452"),
        ("https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123", SSCC),
        ("https://id.gs1.org/414/0614141123452/254/400", "urn:epc:id:sgln:0614141.12345.400"),
        ("https://id.gs1.org/414/0614141123452", "urn:epc:id:sgln:0614141.12345.0"),
        ("https://id.gs1.org/414/0614141123452/254/0", "urn:epc:id:sgln:0614141.12345.0"),
        ("https://id.gs1.org/8003/00614141123452400", "urn:epc:id:grai:0614141.12345.400"),
        ("https://id.gs1.org/8004/061414132a%2Fb", "urn:epc:id:giai:0614141.32a%2Fb"),
        ("https://id.gs1.org/8018/061414112345678902", "urn:epc:id:gsrn:0614141.1234567890"),
        ("https://id.gs1.org/253/0614141123452006847", "urn:epc:id:gdti:0614141.12345.006847"),
    ],
)
def test_each_key(uri: str, expected: str) -> None:
    assert canonical(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected", "scheme"),
    [
        # A lot or variant without serial is a class finer than the GTIN: both stay in the path.
        (
            "https://example.com/01/09506000134352/10/ABC1?17=261231",
            "https://id.gs1.org/01/09506000134352/10/ABC1",
            "gtin",
        ),
        (
            "https://example.com/01/09506000134352/22/2A/10/AB%2FC",
            "https://id.gs1.org/01/09506000134352/22/2A/10/AB%2FC",
            "gtin",
        ),
        (
            "https://example.com/8003/00614141123452",
            "https://id.gs1.org/8003/00614141123452",
            "grai",
        ),
        ("https://example.com/253/0614141123452", "https://id.gs1.org/253/0614141123452", "gdti"),
    ],
)
def test_classes_keep_the_digital_link(uri: str, expected: str, scheme: str) -> None:
    (reading,) = read(uri)
    assert reading.canonical == expected
    assert reading.scheme == scheme
    assert reading.object_level is False


def test_qualifiers_without_epc_keep_the_digital_link() -> None:
    uri = "https://id.gs1.org/8018/061414112345678902/8019/123"
    (reading,) = read(uri)
    assert reading.canonical == uri
    assert reading.details["srin"] == "123"
    assert "epc_urn" not in reading.details


def test_percent_encoding_is_normalised() -> None:
    # "/" must be encoded in a path value; "!" may be either way; canonical encodes both.
    (reading,) = read("https://example.com/01/80614141123458/21/a%2fb!")
    assert reading.details["serial"] == "a/b!"
    assert reading.details["digital_link"] == "https://id.gs1.org/01/80614141123458/21/a%2Fb%21"
    assert reading.canonical == "urn:epc:id:sgtin:0614141.812345.a%2Fb!"


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.com/",
        "https://example.com/blog/2024/01/hello-world",
        "https://example.com/01/notagtin",
        "https://example.com/00/1234",
        "https://example.com/gtin/abc",
        "https://example.com/01/12%zz",
        "https://example.com/8004/12%zz",
        "ftp://example.com/01/09506000134352",
        "https:/example.com/01/09506000134352",
        "https://example.com/8006/095060001343520102",  # ITIP: not read here
    ],
)
def test_urls_without_a_gs1_key_are_not_gs1(uri: str) -> None:
    assert read(uri) == []


@pytest.mark.parametrize(
    ("uri", "scheme", "detail"),
    [
        ("https://id.gs1.org/01/09506000134353", "gtin", "GTIN check digit is 3, expected 2"),
        ("https://example.com/01/09506000134353/21/1", "sgtin", "GTIN check digit is 3"),
        ("https://id.gs1.org/01/0950600013", "gtin", "GTIN must be 14 digits"),
        ("https://id.gs1.org/01/ABCDEFGH", "gtin", "GTIN must be 14 digits, got 'ABCDEFGH'"),
        ("https://example.com/8004/061414132%zz", "giai", "malformed %-escape"),
        ("https://id.gs1.org/00/106141412345678909", "sscc", "SSCC check digit is 9, expected 8"),
        ("https://id.gs1.org/414/0614141123453", "gln", "GLN check digit is 3, expected 2"),
        ("https://id.gs1.org/8018/061414112345678903", "gsrn", "GSRN check digit is 3"),
        ("https://id.gs1.org/8003/10614141123452", "grai", "GRAI element must start with 0"),
        ("https://id.gs1.org/253/0614141123453", "gdti", "GDTI check digit is 3"),
        ("https://id.gs1.org/8004/ABC", "giai", "GIAI must start with its company prefix"),
        ("https://id.gs1.org/", "gs1", "without a GS1 key"),
        ("https://id.gs1.org/gtin", "gs1", "without a GS1 key"),
        ("https://id.gs1.org/8006/095060001343520102", "gs1", "GS1 key AI 8006 is not read"),
        ("https://example.com/01/09506000134352/21", "gtin", "AI 21 has no value"),
        ("https://example.com/01/09506000134352/17/261231", "gtin", "'17' is not a key qualifier"),
        ("https://example.com/01/09506000134352/21/1/10/A", "gtin", "'10' is not a key qualifier"),
        ("https://example.com/01/09506000134352/21/1/21/2", "gtin", "'21' is not a key qualifier"),
        ("https://example.com/00/106141412345678908/21/1", "sscc", "'21' is not a key qualifier"),
        ("https://example.com/01/09506000134352/21/a%2", "gtin", "malformed %-escape"),
        ("https://example.com/01/09506000134352/21/a%ZZ", "gtin", "malformed %-escape"),
        ("https://example.com/01/09506000134352/21/%FF", "gtin", "is not UTF-8"),
        ("https://example.com/01/09506000134352/21/a%20b", "sgtin", "contains ' '"),
        ("https://example.com/01/09506000134352/21/%7E", "sgtin", "contains '~'"),
        ("https://example.com/01/09506000134352/21/" + "9" * 21, "sgtin", "at most 20"),
        ("https://example.com/01/09506000134352/10/" + "9" * 21, "gtin", "at most 20"),
        ("https://example.com/414/0614141123452/254/" + "9" * 21, "sgln", "at most 20"),
    ],
)
def test_invalid(uri: str, scheme: str, detail: str) -> None:
    error = invalid(uri)
    assert detail in error.detail
    assert error.scheme == scheme
