"""RFC 9039 device URNs against the RFC's examples, and MAC/EUI addresses in every notation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thingreg.core.ids import device_urn
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier

# RFC 9039 §4's examples, with what each one's details must say.
RFC9039_EXAMPLES = [
    ("urn:dev:mac:0024befffe804ff1", "mac", {"mapping": "eui-64", "oui": "00-24-BE"}),
    ("urn:dev:ow:10e2073a01080063", "ow", {"family": "10", "serial": "e2073a010800"}),
    ("urn:dev:ow:264437f5000000ed_humidity", "ow", {"component": "humidity", "crc": "ed"}),
    ("urn:dev:ow:264437f5000000ed_temperature", "ow", {"component": "temperature"}),
    ("urn:dev:org:32473-foo", "org", {"pen": "32473", "id": "foo"}),
    (
        "urn:dev:ops:32473-Refrigerator-5002",
        "ops",
        {"pen": "32473", "product": "Refrigerator", "serial": "5002"},
    ),
    ("urn:dev:os:32473-123456", "os", {"pen": "32473", "serial": "123456"}),
]


@pytest.mark.parametrize(("urn", "scheme", "details"), RFC9039_EXAMPLES)
def test_rfc9039_examples(urn: str, scheme: str, details: dict[str, str]) -> None:
    (reading,) = device_urn.read(urn)
    assert (reading.scheme, reading.canonical, reading.notation) == (scheme, urn, "urn")
    assert reading.rank == 100
    assert details.items() <= dict(reading.details).items()


@pytest.mark.parametrize(
    ("text", "canonical", "details"),
    [
        ("URN:DEV:MAC:0024BEFFFE804FF1", "urn:dev:mac:0024befffe804ff1", {}),
        ("urn:dev:org:32473-foo:bar:zoo", "urn:dev:org:32473-foo:bar:zoo", {"id": "foo:bar:zoo"}),
        ("urn:dev:os:32473-12-34-56_component", "urn:dev:os:32473-12-34-56_component", {}),
        ("urn:dev:os:32473-123456:identifier", "urn:dev:os:32473-123456:identifier", {}),
        ("urn:dev:ops:32473-Ref.v2-50-02", "urn:dev:ops:32473-Ref.v2-50-02", {"serial": "50-02"}),
        ("urn:dev:mac:0024be804ff1", "urn:dev:mac:0024beffff804ff1", {"mapping": device_urn.MAC48}),
        ("urn:dev:mac:0024befffe804ff1_eth0", "urn:dev:mac:0024befffe804ff1_eth0", {}),
    ],
)
def test_more_dev_urns(text: str, canonical: str, details: dict[str, str]) -> None:
    (reading,) = device_urn.read(text)
    assert reading.canonical == canonical
    assert details.items() <= dict(reading.details).items()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("urn:dev:", "it needs urn:dev:<subtype>:<identifier>"),
        ("urn:dev:mac", "it needs urn:dev:<subtype>:<identifier>"),
        ("urn:dev:mac:", "it needs urn:dev:<subtype>:<identifier>"),
        ("urn:dev:mac:acde48234567019", "needs an EUI-64 as 16 hex digits"),
        ("urn:dev:mac:acde48234567019fa", "needs an EUI-64 as 16 hex digits"),
        ("urn:dev:mac:acdefail4567019f", "needs an EUI-64 as 16 hex digits"),
        ("urn:dev:mac:acde48234567019f:x", "needs an EUI-64 as 16 hex digits"),
        ("urn:dev:mac:0024befffe804ff1_fa%il", "the component 'fa%il' may only hold"),
        ("urn:dev:ow:10e2073a0108006", "needs the 64-bit 1-Wire ROM code"),
        ("urn:dev:ow:10e2073a01080063:x", "needs the 64-bit 1-Wire ROM code"),
        ("urn:dev:ow:10e2073a01080064", "1-Wire CRC is 64, expected 63"),
        ("urn:dev:org:032473-foo", "Private Enterprise Number without leading zeros"),
        ("urn:dev:org:32473fail-foo", "Private Enterprise Number without leading zeros"),
        ("urn:dev:org:32473", "Private Enterprise Number without leading zeros"),
        ("urn:dev:org:32473-", "'' may only hold letters, digits"),
        ("urn:dev:os:32473-12 34", "'12 34' may only hold letters, digits"),
        ("urn:dev:ops:32473-Refrigerator", "needs <PEN>-<product without '-'>-<serial>"),
        ("urn:dev:ops:32473-Refrigerator-", "needs <PEN>-<product without '-'>-<serial>"),
        ("urn:dev:Mixed+Case:x", "is not a DEV URN subtype"),
        ("urn:dev:example:x%20y", "'x%20y' is not a DEV URN identifier"),
    ],
)
def test_invalid_dev_urns_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        device_urn.read(text)
    assert reason in info.value.detail
    assert info.value.detail.startswith(repr(text))


def test_unregistered_subtype_is_left_to_the_uri_reading() -> None:
    assert device_urn.read("urn:dev:example:new1") == []
    (reading,) = analyse("urn:dev:example:new1").readings
    assert (reading.scheme, reading.canonical) == ("uri", "urn:dev:example:new1")


# --- MAC and EUI addresses -------------------------------------------------------------------

MAC48 = "urn:dev:mac:0024beffff804ff1"
EUI48 = "urn:dev:mac:0024befffe804ff1"


@pytest.mark.parametrize(
    ("text", "canonical", "notation", "rank", "mapping"),
    [
        ("00:24:BE:80:4F:F1", MAC48, "colon-hex", 90, device_urn.MAC48),
        ("00-24-be-80-4f-f1", MAC48, "hyphen-hex", 85, device_urn.MAC48),
        ("0024.be80.4ff1", MAC48, "dot-hex", 80, device_urn.MAC48),
        ("0024-BE80-4FF1", MAC48, "hyphen-quad", 80, device_urn.MAC48),
        ("0024be-804ff1", MAC48, "hyphen-halves", 70, device_urn.MAC48),
        ("0024be804ff1", MAC48, "hex", 20, device_urn.MAC48),
        ("mac:00:24:be:80:4f:f1", MAC48, "prefixed", 100, device_urn.MAC48),
        ("eui48:00-24-BE-80-4F-F1", EUI48, "prefixed", 100, device_urn.EUI48),
        ("EUI-48:0024be804ff1", EUI48, "prefixed", 100, device_urn.EUI48),
        ("00:24:be:ff:fe:80:4f:f1", EUI48, "colon-hex", 90, device_urn.EUI64),
        ("00-24-BE-FF-FE-80-4F-F1", EUI48, "hyphen-hex", 85, device_urn.EUI64),
        ("0024.beff.fe80.4ff1", EUI48, "dot-hex", 80, device_urn.EUI64),
        ("0024-beff-fe80-4ff1", EUI48, "hyphen-quad", 80, device_urn.EUI64),
        ("0024befffe804ff1", EUI48, "hex", 15, device_urn.EUI64),
        ("eui64:0024befffe804ff1", EUI48, "prefixed", 100, device_urn.EUI64),
        ("mac:0024.beff.fe80.4ff1", EUI48, "prefixed", 100, device_urn.EUI64),
    ],
)
def test_mac_notations(text: str, canonical: str, notation: str, rank: int, mapping: str) -> None:
    (reading,) = device_urn.read(text)
    assert (reading.scheme, reading.canonical) == ("mac", canonical)
    assert (reading.notation, reading.rank) == (notation, rank)
    assert reading.details["mapping"] == mapping


def test_mac_details_flag_local_and_group_addresses() -> None:
    (reading,) = device_urn.read("03:00:5e:00:00:01")
    assert reading.details["administration"] == "local"
    assert reading.details["cast"] == "group"
    (reading,) = device_urn.read("00:00:5E:00:53:01")  # RFC 9542's documentation range
    assert dict(reading.details) == {
        "mapping": device_urn.MAC48,
        "oui": "00-00-5E",
        "administration": "universal",
        "cast": "individual",
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("eui48:00:24:be:ff:fe:80:4f:f1", "eui48: needs 48 bits, got 64"),
        ("eui64:00:24:BE:80:4F:F1", "eui64: needs 64 bits, got 48"),
        ("mac:00:24:BE:80:4F", "mac: needs 12 or 16 hex digits"),
        ("mac:0024be804ff1g", "mac: needs 12 or 16 hex digits"),
        ("00:24:BE:80:4F:FG", "it has a non-hex digit"),
        ("0024.be80.4ffz", "it has a non-hex digit"),
    ],
)
def test_invalid_macs_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason) as info:
        device_urn.read(text)
    assert info.value.scheme == "mac"


@pytest.mark.parametrize(
    "text",
    [
        "0024be804ff",  # 11 digits
        "0024be804ffz",  # bare, with a z: just not hex
        "0024.be8.04ff1",
        "0024-be8-04ff1",
        "0024b-e804ff1",
        "0024be-804f-f1",
        "ORDER1-234567",  # HP's 6-6 shape, but not hex: some other code
        "abcd-efgh-ijkl",
        "00:24:BE:80:4F",
        "00:24:BE-80:4F:F1",
        "fe80::1",
        "0:24:be:80:4f:f1",
        "urn:uuid:919108f7-52d1-4320-9bac-f847db4148a8",
    ],
)
def test_what_is_not_a_mac(text: str) -> None:
    assert device_urn.read(text) == []


octets = st.binary(min_size=6, max_size=6) | st.binary(min_size=8, max_size=8)


def _notations(raw: bytes) -> list[str]:
    pairs = [f"{byte:02x}" for byte in raw]
    quads = [raw[i : i + 2].hex() for i in range(0, len(raw), 2)]
    texts = [
        ":".join(pairs),
        ":".join(pairs).upper(),
        "-".join(pairs).upper(),
        ".".join(quads),
        "-".join(quads),
        raw.hex(),
        "mac:" + "-".join(pairs),
    ]
    if len(raw) == 6:
        texts.append(raw[:3].hex() + "-" + raw[3:].hex())
    return texts


@given(octets)
def test_mac_notations_round_trip(raw: bytes) -> None:
    value = raw.hex()
    expected = "urn:dev:mac:" + (value if len(raw) == 8 else value[:6] + "ffff" + value[6:])
    for text in _notations(raw):
        readings = [r for r in analyse(text).readings if r.scheme == "mac"]
        assert [r.canonical for r in readings] == [expected]
    assert analyse(expected).readings[0].canonical == expected
    if len(raw) == 6:
        eui48 = "urn:dev:mac:" + value[:6] + "fffe" + value[6:]
        assert analyse("eui48:" + value).readings[0].canonical == eui48


@given(st.binary(min_size=7, max_size=7), st.sampled_from(["", "_a", "_a.1_b-2"]))
def test_one_wire_round_trip(body: bytes, component: str) -> None:
    rom = body + bytes([device_urn._crc8(body)])
    urn = "urn:dev:ow:" + rom.hex() + component
    assert analyse("URN:DEV:OW:" + rom.hex().upper() + component).readings[0].canonical == urn
    assert analyse(urn).readings[0].canonical == urn


identifier = st.text("abcXYZ019.-", min_size=1, max_size=12)


@given(st.integers(1, 10**9), st.text("abcXYZ019.", min_size=1, max_size=8), identifier)
def test_pen_urns_round_trip(pen: int, product: str, serial: str) -> None:
    for urn in (
        f"urn:dev:org:{pen}-{serial}",
        f"urn:dev:os:{pen}-{serial}",
        f"urn:dev:ops:{pen}-{product}-{serial}",
    ):
        (reading,) = analyse(urn).readings
        assert reading.canonical == urn
        assert reading.details["pen"] == str(pen)
        assert analyse("URN:Dev:" + urn[8:]).readings[0].canonical == urn


def test_examples() -> None:
    for text, expected in device_urn.EXAMPLES:
        assert device_urn.read(text)[0].canonical == expected
        assert analyse(text).readings[0].canonical == expected
