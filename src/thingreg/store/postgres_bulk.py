""":meth:`Store.write_many` on PostgreSQL: one transaction, ``COPY`` for the new things.

The batch's current rows are read and locked (``FOR UPDATE``, in id order like the writer), the
identifier owners read, and :mod:`thingreg.store.bulk` decides what each write does. New things
(the bulk of an import) are sent with ``COPY`` (binary, one stream for the rows, one for the
events); their identifiers are then claimed with ``ON CONFLICT DO NOTHING``, which waits for
another transaction's uncommitted claim, so a create that lost an identifier to a concurrent
writer is undone and fails with :class:`Conflict`, exactly as in the writer. A new thing that
another process inserted meanwhile makes ``COPY`` fail on the primary key: the batch is then
run again from the start, where it finds that row and updates it. Event ids come from the
``counters`` row, taken last, as in the writer (ids increase in commit order); the audit
entries are appended after it, and the events carry the things' access. The statement after the
events' ``COPY`` sends ``NOTIFY`` on the schema's channel, as the writer does, so the other
instances on the database relay the batch's events to their subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import asyncpg

from thingreg.core.errors import Conflict
from thingreg.store.base import (
    Decide,
    Event,
    ThingRecord,
    WriteOutcome,
    audit_stamp,
    distinct_ids,
    event_access,
    thing_audit,
)
from thingreg.store.bulk import Planned, claim_in_order, decide_all, wanted_aliases
from thingreg.store.postgres_audit import append_audit
from thingreg.store.postgres_rows import SELECT_THING, THING_FIELDS, Connection, thing_record
from thingreg.store.postgres_writer import (
    _CONNECTION_ERRORS,
    _DELETE,
    _RETRY_BATCH,
    _UPDATE,
    _bind_credentials,
    _check_storable,
    _claim_aliases,
    _columns,
    _failure,
)

log = logging.getLogger(__name__)

_ATTEMPTS = 5
_COPY_COLUMNS = (*THING_FIELDS[:2], "doc", *THING_FIELDS[2:])


async def commit_many(
    pool: asyncpg.Pool[asyncpg.Record],
    writes: Sequence[tuple[str, Decide]],
    channel: str,
    committed: Callable[[], None],
) -> list[WriteOutcome]:
    """Apply ``writes`` in one transaction, run again after a lost race; see the module.
    ``channel`` is the schema's ``NOTIFY`` channel, ``committed`` is called after the commit
    (as the writer calls it: it wakes this process's event relay)."""
    ids = sorted(distinct_ids(writes))
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with pool.acquire() as conn:
                async with conn.transaction():
                    outcomes = await _apply(conn, writes, ids, channel)
                if any(isinstance(outcome, Event) for outcome in outcomes):
                    committed()
                return outcomes
        except (asyncpg.UniqueViolationError, *_RETRY_BATCH) as exc:
            if attempt == _ATTEMPTS:
                raise
            log.info("bulk write of %d run again after: %s", len(writes), exc)
        except _CONNECTION_ERRORS as exc:
            raise _failure(exc) from exc
    raise AssertionError("unreachable")


async def _apply(
    conn: Connection, writes: Sequence[tuple[str, Decide]], ids: list[str], channel: str
) -> list[WriteOutcome]:
    rows = await conn.fetch(
        SELECT_THING + " WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", ids
    )
    current = {row[0]: thing_record(row) for row in rows}
    outcomes: list[WriteOutcome | None] = [None] * len(writes)
    decided = decide_all(writes, current, outcomes, check=_check_storable)
    owners = {
        row[0]: row[1]
        for row in await conn.fetch(
            "SELECT alias, thing_id FROM aliases WHERE alias = ANY($1::text[])",
            wanted_aliases(decided),
        )
    }
    planned = claim_in_order(decided, current, owners, outcomes)
    deletes, updates, renames, creates = [], [], [], []
    for item in planned:
        record, before = item.mutation.record, item.current
        if record is None:
            if before is not None:
                deletes.append(item)
        elif before is None:
            creates.append(item)
        elif before.aliases == record.aliases:
            updates.append(item)
        else:
            renames.append(item)
    failed: set[int] = set()
    if deletes:
        await conn.executemany(_DELETE, [(item.thing_id,) for item in deletes])
    for item in renames:  # rare: a thing's identifiers change
        failed |= await _rename(conn, item, outcomes)
    if updates:
        await conn.executemany(_UPDATE, [_columns(_record(item)) for item in updates])
    if creates:
        failed |= await _create(conn, creates, outcomes)
    done = [item for item in planned if item.index not in failed]
    for item, event in zip(done, await _log_events(conn, done, channel), strict=True):
        outcomes[item.index] = event
    return [outcome if outcome is not None else RuntimeError("not written") for outcome in outcomes]


def _record(item: Planned) -> ThingRecord:
    record = item.mutation.record
    assert record is not None
    return record


async def _rename(conn: Connection, item: Planned, outcomes: list[WriteOutcome | None]) -> set[int]:
    record = _record(item)
    await conn.execute("SAVEPOINT a")
    try:
        await conn.execute(_UPDATE, *_columns(record))
        await _claim_aliases(conn, record, replacing=True)
    except Conflict as exc:
        await conn.execute("ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a")
        outcomes[item.index] = exc
        return {item.index}
    await conn.execute("RELEASE SAVEPOINT a")
    return set()


async def _create(
    conn: Connection, creates: list[Planned], outcomes: list[WriteOutcome | None]
) -> set[int]:
    """COPY the new rows, claim their identifiers; undo the creates that lost one."""
    records = [_record(item) for item in creates]
    await conn.copy_records_to_table(
        "things",
        columns=_COPY_COLUMNS,
        records=[_copy_row(r) for r in records],
    )
    classes = [(c, r.id) for r in records for c in r.classes]
    if classes:  # the SAREF class index rows, as a single write adds them
        await conn.execute(
            "INSERT INTO thing_classes (class, thing_id) "
            "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            [c[0] for c in classes],
            [c[1] for c in classes],
        )
    claims = [(a.value, r.id, a.scheme) for r in records for a in r.aliases]
    claimed = {
        row[0]
        for row in await conn.fetch(
            "INSERT INTO aliases (alias, thing_id, scheme) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) "
            "ON CONFLICT (alias) DO NOTHING RETURNING alias",
            [c[0] for c in claims],
            [c[1] for c in claims],
            [c[2] for c in claims],
        )
    }
    bound = await _bind_credentials(
        conn,
        [
            credential
            for item, record in zip(creates, records, strict=True)
            if all(a.value in claimed for a in record.aliases)
            for credential in item.mutation.credentials
        ],
    )
    failed: set[int] = set()
    for item, record in zip(creates, records, strict=True):
        taken = [a.value for a in record.aliases if a.value not in claimed]
        if taken:
            outcomes[item.index] = Conflict(
                f"the identifier {taken[0]!r} already belongs to another thing"
            )
            failed.add(item.index)
        elif any((c.id, c.thing_id) not in bound for c in item.mutation.credentials):
            outcomes[item.index] = Conflict("this key is already bound to a thing")
            failed.add(item.index)
    if failed:  # rows and claims nobody else can see yet
        await conn.executemany(
            _DELETE, [(item.thing_id,) for item in creates if item.index in failed]
        )
    return failed


def _copy_row(record: ThingRecord) -> tuple[object, ...]:
    """A new thing's row for ``COPY``: the writer's columns, ``doc`` as text (or NULL)."""
    columns = _columns(record)
    return (columns[0], columns[1], record.body.decode() if columns[2] else None, *columns[3:15])


async def _log_events(conn: Connection, done: list[Planned], channel: str) -> list[Event]:
    """Update the counters (last: the row lock orders event ids by commit), COPY the events,
    append the audit entries and notify the other instances."""
    if not done:
        return []
    things = 0
    changed = 0
    for item in done:
        if item.current is None and item.mutation.record is not None:
            things, changed = things + 1, changed + 1
        elif item.current is not None and item.mutation.record is None:
            things, changed = things - 1, changed + 1
    last = await conn.fetchval(
        "UPDATE counters SET events = events + $1, things = things + $2, "
        "version = version + $3 RETURNING events",
        len(done),
        things,
        changed,
    )
    first = last - len(done) + 1
    events = [
        Event(
            first + n,
            item.mutation.event_type,
            item.thing_id,
            item.mutation.diff,
            event_access(item.mutation, item.current),
        )
        for n, item in enumerate(done)
    ]
    await conn.copy_records_to_table(
        "events",
        columns=("id", "type", "thing_id", "diff", "access"),
        records=[(e.id, e.type, e.thing_id, e.diff, e.access.to_json().decode()) for e in events],
    )
    stamp = audit_stamp()
    await append_audit(
        conn, [thing_audit(item.mutation, item.thing_id, item.current, stamp) for item in done]
    )
    await conn.execute("SELECT pg_notify($1, $2)", channel, str(last))
    return events
