"""RFC 9039 device URNs (``urn:dev:``), and MAC/EUI addresses in any notation.

Schemes: ``mac`` (EUI-64, the canonical form of every MAC/EUI address), ``ow`` (1-Wire),
``org``, ``os`` and ``ops`` (identifiers under an IANA Private Enterprise Number). The URN prefix
and the subtype are case-insensitive and written lowercase; the identifiers of ``org``, ``os`` and
``ops`` keep their case. A ``_component`` suffix (RFC 9039 §3.2) is kept. A syntactically valid
DEV URN of an unregistered subtype is left to the generic ``uri`` reading.

MAC/EUI addresses (issue 3's decision): canonical ``urn:dev:mac:`` + the EUI-64 as 16 lowercase
hex digits. A 64-bit input maps directly. A 48-bit input is read as a MAC-48 network address,
``ffff`` inserted after the OUI, unless it is marked as an EUI-48 (``eui48:…``), then ``fffe``;
``details["mapping"]`` says which. Accepted, in any case: ``00:24:BE:80:4F:F1`` (colon-hex),
``00-24-BE-80-4F-F1`` (hyphen-hex, IEEE 802), ``0024.be80.4ff1`` (dot-hex, Cisco),
``0024-be80-4ff1`` (hyphen-quad, Huawei/H3C), ``0024be-804ff1`` (hyphen-halves, HP, 48-bit
only), ``0024be804ff1`` (hex), the same with eight octets, optionally prefixed by ``mac:``,
``eui48:``/``eui-48:`` or ``eui64:``/``eui-64:``. Bare hex without separators ranks low (12
digits may be a GTIN-12, 16 an IMEISV); a ``urn:dev:mac:`` with 12 digits is read as MAC-48.

1-Wire ids are the 64-bit ROM code written family code first and CRC last, as in RFC 9039's
examples; the Dallas/Maxim CRC-8 is verified (both RFC examples pass it).
"""

from __future__ import annotations

import re

from thingreg.core.ids.base import InvalidIdentifier, Reading

_HEX = re.compile(r"(?:[0-9a-f]{2})+")
_IDENTIFIER = re.compile(r"[A-Za-z0-9.\-]+")
_PRODUCT = re.compile(r"[A-Za-z0-9.]+")
_PEN = re.compile(r"[1-9][0-9]*")
_SUBTYPE = re.compile(r"[a-z][a-z0-9]*")

MAC48 = "mac-48→eui-64 (ffff)"
EUI48 = "eui-48→eui-64 (fffe)"
EUI64 = "eui-64"

_RANKS = {
    "colon-hex": 90,
    "hyphen-hex": 85,
    "dot-hex": 80,
    "hyphen-quad": 80,
    "hyphen-halves": 70,
    "hex": 20,
}
"""Bare notations: separators make a MAC unmistakable; 12 hex digits may be a GTIN-12 (and 16,
ranked 15, an IMEISV)."""

_TELLING = ("colon-hex", "hyphen-hex", "dot-hex")

_PREFIXES = {"mac": None, "eui48": 6, "eui-48": 6, "eui64": 8, "eui-64": 8}
"""Address prefixes and the octet count each demands (None: 6 or 8)."""

EXAMPLES: tuple[tuple[str, str], ...] = (
    # RFC 9039 §4's examples.
    ("urn:dev:mac:0024befffe804ff1", "urn:dev:mac:0024befffe804ff1"),
    ("urn:dev:ow:10e2073a01080063", "urn:dev:ow:10e2073a01080063"),
    ("urn:dev:ow:264437f5000000ed_humidity", "urn:dev:ow:264437f5000000ed_humidity"),
    ("urn:dev:org:32473-foo", "urn:dev:org:32473-foo"),
    ("urn:dev:ops:32473-Refrigerator-5002", "urn:dev:ops:32473-Refrigerator-5002"),
    ("urn:dev:os:32473-123456", "urn:dev:os:32473-123456"),
    # The same device's MAC in the notations people print.
    ("eui48:00-24-BE-80-4F-F1", "urn:dev:mac:0024befffe804ff1"),
    ("00:24:BE:80:4F:F1", "urn:dev:mac:0024beffff804ff1"),
    ("00-24-be-80-4f-f1", "urn:dev:mac:0024beffff804ff1"),
    ("0024.be80.4ff1", "urn:dev:mac:0024beffff804ff1"),
    ("0024be804ff1", "urn:dev:mac:0024beffff804ff1"),
    ("00:24:be:ff:fe:80:4f:f1", "urn:dev:mac:0024befffe804ff1"),
)

BENCH_INPUTS: tuple[str, ...] = (
    "urn:dev:mac:0024befffe804ff1",
    "00:24:BE:80:4F:F1",
    "00-24-be-80-4f-f1",
    "0024.be80.4ff1",
    "eui48:00-24-BE-80-4F-F1",
    "00:24:be:ff:fe:80:4f:f1",
    "urn:dev:ow:10e2073a01080063",
    "urn:dev:ops:32473-Refrigerator-5002",
    "urn:dev:org:32473-foo",
)


def read(text: str) -> list[Reading]:
    """Read a DEV URN or a MAC/EUI address; ``[]`` when the text is neither."""
    colon = text.find(":")
    if colon > 0:
        prefix = text[:colon].lower()
        if prefix == "urn" and text[4:8].lower() == "dev:":
            return _dev_urn(text)
        octets = _PREFIXES.get(prefix, 0)
        if octets != 0:
            return [_prefixed(text, text[colon + 1 :], prefix, octets)]
    parsed = _address(text)
    if parsed is None:
        return []
    value, notation = parsed
    if value is None:
        raise InvalidIdentifier(f"{text!r} is not a MAC address: it has a non-hex digit", "mac")
    rank = _RANKS[notation] if notation != "hex" or len(value) == 12 else 15
    return [_mac_reading(value, notation, rank, eui48=False)]


def _prefixed(text: str, body: str, prefix: str, octets: int | None) -> Reading:
    parsed = _address(body)
    if parsed is None or parsed[0] is None:
        raise InvalidIdentifier(
            f"{text!r}: {prefix}: needs 12 or 16 hex digits, as 00:24:BE:80:4F:F1, "
            "00-24-BE-80-4F-F1, 0024.BE80.4FF1 or 0024BE804FF1",
            "mac",
        )
    value = parsed[0]
    if octets is not None and len(value) != 2 * octets:
        raise InvalidIdentifier(
            f"{text!r}: {prefix}: needs {octets * 8} bits, got {len(value) * 4}", "mac"
        )
    return _mac_reading(value, "prefixed", 100, eui48=octets == 6)


def _address(text: str) -> tuple[str | None, str] | None:
    """``(hex digits or None if a digit is not hex, notation)``, or None for another shape."""
    length = len(text)
    if length in (17, 23) and text[2] in ":-":
        separator = text[2]
        groups = text.split(separator)
        if any(len(group) != 2 for group in groups):
            return None
        notation = "colon-hex" if separator == ":" else "hyphen-hex"
    elif length in (14, 19) and text[4] in ".-":
        separator = text[4]
        groups = text.split(separator)
        if any(len(group) != 4 for group in groups):
            return None
        notation = "dot-hex" if separator == "." else "hyphen-quad"
    elif length == 13 and text[6] == "-":
        groups = text.split("-")
        if len(groups) != 2:
            return None
        notation = "hyphen-halves"
    elif length in (12, 16):
        groups = [text]
        notation = "hex"
    else:
        return None
    value = "".join(groups).lower()
    if _HEX.fullmatch(value) is None:
        # Only the octet-wise and Cisco notations are MAC-shaped enough to call a typo.
        return (None, notation) if notation in _TELLING else None
    return value, notation


def _mac_reading(value: str, notation: str, rank: int, *, eui48: bool) -> Reading:
    if len(value) == 16:
        mapping = EUI64
    else:
        mapping = EUI48 if eui48 else MAC48
        value = value[:6] + ("fffe" if eui48 else "ffff") + value[6:]
    return Reading("mac", "urn:dev:mac:" + value, notation, rank, _mac_details(value, mapping))


def _mac_details(value: str, mapping: str) -> dict[str, str]:
    first = int(value[:2], 16)
    return {
        "mapping": mapping,
        "oui": "-".join((value[0:2], value[2:4], value[4:6])).upper(),
        "administration": "local" if first & 2 else "universal",
        "cast": "group" if first & 1 else "individual",
    }


def _dev_urn(text: str) -> list[Reading]:
    rest = text[8:]
    subtype, colon, body = rest.partition(":")
    subtype = subtype.lower()
    if not colon or not body:
        raise InvalidIdentifier(
            f"{text!r} is not a DEV URN: it needs urn:dev:<subtype>:<identifier>", "dev"
        )
    main, *components = body.split("_")
    for component in components:
        if _IDENTIFIER.fullmatch(component) is None:
            raise InvalidIdentifier(
                f"{text!r}: the component {component!r} may only hold letters, digits, '.' and '-'",
                subtype,
            )
    suffix = "".join("_" + component for component in components)
    details = {"component": "_".join(components)} if components else {}
    if subtype == "mac":
        return [_dev_mac(text, main, suffix, details)]
    if subtype == "ow":
        return [_dev_ow(text, main, suffix, details)]
    if subtype in ("org", "os", "ops"):
        return [_dev_pen(text, subtype, main, suffix, details)]
    if _SUBTYPE.fullmatch(subtype) is None:
        raise InvalidIdentifier(f"{text!r}: {subtype!r} is not a DEV URN subtype", "dev")
    for part in main.split(":"):
        if _IDENTIFIER.fullmatch(part) is None:
            raise InvalidIdentifier(f"{text!r}: {part!r} is not a DEV URN identifier", "dev")
    return []  # an unregistered subtype: a URN, read as a plain URI


def _dev_mac(text: str, main: str, suffix: str, details: dict[str, str]) -> Reading:
    value = main.lower()
    if len(value) not in (12, 16) or _HEX.fullmatch(value) is None:
        raise InvalidIdentifier(
            f"{text!r}: urn:dev:mac: needs an EUI-64 as 16 hex digits, got {main!r}", "mac"
        )
    reading = _mac_reading(value, "urn", 100, eui48=False)
    canonical = reading.canonical + suffix
    return Reading("mac", canonical, "urn", 100, {**reading.details, **details})


def _dev_ow(text: str, main: str, suffix: str, details: dict[str, str]) -> Reading:
    value = main.lower()
    if len(value) != 16 or _HEX.fullmatch(value) is None:
        raise InvalidIdentifier(
            f"{text!r}: urn:dev:ow: needs the 64-bit 1-Wire ROM code as 16 hex digits", "ow"
        )
    rom = bytes.fromhex(value)
    expected = _crc8(rom[:7])
    if rom[7] != expected:
        raise InvalidIdentifier(
            f"{text!r}: 1-Wire CRC is {rom[7]:02x}, expected {expected:02x}", "ow"
        )
    details = {"family": value[:2], "serial": value[2:14], "crc": value[14:], **details}
    return Reading("ow", "urn:dev:ow:" + value + suffix, "urn", 100, details)


def _crc8(data: bytes) -> int:
    """Dallas/Maxim 1-Wire CRC-8 (x^8 + x^5 + x^4 + 1, least significant bit first)."""
    crc = 0
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def _crc8_entry(value: int) -> int:
    for _ in range(8):
        value = (value >> 1) ^ 0x8C if value & 1 else value >> 1
    return value


_CRC8_TABLE = tuple(_crc8_entry(value) for value in range(256))


def _dev_pen(text: str, subtype: str, main: str, suffix: str, details: dict[str, str]) -> Reading:
    pen, dash, tail = main.partition("-")
    if not dash or _PEN.fullmatch(pen) is None:
        raise InvalidIdentifier(
            f"{text!r}: urn:dev:{subtype}: starts with an IANA Private Enterprise Number "
            "without leading zeros, then '-'",
            subtype,
        )
    parts = tail.split(":")
    for part in parts:
        if _IDENTIFIER.fullmatch(part) is None:
            raise InvalidIdentifier(
                f"{text!r}: {part!r} may only hold letters, digits, '.' and '-'", subtype
            )
    fields = {"pen": pen}
    if subtype == "org":
        fields["id"] = tail
    elif subtype == "os":
        fields["serial"] = parts[0]
    else:
        product, dash, serial = parts[0].partition("-")
        if not dash or not serial or _PRODUCT.fullmatch(product) is None:
            raise InvalidIdentifier(
                f"{text!r}: urn:dev:ops: needs <PEN>-<product without '-'>-<serial>", "ops"
            )
        fields["product"] = product
        fields["serial"] = serial
    canonical = f"urn:dev:{subtype}:{main}{suffix}"
    return Reading(subtype, canonical, "urn", 100, {**fields, **details})
