"""EPC pure-identity URNs (GS1 EPC Tag Data Standard §6): ``urn:epc:id:sgtin:0614141.812345.6789``.

A URN names its company prefix by where it puts the first dot; the canonical form re-derives
the split from the prefix table (:mod:`thingreg.core.ids.gs1_keys`), so a URN split differently
from the table still reads to the same canonical as every other notation of its key.
"""

from __future__ import annotations

import re

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.gs1_keys import AI_CHARS, check_digit, reading, validate

_URN = re.compile(r"urn:epc:id:([A-Za-z]+):(.*)", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"[0-9]*")
_GS3A3 = re.compile(r"(?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2})+")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_PLAIN = re.compile(r"[A-Za-z0-9!'()*+,\-.:;=_]")
_RESERVED = frozenset('"%&/<>?')

# scheme: (AI, dot-separated parts, name of the reference after the prefix, prefix+reference digits)
_SCHEMES = {
    "sgtin": ("01", 3, "indicator and item reference", 13),
    "sscc": ("00", 2, "serial reference", 17),
    "sgln": ("414", 3, "location reference", 12),
    "grai": ("8003", 3, "asset type", 12),
    "giai": ("8004", 2, "", 0),
    "gsrn": ("8018", 2, "service reference", 17),
    "gdti": ("253", 3, "document type", 12),
}

OTHER_EPC_SCHEMES = frozenset(
    {"gsrnp", "cpi", "sgcn", "ginc", "gsin", "itip", "upui", "pgln", "gid", "usdod", "adi"}
    | {"bic", "imovn"}
)
"""Valid EPC schemes this module does not read: left to the generic URI reading."""


def unescape(component: str, what: str, scheme: str) -> str:
    """Decode an EPC URI component (GS3A3 syntax) into GS1 AI characters, or raise."""
    if not _GS3A3.fullmatch(component):
        raise InvalidIdentifier(f"{what} {_fault(component)}", scheme=scheme)
    if "%" not in component:
        return component
    value = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), component)
    if not AI_CHARS.fullmatch(value):
        bad = next(c for c in value if not AI_CHARS.fullmatch(c))
        raise InvalidIdentifier(f"{what} escapes {bad!r}, not a GS1 character", scheme=scheme)
    return value


def _fault(component: str) -> str:
    """Why ``component`` is not GS3A3 syntax."""
    i = 0
    while i < len(component):
        char = component[i]
        if char == "%":
            if not _ESCAPE.match(component, i):
                return f"has a malformed %-escape {component[i : i + 3]!r}"
            i += 3
            continue
        if not _PLAIN.match(char):
            if char in _RESERVED:
                return f"contains {char!r}, which an EPC URI writes as %{ord(char):02X}"
            return f"contains {char!r}, not allowed in an EPC URI"
        i += 1
    return "is empty"


def read(text: str) -> list[Reading]:
    """Read ``urn:epc:id:{sgtin|sscc|sgln|grai|giai|gsrn|gdti}:…``; [] for other EPC schemes."""
    match = _URN.fullmatch(text)
    if match is None:
        if text[:11].lower() == "urn:epc:id:":
            raise InvalidIdentifier("EPC URN needs urn:epc:id:{scheme}:{parts}", scheme="epc")
        return []
    scheme = match.group(1).lower()
    if scheme not in _SCHEMES:
        if scheme in OTHER_EPC_SCHEMES:
            return []
        raise InvalidIdentifier(f"unknown EPC scheme {scheme!r}", scheme="epc")
    ai, count, part, total = _SCHEMES[scheme]
    parts = match.group(2).split(".", count - 1)
    if len(parts) != count:
        raise InvalidIdentifier(
            f"EPC {scheme} URN needs {count} dot-separated parts", scheme=scheme
        )
    prefix = parts[0]
    if not (6 <= len(prefix) <= 12 and _NUMBER.fullmatch(prefix)):
        raise InvalidIdentifier(
            f"company prefix must be 6 to 12 digits, got {prefix!r}", scheme=scheme
        )
    if ai == "8004":
        value = prefix + unescape(parts[1], "asset reference", scheme)
        return [reading(validate(ai, value), "epc-urn", declared_prefix=prefix)]
    reference = parts[1]
    if not _NUMBER.fullmatch(reference) or len(prefix) + len(reference) != total:
        raise InvalidIdentifier(
            f"company prefix and {part} must be {total} digits together, got {prefix}.{reference}",
            scheme=scheme,
        )
    tail = unescape(parts[2], "serial", scheme) if count == 3 else ""
    qualifiers: dict[str, str] = {}
    match ai:
        case "01" | "00":
            payload = reference[0] + prefix + reference[1:]
            value = payload + str(check_digit(payload))
            if ai == "01":
                qualifiers = {"21": tail}
        case "414":
            value = prefix + reference + str(check_digit(prefix + reference))
            if tail != "0":
                qualifiers = {"254": tail}
        case "8018":
            value = prefix + reference + str(check_digit(prefix + reference))
        case _:  # "8003", "253": the serial follows the 13-digit key
            head = prefix + reference
            value = ("0" if ai == "8003" else "") + head + str(check_digit(head)) + tail
    key = validate(ai, value, qualifiers, check=False)
    return [reading(key, "epc-urn", declared_prefix=prefix)]
