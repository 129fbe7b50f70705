"""The raw insert speed of the rows an import wrote: the database's own ceiling.

The same rows (read back from ``things``, so they are exactly what the import stored) are
inserted into an empty copy of the table, with the same columns and indexes, in transactions
of 1,000 rows: ``executemany`` on SQLite (same pragmas as the store), binary ``COPY`` on
PostgreSQL. No validation, no events, no aliases or ``@type`` rows: the ratio of the import
rate to this one is what the importer costs above the database.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg

BATCH = 1000


def sqlite_rows_per_second(path: Path, limit: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        ddl = [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'things' AND sql IS NOT NULL"
            )
        ]
        conn.execute("DROP TABLE IF EXISTS raw_things")
        for sql in ddl:
            conn.execute(
                sql.replace("TABLE things", "TABLE raw_things")
                .replace("ON things", "ON raw_things")
                .replace("INDEX things_", "INDEX raw_things_")
            )
        columns = "id, body, title, types, created, modified, expires, ttl, anonymous, aliases"
        rows = conn.execute(f"SELECT {columns} FROM things LIMIT ?", (limit,)).fetchall()
        insert = f"INSERT INTO raw_things ({columns}) VALUES ({', '.join('?' * 10)})"
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            conn.execute("BEGIN")
            conn.executemany(insert, rows[start : start + BATCH])
            conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE raw_things")
        return len(rows) / seconds
    finally:
        conn.close()


async def postgres_rows_per_second(url: str, limit: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "DROP TABLE IF EXISTS raw_things; CREATE TABLE raw_things (LIKE things INCLUDING ALL)"
        )
        columns = [
            "id", "body", "doc", "title", "types", "created", "modified", "expires", "ttl",
            "anonymous", "aliases",
        ]  # fmt: skip
        rows: list[Any] = await conn.fetch(
            f"SELECT {', '.join(columns)} FROM things LIMIT $1", limit
        )
        records = [tuple(row) for row in rows]
        started = time.perf_counter()
        for start in range(0, len(records), BATCH):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "raw_things", columns=columns, records=records[start : start + BATCH]
                )
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE raw_things")
        return len(records) / seconds
    finally:
        await conn.close()
