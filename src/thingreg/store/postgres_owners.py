"""Owners (tenants) and their API keys in PostgreSQL.

The part of :class:`thingreg.store.postgres.PostgresStore` that serves ``core/access.py``: each
change is one statement (or one short transaction) on a pooled connection.
"""

from __future__ import annotations

import asyncpg
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
from thingreg.store.postgres_audit import SELECT_AUDIT, append_audit, audit_entry
from thingreg.store.postgres_credentials import CredentialTables
from thingreg.store.postgres_rows import Connection, Row

_SELECT_KEY = "SELECT id, owner, secret_sha256, scopes, created, label, revoked FROM api_keys"


def _key(row: Row) -> ApiKey:
    return ApiKey(
        id=row[0],
        owner=row[1],
        secret_sha256=bytes(row[2]),
        scopes=tuple(orjson.loads(row[3])),
        created=row[4],
        label=row[5],
        revoked=row[6],
    )


class OwnerTables(CredentialTables):
    """Owners and API keys over the store's pool."""

    async def owners(self) -> list[Owner]:
        rows = await self._db().fetch("SELECT name, created, note FROM owners ORDER BY name")
        return [Owner(*row) for row in rows]

    async def owner(self, name: str) -> Owner | None:
        if "\x00" in name:
            return None
        row = await self._db().fetchrow(
            "SELECT name, created, note FROM owners WHERE name = $1", name
        )
        return None if row is None else Owner(*row)

    async def add_owner(self, owner: Owner, actor: str) -> bool:
        async with self._db().acquire() as conn, conn.transaction():
            added = await conn.fetchval(
                "INSERT INTO owners (name, created, note) VALUES ($1, $2, $3) "
                "ON CONFLICT (name) DO NOTHING RETURNING true",
                owner.name,
                owner.created,
                owner.note,
            )
            if added:
                await append_audit(conn, [owner_audit(owner, actor)])
        return bool(added)

    async def add_api_key(self, key: ApiKey, actor: str) -> None:
        try:
            async with self._db().acquire() as conn, conn.transaction():
                await self._insert_key(conn, key)
                await append_audit(conn, [key_audit(key, "key_created", actor)])
        except asyncpg.ForeignKeyViolationError:
            raise NotFound(f"no owner called {key.owner!r}") from None

    @staticmethod
    async def _insert_key(conn: Connection, key: ApiKey) -> None:
        await conn.execute(
            "INSERT INTO api_keys (id, owner, secret_sha256, scopes, created, label, revoked) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            key.id,
            key.owner,
            key.secret_sha256,
            orjson.dumps(key.scopes).decode(),
            key.created,
            key.label,
            key.revoked,
        )

    async def api_key(self, key_id: str) -> ApiKey | None:
        if "\x00" in key_id:
            return None
        row = await self._db().fetchrow(_SELECT_KEY + " WHERE id = $1", key_id)
        return None if row is None else _key(row)

    async def api_keys(self, owner: str) -> list[ApiKey]:
        rows = await self._db().fetch(_SELECT_KEY + " WHERE owner = $1 ORDER BY created, id", owner)
        return [_key(row) for row in rows]

    async def revoke_api_key(self, owner: str, key_id: str, when: str, actor: str) -> bool:
        async with self._db().acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "UPDATE api_keys SET revoked = $1 WHERE id = $2 AND owner = $3 "
                "AND revoked IS NULL RETURNING id, owner, secret_sha256, scopes, created, label, "
                "revoked",
                when,
                key_id,
                owner,
            )
            if row is None:
                return False
            await append_audit(conn, [key_audit(_key(row), "key_revoked", actor)])
        return True

    # -- the audit log ---------------------------------------------------------------------

    async def audit_entries(
        self, *, after: int = 0, limit: int | None = None, owner: str | None = None
    ) -> list[AuditEntry]:
        params: list[object] = [after]
        sql = SELECT_AUDIT + " WHERE seq > $1"
        if owner is not None:
            params.append(owner)
            sql += " AND owner = $2"
        sql += " ORDER BY seq"
        if limit is not None:
            params.append(limit)
            sql += f" LIMIT ${len(params)}"
        return [audit_entry(row) for row in await self._db().fetch(sql, *params)]

    async def add_transfer(self, transfer: Transfer, actor: str) -> None:
        async with self._db().acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO transfers (id, created, from_owner, to_owner, things, record, "
                "key_jwk) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                transfer.id,
                transfer.created,
                transfer.from_owner,
                transfer.to_owner,
                orjson.dumps(transfer.things).decode(),
                transfer.record,
                transfer.key_jwk,
            )
            await append_audit(conn, [transfer_audit(transfer, actor)])

    async def transfer(self, transfer_id: str) -> Transfer | None:
        if "\x00" in transfer_id:
            return None
        row = await self._db().fetchrow(
            "SELECT id, created, from_owner, to_owner, things, record, key_jwk "
            "FROM transfers WHERE id = $1",
            transfer_id,
        )
        if row is None:
            return None
        return Transfer(row[0], row[1], row[2], row[3], tuple(orjson.loads(row[4])), row[5], row[6])

    async def audit_head(self) -> tuple[int, str]:
        row = await self._db().fetchrow("SELECT seq, hash FROM audit_head")
        assert row is not None
        return int(row[0]), str(row[1])
