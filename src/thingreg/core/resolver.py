"""Resolution: from any notation of any identifier to the thing, here or at a peer registry.

The order is fixed: an exact thing id; then each reading of the input, most likely first, in
the alias index; then the delegation table (longest prefix of a reading's canonical form).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from thingreg.core.errors import NotFound
from thingreg.core.ids.analysis import analyse
from thingreg.core.ids.base import InvalidIdentifier, Reading
from thingreg.store.base import Delegation, Store, ThingRecord


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where an identifier leads: a local thing, or the peer a prefix is delegated to."""

    input: str
    readings: tuple[Reading, ...]
    thing_id: str | None = None
    matched: Reading | None = None
    delegation: Delegation | None = None


Visible = Callable[[ThingRecord], bool]
"""Whether the asking client may see a thing; things it may not see are not resolved to."""


async def resolve(store: Store, text: str, visible: Visible | None = None) -> Resolution:
    """Resolve ``text``; raises :class:`NotFound` (with the readings) when nothing matches
    (nothing ``visible`` matches, when that is given)."""

    async def shown(thing_id: str) -> bool:
        record = await store.get(thing_id)
        return record is not None and (visible is None or visible(record))

    text = text.strip()
    try:
        readings = tuple(analyse(text).readings)
    except InvalidIdentifier:
        if await shown(text):
            return Resolution(text, (), thing_id=text)
        raise
    if await shown(text):
        return Resolution(text, readings, thing_id=text)
    for reading in readings:
        thing_id = await store.find_alias(reading.canonical)
        if thing_id is not None and (visible is None or await shown(thing_id)):
            return Resolution(text, readings, thing_id=thing_id, matched=reading)
    delegations = await store.delegations()
    for reading in readings:
        delegation = longest_prefix(delegations, reading.canonical)
        if delegation is not None:
            return Resolution(text, readings, matched=reading, delegation=delegation)
    raise UnknownIdentifier(text, readings)


def longest_prefix(delegations: list[Delegation], canonical: str) -> Delegation | None:
    """The delegation whose prefix is the longest one ``canonical`` starts with."""
    best: Delegation | None = None
    for delegation in delegations:
        if canonical.startswith(delegation.prefix) and (
            best is None or len(delegation.prefix) > len(best.prefix)
        ):
            best = delegation
    return best


class UnknownIdentifier(NotFound):
    """A valid identifier that no thing here has and no delegation covers."""

    def __init__(self, text: str, readings: tuple[Reading, ...]) -> None:
        schemes = ", ".join(f"{r.scheme} {r.canonical}" for r in readings)
        super().__init__(f"no thing has the identifier {text!r} (read as {schemes})")
        self.readings = readings

    def problem_extra(self) -> dict[str, Any]:
        return {"readings": [{"scheme": r.scheme, "canonical": r.canonical} for r in self.readings]}
