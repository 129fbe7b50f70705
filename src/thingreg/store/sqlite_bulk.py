""":meth:`Store.write_many` on SQLite: one transaction, one ``executemany`` per table.

Runs on the store's writer thread, between two group commits of single writes, so SQLite's
one write lock (``BEGIN IMMEDIATE``) makes reading the current rows and identifier owners and
writing the batch one atomic step. Creates, the bulk of any import, are inserted with one
``executemany`` per table (things, ``@type`` index rows, aliases, shares, events, audit
entries); the rarer updates and deletes reuse the single-write statements, in batch order. As
in the single-write path, a thing's canonical own id is not stored in ``aliases`` (the
``things.scheme`` column says it is one), every write appends an audit entry in the same
transaction, and every event carries the thing's access.
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
    audit_stamp,
    distinct_ids,
    event_access,
    thing_audit,
)
from thingreg.store.bulk import Planned, claim_in_order, decide_all, wanted_aliases
from thingreg.store.sqlite_audit import append_audit
from thingreg.store.sqlite_credentials import insert_credential
from thingreg.store.sqlite_rows import SELECT_THINGS, thing_record

Upsert = Callable[[sqlite3.Connection, ThingRecord, ThingRecord | None], None]
Delete = Callable[[sqlite3.Connection, ThingRecord], None]

_CHUNK = 500  # bound parameters per IN (...) list, well below SQLite's limit

_INSERT_THING = (
    "INSERT INTO things (body, title, types, created, modified, expires, ttl, anonymous, "
    "aliases, scheme, owner, visibility, shared, hidden, id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
            marks = ",".join("?" * len(chunk))
            owners.update(
                conn.execute(
                    "SELECT alias, thing_id FROM aliases "  # noqa: S608 (placeholders)
                    f"WHERE alias IN ({marks})",
                    chunk,
                )
            )
            # A thing's own id, when it is one of its identifiers, is held by `things` only.
            owners.update(
                conn.execute(
                    "SELECT id, id FROM things "  # noqa: S608 (placeholders)
                    f"WHERE id IN ({marks}) AND scheme IS NOT NULL",
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
        for item in planned:
            if item.current is None and item.mutation.record is not None:
                for credential in item.mutation.credentials:
                    insert_credential(conn, credential)
        stamp = audit_stamp()
        append_audit(
            conn,
            [thing_audit(item.mutation, item.thing_id, item.current, stamp) for item in planned],
        )
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
    """New things: their rows, ``@type`` and SAREF class rows, aliases (known to be free)."""
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
                _own_scheme(r),
                r.access.owner,
                r.access.visibility,
                orjson.dumps(r.access.shared).decode(),
                orjson.dumps(r.access.hidden).decode(),
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
        "INSERT INTO thing_classes (class, thing_id) VALUES (?, ?)",
        [(c, r.id) for r in records for c in r.classes],
    )
    conn.executemany(
        "INSERT INTO aliases (alias, thing_id, scheme) VALUES (?, ?, ?)",
        [(a.value, r.id, a.scheme) for r in records for a in r.aliases if a.value != r.id],
    )
    conn.executemany(
        "INSERT INTO thing_shares (owner, thing_id) VALUES (?, ?)",
        [
            (owner, r.id)
            for r in records
            if r.access.visibility == "shared"
            for owner in r.access.shared
        ],
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
        Event(
            first + n,
            item.mutation.event_type,
            item.thing_id,
            item.mutation.diff,
            event_access(item.mutation, item.current),
        )
        for n, item in enumerate(planned)
    ]
    conn.executemany(
        "INSERT INTO events (id, type, thing_id, diff, access) VALUES (?, ?, ?, ?, ?)",
        [(e.id, e.type, e.thing_id, e.diff, e.access.to_json()) for e in events],
    )
    return events


def _own_scheme(record: ThingRecord) -> str | None:
    """The scheme of the thing's own id when the id is one of its (canonical) aliases (as
    ``store/sqlite.py`` keeps it: in ``things.scheme``, not in ``aliases``)."""
    return next((a.scheme for a in record.aliases if a.value == record.id), None)
