"""GS1 Digital Link URIs: ``https://{any host}/{any prefix}/01/{gtin}/21/{serial}?{attributes}``.

The path carries one primary key and its key qualifiers in order (``/01/…/22/…/10/…/21/…``),
values percent-encoded; the query string carries data attributes, which do not identify and are
ignored. The 1.0 "convenience alphas" (``/gtin/…/ser/…``) are still read.

Any web URL can be a Digital Link, so a URL is only taken as one when a path segment names a
primary key and the next segment has that key's shape (a GTIN's 8 to 14 digits…); from there on,
or anywhere on ``id.gs1.org``, a broken key is an error rather than "not GS1".
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.gs1_keys import QUALIFIERS, SCHEME_BY_AI, Key, reading, validate

_URL = re.compile(r"https?://([^/?#]*)([^?#]*)(?:\?[^#]*)?(?:#.*)?", re.IGNORECASE | re.DOTALL)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")

_SHAPES = {
    "01": re.compile(r"[0-9]{8}|[0-9]{12,14}"),
    "00": re.compile(r"[0-9]{18}"),
    "414": re.compile(r"[0-9]{13}"),
    "8003": re.compile(r"0[0-9]{13}.*", re.DOTALL),
    "8004": re.compile(r"[0-9]{4}.*", re.DOTALL),
    "8018": re.compile(r"[0-9]{18}"),
    "253": re.compile(r"[0-9]{13}.*", re.DOTALL),
}
"""What the value after a primary-key segment must look like for the URL to be a Digital Link."""

ALPHAS = {
    "gtin": "01",
    "cpv": "22",
    "lot": "10",
    "ser": "21",
    "sscc": "00",
    "gln": "414",
    "glnx": "254",
    "grai": "8003",
    "giai": "8004",
    "gsrn": "8018",
    "srin": "8019",
    "gdti": "253",
}
"""GS1 Digital Link 1.0 short names, deprecated since 1.1 but still found printed."""

OTHER_KEYS = frozenset({"8006", "8010", "8013", "8017", "255", "401", "402", "415", "417"})
"""Digital Link primary keys not read here (ITIP, CPID, GMN, GSRNP, GCN, GINC, GSIN, PGLN…)."""

CANONICAL_HOST = "id.gs1.org"


def _decode(segment: str, scheme: str) -> str:
    if "%" not in segment:
        return segment
    if _BAD_PERCENT.search(segment):
        raise InvalidIdentifier(f"malformed %-escape in {segment!r}", scheme=scheme)
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise InvalidIdentifier(f"{segment!r} is not UTF-8", scheme=scheme) from None


def read(text: str) -> list[Reading]:
    """Read a Digital Link URI on any host; [] when the URL does not carry a GS1 key."""
    match = _URL.fullmatch(text)
    if match is None:
        return []
    gs1_host = match.group(1).lower() == CANONICAL_HOST
    segments = match.group(2).split("/")
    if segments and segments[-1] == "":
        segments.pop()  # a trailing slash
    for start in range(1, len(segments) - 1):
        ai = ALPHAS.get(segments[start], segments[start])
        # Shapes test leading digits, the same encoded or not: a stray % is not yet an error.
        if ai in SCHEME_BY_AI and (gs1_host or _SHAPES[ai].fullmatch(segments[start + 1])):
            return [reading(_key(ai, segments[start + 1 :]), "digital-link")]
    if gs1_host:
        other = next((segment for segment in segments if segment in OTHER_KEYS), None)
        if other is not None:
            raise InvalidIdentifier(f"GS1 key AI {other} is not read by thingreg", scheme="gs1")
        raise InvalidIdentifier("id.gs1.org URI without a GS1 key in its path", scheme="gs1")
    return []


def _key(ai: str, segments: list[str]) -> Key:
    scheme = SCHEME_BY_AI[ai]
    value = _decode(segments[0], scheme)
    if ai == "01" and len(value) in (8, 12, 13) and value.isascii() and value.isdigit():
        value = value.zfill(14)
    if len(segments) % 2 == 0:
        raise InvalidIdentifier(f"AI {segments[-1]} has no value in the path", scheme=scheme)
    expected = list(QUALIFIERS.get(ai, ()))
    qualifiers: dict[str, str] = {}
    for i in range(1, len(segments), 2):
        qualifier = ALPHAS.get(segments[i], segments[i])
        if qualifier not in expected:
            raise InvalidIdentifier(
                f"{qualifier!r} is not a key qualifier of AI {ai} at this place in the path",
                scheme=scheme,
            )
        del expected[: expected.index(qualifier) + 1]  # qualifiers come once, in order
        qualifiers[qualifier] = _decode(segments[i + 1], scheme)
    return validate(ai, value, qualifiers)
