"""The writer of the PostgreSQL store: group commit in a few round trips, event ids in order.

Callers queue their ``decide`` functions; one task takes everything queued so far and commits it
as one transaction: one commit, one WAL flush, for the whole batch. The writes of a batch are
concurrent requests, so any order of them is a correct one; the writer takes them in id order
(the order other processes lock rows in too, which avoids deadlocks) and applies them in
*rounds*: the current rows of all the batch's things are read and locked ``FOR UPDATE`` by one
statement, every ``decide`` runs in Python, and the deletes, updates and creates of a round are
each sent as one pipelined statement. A round holds at most one write per thing and no two
creates wanting the same alias; the others wait for the next round and see its results. So a
``decide`` may be called again (in a later round, or when the batch runs again): only the
mutation of its last call, made with the record that is then current, is committed.

A create that cannot claim all its aliases deletes the row it inserted (nobody else can see it
yet) and fails with :class:`Conflict`; ``ON CONFLICT DO NOTHING`` waits for another process's
uncommitted claim of the same alias, so of concurrent claims exactly one wins. Any other failing
statement aborts the transaction: the batch then runs again with each write in a savepoint of
its own, so that only that write fails (and a create meeting a row another process inserted
meanwhile is run again against that row).

Event ids come from the one ``counters`` row, updated once at the end of each batch. The row
lock that update takes is held until ``COMMIT``, so another transaction gets its ids only after
this one committed: ids increase in commit order, and whoever reads event *n* can already see
every event before it, which replay after ``Last-Event-ID`` relies on. A sequence would not do:
its numbers are handed out when asked for, and a transaction holding a smaller one may commit
after a reader has seen a larger one and moved past it. Taking the lock last keeps the time it
is held, and so the serial part of concurrent writers, to two statements and the commit. The
statement that logs the events also sends ``NOTIFY`` on the schema's channel, delivered to the
other processes at commit (``postgres_shared.py``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from thingreg.core.errors import BadRequest, Conflict, StoreUnavailable
from thingreg.store.base import (
    Access,
    AuditEntry,
    Credential,
    Decide,
    Event,
    EventType,
    Mutation,
    ThingRecord,
    audit_stamp,
    event_access,
    settle,
    thing_audit,
)
from thingreg.store.postgres_audit import append_audit
from thingreg.store.postgres_errors import CONNECTION_LOST
from thingreg.store.postgres_rows import CREDENTIAL_FIELDS, SELECT_THING, Connection, thing_record

log = logging.getLogger(__name__)

# `doc` is NULL for a body with a \u0000 escape: jsonb cannot hold that character ($3 says so).
_INSERT_THING = (
    "INSERT INTO things (id, body, doc, title, types, created, modified, expires, ttl, "
    "anonymous, aliases, owner, visibility, shared, hidden) "
    "VALUES ($1, $2, CASE WHEN $3 THEN convert_from($2, 'UTF8')::jsonb END, "
    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
)
# The thing's SAREF class index rows ($16): added with it, replaced with it, deleted with it.
_ADD_CLASSES = (
    "INSERT INTO thing_classes (class, thing_id) SELECT unnest($16::text[]), $1 "
    "ON CONFLICT DO NOTHING"
)
_INSERT = f"WITH classes AS ({_ADD_CLASSES}) {_INSERT_THING}"
_UPDATE = (
    "WITH gone_classes AS (DELETE FROM thing_classes WHERE thing_id = $1 "  # noqa: S608 (constant)
    f"AND class <> ALL($16::text[])), classes AS ({_ADD_CLASSES}) "
    "UPDATE things SET body = $2, doc = CASE WHEN $3 THEN convert_from($2, 'UTF8')::jsonb END, "
    "title = $4, types = $5, created = $6, modified = $7, expires = $8, ttl = $9, "
    "anonymous = $10, aliases = $11, owner = $12, visibility = $13, shared = $14, hidden = $15 "
    "WHERE id = $1"
)
_DELETE = (
    "WITH gone_aliases AS (DELETE FROM aliases WHERE thing_id = $1), "
    "gone_credentials AS (DELETE FROM credentials WHERE thing_id = $1), "
    "gone_mqtt AS (DELETE FROM mqtt_accounts WHERE thing_id = $1), "
    "gone_classes AS (DELETE FROM thing_classes WHERE thing_id = $1) "
    "DELETE FROM things WHERE id = $1"
)
_CLAIM_ALIASES = (
    "INSERT INTO aliases (alias, thing_id, scheme) "
    "SELECT alias, $2, scheme FROM unnest($1::text[], $3::text[]) AS claimed (alias, scheme) "
    "ON CONFLICT (alias) DO NOTHING RETURNING alias"
)
# A create in one statement: the row and its classes (a CTE runs whether read or not), then
# its aliases.
_CREATE = (
    f"WITH thing AS ({_INSERT_THING}), classes AS ({_ADD_CLASSES}) "  # noqa: S608 (constant)
    "INSERT INTO aliases (alias, thing_id, scheme) "
    "SELECT alias, $1, scheme FROM unnest($17::text[], $18::text[]) AS claimed (alias, scheme) "
    "ON CONFLICT (alias) DO NOTHING RETURNING alias"
)
# The credentials of new things (devices an enrollment group registers), all in one statement;
# a key bound already is skipped, and the create that wanted it fails.
_BIND_CREDENTIALS = (
    f"INSERT INTO credentials ({', '.join(CREDENTIAL_FIELDS)}) "  # noqa: S608 (constant)
    "SELECT * FROM unnest("
    + ", ".join(
        f"${n}::{'bytea' if name in ('public_key', 'certificate') else 'text'}[]"
        for n, name in enumerate(CREDENTIAL_FIELDS, 1)
    )
    + ") ON CONFLICT DO NOTHING RETURNING id, thing_id"
)
_MAX_BATCH = 512
_DEADLOCK_ATTEMPTS = 5
_WRITE_ATTEMPTS = 3
_NUL_ESCAPE = b"\\u0000"
_CONNECTION_ERRORS: tuple[type[Exception], ...] = (OSError, *CONNECTION_LOST)
_RETRY_BATCH = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


@dataclass(frozen=True, slots=True)
class _Applied:
    """A write done inside the batch transaction, waiting for its event id."""

    thing_id: str
    type: EventType
    diff: bytes | None
    things: int
    """How the number of things changed: -1, 0 or +1."""
    access: Access
    audit: AuditEntry


@dataclass
class _PendingWrite:
    thing_id: str
    decide: Decide
    future: asyncio.Future[Event]
    applied: _Applied | None = None
    outcome: Event | BaseException | None = field(default=None)
    current: ThingRecord | None = None
    """The record its ``decide`` was last called with."""

    def done(self, mutation: Mutation, things: int) -> None:
        self.applied = _Applied(
            self.thing_id,
            mutation.event_type,
            mutation.diff,
            things,
            event_access(mutation, self.current),
            thing_audit(mutation, self.thing_id, self.current, audit_stamp()),
        )


@dataclass
class _Round:
    """The writes of one round, by kind, each with the mutation its ``decide`` returned."""

    deletes: list[tuple[_PendingWrite, Mutation]] = field(default_factory=list)
    renames: list[tuple[_PendingWrite, ThingRecord]] = field(default_factory=list)
    updates: list[tuple[_PendingWrite, ThingRecord]] = field(default_factory=list)
    creates: list[tuple[_PendingWrite, ThingRecord]] = field(default_factory=list)
    mutations: dict[str, Mutation] = field(default_factory=dict)


class Writer:
    """Commits the writes of one store, batch by batch, on connections of its pool.

    It starts its task when made (by :meth:`PostgresStore.open`); :meth:`close` stops it.
    """

    def __init__(
        self, pool: asyncpg.Pool[asyncpg.Record], channel: str, committed: Callable[[], None]
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._committed = committed
        self._queue: asyncio.Queue[_PendingWrite] = asyncio.Queue()
        self._task = asyncio.create_task(self._write_loop(), name="postgres-writer")

    async def write(self, thing_id: str, decide: Decide) -> Event:
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        await self._queue.put(_PendingWrite(thing_id, decide, future))
        return await future

    async def close(self) -> None:
        """Finish the queued writes, then stop."""
        await self._queue.join()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < _MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit_retrying(sorted(batch, key=lambda item: item.thing_id))
            except BaseException as exc:  # the whole transaction failed: fail every write in it
                failure = _failure(exc)
                for item in batch:
                    item.outcome = failure
                if not isinstance(exc, Exception):
                    raise
            finally:
                for item in batch:
                    settle(item.future, item.outcome)
                    self._queue.task_done()

    async def _commit_retrying(self, batch: list[_PendingWrite]) -> None:
        """Commit the batch, running it again when that is what a failure asks for.

        After a failing statement it runs isolated (a savepoint per write). A deadlock needs
        writers in two processes locking rows in opposite orders: rolling the whole transaction
        back lets the other one finish first.
        """
        isolated = False
        deadlocks = 0
        while True:
            try:
                async with self._pool.acquire() as conn:
                    try:
                        await self._commit_batch(conn, batch, isolated=isolated)
                    except _CONNECTION_ERRORS:
                        # Never hand a connection that broke mid-protocol back to the pool: the
                        # pool's reset (a no-op, see the store) would keep it, and the next
                        # user would fail with "another operation is in progress".
                        conn.terminate()
                        raise
                return
            except _Isolate as isolate:
                log.debug("write batch of %d run again, isolated: %s", len(batch), isolate)
                isolated = True
            except _RETRY_BATCH as exc:
                deadlocks += 1
                if deadlocks == _DEADLOCK_ATTEMPTS:
                    raise
                log.info("write batch of %d run again after: %s", len(batch), exc)
                await asyncio.sleep(random.uniform(0, 0.01 * deadlocks))

    async def _commit_batch(
        self, conn: Connection, batch: list[_PendingWrite], *, isolated: bool
    ) -> None:
        async with conn.transaction():
            for item in batch:
                item.applied, item.outcome = None, None
            if isolated:
                await conn.execute("SAVEPOINT w")
                for item in batch:
                    try:
                        await _apply_isolated(conn, item)
                    except _RETRY_BATCH:
                        raise
                    except Exception as exc:
                        item.outcome = exc
            else:
                await _apply_grouped(conn, batch)
            applied = [item for item in batch if item.applied is not None]
            if not applied:
                return
            changes = [item.applied for item in applied if item.applied is not None]
            # Taken last and held until COMMIT: event ids increase in commit order.
            last = await conn.fetchval(
                "UPDATE counters SET events = events + $1, things = things + $2, "
                "version = version + $3 RETURNING events",
                len(changes),
                sum(change.things for change in changes),
                sum(1 for change in changes if change.things),
            )
            ids = list(range(last - len(changes) + 1, last + 1))
            await conn.execute(
                "WITH logged AS (INSERT INTO events (id, type, thing_id, diff, access) "
                "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[], "
                "$5::text[])) SELECT pg_notify($6, $7)",
                ids,
                [change.type for change in changes],
                [change.thing_id for change in changes],
                [change.diff for change in changes],
                [change.access.to_json().decode() for change in changes],
                self._channel,
                str(last),
            )
            await append_audit(conn, [change.audit for change in changes])
        self._committed()
        for item, change, event_id in zip(applied, changes, ids, strict=True):
            item.outcome = Event(event_id, change.type, change.thing_id, change.diff, change.access)


class _Isolate(Exception):
    """A statement failed in a batch without savepoints: run the batch again with them."""


def _failure(exc: BaseException) -> Exception:
    """What the writes of a failed transaction fail with: 503 when the database is gone."""
    if isinstance(exc, _CONNECTION_ERRORS):
        return StoreUnavailable(f"lost the connection to PostgreSQL: {exc}")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


async def _apply_grouped(conn: Connection, batch: list[_PendingWrite]) -> None:
    """Apply the batch (in id order) round by round; see the module's docstring."""
    rows = await conn.fetch(
        SELECT_THING + " WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
        sorted({item.thing_id for item in batch}),
    )
    records: dict[str, ThingRecord | None] = {row[0]: thing_record(row) for row in rows}
    waiting = batch
    while waiting:
        todo, waiting = _plan_round(waiting, records)
        try:
            await _apply_round(conn, todo)
        except _RETRY_BATCH:
            raise
        except asyncpg.PostgresError as exc:
            raise _Isolate(str(exc)) from exc
        for thing_id, mutation in todo.mutations.items():
            records[thing_id] = mutation.record


def _plan_round(
    writes: list[_PendingWrite], records: dict[str, ThingRecord | None]
) -> tuple[_Round, list[_PendingWrite]]:
    """Run the ``decide`` of each write that fits in this round; return it and the rest."""
    todo = _Round()
    later: list[_PendingWrite] = []
    things: set[str] = set()
    claimed: set[str] = set()
    for item in writes:
        if item.thing_id in things:  # an earlier write to it goes first
            later.append(item)
            continue
        things.add(item.thing_id)
        current = records.get(item.thing_id)
        item.current = current
        try:
            mutation = item.decide(current)
            if mutation.record is not None:
                _check_storable(mutation.record)
        except Exception as exc:
            item.outcome = exc
            continue
        record = mutation.record
        if record is None:
            if current is None:
                item.done(mutation, 0)
            else:
                todo.deletes.append((item, mutation))
                todo.mutations[item.thing_id] = mutation
            continue
        if current is None:
            wanted = set(_wanted(record))
            if wanted & claimed:  # another create of this round wants one of its aliases
                later.append(item)
                continue
            claimed |= wanted
            todo.creates.append((item, record))
        elif current.aliases == record.aliases:
            todo.updates.append((item, record))
        else:
            todo.renames.append((item, record))
        todo.mutations[item.thing_id] = mutation
    return todo, later


async def _apply_round(conn: Connection, todo: _Round) -> None:
    """Deletes, then renames, updates and creates: each kind in one pipelined statement."""
    if todo.deletes:
        await conn.executemany(_DELETE, [(item.thing_id,) for item, _ in todo.deletes])
        for item, mutation in todo.deletes:
            item.done(mutation, -1)
    for item, record in todo.renames:  # rare: a thing's identifiers change
        await conn.execute("SAVEPOINT a")
        try:
            await conn.execute(_UPDATE, *_columns(record))
            await _claim_aliases(conn, record, replacing=True)
        except Conflict as exc:
            await conn.execute("ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a")
            item.outcome = exc
            del todo.mutations[item.thing_id]
            continue
        await conn.execute("RELEASE SAVEPOINT a")
        item.done(todo.mutations[item.thing_id], 0)
    if todo.updates:
        await conn.executemany(_UPDATE, [_columns(record) for _, record in todo.updates])
        for item, _ in todo.updates:
            item.done(todo.mutations[item.thing_id], 0)
    if todo.creates:
        await _create(conn, todo)


async def _create(conn: Connection, todo: _Round) -> None:
    """Insert the round's new things; undo those that could not claim every alias."""
    args = []
    for _, record in todo.creates:
        wanted = _wanted(record)
        args.append((*_columns(record), list(wanted), list(wanted.values())))
    # No two creates of a round want the same alias: what was not claimed belongs to others.
    claimed = {row[0] for row in await conn.fetchmany(_CREATE, args)}
    wanted_credentials = [
        credential
        for item, record in todo.creates
        if not any(value not in claimed for value in _wanted(record))
        for credential in todo.mutations[item.thing_id].credentials
    ]
    bound = await _bind_credentials(conn, wanted_credentials)
    refused = []
    for item, record in todo.creates:
        taken = [value for value in _wanted(record) if value not in claimed]
        mutation = todo.mutations[item.thing_id]
        if taken:
            item.outcome = Conflict(f"the identifier {taken[0]!r} already belongs to another thing")
        elif any((c.id, c.thing_id) not in bound for c in mutation.credentials):
            item.outcome = Conflict("this key is already bound to a thing")
        else:
            item.done(mutation, 1)
            continue
        del todo.mutations[item.thing_id]
        refused.append((item.thing_id,))
    if refused:  # the rows and aliases these creates added: nobody else can see them yet
        await conn.executemany(_DELETE, refused)


async def _apply_isolated(conn: Connection, item: _PendingWrite) -> None:
    """One write in savepoint ``w``: released on success, rolled back to on failure.

    A create that meets a row another process inserted meanwhile is run again, now seeing
    that row as the current record.
    """
    for attempt in range(1, _WRITE_ATTEMPTS + 1):
        try:
            row = await conn.fetchrow(SELECT_THING + " WHERE id = $1 FOR UPDATE", item.thing_id)
            current = None if row is None else thing_record(row)
            item.current = current
            mutation = item.decide(current)
            record = mutation.record
            if record is None:
                if current is not None:
                    await conn.execute(_DELETE, item.thing_id)
                things = 0 if current is None else -1
            else:
                _check_storable(record)
                if current is None:
                    await _insert(conn, record)
                else:
                    await conn.execute(_UPDATE, *_columns(record))
                if current is None or current.aliases != record.aliases:
                    await _claim_aliases(conn, record, replacing=current is not None)
                if current is None and mutation.credentials:
                    bound = await _bind_credentials(conn, list(mutation.credentials))
                    if len(bound) < len(mutation.credentials):
                        raise Conflict("this key is already bound to a thing")
                things = 1 if current is None else 0
        except _CreatedMeanwhile as exc:
            await conn.execute("ROLLBACK TO SAVEPOINT w")
            if attempt < _WRITE_ATTEMPTS:
                log.debug("%s was created meanwhile: write run again", item.thing_id)
                continue
            raise exc.__cause__ or exc from None
        except Exception:
            await conn.execute("ROLLBACK TO SAVEPOINT w")
            raise
        await conn.execute("RELEASE SAVEPOINT w; SAVEPOINT w")
        item.done(mutation, things)
        return


async def _bind_credentials(
    conn: Connection, credentials: list[Credential]
) -> set[tuple[str, str]]:
    """Insert the credentials of new things; (id, thing id) of those inserted (a key bound
    already, or wanted twice in the list, is inserted once at most)."""
    if not credentials:
        return set()
    columns = [[getattr(c, name) for c in credentials] for name in CREDENTIAL_FIELDS]
    return {(row[0], row[1]) for row in await conn.fetch(_BIND_CREDENTIALS, *columns)}


class _CreatedMeanwhile(Exception):
    """Another process inserted the thing between this write's read and its insert."""


async def _insert(conn: Connection, record: ThingRecord) -> None:
    """Insert a new thing's row. The id is the table's only unique key, so a unique violation
    means the row exists now (checked by the statement, not the constraint's name: in a
    partitioned table the name is that of a partition's index, docs/partitioning.sql)."""
    try:
        await conn.execute(_INSERT, *_columns(record))
    except asyncpg.UniqueViolationError as exc:
        raise _CreatedMeanwhile(record.id) from exc


def _check_storable(record: ThingRecord) -> None:
    """PostgreSQL text cannot hold U+0000; refuse such a record before it aborts the batch."""
    texts = (
        record.id,
        record.title,
        *record.types,
        *(a.value for a in record.aliases),
        *record.access.shared,
        *record.access.hidden,
    )
    if any("\x00" in text for text in texts):
        raise BadRequest(
            "the database cannot store the character U+0000 in an id, title, @type or identifier"
        )


def _columns(record: ThingRecord) -> tuple[Any, ...]:
    """The values of ``_INSERT`` and ``_UPDATE`` (``$1`` to ``$16``), in their order."""
    return (
        record.id,
        record.body,
        _NUL_ESCAPE not in record.body,
        record.title,
        list(record.types),
        record.created,
        record.modified,
        record.expires,
        record.ttl,
        record.anonymous,
        orjson.dumps([(a.value, a.scheme) for a in record.aliases]).decode(),
        record.access.owner,
        record.access.visibility,
        list(record.access.shared),
        list(record.access.hidden),
        list(record.classes),
    )


def _wanted(record: ThingRecord) -> dict[str, str]:
    """The record's aliases, value to scheme, each once."""
    return {alias.value: alias.scheme for alias in record.aliases}


async def _claim_aliases(conn: Connection, record: ThingRecord, *, replacing: bool) -> None:
    """Make the record's aliases point at it; :class:`Conflict` if another thing has one."""
    if replacing:
        await conn.execute("DELETE FROM aliases WHERE thing_id = $1", record.id)
    wanted = _wanted(record)
    if wanted:
        claimed = await conn.fetch(_CLAIM_ALIASES, list(wanted), record.id, list(wanted.values()))
        got = {row[0] for row in claimed}
        taken = [value for value in wanted if value not in got]
        if taken:
            raise Conflict(f"the identifier {taken[0]!r} already belongs to another thing")
