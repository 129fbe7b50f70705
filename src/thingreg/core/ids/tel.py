"""E.164 telephone numbers: ``tel:+…`` (RFC 3966) and bare ``+…``; canonical ``tel:+<digits>``.

Visual separators (``-``, ``.``, ``(``, ``)``) and spaces are dropped. The country code must be
one ITU-T assigned (``phonenumbers``' table, non-geographic codes such as +882/+883 included), and
the number must be *possible* for its numbering plan (``is_possible``: the plan's lengths), not
*valid* (``is_valid``: the ranges the library knows to be allocated). M2M and IoT SIM numbers are
often longer than voice numbers or in ranges the library's metadata does not list yet, and a
registry must accept the number printed on a device; so an impossible length is refused and a
possible number that the library does not know is accepted. Local numbers (``phone-context``)
and ``tel:`` parameters such as ``;ext=`` are refused: neither is one E.164 number.

Details: ``country_code`` (what delegation matches), ``national_number``, and ``region`` (ISO
3166 code, ``001`` for non-geographic codes) when the country code belongs to one region only:
+1 and +44 are shared, and telling their regions apart costs a range lookup per number.
"""

from __future__ import annotations

from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    PhoneNumber,
    ValidationResult,
    is_possible_number_with_reason,
)

from thingreg.core.ids.base import InvalidIdentifier, Reading

_SEPARATORS = str.maketrans("", "", " -.()")
_MAX_DIGITS = 15
_REASONS = {
    ValidationResult.TOO_SHORT: "too few",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too few",
    ValidationResult.TOO_LONG: "too many",
}

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("tel:+1-201-555-0123", "tel:+12015550123"),  # RFC 3966 §6
    ("tel:+33 1 23 45 67 89", "tel:+33123456789"),
    ("+1-202-555-0143", "tel:+12025550143"),
    ("+44 20 7946 0018", "tel:+442079460018"),  # Ofcom's range for drama
    ("+39 06 1234 5678", "tel:+390612345678"),
)

BENCH_INPUTS: tuple[str, ...] = (
    "tel:+1-201-555-0123",
    "tel:+33 1 23 45 67 89",
    "+1-202-555-0143",
    "+44 20 7946 0018",
    "+390612345678",
    "tel:+8823600123456",
)


def read(text: str) -> list[Reading]:
    """Read an international telephone number; ``[]`` when the text is not one."""
    if text[:4].lower() == "tel:":
        number, notation, rank = text[4:], "tel-uri", 100
        if not number.startswith("+"):
            what = "a local number" if ";phone-context=" in number.lower() else "not global"
            raise InvalidIdentifier(
                f"{text!r} is {what}: an E.164 tel: URI starts with + and the country code",
                "tel",
            )
    elif text.startswith("+"):
        number, notation, rank = text, "international", 90
    else:
        return []
    if ";" in number:
        raise InvalidIdentifier(
            f"{text!r}: tel: parameters (;ext=, ;isub=…) are not part of an E.164 number", "tel"
        )
    digits = number[1:].translate(_SEPARATORS)
    if not digits:
        raise InvalidIdentifier(f"{text!r}: no digits after the +", "tel")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidIdentifier(
            f"{text!r}: an E.164 number holds digits and the separators - . ( ) only", "tel"
        )
    if len(digits) > _MAX_DIGITS:
        raise InvalidIdentifier(
            f"{text!r}: E.164 numbers have at most 15 digits, this one has {len(digits)}", "tel"
        )
    country_code = _country_code(digits)
    if country_code is None:
        raise InvalidIdentifier(f"{text!r}: +{digits[:3]}… is no assigned country code", "tel")
    national = digits[len(str(country_code)) :]
    reason = is_possible_number_with_reason(_phone_number(country_code, national))
    if reason != ValidationResult.IS_POSSIBLE:
        verdict = _REASONS.get(reason, "not a length")
        raise InvalidIdentifier(
            f"{text!r}: {len(national)} digits after +{country_code} are {verdict} "
            "for its numbering plan",
            "tel",
        )
    regions = COUNTRY_CODE_TO_REGION_CODE[country_code]
    details = {"country_code": str(country_code), "national_number": national}
    if len(regions) == 1:
        details["region"] = regions[0]
    return [Reading("tel", "tel:+" + digits, notation, rank, details)]


def _country_code(digits: str) -> int | None:
    """E.164 country codes are prefix-free: the first 1-3 digits that are one are it."""
    if digits[0] == "0":
        return None
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


def _phone_number(country_code: int, national: str) -> PhoneNumber:
    """What ``phonenumbers.parse`` builds, without its cost (leading zeros kept, as for Italy)."""
    number = PhoneNumber(country_code=country_code, national_number=int(national or "0"))
    zeros = min(len(national) - len(national.lstrip("0")), len(national) - 1)
    if zeros > 0:
        number.italian_leading_zero = True
        if zeros > 1:
            number.number_of_leading_zeros = zeros
    return number
