"""Validated :class:`Reading` s of each mobile identifier, built from its bare digits.

:mod:`.mobile` finds the digits in whatever notation was given and calls one of these; each
checks length, alphabet, check digit and numbering plan and raises :class:`InvalidIdentifier`
with one line saying what is wrong. The bare-digit path of :mod:`.mobile` catches that error
(another family may read the string); the explicit notations let it through.
"""

from __future__ import annotations

import hashlib

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.mobile_numbering import (
    e164_country_code,
    hex_luhn_digit,
    imsi_network,
    luhn_digit,
)

IMEI_URN = "urn:gsma:imei:"
MEID_URN = "urn:meid:"
ESN_URN = "urn:esn:"
SUBSCRIPTION_TAG = "tag:thingreg.dev,2026:"
"""Prefix of the canonical IMSI and ICCID: a tag URI (RFC 4151), see :mod:`.mobile`."""

_HEX = frozenset("0123456789ABCDEF")


def is_digits(text: str) -> bool:
    """ASCII decimal digits only (``str.isdigit`` alone accepts '²' and Arabic-Indic digits)."""
    return text.isascii() and text.isdigit()


def is_hex(text: str) -> bool:
    """Uppercase hexadecimal digits only, at least one."""
    return bool(text) and _HEX.issuperset(text)


def imei(
    digits: str,
    notation: str,
    rank: int,
    *,
    spare_ok: bool = False,
    extra: dict[str, str] | None = None,
) -> Reading:
    """An IMEI of 14 digits, or 15 ending in the Luhn check digit (or, where the notation is
    RFC 7254's, the spare digit 0 that replaces it: ``spare_ok``)."""
    if not is_digits(digits):
        raise InvalidIdentifier("an IMEI has only decimal digits", scheme="imei")
    if len(digits) not in (14, 15):
        raise InvalidIdentifier(
            f"an IMEI has 14 or 15 digits, this one has {len(digits)}", scheme="imei"
        )
    tac, serial = digits[:8], digits[8:14]
    check = luhn_digit(digits[:14])
    given = digits[14:]
    if given and given != check and not (spare_ok and given == "0"):
        spare = " (or the spare digit 0)" if spare_ok else ""
        raise InvalidIdentifier(
            f"IMEI check digit is {given}, expected {check}{spare}", scheme="imei"
        )
    details = {
        "tac": tac,
        "serial": serial,
        "check_digit": check,
        "imei": digits[:14] + check,
        "reporting_body": tac[:2],
    }
    if extra:
        details.update(extra)
    return Reading("imei", f"{IMEI_URN}{tac}-{serial}-0", notation, rank, details)


def imeisv(digits: str, notation: str, rank: int) -> Reading:
    """An IMEISV: the 14 IMEI digits and a 2-digit software version number, no check digit."""
    if not is_digits(digits) or len(digits) != 16:
        raise InvalidIdentifier("an IMEISV has 16 decimal digits", scheme="imeisv")
    return imeisv_of(digits[:14], digits[14:], notation, rank)


def imeisv_of(body: str, svn: str, notation: str, rank: int) -> Reading:
    """The IMEISV of a 14-digit IMEI body and a software version number."""
    if not (is_digits(svn) and len(svn) == 2):
        raise InvalidIdentifier(
            f"an IMEISV software version number has 2 digits, not {svn!r}", scheme="imeisv"
        )
    if svn == "99":
        # 3GPP TS 23.003 §6.2.2
        raise InvalidIdentifier("IMEISV software version number 99 is reserved", scheme="imeisv")
    tac, serial = body[:8], body[8:14]
    check = luhn_digit(body)
    details = {"tac": tac, "serial": serial, "svn": svn, "check_digit": check, "imei": body + check}
    return Reading("imeisv", f"{IMEI_URN}{tac}-{serial}-0;svn={svn}", notation, rank, details)


def meid(text: str, notation: str, rank: int) -> Reading:
    """A MEID of 14 hex digits, or 15 with its check digit (any case).

    A MEID of decimal digits only is an IMEI (the regional codes below A0 are the IMEI's,
    administered by the GSMA), so it is read as one.
    """
    value = text.upper()
    if not is_hex(value):
        raise InvalidIdentifier("a MEID has only hexadecimal digits", scheme="meid")
    if len(value) not in (14, 15):
        raise InvalidIdentifier(
            f"a MEID has 14 hex digits (15 with the check digit), this one has {len(value)}",
            scheme="meid",
        )
    if is_digits(value):
        return imei(value, notation, rank, extra={"meid": value[:14]})
    body, given = value[:14], value[14:]
    if body < "A0":
        raise InvalidIdentifier(
            f"MEID regional code {body[:2]} is not A0-FF (a MEID below A0 is a decimal IMEI)",
            scheme="meid",
        )
    check = hex_luhn_digit(body)
    if given and given != check:
        raise InvalidIdentifier(f"MEID check digit is {given}, expected {check}", scheme="meid")
    digest = hashlib.sha1(bytes.fromhex(body), usedforsecurity=False).hexdigest()
    details = {
        "regional_code": body[:2],
        "manufacturer_code": body[:8],
        "serial": body[8:],
        "check_digit": check,
        "decimal": f"{int(body[:8], 16):010d}{int(body[8:], 16):08d}",
        "pseudo_esn": "80" + digest[-6:].upper(),
    }
    return Reading("meid", MEID_URN + body, notation, rank, details)


def meid_decimal(digits: str, notation: str, rank: int) -> Reading:
    """A MEID in its 18-digit decimal form (10-digit manufacturer code, 8-digit serial),
    or 19 with its decimal Luhn check digit."""
    if not is_digits(digits) or len(digits) not in (18, 19):
        raise InvalidIdentifier("a decimal MEID has 18 digits (19 with the check digit)", "meid")
    manufacturer, serial = int(digits[:10]), int(digits[10:18])
    if manufacturer > 0xFFFFFFFF or serial > 0xFFFFFF:
        raise InvalidIdentifier(
            "a decimal MEID's manufacturer code is at most 4294967295 and its serial at most "
            "16777215",
            scheme="meid",
        )
    check = luhn_digit(digits[:18])
    if digits[18:] and digits[18:] != check:
        raise InvalidIdentifier(f"MEID check digit is {digits[18]}, expected {check}", "meid")
    return meid(f"{manufacturer:08X}{serial:06X}", notation, rank)


def esn(text: str, notation: str, rank: int) -> Reading:
    """An ESN: 8 hex digits (any case) — manufacturer code 80 marks a pseudo-ESN."""
    value = text.upper()
    if len(value) != 8 or not is_hex(value):
        raise InvalidIdentifier("an ESN has 8 hexadecimal digits", scheme="esn")
    details = {
        "manufacturer_code": value[:2],
        "serial": value[2:],
        "decimal": f"{int(value[:2], 16):03d}{int(value[2:], 16):08d}",
    }
    if value.startswith("80"):
        details["pseudo"] = "true"
    return Reading("esn", ESN_URN + value, notation, rank, details)


def esn_decimal(digits: str, notation: str, rank: int) -> Reading:
    """An ESN in its 11-digit decimal form: 3-digit manufacturer code, 8-digit serial."""
    if not is_digits(digits) or len(digits) != 11:
        raise InvalidIdentifier("a decimal ESN has 11 digits", scheme="esn")
    manufacturer, serial = int(digits[:3]), int(digits[3:])
    if manufacturer > 0xFF or serial > 0xFFFFFF:
        raise InvalidIdentifier(
            "a decimal ESN's manufacturer code is at most 255 and its serial at most 16777215",
            scheme="esn",
        )
    return esn(f"{manufacturer:02X}{serial:06X}", notation, rank)


def imsi(digits: str, notation: str, rank: int, *, lengths: range = range(6, 16)) -> Reading:
    """An IMSI: MCC (3 digits), MNC (2 or 3), MSIN; the MCC must be assigned."""
    if not is_digits(digits):
        raise InvalidIdentifier("an IMSI has only decimal digits", scheme="imsi")
    if len(digits) not in lengths:
        raise InvalidIdentifier(
            f"an IMSI has {lengths.start}-{lengths.stop - 1} digits, this one has {len(digits)}",
            scheme="imsi",
        )
    network = imsi_network(digits)
    if network is None:
        raise InvalidIdentifier(
            f"IMSI mobile country code {digits[:3]} is not assigned", scheme="imsi"
        )
    details = {"mcc": network.mcc, "supi": "imsi-" + digits}
    if network.mnc:
        details["mnc"] = network.mnc
        details["msin"] = digits[3 + len(network.mnc) :]
    if network.country:
        details["country"] = network.country
    if network.operator:
        details["operator"] = network.operator
    return Reading(
        "imsi", f"{SUBSCRIPTION_TAG}imsi-{digits}", notation, rank, details, object_level=False
    )


def iccid(digits: str, notation: str, rank: int) -> Reading:
    """An ICCID (ITU-T E.118): 18-22 digits, starting 89, ending in a Luhn check digit."""
    if not is_digits(digits):
        raise InvalidIdentifier("an ICCID has only decimal digits", scheme="iccid")
    if not 18 <= len(digits) <= 22:
        raise InvalidIdentifier(
            f"an ICCID has 18-22 digits, this one has {len(digits)}", scheme="iccid"
        )
    if not digits.startswith("89"):
        raise InvalidIdentifier("an ICCID starts with 89, the telecom industry code", "iccid")
    check = luhn_digit(digits[:-1])
    if digits[-1] != check:
        raise InvalidIdentifier(f"ICCID check digit is {digits[-1]}, expected {check}", "iccid")
    details = {"check_digit": check}
    # Issuers of North American ICCIDs write country code 1 as "01" (8901…).
    country = e164_country_code(digits[3:] if digits[2] == "0" else digits[2:])
    if country:
        details["country_code"] = country
    return Reading(
        "iccid", f"{SUBSCRIPTION_TAG}iccid-{digits}", notation, rank, details, object_level=False
    )


def msisdn(digits: str, notation: str, rank: int) -> Reading:
    """An MSISDN (an E.164 number without its '+'), as the ``tel:`` URI of the phone number."""
    if not is_digits(digits) or not 7 <= len(digits) <= 15:
        raise InvalidIdentifier("an MSISDN has 7-15 decimal digits", scheme="tel")
    country = e164_country_code(digits)
    if not country:
        raise InvalidIdentifier(f"MSISDN {digits} starts with no E.164 country code", "tel")
    return Reading(
        "tel", f"tel:+{digits}", notation, rank, {"country_code": country}, object_level=False
    )
