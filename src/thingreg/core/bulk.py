"""Bulk import and export of Thing Descriptions: the use cases behind ``thingreg import`` /
``thingreg export`` and ``POST /things:import``.

:class:`Importer` takes the TDs of an input one by one (see :mod:`thingreg.core.bulk_input`),
validates each exactly as ``PUT /things/{id}`` does, and writes them in batches through
:meth:`Directory.put_many`: one transaction per batch, one event per thing created or changed,
nothing for a TD stored before (so a second run changes nothing). A batch is reported (counts,
rejected lines) only once it is committed, so whatever was reported survives a crash, and a run
started again after a crash simply finds the committed part unchanged. While one batch is being
committed, the next one is parsed and validated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from thingreg.core.access.principal import Principal
from thingreg.core.directory import Directory, prepare_thing
from thingreg.core.errors import BadRequest, ThingregError
from thingreg.core.td.registration import render
from thingreg.store.base import Event, ThingRecord, Unchanged

log = logging.getLogger(__name__)

DEFAULT_BATCH = 1000
_TRIM_EVERY = 20
"""Batches between two trims of the event log (when the importer trims it)."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A TD of the input that was not stored, and why."""

    line: int
    thing_id: str | None
    error: ThingregError

    def describe(self) -> str:
        """One line: where, which thing, why (every validation problem included)."""
        where = f"line {self.line}" + (f" ({self.thing_id})" if self.thing_id else "")
        problems = "; ".join(
            f"{e['field']}: {e['description']}"
            for e in self.error.problem_extra().get("validationErrors", [])
        )
        return f"{where}: {self.error.detail}" + (f" [{problems}]" if problems else "")


@dataclass
class Tally:
    """What the committed part of an import came to."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    last_line: int = 0
    """The last input line whose TD is committed (or rejected)."""

    @property
    def things(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "lastLine": self.last_line,
        }


OnCommit = Callable[[Tally, list[Rejection]], None]
"""Called after each committed batch with the running tally and that batch's rejections."""


@dataclass
class _Batch:
    records: list[tuple[int, ThingRecord]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    rejections: list[Rejection] = field(default_factory=list)
    last_line: int = 0


class Importer:
    """Validates and stores TDs in batches; feed it with :meth:`add`, then :meth:`finish`."""

    def __init__(
        self,
        directory: Directory,
        principal: Principal,
        *,
        owner: str | None = None,
        actor: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        on_commit: OnCommit,
        keep_events: int | None = None,
    ) -> None:
        self.directory = directory
        self.principal = principal
        self.owner = owner
        """The owner of the things created (``None``: the principal's), as for ``PUT``."""
        self.actor = actor
        """The audit log's name for the writer (``None``: the principal's)."""
        self.batch_size = batch_size
        self.on_commit = on_commit
        self.keep_events = keep_events
        """When set, the event log is trimmed to this many events now and then, as the
        server's maintenance would (an import logs one event per thing)."""
        self._batches = 0
        self.tally = Tally()
        self._batch = _Batch()
        self._writing: asyncio.Task[None] | None = None

    async def add(self, line: int, raw: bytes, error: str | None = None) -> None:
        """One TD of the input (its JSON text), or an input error found at ``line``."""
        await self.add_prepared(line, prepare_item(line, raw, error))

    async def add_prepared(self, line: int, prepared: ThingRecord | Rejection) -> None:
        """One TD already run through :func:`prepare_item` (by a worker process, say)."""
        batch = self._batch
        batch.last_line = line
        if isinstance(prepared, Rejection):
            batch.rejections.append(prepared)
            return
        record = prepared
        if record.id in batch.ids:  # a second TD for one thing: the first one goes first
            batch.last_line = line - 1
            await self._flush()
            batch = self._batch
            batch.last_line = line
        batch.records.append((line, record))
        batch.ids.add(record.id)
        if len(batch.records) >= self.batch_size:
            await self._flush()
        elif len(batch.records) % 64 == 0:
            await asyncio.sleep(0)  # let the batch being committed make progress meanwhile

    async def finish(self) -> Tally:
        """Commit what is left; the final tally."""
        await self._flush()
        await self._wait()
        if self.keep_events is not None:
            await self.directory.store.trim_events(self.keep_events)
        return self.tally

    async def stop(self) -> None:
        """Give up (the input broke off): let the batch being committed end, drop the rest."""
        with contextlib.suppress(Exception):
            await self._wait()

    async def _flush(self) -> None:
        """Hand the batch to the writer, after the one before it is committed."""
        batch, self._batch = self._batch, _Batch()
        await self._wait()
        self._writing = asyncio.create_task(self._commit(batch))
        await asyncio.sleep(0)  # start it: the next batch is read while this one is written

    async def _wait(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing

    async def _commit(self, batch: _Batch) -> None:
        rejections = batch.rejections
        if batch.records:
            outcomes = await self.directory.put_many(
                [record for _, record in batch.records],
                self.principal,
                owner=self.owner,
                actor=self.actor,
            )
            for (line, record), outcome in zip(batch.records, outcomes, strict=True):
                if isinstance(outcome, Event):
                    if outcome.type == "thing_created":
                        self.tally.created += 1
                    else:
                        self.tally.updated += 1
                elif isinstance(outcome, Unchanged):
                    self.tally.unchanged += 1
                elif isinstance(outcome, ThingregError):
                    rejections.append(Rejection(line, record.id, outcome))
                else:
                    raise outcome
            rejections.sort(key=lambda r: r.line)
        self.tally.rejected += len(rejections)
        self.tally.last_line = max(self.tally.last_line, batch.last_line)
        self.on_commit(self.tally, rejections)
        self._batches += 1
        if self.keep_events is not None and self._batches % _TRIM_EVERY == 0:
            await self.directory.store.trim_events(self.keep_events)


def prepare_item(line: int, raw: bytes, error: str | None = None) -> ThingRecord | Rejection:
    """Parse and validate one TD of the input into its record, or say why it is refused."""
    if error is not None:
        return Rejection(line, None, BadRequest(error))
    try:
        td = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Rejection(line, None, BadRequest(f"not valid JSON: {exc}"))
    try:
        return prepare_thing(td)
    except ThingregError as exc:
        thing_id = td.get("id") if isinstance(td, dict) else None
        return Rejection(line, thing_id if isinstance(thing_id, str) else None, exc)


def prepare_items(
    items: Sequence[tuple[int, bytes, str | None]],
) -> list[tuple[int, ThingRecord | Rejection]]:
    """:func:`prepare_item` over a chunk of the input: the unit of work of a worker process."""
    return [(line, prepare_item(line, raw, error)) for line, raw, error in items]


async def export_ndjson(directory: Directory, chunk_size: int = 1000) -> AsyncIterator[bytes]:
    """Every thing as NDJSON, in id order, a chunk of lines at a time: each line the enriched
    TD (registration included, so an import of it keeps ``ttl``/``expires``)."""
    async for chunk in directory.store.scan(chunk_size=chunk_size):
        yield b"".join(render(record) + b"\n" for record in chunk)


def rejection_problem(rejection: Rejection) -> dict[str, Any]:
    """A rejection as JSON: the line, the thing's id if known, and the problem details."""
    error = rejection.error
    problem: dict[str, Any] = {
        "line": rejection.line,
        "type": error.type_uri,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        # RFC 9457's occurrence reference: the line of the submitted document it is about.
        "instance": f"#line={rejection.line}",
        **error.problem_extra(),
    }
    if rejection.thing_id is not None:
        problem["id"] = rejection.thing_id
    return problem
