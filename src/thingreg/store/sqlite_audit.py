"""The audit log in the SQLite store: appended on the writer's connection inside the
transaction of the change (the one writer thread serialises appends), read on the loop's."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from thingreg.store.base import AuditEntry
from thingreg.store.chain import chained

_COLUMNS = "seq, at, actor, action, subject, owner, digest, prev, hash"


def append_audit(conn: sqlite3.Connection, entries: Sequence[AuditEntry]) -> None:
    """Number, chain and insert ``entries`` after the head, and move the head."""
    if not entries:
        return
    seq, prev = conn.execute("SELECT seq, hash FROM audit_head").fetchone()
    rows = chained(entries, (int(seq), str(prev)))
    conn.executemany(
        f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        [_row(entry) for entry in rows],
    )
    conn.execute("UPDATE audit_head SET seq = ?, hash = ?", (rows[-1].seq, rows[-1].hash))


def _row(entry: AuditEntry) -> tuple[Any, ...]:
    return (
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject,
        entry.owner,
        entry.digest,
        entry.prev,
        entry.hash,
    )


def read_audit(
    conn: sqlite3.Connection, after: int, limit: int | None, owner: str | None
) -> list[AuditEntry]:
    clauses, params = ["seq > ?"], [after]
    if owner is not None:
        clauses.append("owner = ?")
        params.append(owner)  # type: ignore[arg-type]
    sql = f"SELECT {_COLUMNS} FROM audit WHERE {' AND '.join(clauses)} ORDER BY seq"  # noqa: S608
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [AuditEntry(*row) for row in conn.execute(sql, params)]


def read_head(conn: sqlite3.Connection) -> tuple[int, str]:
    seq, hash_ = conn.execute("SELECT seq, hash FROM audit_head").fetchone()
    return int(seq), str(hash_)
