"""The GS1 identifier family: GTIN, SSCC, GLN and the serialised keys, in every notation.

``read(text)`` recognises the notation by its first characters and hands over to one module:

* ``urn:epc:id:…`` → :mod:`~thingreg.core.ids.gs1_epc` (EPC Tag Data Standard),
* ``http(s)://…`` → :mod:`~thingreg.core.ids.gs1_digital_link` (GS1 Digital Link),
* ``(01)…``, ``]d2…`` or text with GS → :mod:`~thingreg.core.ids.gs1_element_string`,
* bare digits: a GTIN-8/12/13/14, a GLN (13 digits), an SSCC or GSRN (18 digits), read here
  with low ranks since other families claim digit strings too; a bad check digit is then
  "not GS1" (``[]``) rather than an error.

Canonical forms are explained in :mod:`~thingreg.core.ids.gs1_keys`.
"""

from __future__ import annotations

import re

from thingreg.core.ids import gs1_digital_link, gs1_element_string, gs1_epc
from thingreg.core.ids.base import Reading
from thingreg.core.ids.gs1_keys import Key, check_digit, reading

_SPACED_DIGITS = re.compile(r"[0-9]+(?: [0-9]+)*")
_UNMARKED_ELEMENT_STRING = re.compile(
    r"01[0-9]{14}|00[0-9]{18}|414[0-9]{13}|8018[0-9]{18}|8003[0-9]{14}|253[0-9]{13}|8004[0-9]{4}"
)
"""How a scanner's string without symbology identifier starts when it leads with a key."""
_GTIN_RANK = {8: 30, 12: 40, 13: 40, 14: 40}


def read(text: str) -> list[Reading]:
    """Every GS1 reading of ``text``, most likely first; see :mod:`thingreg.core.ids.base`."""
    text = text.strip(" \t\r\n")  # not str.strip(): it would eat a leading GS (FNC1)
    if not text:
        return []
    first = text[0]
    if first in "uU":
        return gs1_epc.read(text) if text[:11].lower() == "urn:epc:id:" else []
    if first in "hH":
        return gs1_digital_link.read(text)
    if first == "(":
        return gs1_element_string.read_hri(text)
    if first == "]":
        if gs1_element_string.SYMBOLOGY.match(text):
            return gs1_element_string.read_raw(text, marked=True)
        return []
    if "\x1d" in text:
        return gs1_element_string.read_raw(text, marked=True)
    if _SPACED_DIGITS.fullmatch(text):
        readings = _read_digits(text.replace(" ", ""))
        if readings or " " in text:
            return readings
    if _UNMARKED_ELEMENT_STRING.match(text):
        return gs1_element_string.read_raw(text, marked=False)
    return []


def _read_digits(digits: str) -> list[Reading]:
    """GTIN, GLN, SSCC or GSRN readings of a bare digit string with a valid check digit."""
    length = len(digits)
    if length not in (8, 12, 13, 14, 18) or check_digit(digits[:-1]) != ord(digits[-1]) - 48:
        return []
    if length == 18:
        return [
            reading(Key("00", digits), "digits", 35),
            reading(Key("8018", digits), "digits", 30),
        ]
    readings = [reading(Key("01", digits.zfill(14)), "digits", _GTIN_RANK[length])]
    if length == 13:
        readings.append(reading(Key("414", digits), "digits", 35))
    return readings


_SGTIN = "urn:epc:id:sgtin:0614141.812345.6789"
_SSCC = "urn:epc:id:sscc:0614141.1234567890"
_SGLN = "urn:epc:id:sgln:0614141.12345.400"
_GSRN = "urn:epc:id:gsrn:0614141.1234567890"
_ESCAPED = "urn:epc:id:sgtin:0614141.712345.32a%2Fb"
_GS1_SGTIN = "urn:epc:id:sgtin:95060001343.05.12345"  # biip's table: 11-digit prefix

EXAMPLES: list[tuple[str, str]] = [
    # EPC Tag Data Standard: pure-identity URNs and the element strings they stand for.
    (_SGTIN, _SGTIN),
    ("(01)80614141123458(21)6789", _SGTIN),
    (_ESCAPED, _ESCAPED),
    ("(01)70614141123451(21)32a/b", _ESCAPED),
    (_SSCC, _SSCC),
    ("(00)106141412345678908", _SSCC),
    (_SGLN, _SGLN),
    ("(414)0614141123452(254)400", _SGLN),
    ("(414)0614141123452", "urn:epc:id:sgln:0614141.12345.0"),
    ("(8003)00614141123452400", "urn:epc:id:grai:0614141.12345.400"),
    ("urn:epc:id:giai:0614141.32a%2Fb", "urn:epc:id:giai:0614141.32a%2Fb"),
    (_GSRN, _GSRN),
    ("(8018)061414112345678902", _GSRN),
    ("urn:epc:id:gdti:0614141.12345.006847", "urn:epc:id:gdti:0614141.12345.006847"),
    # GS1 Digital Link: any host and path prefix; a lot beside a serial and the query ignored.
    ("https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426", _GS1_SGTIN),
    ("https://example.com/shop/01/9506000134352/21/12345", _GS1_SGTIN),
    ("https://id.gs1.org/00/106141412345678908", _SSCC),
    ("https://example.com/414/0614141123452/254/400", _SGLN),
    ("https://id.gs1.org/8004/061414132a%2Fb", "urn:epc:id:giai:0614141.32a%2Fb"),
    # Classes: a GTIN without serial, or with a lot; a GRAI without serial.
    ("https://id.gs1.org/01/09506000134352", "https://id.gs1.org/01/09506000134352"),
    (
        "https://example.com/01/09506000134352/10/ABC1?17=261231",
        "https://id.gs1.org/01/09506000134352/10/ABC1",
    ),
    ("(8003)00614141123452", "https://id.gs1.org/8003/00614141123452"),
    # Bare digits: a GTIN-13 (also a GLN), a UPC-A, an SSCC (also a GSRN).
    ("9506000134352", "https://id.gs1.org/01/09506000134352"),
    ("614141123452", "https://id.gs1.org/01/00614141123452"),
    ("106141412345678908", _SSCC),
    # A prefix the table does not know (ISBN books): the Digital Link stays canonical.
    ("(01)09780345391803(21)A1", "https://id.gs1.org/01/09780345391803/21/A1"),
]
"""(input, canonical) pairs from the EPC TDS and GS1 Digital Link standards' examples."""

BENCH_INPUTS: list[str] = [
    _SGTIN,
    _SSCC,
    "urn:epc:id:giai:0614141.32a%2Fb",
    "https://id.gs1.org/01/09506000134352/21/ABC123",
    "https://example.com/shop/01/9506000134352/10/ABC1?17=261231",
    "(01)80614141123458(21)6789",
    "(00)106141412345678908(02)00614141123452(37)25",
    "9506000134352",
    "80614141123458",
    "106141412345678908",
]
"""Representative inputs, one per common notation, for the identifier throughput bench."""
