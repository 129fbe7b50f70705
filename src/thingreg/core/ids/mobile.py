"""Mobile equipment and subscription identifiers: IMEI, IMEISV, MEID, ESN, IMSI, ICCID.

Notations read (case of prefixes and hex digits does not matter; spaces and dashes inside a
bare number are ignored)::

    notation      example                                               readings
    urn           urn:gsma:imei:90420156-025763-0[;svn=42][;vers=0]    imei | imeisv, imei
                  urn:3gpp2:meid:A1000000-9296F2  (RFC 8464)           meid
    lwm2m         urn:imei:490154203237518  (14-16 digits)             imei | imeisv, imei
                  urn:imei-imsi:<imei>-<imsi>  (also without urn:)     imei, imsi
                  urn:imei-msisdn:<imei>-<msisdn>                      imei, tel
                  urn:imei-iccid:<imei>-<iccid>                        imei, iccid
                  urn:meid:A10000009296F2   urn:esn:8075B7ED           meid | esn
    supi          imsi-234150999999999  (the SUPI string of 3GPP TS 29.571)  imsi
    tag           tag:thingreg.dev,2026:imsi-… / iccid-…  (our canonical)   imsi | iccid
    label         IMEI: 35 209900 176148 1, MEID …, ESN …, IMSI …, ICCID …  that scheme
    dashed        49-015420-323751-8, 49015420-323751-8, 35686800-004141-20  imei | imeisv
    digits, hex   bare numbers, read by length (ranks below)

An explicit notation names its scheme, so an invalid value raises :class:`InvalidIdentifier`
("IMEI check digit is 3, expected 5"); so does the dashed IMEI grouping, which nothing else
uses. A bare number that no reading accepts gives ``[]``: another family may read it.

Bare numbers, most likely reading first::

    14 digits  imei 50, imsi 30        15 digits  imei 70 (Luhn valid), imsi 40
    16 digits  imeisv 50, imei 40      18 digits  iccid 40, meid 30 (decimal form)
    19 digits  iccid 70, meid 40       20 digits  iccid 70;  21-22 digits  iccid 40
    14/15 hex  meid 60/70              8 hex, 11 digits  esn 10 (they are short and common)

An IMSI reading needs an assigned MCC (ITU-T E.212, python-stdnum's table); an ICCID starts
89 and ends in its Luhn digit (a trailing BCD filler ``F`` is dropped).

Canonical forms:

* IMEI → ``urn:gsma:imei:TTTTTTTT-SSSSSS-0`` (RFC 7254): the check digit of a 15-digit input is
  verified and replaced by the spare digit 0, as RFC 7254 and 3GPP TS 23.003 transmit it. In
  the RFC 7254 layout (URN, or ``TTTTTTTT-SSSSSS-D``) the last digit may be 0 or the check digit.
* IMEISV → the same URN with ``;svn=NN``; it also yields the IMEI reading, rank 10 lower, so a
  thing registered under its IMEI is found from the IMEISV its modem reports. SVN 99 is
  reserved (TS 23.003 §6.2.2) and rejected.
* MEID → ``urn:meid:`` + 14 uppercase hex digits, from hex or 18-digit decimal input. A MEID of
  decimal digits only is an IMEI (regional codes below A0 are the GSMA's) and reads as one.
* ESN → ``urn:esn:`` + 8 uppercase hex digits (uppercase like the MEID: both are 3GPP2 numbers,
  written uppercase by 3GPP2 and by the devices that report them).
* IMSI → ``tag:thingreg.dev,2026:imsi-<digits>``, ICCID → ``tag:thingreg.dev,2026:iccid-<digits>``
  (with the check digit); both ``object_level=False``: they name a subscription or a SIM, which
  moves between devices, so they are aliases, never a thing's own id.

Why a tag URI for IMSI and ICCID: a canonical id must be an absolute URI, and none is defined
for them. 3GPP's ``imsi-<digits>`` (the SUPI string) has no scheme; ``urn:imsi:`` and LwM2M's
``urn:imei-imsi:`` use namespace ids that were never registered (RFC 8141 requires it; LwM2M
1.2 deprecates its own); the IMS identity ``sip:<imsi>@ims.mnc….mcc….3gppnetwork.org``
(TS 23.003 §13) depends on the MNC length, which only a changing table knows. A tag URI
(RFC 4151) is how an organisation mints identifiers without registering anything, and here
its specific part is exactly the 3GPP SUPI string, so the 3GPP form is the URI minus its prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.mobile_numbering import imsi_network, luhn_digit
from thingreg.core.ids.mobile_readings import (
    SUBSCRIPTION_TAG,
    esn,
    esn_decimal,
    iccid,
    imei,
    imeisv,
    imeisv_of,
    imsi,
    is_digits,
    is_hex,
    meid,
    meid_decimal,
    msisdn,
)

__all__ = ["BENCH_INPUTS", "EXAMPLES", "read"]

EXAMPLES: list[tuple[str, str]] = [
    # 3GPP TS 24.229 §5.1.1.2 / RFC 7255 instance-id example, and its bare 15 digits
    ("urn:gsma:imei:90420156-025763-0", "urn:gsma:imei:90420156-025763-0"),
    ("904201560257637", "urn:gsma:imei:90420156-025763-0"),
    ("urn:gsma:imei:90420156-025763-0;svn=42", "urn:gsma:imei:90420156-025763-0;svn=42"),
    # the IMEI and IMEISV of the Wikipedia IMEI article, as printed on devices
    ("49-015420-323751-8", "urn:gsma:imei:49015420-323751-0"),
    ("35-209900-176148-23", "urn:gsma:imei:35209900-176148-0;svn=23"),
    # OMA LwM2M endpoint client names
    ("urn:imei:490154203237518", "urn:gsma:imei:49015420-323751-0"),
    ("urn:imei-imsi:490154203237518-310150123456789", "urn:gsma:imei:49015420-323751-0"),
    # python-stdnum's documented IMEISV and MEIDs
    ("35686800-004141-20", "urn:gsma:imei:35686800-004141-0;svn=20"),
    ("AF 01 23 45 0A BC DE C", "urn:meid:AF0123450ABCDE"),
    ("29360 87365 0070 3710 0", "urn:meid:AF0123450ABCDE"),
    # Data::MEID's documented decimal ↔ hex pair
    ("270113177609606898", "urn:meid:A10000009296F2"),
    ("urn:meid:a10000009296f2", "urn:meid:A10000009296F2"),
    ("urn:esn:8075b7ed", "urn:esn:8075B7ED"),
    # TS 23.003 §13's IMSI, stdnum's, and the Android emulator's SIM
    ("imsi-234150999999999", SUBSCRIPTION_TAG + "imsi-234150999999999"),
    ("IMSI: 310150123456789", SUBSCRIPTION_TAG + "imsi-310150123456789"),
    ("89014103211118510720", SUBSCRIPTION_TAG + "iccid-89014103211118510720"),
]

BENCH_INPUTS: list[str] = [
    "490154203237518",
    "35-209900-176148-1",
    "urn:gsma:imei:90420156-025763-0",
    "urn:gsma:imei:35686800-004141-0;svn=20",
    "urn:imei:352099001761481",
    "3568680000414120",
    "urn:imei-imsi:490154203237518-310150123456789",
    "310150123456789",
    "89014103211118510720",
    "A10000009296F2",
]

_IMEI_DASHED = re.compile(r"\d\d[- ]?\d{6}[- ]\d{6}(?:[- ]\d\d?)?", re.ASCII)
"""``AA-BBBBBB-CCCCCC[-D|-VV]`` as printed on devices, or ``TTTTTTTT-SSSSSS[-D|-VV]``."""
_RFC7254 = re.compile(r"(\d{8})-?(\d{6})-?(\d)((?:;[^;]*)*)", re.ASCII)
_LABEL = re.compile(
    r"(imeisv|imei|meid|esn|imsi|iccid)(?:\s*[:#=]\s*|\s+)([0-9a-f][0-9a-f -]*)", re.I
)
_SEPARATORS = str.maketrans("", "", " -")


def read(text: str) -> list[Reading]:
    """Every reading of ``text`` as a mobile identifier, most likely first (see module doc)."""
    value = text.strip()
    if is_digits(value):
        return _bare(value)
    head = value[:4].lower()
    if head == "urn:":
        return _urn(value[4:])
    if head == "tag:":
        return _tag(value)
    if not value or not value[0].isalpha():
        return _dashed(value) if _IMEI_DASHED.fullmatch(value) else _bare(value)
    lowered = value.lower()
    if lowered.startswith("imsi-"):
        return [imsi(value[5:], "supi", 100)]
    if lowered.startswith("imei-imsi:"):  # a Quectel LwM2M variant, without the urn:
        return _imei_and(value[10:], imsi)
    label = _LABEL.fullmatch(value)
    if label:
        return _labelled(label[1].lower(), label[2])
    return _bare(value)


def _ranked(readings: list[Reading | None]) -> list[Reading]:
    found = [r for r in readings if r is not None]
    found.sort(key=lambda r: -r.rank)
    return found


def _maybe(
    make: Callable[[str, str, int], Reading], number: str, rank: int, notation: str = "digits"
) -> Reading | None:
    try:
        return make(number, notation, rank)
    except InvalidIdentifier:
        return None


def _bare_imsi(digits: str, rank: int) -> Reading | None:
    """An IMSI reading if the MCC is assigned (checked first: exceptions cost on this path)."""
    if imsi_network(digits) is None:
        return None
    return imsi(digits, "digits", rank, lengths=range(14, 16))


def _bare(value: str) -> list[Reading]:
    """A bare number: every reading its length and alphabet allow."""
    number = value.translate(_SEPARATORS).upper()
    if not is_digits(number):
        if not is_hex(number):
            return []
        if number[-1] == "F" and len(number) >= 19 and is_digits(number[:-1]):  # BCD filler
            return _ranked([_maybe(iccid, number[:-1], 70 if len(number) in (20, 21) else 40)])
        if len(number) == 8:
            return _ranked([_maybe(esn, number, 10, "hex")])
        if len(number) in (14, 15):
            return _ranked([_maybe(meid, number, 60 if len(number) == 14 else 70, "hex")])
        return []
    size = len(number)
    if size == 15:
        valid = number[14] == luhn_digit(number[:14])
        return _ranked([imei(number, "digits", 70) if valid else None, _bare_imsi(number, 40)])
    if size == 14:
        return _ranked([imei(number, "digits", 50), _bare_imsi(number, 30)])
    if size == 16:
        sv = _maybe(imeisv, number, 50)
        return _ranked([sv, imei(number[:14], "digits", 40) if sv else None])
    if 18 <= size <= 22:
        likely = 70 if size in (19, 20) else 40
        return _ranked(
            [
                _maybe(iccid, number, likely),
                _maybe(meid_decimal, number, 40 if size == 19 else 30) if size < 20 else None,
            ]
        )
    if size == 11:
        return _ranked([_maybe(esn_decimal, number, 10)])
    if size == 8:
        return _ranked([_maybe(esn, number, 10)])
    return []


def _dashed(value: str) -> list[Reading]:
    """The IMEI grouping of device labels, or RFC 7254's ``TTTTTTTT-SSSSSS-D`` layout."""
    digits = value.translate(_SEPARATORS)
    if len(digits) == 16:
        return _with_imei(imeisv(digits, "dashed", 90))
    # Only RFC 7254's layout has a spare digit in place of the check digit.
    return [imei(digits, "dashed", 90, spare_ok=value[2] not in "- ")]


def _with_imei(sv: Reading) -> list[Reading]:
    """An IMEISV reading followed by the IMEI reading of its first 14 digits."""
    body = sv.details["imei"][:14]
    return [sv, imei(body, sv.notation, sv.rank - 10)]


def _urn(rest: str) -> list[Reading]:
    """``urn:`` inputs; ``rest`` is what follows ``urn:``."""
    nid, _, nss = rest.partition(":")
    nid = nid.lower()
    if nid == "gsma":
        kind, _, body = nss.partition(":")
        return _gsma_imei(body) if kind.lower() == "imei" else []
    if nid == "3gpp2":
        kind, _, body = nss.partition(":")
        return _rfc8464_meid(body) if kind.lower() == "meid" else []
    endpoint = _LWM2M.get(nid)
    return endpoint(nss) if endpoint else []


def _gsma_imei(body: str) -> list[Reading]:
    """RFC 7254: ``TTTTTTTT-SSSSSS-D`` then ``;svn=NN`` and ``;vers=0`` in any order."""
    match = _RFC7254.fullmatch(body)
    if match is None:
        raise InvalidIdentifier(
            "an IMEI URN is urn:gsma:imei:TTTTTTTT-SSSSSS-D, 8, 6 and 1 digits", scheme="imei"
        )
    tac, serial, last, params = match.groups()
    svn: str | None = None
    vers: str | None = None
    for param in params.split(";")[1:]:
        name, _, value = param.partition("=")
        name = name.lower()
        if name == "svn" and svn is None:
            svn = value
        elif name == "vers" and vers is None:
            vers = value
        else:
            raise InvalidIdentifier(f"IMEI URN parameter {param!r} is unknown or repeated", "imei")
    if vers not in (None, "0"):
        raise InvalidIdentifier(f"IMEI URN version {vers!r} is unknown (only 0 is)", "imei")
    device = imei(tac + serial + last, "urn", 100, spare_ok=True)
    if svn is None:
        return [device]
    return [imeisv_of(tac + serial, svn, "urn", 100), replace(device, rank=90)]


def _rfc8464_meid(body: str) -> list[Reading]:
    """RFC 8464: ``urn:3gpp2:meid:MMMMMMMM-SSSSSS`` (manufacturer code, serial)."""
    if len(body) == 15 and body[8] == "-":
        body = body[:8] + body[9:]
    elif len(body) != 14:
        raise InvalidIdentifier("a MEID URN is urn:3gpp2:meid:MMMMMMMM-SSSSSS", scheme="meid")
    return [meid(body, "urn", 100)]


def _lwm2m_imei(body: str) -> list[Reading]:
    if len(body) == 16:
        return _with_imei(imeisv(body, "lwm2m", 100))
    return [imei(body, "lwm2m", 100)]


def _imei_and(body: str, other: Callable[[str, str, int], Reading]) -> list[Reading]:
    """LwM2M's ``<imei>-<second id>`` endpoint names: the IMEI, then the second identifier."""
    first, dash, second = body.partition("-")
    if not dash:
        raise InvalidIdentifier("this LwM2M endpoint name is <IMEI>-<second id>", "imei")
    return [imei(first, "lwm2m", 100), other(second, "lwm2m", 90)]


_LWM2M: dict[str, Callable[[str], list[Reading]]] = {
    "imei": _lwm2m_imei,
    "imei-imsi": lambda body: _imei_and(body, imsi),
    "imei-msisdn": lambda body: _imei_and(body, msisdn),
    "imei-iccid": lambda body: _imei_and(body, iccid),
    "meid": lambda body: [meid(body, "lwm2m", 100)],
    "esn": lambda body: [esn(body, "lwm2m", 100)],
}


def _tag(value: str) -> list[Reading]:
    """Our own canonical IMSI and ICCID URIs; other tags are not ours."""
    if value[: len(SUBSCRIPTION_TAG)].lower() != SUBSCRIPTION_TAG:
        return []
    rest = value[len(SUBSCRIPTION_TAG) :]
    if rest.startswith("imsi-"):
        return [imsi(rest[5:], "tag", 100)]
    if rest.startswith("iccid-"):
        return [iccid(rest[6:], "tag", 100)]
    return []


def _labelled(label: str, body: str) -> list[Reading]:
    """``IMEI: …`` and the like, as printed on boxes and SIM carriers."""
    number = body.translate(_SEPARATORS).upper()
    if label == "imei":
        return [imei(number, "label", 95)]
    if label == "imeisv":
        return _with_imei(imeisv(number, "label", 95))
    if label == "meid":
        make = meid_decimal if len(number) in (18, 19) else meid
        return [make(number, "label", 95)]
    if label == "esn":
        return [(esn_decimal if len(number) == 11 else esn)(number, "label", 95)]
    if label == "imsi":
        return [imsi(number, "label", 95)]
    if number.endswith("F"):
        number = number[:-1]
    return [iccid(number, "label", 95)]
