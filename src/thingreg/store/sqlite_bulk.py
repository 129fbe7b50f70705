""":meth:`Store.write_many` on SQLite: one transaction, one ``executemany`` per table.

Runs on the store's writer thread, between two group commits of single writes, so SQLite's
one write lock (``BEGIN IMMEDIATE``) makes reading the current rows and identifier owners and
writing the batch one atomic step. Creates, the bulk of any import, are inserted with one
``executemany`` per table (things, ``@type`` index rows, aliases, events); the rarer updates
and deletes reuse the single-write statements, in batch order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

import orjson

from thingreg.store.base import (
    Decide,
    Event,
    ThingRecord,
    WriteOutcome,
    distinct_ids,
)
from thingreg.store.bulk import Planned, claim_in_order, decide_all, wanted_aliases
from thingreg.store.sqlite_rows import SELECT_THINGS, thing_record

Upsert = Callable[[sqlite3.Connection, ThingRecord, ThingRecord | None], None]
Delete = Callable[[sqlite3.Connection, ThingRecord], None]

_CHUNK = 500  # bound parameters per IN (...) list, well below SQLite's limit

_INSERT_THING = (
    "INSERT INTO things (body, title, types, created, modified, expires, ttl, anonymous, "
    "aliases, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def commit_many(
    conn: sqlite3.Connection,
    writes: Sequence[tuple[str, Decide]],
    upsert: Upsert,
    delete: Delete,
) -> list[WriteOutcome]:
    """Apply ``writes`` in one transaction; see :meth:`Store.write_many`."""
    ids = distinct_ids(writes)
    outcomes: list[WriteOutcome | None] = [None] * len(writes)
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = {
            record.id: record
            for chunk in _chunks(ids)
            for record in map(
                thing_record,
                conn.execute(
                    f"{SELECT_THINGS} WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ),
            )
        }
        decided = decide_all(writes, current, outcomes)
        owners: dict[str, str] = {}
        for chunk in _chunks(wanted_aliases(decided)):
            owners.update(
                conn.execute(
                    "SELECT alias, thing_id FROM aliases "  # noqa: S608 (placeholders)
                    f"WHERE alias IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        planned = claim_in_order(decided, current, owners, outcomes)
        creates = []
        for item in planned:
            record = item.mutation.record
            if record is None:
                if item.current is not None:
                    delete(conn, item.current)
            elif item.current is None:
                creates.append(record)
            else:
                upsert(conn, record, item.current)
        if creates:
            _insert(conn, creates)
        for item, event in zip(planned, _log_events(conn, planned), strict=True):
            outcomes[item.index] = event
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return [outcome if outcome is not None else RuntimeError("not written") for outcome in outcomes]


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[start : start + _CHUNK] for start in range(0, len(values), _CHUNK)]


def _insert(conn: sqlite3.Connection, records: list[ThingRecord]) -> None:
    """New things: their rows, ``@type`` rows and aliases (already known to be free)."""
    conn.executemany(
        _INSERT_THING,
        [
            (
                r.body,
                r.title,
                orjson.dumps(r.types).decode(),
                r.created,
                r.modified,
                r.expires,
                r.ttl,
                int(r.anonymous),
                orjson.dumps([(a.value, a.scheme) for a in r.aliases]).decode(),
                r.id,
            )
            for r in records
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO thing_types (type, thing_id) VALUES (?, ?)",
        [(t, r.id) for r in records for t in r.types],
    )
    conn.executemany(
        "INSERT INTO aliases (alias, thing_id, scheme) VALUES (?, ?, ?)",
        [(a.value, r.id, a.scheme) for r in records for a in r.aliases],
    )
    conn.execute(
        "UPDATE counters SET value = value + ? WHERE name IN ('things', 'version')",
        (len(records),),
    )


def _log_events(conn: sqlite3.Connection, planned: list[Planned]) -> list[Event]:
    """One event per write, numbered on from the log's AUTOINCREMENT sequence, in batch order."""
    if not planned:
        return []
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
    first = (row[0] if row else 0) + 1
    events = [
        Event(first + n, item.mutation.event_type, item.thing_id, item.mutation.diff)
        for n, item in enumerate(planned)
    ]
    conn.executemany(
        "INSERT INTO events (id, type, thing_id, diff) VALUES (?, ?, ?, ?)",
        [(e.id, e.type, e.thing_id, e.diff) for e in events],
    )
    return events
