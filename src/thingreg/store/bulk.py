"""The backend-neutral half of :meth:`Store.write_many`: deciding, then claiming identifiers.

A backend reads the current records of a batch's things (and locks them), then
:func:`decide_all` runs every *decide* function and :func:`claim_in_order` walks the survivors
in their order with a map of identifier owners, as if each write ran alone after the ones before
it: a create claiming an identifier that an earlier write of the batch released gets it, one
claiming an identifier another thing keeps gets :class:`Conflict`. What is left is written by
the backend with one statement per kind of change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from thingreg.core.errors import Conflict
from thingreg.store.base import Decide, Mutation, ThingRecord, WriteOutcome


@dataclass(frozen=True, slots=True)
class Planned:
    """A write that will be committed: its place in the batch, what it replaces, what it does."""

    index: int
    thing_id: str
    current: ThingRecord | None
    mutation: Mutation


def decide_all(
    writes: Sequence[tuple[str, Decide]],
    current: Mapping[str, ThingRecord],
    outcomes: list[WriteOutcome | None],
    check: Callable[[ThingRecord], None] | None = None,
) -> list[tuple[int, str, Mutation]]:
    """Run each write's *decide* against its current record; failures go to ``outcomes``.

    ``check`` may refuse a record the backend cannot store (by raising).
    """
    decided = []
    for index, (thing_id, decide) in enumerate(writes):
        try:
            mutation = decide(current.get(thing_id))
            if check is not None and mutation.record is not None:
                check(mutation.record)
        except Exception as exc:
            outcomes[index] = exc
            continue
        decided.append((index, thing_id, mutation))
    return decided


def wanted_aliases(decided: Sequence[tuple[int, str, Mutation]]) -> list[str]:
    """Every identifier the decided records hold, each once: whose owners must be looked up."""
    wanted = {
        alias.value
        for _, _, mutation in decided
        if mutation.record is not None
        for alias in mutation.record.aliases
    }
    return sorted(wanted)


def claim_in_order(
    decided: Sequence[tuple[int, str, Mutation]],
    current: Mapping[str, ThingRecord],
    owners: dict[str, str],
    outcomes: list[WriteOutcome | None],
) -> list[Planned]:
    """The writes whose identifiers are free when their turn comes; ``owners`` (identifier to
    thing id, as stored) is updated as each one claims and releases."""
    planned = []
    for index, thing_id, mutation in decided:
        before = current.get(thing_id)
        record = mutation.record
        if record is not None:
            taken = next(
                (a.value for a in record.aliases if owners.get(a.value, thing_id) != thing_id),
                None,
            )
            if taken is not None:
                outcomes[index] = Conflict(
                    f"the identifier {taken!r} already belongs to another thing"
                )
                continue
        if before is not None:
            for alias in before.aliases:
                if owners.get(alias.value) == thing_id:
                    del owners[alias.value]
        if record is not None:
            for alias in record.aliases:
                owners[alias.value] = thing_id
        planned.append(Planned(index, thing_id, before, mutation))
    return planned
