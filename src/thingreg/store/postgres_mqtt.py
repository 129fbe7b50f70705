"""MQTT broker accounts and event-log follower cursors in PostgreSQL.

The part of :class:`thingreg.store.postgres.PostgresStore` that serves the MQTT integration;
each change is one statement, or one short transaction that locks the row it depends on.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from thingreg.core.errors import NotFound
from thingreg.store.base import MqttAccount

_SELECT = "SELECT thing_id, salt, state, created, modified FROM mqtt_accounts"


def _account(row: asyncpg.Record) -> MqttAccount:
    return MqttAccount(row[0], row[1], row[2], row[3], row[4])


class MqttTables:
    """MQTT accounts and cursors over the store's pool."""

    _pool: asyncpg.Pool[asyncpg.Record] | None

    def _db(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    async def put_mqtt_account(self, account: MqttAccount) -> None:
        async with self._db().acquire() as conn, conn.transaction():
            # The lock keeps the thing from being deleted until the account is committed.
            thing = await conn.fetchval(
                "SELECT 1 FROM things WHERE id = $1 FOR UPDATE", account.thing_id
            )
            if thing is None:
                raise NotFound(f"no thing with id {account.thing_id!r}")
            await conn.execute(
                "INSERT INTO mqtt_accounts (thing_id, salt, state, created, modified) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (thing_id) DO UPDATE SET "
                "salt = excluded.salt, state = excluded.state, created = excluded.created, "
                "modified = excluded.modified",
                account.thing_id,
                account.salt,
                account.state,
                account.created,
                account.modified,
            )

    async def mqtt_account(self, thing_id: str) -> MqttAccount | None:
        if "\x00" in thing_id:
            return None
        row = await self._db().fetchrow(_SELECT + " WHERE thing_id = $1", thing_id)
        return None if row is None else _account(row)

    async def mqtt_accounts(self, after: str | None, limit: int) -> list[MqttAccount]:
        rows = await self._db().fetch(
            _SELECT + " WHERE thing_id > $1 ORDER BY thing_id LIMIT $2", after or "", limit
        )
        return [_account(row) for row in rows]

    async def update_mqtt_account(
        self, thing_id: str, change: Callable[[MqttAccount], MqttAccount]
    ) -> MqttAccount:
        if "\x00" in thing_id:
            raise NotFound(f"thing {thing_id!r} has no MQTT account")
        async with self._db().acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_SELECT + " WHERE thing_id = $1 FOR UPDATE", thing_id)
            if row is None:
                raise NotFound(f"thing {thing_id!r} has no MQTT account")
            updated = change(_account(row))
            await conn.execute(
                "UPDATE mqtt_accounts SET salt = $2, state = $3, modified = $4 WHERE thing_id = $1",
                thing_id,
                updated.salt,
                updated.state,
                updated.modified,
            )
            return updated

    async def delete_mqtt_account(self, thing_id: str) -> bool:
        if "\x00" in thing_id:
            return False
        status = await self._db().execute("DELETE FROM mqtt_accounts WHERE thing_id = $1", thing_id)
        return status != "DELETE 0"

    async def cursor(self, name: str) -> int:
        value = await self._db().fetchval("SELECT event_id FROM cursors WHERE name = $1", name)
        return 0 if value is None else int(value)

    async def set_cursor(self, name: str, event_id: int) -> None:
        await self._db().execute(
            "INSERT INTO cursors (name, event_id) VALUES ($1, $2) "
            "ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id",
            name,
            event_id,
        )
