"""The dispatcher: every reading of an input, most likely first, from every scheme module.

``analyse(text)`` strips surrounding whitespace, refuses empty and over-long input, and asks the
scheme modules that can accept the text's shape (see ``_route``) for their readings. Readings are
ordered by rank, highest first (ties keep module order), and a canonical form offered twice is
kept once, with its best rank. When no module reads the text:

* if a module refused it (its notation named the scheme, but a rule is broken), that refusal is
  raised — the first module of the route is the one the notation points at, so its reason wins;
* else, if the text is an absolute URI, the one reading is ``uri`` (kept as is);
* else :class:`InvalidIdentifier` says the text is not an identifier thingreg recognises.

``_route`` is why the common case is fast: it looks at the first characters only (the URN
namespace, ``did:``, ``tel:``/``+``, ``http``, a digit string, the UUID and colon-MAC shapes)
and picks the modules that can possibly accept such a text; anything else goes to all of them.
A route may only leave out a module that returns ``[]`` for every text of that shape — the test
suite checks this against every module's examples.
"""

from __future__ import annotations

from dataclasses import dataclass

from thingreg.core.ids import device_urn, did, gs1, mobile, tel, uri, uuid_oid
from thingreg.core.ids.base import InvalidIdentifier, Reader, Reading

MAX_LENGTH = 2048
"""Longer inputs are refused before any module sees them: no identifier is that long."""

_WHITESPACE = " \t\r\n\v\f"
"""What is stripped; ``str.strip()`` would also eat the GS (FNC1) a GS1 string may start with."""

READERS: tuple[Reader, ...] = (
    uuid_oid.read,
    device_urn.read,
    tel.read,
    did.read,
    gs1.read,
    mobile.read,
)
"""Every scheme module's ``read``; the generic ``uri`` reader is the fallback, not one of them."""

WARM_UP_IDENTIFIERS: tuple[str, ...] = tuple(
    text
    for module in (uuid_oid, device_urn, tel, did, gs1, mobile, uri)
    for text, _ in module.EXAMPLES
)
"""One of each notation: analysing them loads every lazily built table (a service does it at
start, so that no request pays for it)."""

_UUID_OID = (uuid_oid.read,)
_DEVICE = (device_urn.read,)
_GS1 = (gs1.read,)
_MOBILE = (mobile.read,)
_DIGITS = (gs1.read, mobile.read, device_urn.read)
_URN_ROUTES: dict[str, tuple[Reader, ...]] = {
    "uuid": _UUID_OID,
    "oid": _UUID_OID,
    "dev": _DEVICE,
    "epc": _GS1,
    **{nid: _MOBILE for nid in ("gsma", "3gpp2", "imei", "imei-imsi", "imei-msisdn")},
    **{nid: _MOBILE for nid in ("imei-iccid", "meid", "esn")},
}
"""URN namespace → modules; an unknown namespace goes to every module."""
_PREFIX_ROUTES: dict[str, tuple[Reader, ...]] = {
    "did": (did.read,),
    "tel": (tel.read,),
    "oid": _UUID_OID,
    "http": _GS1,
    "https": _GS1,
    "tag": _MOBILE,
    **{prefix: _DEVICE for prefix in ("mac", "eui48", "eui-48", "eui64", "eui-64")},
}
"""Lowercased text before the first colon (other than ``urn``) → modules."""


@dataclass(frozen=True)
class Analysis:
    """What an input can be: its readings, most likely first (never empty)."""

    input: str
    readings: list[Reading]


def analyse(text: str) -> Analysis:
    """Every reading of ``text``; :class:`InvalidIdentifier` when there is none."""
    text = _prepare(text)
    readings, errors = _read(text)
    if not readings:
        return Analysis(text, _fallback(text, errors))
    if len(readings) == 1:
        return Analysis(text, readings)
    readings.sort(key=_by_rank)
    seen: set[str] = set()
    unique = []
    for reading in readings:
        if reading.canonical not in seen:
            seen.add(reading.canonical)
            unique.append(reading)
    return Analysis(text, unique)


def canonical(text: str, scheme: str | None = None) -> Reading:
    """The most likely reading of ``text``, or its reading as ``scheme`` (``imei``, ``gtin``…).

    Naming the scheme is how an ambiguous string (13 digits: a GTIN or a GLN) is pinned down;
    :class:`InvalidIdentifier` if that scheme does not read the text.
    """
    if scheme is None:
        return analyse(text).readings[0]
    text = _prepare(text)
    readings, errors = _read(text)
    if scheme == "uri":
        readings = uri.read(text)
    for reading in sorted(readings, key=_by_rank):
        if reading.scheme == scheme:
            return reading
    for error in errors:
        if error.scheme == scheme:
            raise error
    found = sorted({reading.scheme for reading in readings})
    also = f"; it reads as {', '.join(found)}" if found else ""
    raise InvalidIdentifier(f"{_shown(text)} is not a {scheme} identifier{also}", scheme)


def _prepare(text: str) -> str:
    text = text.strip(_WHITESPACE)
    if not text:
        raise InvalidIdentifier("an empty string is not an identifier")
    if len(text) > MAX_LENGTH:
        raise InvalidIdentifier(
            f"identifier of {len(text)} characters refused: at most {MAX_LENGTH} are read"
        )
    return text


def _read(text: str) -> tuple[list[Reading], list[InvalidIdentifier]]:
    readings: list[Reading] = []
    errors: list[InvalidIdentifier] = []
    for read in _route(text):
        try:
            readings.extend(read(text))
        except InvalidIdentifier as error:
            errors.append(error)
    return readings, errors


def _route(text: str) -> tuple[Reader, ...]:
    """The modules that can read ``text``, judged from its first characters (non-empty text)."""
    if text[0] == "+":
        return _PREFIX_ROUTES["tel"]
    colon = text.find(":", 0, 12)
    if colon > 0:
        prefix = text[:colon].lower()
        if prefix == "urn":
            end = text.find(":", 4)
            return _URN_ROUTES.get(text[4:end].lower(), READERS) if end > 0 else READERS
        route = _PREFIX_ROUTES.get(prefix)
        if route is not None:
            return route
        if colon == 2 and len(text) in (17, 23) and text[5] == ":":
            return _DEVICE  # 00:24:BE:80:4F:F1, the 6 or 8 octet colon notation
        return READERS
    if text.isdigit() and text.isascii():
        return _DIGITS
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-":
        return _UUID_OID
    return READERS


def _fallback(text: str, errors: list[InvalidIdentifier]) -> list[Reading]:
    if errors:
        raise errors[0]
    readings = uri.read(text)
    if not readings:
        raise InvalidIdentifier(
            f"{_shown(text)} is not an identifier thingreg recognises: no scheme reads it "
            "and it is not an absolute URI"
        )
    return readings


def _by_rank(reading: Reading) -> int:
    return -reading.rank


def _shown(text: str) -> str:
    """The input as an error message quotes it: repr, cut to keep the message one short line."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
