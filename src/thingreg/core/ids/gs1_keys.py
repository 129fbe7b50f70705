"""GS1 identification keys: check digits, company prefixes, and the canonical spellings.

Each notation module (EPC URN, Digital Link, element string, bare digits) parses its input into a
:class:`Key` — a primary application identifier (AI) with its value and key qualifiers, exactly
as they would appear in a GS1 element string — and :func:`reading` turns that key into the one
canonical form decided for the registry:

* a serialised key (SGTIN, SSCC, SGLN, GRAI, GIAI, GSRN, GDTI) → its EPC pure-identity URN
  (EPC Tag Data Standard), when the GS1 Company Prefix length is known from biip's table;
* otherwise, and for class-level keys (a GTIN, a GRAI or GDTI without serial) → the GS1 Digital
  Link URI on ``https://id.gs1.org``.

The canonical is always derived from the key and the table, never from how the input split the
company prefix, so every notation of the same key reads to the same canonical.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

from thingreg.core.ids.base import InvalidIdentifier, Reading

AI_CHARS = re.compile(r'[!"%-?A-Z_a-z]+')
"""GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1)."""

_DIGITS = re.compile(r"[0-9]+")
_LEADING_DIGITS = re.compile(r"[0-9]*")
_URI_SAFE = re.compile(r"[A-Za-z0-9._-]*")
_EPC_ESCAPES = str.maketrans(
    {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
)

SCHEME_BY_AI = {
    "01": "gtin",
    "00": "sscc",
    "414": "gln",
    "8003": "grai",
    "8004": "giai",
    "8018": "gsrn",
    "253": "gdti",
}
"""The primary keys read here, by AI, and their scheme names (before serialisation)."""

QUALIFIERS = {"01": ("22", "10", "21", "235"), "414": ("254", "7040"), "8018": ("8019",)}
"""Key qualifiers each primary key may carry, in GS1 Digital Link path order."""

_QUALIFIER_RULES = {
    "22": ("consumer product variant", 20),
    "10": ("lot", 20),
    "21": ("serial", 20),
    "235": ("third-party serial (TPX)", 28),
    "254": ("GLN extension", 20),
    "7040": ("UIC with extension", 4),
    "8019": ("service relation instance number", 10),
}
_DETAIL_NAMES = {"22": "cpv", "10": "lot", "21": "serial", "235": "tpx", "254": "extension"}
_DETAIL_NAMES |= {"7040": "uic_extension", "8019": "srin"}


def check_digit(payload: str) -> int:
    """The GS1 mod-10 check digit of a digit string (weights 3, 1, 3… from the right)."""
    odd = payload[-1::-2]
    even = payload[-2::-2]
    total = 3 * (sum(odd.encode()) - 48 * len(odd)) + sum(even.encode()) - 48 * len(even)
    return -total % 10


def verify_check_digit(digits: str, name: str, scheme: str) -> None:
    """Raise :class:`InvalidIdentifier` unless the last digit of ``digits`` is its check digit."""
    expected = check_digit(digits[:-1])
    if ord(digits[-1]) - 48 != expected:
        raise InvalidIdentifier(
            f"{name} check digit is {digits[-1]}, expected {expected}", scheme=scheme
        )


@lru_cache(maxsize=1 << 16)
def _table_prefix_length(digits12: str) -> int:
    # biip decompresses its prefix table when first imported (~0.1 s): only pay that when asked.
    from biip.gs1_prefixes import GS1CompanyPrefix  # noqa: PLC0415

    found = GS1CompanyPrefix.extract(digits12)
    return 0 if found is None else len(found.value)


def company_prefix_length(digits: str, available: int | None = None) -> int | None:
    """The GS1 Company Prefix length for a key starting at ``digits``, or None when unknown.

    ``available`` says how many leading characters are digits, when the caller knows.
    biip's table answers with the prefix cut from the digits it was given, so the digits are
    padded to 12 and the answer trusted only when it fits inside the real digits (a GIAI may
    have letters right after its prefix). EPC URNs need a length between 6 and 12.
    """
    if available is None:
        run = _LEADING_DIGITS.match(digits)
        available = min(run.end() if run else 0, 12)
        digits = digits[:available].ljust(12, "0")
    length = _table_prefix_length(digits)
    return length if 6 <= length <= available else None


def epc_escape(value: str) -> str:
    """Escape the seven characters the EPC URI syntax reserves (TDS §6.3)."""
    return value.translate(_EPC_ESCAPES)


def uri_escape(value: str) -> str:
    """Percent-encode a Digital Link path value: everything but RFC 3986 unreserved."""
    return value if _URI_SAFE.fullmatch(value) else quote(value, safe="")


def check_chars(value: str, what: str, scheme: str, longest: int) -> None:
    """Raise unless ``value`` is 1..``longest`` characters of the GS1 AI character set 82."""
    if not value:
        raise InvalidIdentifier(f"{what} is empty", scheme=scheme)
    if len(value) > longest:
        raise InvalidIdentifier(
            f"{what} has {len(value)} characters, at most {longest} allowed", scheme=scheme
        )
    if not AI_CHARS.fullmatch(value):
        bad = next(c for c in value if not AI_CHARS.fullmatch(c))
        raise InvalidIdentifier(f"{what} contains {bad!r}, not a GS1 character", scheme=scheme)


def _digits(value: str, length: int, name: str, scheme: str, check: bool) -> None:
    if len(value) != length or not _DIGITS.fullmatch(value):
        raise InvalidIdentifier(f"{name} must be {length} digits, got {value!r}", scheme=scheme)
    if check:
        verify_check_digit(value, name, scheme)


@dataclass(slots=True)
class Key:
    """A GS1 key as element strings carry it: primary AI and value, then its key qualifiers.

    ``qualifiers`` maps qualifier AIs to values, in Digital Link path order. Build keys with
    :func:`validate` unless the parts are known to be valid.
    """

    ai: str
    value: str
    qualifiers: dict[str, str] = field(default_factory=dict)
    scheme: str = field(init=False)
    serial: str = field(init=False)
    """The serial that ends a GRAI or GDTI value (after its 13-digit head), or ''."""
    object_level: bool = field(init=False)
    """False for classes: a GTIN without serial, a GRAI or GDTI without serial."""

    def __post_init__(self) -> None:
        ai = self.ai
        self.scheme = _scheme(ai, self.qualifiers)
        self.serial = self.value[14:] if ai == "8003" else self.value[13:] if ai == "253" else ""
        if ai == "01":
            self.object_level = self.scheme == "sgtin"
        else:
            self.object_level = bool(self.serial) if ai in ("8003", "253") else True

    def prefix_length(self) -> int | None:
        """The GS1 Company Prefix length from the table, or None when it is unknown."""
        # GTIN, SSCC and GRAI values start with an indicator, extension or filler digit.
        if self.ai in _SHIFTED:
            return company_prefix_length(self.value[1:13], 12)
        if self.ai == "8004":
            return company_prefix_length(self.value)
        return company_prefix_length(self.value[:12], 12)

    def split(self, length: int) -> tuple[str, str]:
        """(company prefix, the reference after it) as an EPC URN spells them, unescaped."""
        v = self.value
        match self.ai:
            case "01":  # indicator digit + item reference
                return v[1 : 1 + length], v[0] + v[1 + length : 13]
            case "00":  # extension digit + serial reference
                return v[1 : 1 + length], v[0] + v[1 + length : 17]
            case "8003":
                return v[1 : 1 + length], v[1 + length : 13]
            case "8004":
                return v[:length], v[length:]
            case "8018":
                return v[:length], v[length:17]
            case _:  # "414", "253"
                return v[:length], v[length:12]

    def epc_urn(self, length: int | None = None) -> str | None:
        """The EPC pure-identity URN, or None: prefix unknown, a class, or no EPC scheme for it.

        ``length`` overrides the table's company prefix length.
        """
        length = self.prefix_length() if length is None else length
        return None if length is None else self._epc_urn(*self.split(length))

    def _epc_urn(self, prefix: str, reference: str) -> str | None:
        qualifiers = self.qualifiers
        if not self.object_level or not _EPC_QUALIFIERS.issuperset(qualifiers):
            return None
        match self.ai:
            case "01":
                reference += "." + epc_escape(qualifiers["21"])
            case "414":
                reference += "." + epc_escape(qualifiers.get("254", "0"))
            case "8003" | "253":
                reference += "." + epc_escape(self.serial)
            case "8004":
                if not reference:
                    return None
                reference = epc_escape(reference)
        return f"urn:epc:id:{_EPC_SCHEME[self.ai]}:{prefix}.{reference}"

    def digital_link(self, host: str = "id.gs1.org") -> str:
        """The Digital Link URI; a serial makes lot and variant redundant, so they are dropped."""
        path = f"https://{host}/{self.ai}/{uri_escape(self.value)}"
        qualifiers = self.qualifiers
        for ai, value in qualifiers.items():
            if ai in ("22", "10") and "21" in qualifiers:
                continue
            if ai == "254" and value == "0":  # TDS: extension 0 means "no extension"
                continue
            path += f"/{ai}/{uri_escape(value)}"
        return path


def _scheme(ai: str, qualifiers: Mapping[str, str]) -> str:
    """The scheme name of a key: a GTIN with a serial is an SGTIN, a GLN with extension an SGLN."""
    if ai == "01" and ("21" in qualifiers or "235" in qualifiers):
        return "sgtin"
    if ai == "414" and qualifiers.get("254", "0") != "0":
        return "sgln"
    return SCHEME_BY_AI[ai]


_EPC_QUALIFIERS = frozenset(("22", "10", "21", "254"))
"""Qualifiers an EPC URN can stand for (dropping lot and variant); the rest keep a DL."""
_SHIFTED = frozenset(("01", "00", "8003"))
_EPC_SCHEME = {"01": "sgtin", "00": "sscc", "414": "sgln", "8003": "grai", "8004": "giai"}
_EPC_SCHEME |= {"8018": "gsrn", "253": "gdti"}
_KEY_DETAIL = {
    "01": ("gtin", slice(None)),
    "00": ("sscc", slice(None)),
    "414": ("gln", slice(None)),
    "8003": ("grai", slice(1, 14)),  # without the filler 0 and the serial
    "8004": ("giai", slice(None)),
    "8018": ("gsrn", slice(None)),
    "253": ("gdti", slice(0, 13)),  # without the serial
}
_REFERENCE = {
    "414": "location_reference",
    "8003": "asset_type",
    "8004": "asset_reference",
    "8018": "service_reference",
    "253": "document_type",
}


def validate(
    ai: str, value: str, qualifiers: Mapping[str, str] | None = None, *, check: bool = True
) -> Key:
    """Check a primary key and its qualifiers against the GS1 rules; return the :class:`Key`.

    ``check=False`` skips the check digits, for values whose check digit was just computed.
    """
    scheme = _scheme(ai, qualifiers or {})
    match ai:
        case "01":
            _digits(value, 14, "GTIN", scheme, check)
        case "00":
            _digits(value, 18, "SSCC", scheme, check)
        case "414":
            _digits(value, 13, "GLN", scheme, check)
        case "8018":
            _digits(value, 18, "GSRN", scheme, check)
        case "8003":
            if not value.startswith("0"):
                raise InvalidIdentifier("GRAI element must start with 0", scheme=scheme)
            _digits(value[1:14], 13, "GRAI", scheme, check)
            if len(value) > 14:
                check_chars(value[14:], "GRAI serial", scheme, 16)
        case "253":
            _digits(value[:13], 13, "GDTI", scheme, check)
            if len(value) > 13:
                check_chars(value[13:], "GDTI serial", scheme, 17)
        case _:  # "8004"
            check_chars(value, "GIAI", scheme, 30)
            if not "0" <= value[0] <= "9":
                raise InvalidIdentifier("GIAI must start with its company prefix", scheme=scheme)
    if not qualifiers:
        return Key(ai, value)
    allowed = QUALIFIERS.get(ai, ())
    for qualifier, qualifier_value in qualifiers.items():
        if qualifier not in allowed:
            raise InvalidIdentifier(f"AI {qualifier} does not qualify AI {ai}", scheme=scheme)
        what, longest = _QUALIFIER_RULES[qualifier]
        check_chars(qualifier_value, what, scheme, longest)
        if qualifier == "8019" and not _DIGITS.fullmatch(qualifier_value):
            raise InvalidIdentifier(f"{what} must be digits", scheme=scheme)
    return Key(ai, value, {q: qualifiers[q] for q in allowed if q in qualifiers})


def reading(
    key: Key, notation: str, rank: int = 100, declared_prefix: str | None = None
) -> Reading:
    """The :class:`Reading` of a validated key; ``declared_prefix`` is an EPC URN's own split."""
    ai = key.ai
    name, part = _KEY_DETAIL[ai]
    digital_link = key.digital_link()
    details = {name: key.value[part], "digital_link": digital_link}
    if key.serial:
        details["serial"] = key.serial
    for qualifier, value in key.qualifiers.items():
        details[_DETAIL_NAMES[qualifier]] = value
    epc = None
    length = key.prefix_length()
    if length is not None:
        prefix, reference = key.split(length)
        details["company_prefix"] = prefix
        if ai == "01":
            details["indicator"], details["item_reference"] = reference[0], reference[1:]
        elif ai == "00":
            details["extension_digit"], details["serial_reference"] = reference[0], reference[1:]
        else:
            details[_REFERENCE[ai]] = reference
        epc = key._epc_urn(prefix, reference)
        if epc is not None:
            details["epc_urn"] = epc
    elif declared_prefix is not None:
        details["company_prefix"] = declared_prefix
        details["company_prefix_source"] = "epc-urn"
    return Reading(
        scheme=key.scheme,
        canonical=epc or digital_link,
        notation=notation,
        rank=rank,
        details=details,
        object_level=key.object_level,
    )
