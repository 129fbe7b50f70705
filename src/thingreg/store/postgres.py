"""The PostgreSQL store, for deployments that outgrow one embedded SQLite file.

Connections come from one asyncpg pool. Reads are single statements on any pooled connection;
writes go through the store's :class:`~thingreg.store.postgres_writer.Writer` (group commit,
event ids in commit order); credentials and keys are in ``postgres_credentials.py``. At start,
the numbered migrations of ``migrations/postgres`` are applied in one transaction under an
advisory lock, so processes starting together migrate once.

A TD is kept twice: ``body`` (bytea) holds the exact compact JSON an enriched TD is spliced
from, and ``doc`` (jsonb) the same document for queries evaluated in the database. Ids, titles
and every other compared string use the "C" collation: code-point order, as in SQLite.
"""

from __future__ import annotations

import contextlib
import logging
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

import asyncpg

from thingreg.core.errors import StoreUnavailable
from thingreg.core.search.predicate import Unsupported
from thingreg.store.base import (
    Access,
    Decide,
    Delegation,
    Event,
    Stats,
    ThingFilter,
    ThingRecord,
    WriteOutcome,
    growth_limit,
    keyset_chunks,
    like_pattern,
)
from thingreg.store.migrations import pending
from thingreg.store.postgres_bulk import commit_many
from thingreg.store.postgres_enrollment import EnrollmentTables
from thingreg.store.postgres_mqtt import MqttTables
from thingreg.store.postgres_owners import OwnerTables
from thingreg.store.postgres_predicate import predicate_sql
from thingreg.store.postgres_rows import SELECT_THING, THING_FIELDS, Connection, thing_record
from thingreg.store.postgres_shared import EVENT_POLL, Wakeups, channel_for, maintenance_lock
from thingreg.store.postgres_stats import read_stats
from thingreg.store.postgres_writer import Writer

log = logging.getLogger(__name__)

_SESSION = {"jit": "off"}
"""Short statements only: JIT compiling a generic plan whose estimated cost is high (a paged
class listing, bound LIMIT unknown to the plan) took 7 ms to 300 ms, for queries that run in 1."""
_POOL_SIZE = 20  # measured: 32 concurrent GETs queue for connections with 10 (p99 x2)


def _storable(values: frozenset[str]) -> list[str]:
    """Filter values that can be stored at all: PostgreSQL text cannot hold U+0000."""
    return sorted(v for v in values if "\x00" not in v)


_UPPER = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"
_LOWER = "'abcdefghijklmnopqrstuvwxyz'"

# Each class index entry, in order, joined to its thing by one primary key lookup. OFFSET 0
# keeps the subquery from being merged into a plain join, which the planner turns into a merge
# join walking the whole things table (seconds when the class is rare and the plan generic).
_JOIN_THING = (
    "CROSS JOIN LATERAL (SELECT "  # noqa: S608 (constant)
    + ", ".join(THING_FIELDS)
    + " FROM things WHERE things.id = k.thing_id OFFSET 0) AS things"
)
_BY_CLASS = f"thing_classes AS k {_JOIN_THING}"


def _driver(where: ThingFilter | None) -> frozenset[str] | None:
    """The SAREF class condition that drives a query: the first naming one class, if any.

    The class index holds a class's things in id order, so a page of them is one range of its
    primary key, joined to ``things`` row by row.
    """
    if where is None:
        return None
    if where.ids is not None or where.titles is not None or where.aliases is not None:
        return None  # a few index lookups: those drive the query better
    if where.match is not None:
        # A pushed-down predicate reads `doc`, which the class join does not carry; and a
        # search reads past its first chunk through one cursor over `things`.
        return None
    return next((c for c in where.classes if len(c) == 1 and "\x00" not in min(c)), None)


def _source(where: ThingFilter | None) -> tuple[str, str]:
    """The rows a filtered query reads, and the column they are in id order by."""
    return (_BY_CLASS, "k.thing_id") if _driver(where) is not None else ("things", "id")


def _where(where: ThingFilter | None, params: list[Any]) -> list[str]:
    """SQL conditions for a filter; values are appended to ``params`` and bound as ``$n``."""

    def bind(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    clauses: list[str] = []
    if where is None:
        return clauses
    driver = _driver(where)
    if where.ids is not None:
        clauses.append(f"id = ANY({bind(_storable(where.ids))}::text[])")
    if where.titles is not None:
        clauses.append(f"title = ANY({bind(_storable(where.titles))}::text[])")
    if where.types is not None:
        clauses.append(f"types && {bind(_storable(where.types))}::text[]")
    for classes in where.classes:
        if classes is driver:
            clauses.append(f"k.class = {bind(next(iter(classes)))}")
        else:
            clauses.append(
                "EXISTS (SELECT 1 FROM thing_classes WHERE thing_id = things.id AND class = "  # noqa: S608
                f"ANY({bind(_storable(classes))}::text[]))"
            )
    for text in sorted(where.texts):
        clauses.append(f"position({bind(text.encode())}::bytea IN body) > 0")
    for word in sorted(where.words):
        # ASCII letters folded as SQLite's LIKE does, so both backends find the same things.
        pattern = bind(like_pattern(word))
        clauses.append(
            f"(translate(title, {_UPPER}, {_LOWER}) LIKE {pattern} "
            f"OR translate(id, {_UPPER}, {_LOWER}) LIKE {pattern})"
        )
    for column, values in (("scheme", where.schemes), ("alias", where.aliases)):
        if values is not None:
            clauses.append(
                f"id IN (SELECT thing_id FROM aliases WHERE {column} = "  # noqa: S608 (constant)
                f"ANY({bind(_storable(values))}::text[]))"
            )
    if where.audience is not None:
        if where.audience.owner is None:
            clauses.append("visibility = 'public'")
        else:
            me = bind(where.audience.owner.replace("\x00", ""))
            clauses.append(
                f"(visibility = 'public' OR owner = {me} OR "
                f"(visibility = 'shared' AND shared @> ARRAY[{me}]::text[]))"
            )
    if where.match is not None:
        rendered: list[Any] = []

        def bind_later(value: Any) -> str:
            rendered.append(value)
            return f"${len(params) + len(rendered)}"

        try:
            condition = predicate_sql(where.match, bind_later)
            if where.audience is not None:
                # A thing with hidden members is judged only in Python, on the TD without them.
                condition = f"({condition} OR cardinality(hidden) > 0)"
            clauses.append(condition)
            params.extend(rendered)
        except Unsupported as exc:  # the search is still exact, only slower
            log.debug("search predicate not pushed down: %s", exc)
    return clauses


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


async def _keep_session(connection: Connection) -> None:
    """Pool reset: nothing to undo, so save the round trip of asyncpg's ``RESET ALL`` query.

    The store sets no session state on pooled connections (``LISTEN`` and the maintenance lock
    have connections of their own); an open transaction is still rolled back by the pool
    itself. Settings from the URL survive either way.
    """


class PostgresStore(OwnerTables, EnrollmentTables, MqttTables):
    """PostgreSQL implementation of :class:`thingreg.store.base.Store`."""

    def __init__(self, url: str, *, event_poll: float = EVENT_POLL) -> None:
        super().__init__()
        self.url = url
        self.event_poll = event_poll
        self._writer: Writer | None = None
        self._schema = ""
        self._wakeups = Wakeups()

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=2,
                max_size=_POOL_SIZE,
                timeout=10,
                reset=_keep_session,
                server_settings=_SESSION,
            )
        except (OSError, asyncpg.PostgresError) as exc:  # TimeoutError is an OSError
            raise StoreUnavailable(
                f"cannot connect to PostgreSQL at {_redacted(self.url)}: {exc}"
            ) from exc
        try:
            await self._migrate()
        except BaseException:
            await self._pool.close()
            self._pool = None
            raise
        self._writer = Writer(self._pool, channel_for(self._schema), self._wakeups.raise_all)

    async def _migrate(self) -> None:
        """Apply pending migrations in one transaction, one process at a time."""
        async with self._db().acquire() as conn, conn.transaction():
            schema = await conn.fetchval("SELECT current_schema()")
            if schema is None:
                raise StoreUnavailable(
                    "no schema to create thingreg's tables in: the search_path names none that "
                    "exists (create it, or choose one with ?search_path=NAME in the URL)"
                )
            self._schema = schema
            # Transaction-level lock, keyed by schema: released by COMMIT whatever happens.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('thingreg migrations ' || $1, 0))",
                schema,
            )
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"
            )
            current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
            for migration in pending("postgres", current):
                log.info("applying migration %s to schema %s", migration.name, schema)
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    # -- reads -----------------------------------------------------------------------------

    async def get(self, thing_id: str) -> ThingRecord | None:
        if "\x00" in thing_id:
            return None
        row = await self._db().fetchrow(SELECT_THING + " WHERE id = $1", thing_id)
        return None if row is None else thing_record(row)

    async def count(self, where: ThingFilter | None = None, *, limit: int | None = None) -> int:
        params: list[Any] = []
        conditions = _where(where, params)
        if not conditions:
            total = int(await self._db().fetchval("SELECT things FROM counters"))
            return total if limit is None else min(total, limit)
        source, _ = _source(where)
        if source == _BY_CLASS and len(conditions) == 1:  # the class index counts it alone
            source = "thing_classes AS k"
        rows = f"SELECT 1 FROM {source} WHERE {' AND '.join(conditions)}"  # noqa: S608
        if limit is not None:
            params.append(limit)
            rows += f" LIMIT ${len(params)}"
        sql = f"SELECT count(*) FROM ({rows}) AS matching"  # noqa: S608 (constant)
        return int(await self._db().fetchval(sql, *params))

    async def scan(
        self,
        *,
        offset: int = 0,
        limit: int | None = None,
        where: ThingFilter | None = None,
        chunk_size: int = 500,
    ) -> AsyncIterator[Sequence[ThingRecord]]:
        search = where is not None and where.match is not None and not offset and limit is None

        source, key = _source(where)
        fields = ", ".join(THING_FIELDS)
        select = f"SELECT {fields} FROM {source}"  # noqa: S608 (constant)
        # One class alone: the page is cut from the class index before any thing is read, so
        # skipping rows (offset) costs index entries, not row lookups.
        class_only = source == _BY_CLASS and len(_where(where, [])) == 1

        async def read(after: str | None, size: int, offset: int) -> list[ThingRecord]:
            params: list[Any] = []
            clauses = _where(where, params)
            if after is not None:
                params.append(after)
                clauses.append(f"{key} > ${len(params)}")
            params.extend((size, offset))
            page = f"LIMIT ${len(params) - 1} OFFSET ${len(params)}"
            condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
            # Only constant SQL and $n placeholders are interpolated; values are bound. The id
            # columns' collation is "C", so this is code-point order, served by a primary key.
            sql = f"{select} {condition} ORDER BY {key} {page}"
            if class_only:
                inner = f"SELECT thing_id FROM thing_classes AS k {condition} ORDER BY {key} {page}"  # noqa: S608
                sql = f"SELECT {fields} FROM ({inner}) AS k {_JOIN_THING} ORDER BY {key}"  # noqa: S608
            return [thing_record(row) for row in await self._db().fetch(sql, *params)]

        if search:  # one statement for a selective search; a cursor past the first chunk
            assert where is not None
            first = await read(None, chunk_size, 0)
            if first:
                yield first
            if len(first) == chunk_size:
                async for rows in self._search_cursor(where, chunk_size, first[-1].id):
                    yield rows
            return
        async for rows in keyset_chunks(
            read,
            offset=offset,
            limit=limit,
            chunk_size=chunk_size,
            max_chunk_size=growth_limit(where, chunk_size),
        ):
            yield rows

    async def _search_cursor(
        self, where: ThingFilter, chunk_size: int, after: str
    ) -> AsyncIterator[Sequence[ThingRecord]]:
        """The rest of a search filtered in the database (past its first, full, chunk), as ONE
        statement read through a cursor.

        Keyset chunks would re-run the filter for every chunk: answered from the GIN index (a
        bitmap of every match, rechecked, then sorted), each chunk costs the whole match set.
        The cursor holds a pooled connection and a snapshot while the results stream.
        """
        params: list[Any] = []
        clauses = _where(where, params)
        params.append(after)
        clauses.append(f"id > ${len(params)}")
        sql = f"{SELECT_THING} WHERE {' AND '.join(clauses)} ORDER BY id"  # constant SQL, $n
        async with self._db().acquire() as conn, conn.transaction(readonly=True):
            cursor = await conn.cursor(sql, *params)
            while rows := await cursor.fetch(chunk_size):
                yield [thing_record(row) for row in rows]

    async def find_alias(self, value: str) -> str | None:
        if "\x00" in value:
            return None
        found = await self._db().fetchval("SELECT thing_id FROM aliases WHERE alias = $1", value)
        return None if found is None else str(found)

    async def collection_version(self) -> int:
        return int(await self._db().fetchval("SELECT version FROM counters"))

    async def events_after(self, event_id: int, limit: int) -> list[Event]:
        rows = await self._db().fetch(
            "SELECT id, type, thing_id, diff, access FROM events WHERE id > $1 ORDER BY id "
            "LIMIT $2",
            event_id,
            limit,
        )
        return [Event(row[0], row[1], row[2], row[3], Access.from_json(row[4])) for row in rows]

    async def last_event_id(self) -> int:
        return int(await self._db().fetchval("SELECT coalesce(max(id), 0) FROM events"))

    async def expired_ids(self, now: str, limit: int) -> list[str]:
        rows = await self._db().fetch(
            "SELECT id FROM things WHERE expires IS NOT NULL AND expires < $1 ORDER BY expires "
            "LIMIT $2",
            now,
            limit,
        )
        return [row[0] for row in rows]

    # -- delegations -----------------------------------------------------------------------

    async def delegations(self) -> list[Delegation]:
        rows = await self._db().fetch(
            "SELECT prefix, peer, note, created FROM delegations ORDER BY prefix"
        )
        return [Delegation(*row) for row in rows]

    async def put_delegation(self, delegation: Delegation) -> bool:
        db = self._db()
        while True:  # until one of the two statements finds the row as it expects
            inserted = await db.fetchval(
                "INSERT INTO delegations (prefix, peer, note, created) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (prefix) DO NOTHING RETURNING true",
                delegation.prefix,
                delegation.peer,
                delegation.note,
                delegation.created,
            )
            if inserted:
                return True
            status = await db.execute(
                "UPDATE delegations SET peer = $2, note = $3 WHERE prefix = $1",
                delegation.prefix,
                delegation.peer,
                delegation.note,
            )
            if status != "UPDATE 0":
                return False

    async def delete_delegation(self, prefix: str) -> bool:
        status = await self._db().execute("DELETE FROM delegations WHERE prefix = $1", prefix)
        return status != "DELETE 0"

    # -- writes ----------------------------------------------------------------------------

    async def write(self, thing_id: str, decide: Decide) -> Event:
        if self._writer is None:
            raise RuntimeError("store is not open")
        return await self._writer.write(thing_id, decide)

    async def stats(self, *, since: str, now: str, until: str, top: int) -> Stats:
        return await read_stats(self._db(), since=since, now=now, until=until, top=top)

    async def write_many(self, writes: Sequence[tuple[str, Decide]]) -> list[WriteOutcome]:
        """One transaction on a pooled connection of its own, beside the writer's batches."""
        if self._writer is None:
            raise RuntimeError("store is not open")
        return await commit_many(
            self._db(), writes, channel_for(self._schema), self._wakeups.raise_all
        )

    async def trim_events(self, keep: int) -> None:
        await self._db().execute(
            "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - $1", keep
        )

    # -- several processes (postgres_shared.py) --------------------------------------------

    def event_signals(self) -> AsyncGenerator[None, None]:
        return self._wakeups.listen(self.url, self._schema, self.event_poll)

    def maintenance_lock(self) -> contextlib.AbstractAsyncContextManager[bool]:
        return maintenance_lock(self.url, self._schema)
