"""The dispatcher: ordering, de-duplication, refusals, the URI fallback, and sound routing."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thingreg.core.ids import analysis, device_urn, did, gs1, mobile, tel, uri, uuid_oid
from thingreg.core.ids.analysis import MAX_LENGTH, Analysis, analyse, canonical
from thingreg.core.ids.base import InvalidIdentifier, Reader, Reading

MODULES: tuple[ModuleType, ...] = (uuid_oid, device_urn, tel, did, gs1, mobile, uri)


def examples(module: ModuleType) -> list[tuple[str, str]]:
    return list(getattr(module, "EXAMPLES", ()))


def bench_inputs(module: ModuleType) -> list[str]:
    return list(getattr(module, "BENCH_INPUTS", ()))


ALL_EXAMPLES = [pair for module in MODULES for pair in examples(module)]
ALL_INPUTS = [text for module in MODULES for text in bench_inputs(module)] + [
    text for text, _ in ALL_EXAMPLES
]


def test_every_scheme_module_is_a_reader() -> None:
    assert tuple(module.read for module in MODULES if module is not uri) == analysis.READERS


@pytest.mark.parametrize(("text", "expected"), ALL_EXAMPLES)
def test_every_modules_examples_are_offered(text: str, expected: str) -> None:
    assert expected in [reading.canonical for reading in analyse(text).readings]


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__.split(".")[-1])
def test_every_module_offers_bench_inputs_it_reads(module: ModuleType) -> None:
    inputs = bench_inputs(module)
    assert 5 <= len(inputs) <= 12
    for text in inputs:
        assert module.read(text), text


def test_ambiguous_strings_offer_every_reading_most_likely_first() -> None:
    # 12 digits with a valid GS1 check digit: a GTIN-12 (UPC-A) first, a MAC-48 after.
    schemes = [reading.scheme for reading in analyse("012345678905").readings]
    assert schemes[0] == "gtin"
    assert "mac" in schemes
    # 16 digits: an IMEISV (and its IMEI) before an EUI-64.
    readings = analyse("3568680000414120").readings
    assert readings[0].scheme == "imeisv"
    assert readings[-1].scheme == "mac"
    ranks = [reading.rank for reading in readings]
    assert ranks == sorted(ranks, reverse=True)


def test_analysis_strips_surrounding_whitespace() -> None:
    result = analyse("  urn:UUID:919108F7-52D1-4320-9BAC-F847DB4148A8 \n")
    assert result == Analysis(
        "urn:UUID:919108F7-52D1-4320-9BAC-F847DB4148A8", uuid_oid.read(result.input)
    )


def fake(*readings: Reading, error: str = "") -> Reader:
    def read(text: str) -> list[Reading]:
        if error:
            raise InvalidIdentifier(error, "fake")
        return list(readings)

    return read


def test_same_canonical_is_kept_once_with_its_best_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    low = Reading("gtin", "urn:x:1", "digits", 30)
    high = Reading("gln", "urn:x:1", "digits", 60)
    other = Reading("imei", "urn:x:2", "digits", 40)
    first = Reading("imsi", "urn:x:3", "digits", 40)
    monkeypatch.setattr(analysis, "_route", lambda text: (fake(low, first), fake(high, other)))
    assert analyse("123").readings == [high, first, other]  # ties keep module order


def test_a_reading_beats_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    good = Reading("imsi", "urn:x:3", "digits", 40)
    monkeypatch.setattr(analysis, "_route", lambda text: (fake(error="bad"), fake(good)))
    assert analyse("123").readings == [good]


def test_the_first_refusal_of_the_route_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    route = (fake(), fake(error="first"), fake(error="second"))
    monkeypatch.setattr(analysis, "_route", lambda text: route)
    with pytest.raises(InvalidIdentifier, match=r"^first$"):
        analyse("123")


@pytest.mark.parametrize(
    ("text", "scheme", "reason"),
    [
        ("urn:uuid:919108f7-52d1-4320-9bac", "uuid", "needs 32 hex digits grouped 8-4-4-4-12"),
        ("urn:oid:3.6.1", "oid", "the first arc must be 0, 1 or 2"),
        ("urn:dev:ow:10e2073a01080064", "ow", "1-Wire CRC is 64, expected 63"),
        ("eui64:00:24:BE:80:4F:F1", "mac", "eui64: needs 64 bits, got 48"),
        ("tel:+999 1234 5678", "tel", "+999… is no assigned country code"),
        ("+33 1 23", "tel", "are too few for its numbering plan"),
        ("did:example:123#key-1", "did", "is a DID URL"),
        ("did:web:192.168.1.1", "did", "not an IP address"),
    ],
)
def test_invalid_explicit_forms_are_refused_with_their_reason(
    text: str, scheme: str, reason: str
) -> None:
    """Even when the text is a valid URI: the scheme it names decides, not the fallback."""
    with pytest.raises(InvalidIdentifier) as info:
        analyse(text)
    assert reason in info.value.detail
    assert info.value.scheme == scheme
    assert "\n" not in info.value.detail
    assert info.value.status == 400


@pytest.mark.parametrize(
    "text", ["hello world", "!!!", "€", "12", "lamp-1", "x" * 100, "::", "{}", "\x00"]
)
def test_garbage_is_not_an_identifier(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        analyse(text)
    shown = repr(text) if len(text) <= 60 else repr(text[:57] + "...")
    assert info.value.detail == (
        f"{shown} is not an identifier thingreg recognises: "
        "no scheme reads it and it is not an absolute URI"
    )


@pytest.mark.parametrize("text", ["", "   ", "\t\r\n"])
def test_empty_input(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match=r"^an empty string is not an identifier$"):
        analyse(text)


def test_group_separator_is_not_whitespace_here() -> None:
    """str.strip() would remove GS (FNC1), with which a GS1 element string may start."""
    with pytest.raises(InvalidIdentifier) as info:
        analyse("\x1d")
    assert "empty" not in info.value.detail


@pytest.mark.parametrize("text", ["a" * (MAX_LENGTH + 1), "urn:uuid:" + "0" * 10**6])
def test_long_input_is_refused_before_any_module_reads_it(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "_route", lambda text: pytest.fail("a module was asked"))
    with pytest.raises(InvalidIdentifier) as info:
        analyse(text)
    assert info.value.detail == (
        f"identifier of {len(text)} characters refused: at most {MAX_LENGTH} are read"
    )


def test_the_longest_accepted_input() -> None:
    text = "https://example.com/" + "a" * (MAX_LENGTH - 20)
    assert len(text) == MAX_LENGTH
    assert analyse(f" {text} ").readings[0].canonical == text


def test_the_uri_reading_only_when_nothing_else_reads() -> None:
    (reading,) = analyse("https://example.com/things/lamp-1").readings
    assert reading.scheme == "uri"
    for text in ("urn:uuid:919108f7-52d1-4320-9bac-f847db4148a8", "did:example:123"):
        assert [r.scheme for r in analyse(text).readings] != ["uri"]
        assert "uri" not in [r.scheme for r in analyse(text).readings]


# --- canonical() -----------------------------------------------------------------------------


def test_canonical_is_the_best_reading() -> None:
    assert canonical("00:24:BE:80:4F:F1") == device_urn.read("00:24:BE:80:4F:F1")[0]


def test_canonical_of_a_named_scheme() -> None:
    assert canonical("012345678905", "mac").canonical == "urn:dev:mac:012345ffff678905"
    assert canonical("did:example:123", "uri").canonical == "did:example:123"
    with pytest.raises(InvalidIdentifier) as info:
        canonical("012345678905", "imei")
    assert info.value.detail.startswith("'012345678905' is not a imei identifier; it reads as ")
    assert "gtin" in info.value.detail
    assert "mac" in info.value.detail


def test_canonical_of_a_named_scheme_raises_that_schemes_reason() -> None:
    with pytest.raises(InvalidIdentifier, match="no assigned country code"):
        canonical("tel:+999 1234 5678", "tel")
    with pytest.raises(InvalidIdentifier, match=r"^'garbage' is not a uuid identifier$"):
        canonical("garbage", "uuid")
    with pytest.raises(InvalidIdentifier, match="empty"):
        canonical("", "uuid")


# --- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("urn:uuid:919108f7-52d1-4320-9bac-f847db4148a8", (uuid_oid.read,)),
        ("URN:OID:1.3.6.1", (uuid_oid.read,)),
        ("919108f7-52d1-4320-9bac-f847db4148a8", (uuid_oid.read,)),
        ("urn:dev:mac:0024befffe804ff1", (device_urn.read,)),
        ("00:24:BE:80:4F:F1", (device_urn.read,)),
        ("eui48:00-24-BE-80-4F-F1", (device_urn.read,)),
        ("+1-202-555-0143", (tel.read,)),
        ("tel:+1-202-555-0143", (tel.read,)),
        ("did:example:123", (did.read,)),
        ("https://id.gs1.org/01/09506000134352", (gs1.read,)),
        ("urn:epc:id:sgtin:9506000.134352.1", (gs1.read,)),
        ("urn:gsma:imei:90420156-025763-0", (mobile.read,)),
        ("urn:imei:490154203237518", (mobile.read,)),
        ("490154203237518", (gs1.read, mobile.read, device_urn.read)),
    ],
)
def test_common_inputs_ask_only_the_modules_that_can_read_them(
    text: str, route: tuple[Reader, ...]
) -> None:
    assert analysis._route(text) == route


def read_everywhere(text: str) -> tuple[set[tuple[str, str]], bool]:
    """What asking every module would give: readings, and whether any refused."""
    found: set[tuple[str, str]] = set()
    refused = False
    for read in analysis.READERS:
        try:
            found.update((reading.scheme, reading.canonical) for reading in read(text))
        except InvalidIdentifier:
            refused = True
    return found, refused


def assert_route_is_sound(text: str) -> None:
    text = text.strip(" \t\r\n\v\f")
    if not text or len(text) > MAX_LENGTH:
        return
    readings, errors = analysis._read(text)
    everywhere, refused = read_everywhere(text)
    assert {(reading.scheme, reading.canonical) for reading in readings} == everywhere, text
    if not readings and refused:
        assert errors, f"{text!r}: a module outside the route would have said why"


@pytest.mark.parametrize("text", ALL_INPUTS)
def test_routing_loses_nothing_on_known_inputs(text: str) -> None:
    assert_route_is_sound(text)


PREFIXES = [
    "",
    "+",
    "urn:",
    "urn:uuid:",
    "urn:oid:",
    "oid:",
    "urn:dev:",
    "urn:dev:mac:",
    "mac:",
    "eui48:",
    "tel:",
    "did:",
    "did:key:z",
    "did:web:",
    "http://",
    "https://id.gs1.org/01/",
    "urn:epc:id:sgtin:",
    "urn:gsma:imei:",
    "urn:imei:",
    "tag:",
    "imsi-",
    "IMEI: ",
    "(01)",
]
BODY = st.text("0123456789abcdefABCDEF:-.+{}() /%_;=", max_size=40)


@given(st.sampled_from(PREFIXES), BODY)
def test_routing_loses_nothing(prefix: str, body: str) -> None:
    assert_route_is_sound(prefix + body)


@given(
    st.sampled_from([text for text in ALL_INPUTS if len(text) > 4]),
    st.integers(0, 40),
    st.sampled_from(list(":-. 0aZ")),
)
def test_routing_loses_nothing_near_known_inputs(text: str, index: int, char: str) -> None:
    position = index % len(text)
    assert_route_is_sound(text[:position] + char + text[position + 1 :])


def test_readings_are_plain_data() -> None:
    reading: Any = analyse("urn:dev:ops:32473-Refrigerator-5002").readings[0]
    with pytest.raises(AttributeError):
        reading.rank = 1
