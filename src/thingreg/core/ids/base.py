"""What every identifier scheme module provides, and what an analysis returns.

A scheme module (``uuid_oid.py``, ``mac.py``, ``gs1.py``, ``mobile.py``…) exposes one function,
``read(text) -> list[Reading]``:

* ``[]`` when the text does not look like that scheme at all (another module may read it);
* one or more :class:`Reading` when it is valid — several when the same text has several
  meanings within the family (a 13-digit string is a GTIN-13 and a GLN);
* :class:`InvalidIdentifier` when the text is clearly meant as that scheme (its URN prefix, its
  length and alphabet…) but is not valid, with one line saying why ("IMEI check digit is 3,
  expected 5").

and ``EXAMPLES``: ``(input, canonical)`` pairs drawn from the standards, which the tests check
and the README's identifier table is generated from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from thingreg.core.errors import BadRequest


class InvalidIdentifier(BadRequest):
    """An identifier that names its scheme but breaks its rules; ``detail`` says which rule."""

    slug = "invalid-identifier"

    def __init__(self, detail: str, scheme: str = "") -> None:
        super().__init__(detail)
        self.scheme = scheme


@dataclass(frozen=True, slots=True)
class Reading:
    """One valid interpretation of an input: its scheme, canonical form, and parsed parts."""

    scheme: str
    """Short stable name: ``uuid``, ``oid``, ``mac``, ``imei``, ``sgtin``, ``gtin``, ``tel``…"""
    canonical: str
    """The one canonical URN/URI every notation of this identifier maps to."""
    notation: str
    """How the input was written: ``urn``, ``digits``, ``digital-link``, ``colon-hex``…"""
    rank: int = 50
    """Likelihood, 0-100: readings are offered most likely first. An explicit URN or URI
    notation is 100; a bare string that several schemes accept ranks by how often it occurs."""
    details: Mapping[str, str] = field(default_factory=dict)
    """Scheme-specific parts, for people and for delegation (``tac``, ``company_prefix``,
    ``mapping``: which EUI-48→64 rule was used, …)."""
    object_level: bool = True
    """False for identifiers of classes or subscriptions rather than objects (a GTIN without
    serial, an IMSI): they may be aliases but are never offered as a thing's own id."""

    def as_json(self) -> dict[str, Any]:
        """The reading as the API and the CLI show it."""
        return {
            "scheme": self.scheme,
            "canonical": self.canonical,
            "notation": self.notation,
            "objectLevel": self.object_level,
            "details": dict(self.details),
        }


Reader = Callable[[str], list[Reading]]
"""``read(text)`` of a scheme module."""
