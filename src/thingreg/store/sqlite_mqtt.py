"""MQTT broker accounts and event-log follower cursors in the SQLite store.

A mixin of :class:`thingreg.store.sqlite.SQLiteStore`: rare, small writes, each its own
transaction on the writer thread; reads on the event loop's connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from thingreg.core.errors import NotFound
from thingreg.store.base import MqttAccount

_T = TypeVar("_T")
_SELECT = "SELECT thing_id, salt, state, created, modified FROM mqtt_accounts"


class SQLiteMqtt:
    """MQTT account and cursor methods of the SQLite store."""

    if TYPE_CHECKING:

        def _loop_conn(self) -> sqlite3.Connection: ...

        async def _write_now(self, change: Callable[[sqlite3.Connection], _T]) -> _T: ...

    async def put_mqtt_account(self, account: MqttAccount) -> None:
        def put(conn: sqlite3.Connection) -> None:
            thing = conn.execute("SELECT 1 FROM things WHERE id = ?", (account.thing_id,))
            if thing.fetchone() is None:
                raise NotFound(f"no thing with id {account.thing_id!r}")
            conn.execute(
                "INSERT OR REPLACE INTO mqtt_accounts (thing_id, salt, state, created, modified) "
                "VALUES (?, ?, ?, ?, ?)",
                (account.thing_id, account.salt, account.state, account.created, account.modified),
            )

        await self._write_now(put)

    async def mqtt_account(self, thing_id: str) -> MqttAccount | None:
        row = self._loop_conn().execute(_SELECT + " WHERE thing_id = ?", (thing_id,)).fetchone()
        return None if row is None else MqttAccount(*row)

    async def mqtt_accounts(self, after: str | None, limit: int) -> list[MqttAccount]:
        rows = self._loop_conn().execute(
            _SELECT + " WHERE thing_id > ? ORDER BY thing_id LIMIT ?", (after or "", limit)
        )
        return [MqttAccount(*row) for row in rows]

    async def update_mqtt_account(
        self, thing_id: str, change: Callable[[MqttAccount], MqttAccount]
    ) -> MqttAccount:
        def update(conn: sqlite3.Connection) -> MqttAccount:
            row = conn.execute(_SELECT + " WHERE thing_id = ?", (thing_id,)).fetchone()
            if row is None:
                raise NotFound(f"thing {thing_id!r} has no MQTT account")
            updated = change(MqttAccount(*row))
            conn.execute(
                "UPDATE mqtt_accounts SET salt = ?, state = ?, modified = ? WHERE thing_id = ?",
                (updated.salt, updated.state, updated.modified, thing_id),
            )
            return updated

        return await self._write_now(update)

    async def delete_mqtt_account(self, thing_id: str) -> bool:
        def delete(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute("DELETE FROM mqtt_accounts WHERE thing_id = ?", (thing_id,))
            return cursor.rowcount > 0

        return await self._write_now(delete)

    async def cursor(self, name: str) -> int:
        row = (
            self._loop_conn()
            .execute("SELECT event_id FROM cursors WHERE name = ?", (name,))
            .fetchone()
        )
        return 0 if row is None else int(row[0])

    async def set_cursor(self, name: str, event_id: int) -> None:
        def put(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO cursors (name, event_id) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id",
                (name, event_id),
            )

        await self._write_now(put)
