"""GS1 element strings: ``(01)09506000134352(21)ABC123``, or as a scanner sends them.

The human-readable form, with each AI in parentheses, is split with one regular expression.
The raw form a barcode scanner transmits (``]d2`` symbology identifier, AIs run together,
variable-length fields ended by GS ``\\x1d``) is split with the AI table biip ships: which AI
starts the text, and whether its data has a predefined length (biip's own message parser does
the same and more, at a tenth of the speed). Keys and their qualifiers become
:class:`~thingreg.core.ids.gs1_keys.Key`; other AIs (dates, weights…) are data attributes:
checked against their format, then ignored. A message with several keys (an SSCC and a GLN…)
gives one reading per key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.core.ids.gs1_keys import QUALIFIERS, SCHEME_BY_AI, reading, validate

_FORMAT_LENGTHS = re.compile(r"N([0-9]+)")
_HRI_AI = re.compile(r"\s*\(([0-9]{2,4})\)\s*")
_KEY_START = re.compile(r"[0-9]{8}")
_GIAI_START = re.compile(r"[0-9]{6}")
SYMBOLOGY = re.compile(r"\](?:C1|e0|d2|Q3|J1)")
"""Symbology identifiers of the GS1 carriers: GS1-128, DataMatrix, DataBar, QR, DotCode."""

_OWNER = {q: ai for ai, qualifiers in QUALIFIERS.items() for q in qualifiers}
"""The primary key each key qualifier belongs to."""


@lru_cache(maxsize=1024)
def _attribute_rule(ai: str) -> Callable[[str], object] | None:
    """The pattern check of a data attribute's AI, from biip's table; None for unknown AIs."""
    from biip import ParseError  # noqa: PLC0415
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier  # noqa: PLC0415

    try:
        found = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        return None
    return re.compile(found.pattern).fullmatch if found.ai == ai else None


def _key_start(ai: str) -> re.Pattern[str]:
    return _GIAI_START if ai == "8004" else _KEY_START


def read_hri(text: str) -> list[Reading]:
    """Read ``(AI)value(AI)value…``; the caller has seen it starts with ``(``.

    Parentheses open phone numbers too (Dublin's "(01) 234 5678"), so the text is only taken as
    GS1, and its errors reported, when an (AI) names a key read here and its value starts with
    the digits every such key starts with (8; 6 for a GIAI, a company prefix then any text).
    """
    parts = _HRI_AI.split(text)
    if parts[0] != "" or len(parts) < 3:
        return []
    pairs = list(zip(parts[1::2], parts[2::2], strict=True))
    if not any(ai in SCHEME_BY_AI and _key_start(ai).match(value) for ai, value in pairs):
        return []
    return _readings(pairs, 100)


def read_raw(text: str, *, marked: bool) -> list[Reading]:
    """Read a scanner's string; ``marked`` when a symbology identifier or GS says it is GS1.

    An unmarked string is only a guess: when it does not parse, it is not GS1 (``[]``).
    """
    if SYMBOLOGY.match(text):
        text = text[3:]
    text = text.lstrip("\x1d")  # some scanners send the leading FNC1 as GS too
    # Unmarked digits alone could be an IMEISV or an account number as well.
    rank = 100 if marked else 30 if text.isdigit() else 80
    try:
        return _readings(_split_raw(text), rank)
    except InvalidIdentifier:
        if marked:
            raise
        return []


def _split_raw(text: str) -> list[tuple[str, str]]:
    """(AI, value) pairs of a raw element string: predefined lengths, else up to the next GS."""
    pairs = []
    i, end = 0, len(text)
    while i < end:
        found = _ai_at(text[i : i + 4])
        if found is None:
            raise InvalidIdentifier(f"no GS1 application identifier at {text[i:]!r}", "gs1")
        ai, length = found
        i += len(ai)
        if length is None:
            stop = text.find("\x1d", i)
            stop = end if stop < 0 else stop
            pairs.append((ai, text[i:stop]))
            i = stop + 1
        else:
            pairs.append((ai, text[i : i + length]))
            i += length
            if text.startswith("\x1d", i):  # a needless separator after a fixed field
                i += 1
    return pairs


@lru_cache(maxsize=4096)
def _ai_at(start: str) -> tuple[str, int | None] | None:
    """The AI ``start`` (up to 4 characters) begins with, and its data length if predefined."""
    from biip import ParseError  # noqa: PLC0415
    from biip.gs1_application_identifiers import GS1ApplicationIdentifier  # noqa: PLC0415

    try:
        found = GS1ApplicationIdentifier.extract(start)
    except ParseError:
        return None
    if found.separator_required:
        return found.ai, None
    # A predefined-length format reads like "N2+N14": the AI's digits, then the data's.
    return found.ai, sum(int(n) for n in _FORMAT_LENGTHS.findall(found.format)[1:])


def _readings(pairs: list[tuple[str, str]], rank: int) -> list[Reading]:
    seen: set[str] = set()
    for ai, value in pairs:
        if ai in seen:
            raise InvalidIdentifier(f"AI ({ai}) appears twice", scheme="gs1")
        seen.add(ai)
        if ai not in SCHEME_BY_AI and ai not in _OWNER:
            rule = _attribute_rule(ai)
            if rule is None:
                raise InvalidIdentifier(f"({ai}) is not a GS1 application identifier", "gs1")
            if not rule(ai + value):
                raise InvalidIdentifier(f"({ai}) value {value!r} breaks its format", "gs1")
    values = dict(pairs)
    keys = [ai for ai, _ in pairs if ai in SCHEME_BY_AI]
    if not keys:
        raise InvalidIdentifier(
            "GS1 element string holds no key read here (00, 01, 253, 414, 8003, 8004, 8018)",
            scheme="gs1",
        )
    readings = []
    for ai in keys:
        qualifiers = {q: values[q] for q in QUALIFIERS.get(ai, ()) if q in values}
        readings.append(reading(validate(ai, values[ai], qualifiers), "element-string", rank))
    return readings
