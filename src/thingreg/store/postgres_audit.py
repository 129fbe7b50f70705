"""The audit log in PostgreSQL: appended in the transaction of the change it records.

The head row is locked (``UPDATE``) for the rest of that transaction, so concurrent appends,
from any process, take turns: each numbers and chains its entries after the head it found.
Writes of things take it right after the ``counters`` row, at the end of their batch; owner
and key changes take only the head, so no two transactions wait for each other in opposite
orders.
"""

from __future__ import annotations

from collections.abc import Sequence

from thingreg.store.base import AuditEntry
from thingreg.store.chain import chained
from thingreg.store.postgres_rows import Connection, Row

_COLUMNS = "seq, at, actor, action, subject, owner, digest, prev, hash"


async def append_audit(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    if not entries:
        return
    # A no-op update takes the row lock before the head is read.
    head = await conn.fetchrow("UPDATE audit_head SET seq = seq RETURNING seq, hash")
    assert head is not None
    rows = chained(entries, (int(head[0]), str(head[1])))
    await conn.execute(
        f"INSERT INTO audit ({_COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::text[], "  # noqa: S608
        "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])",
        [e.seq for e in rows],
        [e.at for e in rows],
        [e.actor for e in rows],
        [e.action for e in rows],
        [e.subject for e in rows],
        [e.owner for e in rows],
        [e.digest for e in rows],
        [e.prev for e in rows],
        [e.hash for e in rows],
    )
    await conn.execute("UPDATE audit_head SET seq = $1, hash = $2", rows[-1].seq, rows[-1].hash)


def audit_entry(row: Row) -> AuditEntry:
    return AuditEntry(*tuple(row))


SELECT_AUDIT = f"SELECT {_COLUMNS} FROM audit"  # noqa: S608 (constant)
