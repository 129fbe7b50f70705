"""A thing's identifiers: its own id and the alternative ones its TD lists, all canonical.

A TD lists alternative identifiers under the ``identifiers`` member, each as a string in any
notation (``"49-015420-323751-8"``, ``"00:24:be:80:4f:f1"``) or, where a bare string could be
read several ways, as ``{"scheme": "imei", "value": "490154203237518"}``. The directory stores
them in canonical form, in the TD too, so every copy of the TD agrees with the alias index.
"""

from __future__ import annotations

from typing import Any

from thingreg.core.errors import FieldError
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.store.base import Alias

MEMBER = "identifiers"
MAX_ALIASES = 64


def own_alias(thing_id: str) -> Alias:
    """The canonical form of a thing's own id; an id no scheme reads stays a plain URI."""
    try:
        readings = analyse(thing_id).readings
    except InvalidIdentifier:
        return Alias(thing_id, "uri")
    best = readings[0]
    return Alias(best.canonical, best.scheme)


def listed_aliases(listed: Any) -> tuple[list[Alias], list[Any], list[FieldError]]:
    """Read the TD's ``identifiers`` member: (aliases, canonical member value, errors)."""
    if listed is None:
        return [], [], []
    if not isinstance(listed, list):
        return [], [], [FieldError(MEMBER, "must be an array of identifiers")]
    if len(listed) > MAX_ALIASES:
        return [], [], [FieldError(MEMBER, f"at most {MAX_ALIASES} identifiers are accepted")]
    aliases: list[Alias] = []
    member: list[Any] = []
    errors: list[FieldError] = []
    for index, entry in enumerate(listed):
        field = f"{MEMBER}.{index}"
        try:
            reading = _read_entry(entry)
        except (InvalidIdentifier, ValueError) as exc:
            errors.append(FieldError(field, str(exc)))
            continue
        if reading.scheme in _NEVER_ALIASES:
            errors.append(
                FieldError(
                    field,
                    f"a {reading.scheme} without serial names a class of products, not one thing",
                )
            )
            continue
        aliases.append(Alias(reading.canonical, reading.scheme))
        member.append(reading.canonical)
    return aliases, member, errors


_NEVER_ALIASES = frozenset({"gtin"})
"""Readings refused as aliases: a GTIN without serial names a product, shared by many things."""


def _read_entry(entry: Any) -> Reading:
    if isinstance(entry, str):
        readings = analyse(entry).readings
        schemes = {r.scheme for r in readings}
        if len(schemes) > 1:
            raise ValueError(
                f"{entry!r} can be read as {', '.join(sorted(schemes))}: write it as "
                '{"scheme": ..., "value": ...} to say which'
            )
        return readings[0]
    if isinstance(entry, dict) and isinstance(entry.get("value"), str):
        scheme = entry.get("scheme")
        readings = analyse(entry["value"]).readings
        if scheme is None:
            return readings[0]
        for reading in readings:
            if reading.scheme == scheme:
                return reading
        found = ", ".join(sorted({r.scheme for r in readings}))
        raise ValueError(f"{entry['value']!r} is not a valid {scheme} (it reads as {found})")
    raise ValueError('an identifier is a string or {"scheme": ..., "value": ...}')
