"""Owners (tenants) and their API keys in the SQLite store.

A mixin of :class:`thingreg.store.sqlite.SQLiteStore`: owner and key changes are rare, each its
own small transaction on the writer thread; reads are primary-key lookups on the loop's
connection.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from thingreg.core.errors import NotFound
from thingreg.store.base import (
    ApiKey,
    AuditEntry,
    Owner,
    Transfer,
    key_audit,
    owner_audit,
    transfer_audit,
)
from thingreg.store.sqlite_audit import append_audit, read_audit, read_head
from thingreg.store.sqlite_credentials import SQLiteCredentials

_SELECT_KEY = "SELECT id, owner, secret_sha256, scopes, created, label, revoked FROM api_keys"


def _key(row: tuple[Any, ...]) -> ApiKey:
    return ApiKey(
        id=row[0],
        owner=row[1],
        secret_sha256=bytes(row[2]),
        scopes=tuple(orjson.loads(row[3])),
        created=row[4],
        label=row[5],
        revoked=row[6],
    )


class SQLiteOwners(SQLiteCredentials):
    """Owner and API key methods of the SQLite store, and reading the audit log."""

    async def audit_entries(
        self, *, after: int = 0, limit: int | None = None, owner: str | None = None
    ) -> list[AuditEntry]:
        return read_audit(self._loop_conn(), after, limit, owner)

    async def audit_head(self) -> tuple[int, str]:
        return read_head(self._loop_conn())

    async def add_transfer(self, transfer: Transfer, actor: str) -> None:
        def add(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO transfers (id, created, from_owner, to_owner, things, record, "
                "key_jwk) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    transfer.id,
                    transfer.created,
                    transfer.from_owner,
                    transfer.to_owner,
                    orjson.dumps(transfer.things).decode(),
                    transfer.record,
                    transfer.key_jwk,
                ),
            )
            append_audit(conn, [transfer_audit(transfer, actor)])

        await self._write_now(add)

    async def transfer(self, transfer_id: str) -> Transfer | None:
        row = (
            self._loop_conn()
            .execute(
                "SELECT id, created, from_owner, to_owner, things, record, key_jwk "
                "FROM transfers WHERE id = ?",
                (transfer_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return Transfer(row[0], row[1], row[2], row[3], tuple(orjson.loads(row[4])), row[5], row[6])

    async def owners(self) -> list[Owner]:
        rows = self._loop_conn().execute("SELECT name, created, note FROM owners ORDER BY name")
        return [Owner(*row) for row in rows]

    async def owner(self, name: str) -> Owner | None:
        row = (
            self._loop_conn()
            .execute("SELECT name, created, note FROM owners WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else Owner(*row)

    async def add_owner(self, owner: Owner, actor: str) -> bool:
        def add(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT INTO owners (name, created, note) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (owner.name, owner.created, owner.note),
            )
            if cursor.rowcount > 0:
                append_audit(conn, [owner_audit(owner, actor)])
            return cursor.rowcount > 0

        return await self._write_now(add)

    async def add_api_key(self, key: ApiKey, actor: str) -> None:
        def add(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM owners WHERE name = ?", (key.owner,)).fetchone() is None:
                raise NotFound(f"no owner called {key.owner!r}")
            conn.execute(
                "INSERT INTO api_keys (id, owner, secret_sha256, scopes, created, label, revoked) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key.id,
                    key.owner,
                    key.secret_sha256,
                    orjson.dumps(key.scopes).decode(),
                    key.created,
                    key.label,
                    key.revoked,
                ),
            )
            append_audit(conn, [key_audit(key, "key_created", actor)])

        await self._write_now(add)

    async def api_key(self, key_id: str) -> ApiKey | None:
        row = self._loop_conn().execute(_SELECT_KEY + " WHERE id = ?", (key_id,)).fetchone()
        return None if row is None else _key(row)

    async def api_keys(self, owner: str) -> list[ApiKey]:
        rows = self._loop_conn().execute(
            _SELECT_KEY + " WHERE owner = ? ORDER BY created, id", (owner,)
        )
        return [_key(row) for row in rows]

    async def revoke_api_key(self, owner: str, key_id: str, when: str, actor: str) -> bool:
        def revoke(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked = ? WHERE id = ? AND owner = ? AND revoked IS NULL",
                (when, key_id, owner),
            )
            if cursor.rowcount > 0:
                row = conn.execute(_SELECT_KEY + " WHERE id = ?", (key_id,)).fetchone()
                append_audit(conn, [key_audit(_key(row), "key_revoked", actor)])
            return cursor.rowcount > 0

        return await self._write_now(revoke)
