"""Enrollment groups and their block lists in PostgreSQL (part of ``PostgresStore``).

Each change is one statement or one short transaction on a pooled connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import asyncpg

from thingreg.core.errors import Conflict, NotFound
from thingreg.store.base import EnrollmentGroup
from thingreg.store.postgres_rows import Row

_SELECT_GROUP = "SELECT id, body, enabled, created, modified FROM enrollment_groups"


def _group(row: Row) -> EnrollmentGroup:
    return EnrollmentGroup(row[0], bytes(row[1]), bool(row[2]), row[3], row[4])


class EnrollmentTables:
    """Enrollment groups and block lists over the store's pool."""

    if TYPE_CHECKING:

        def _db(self) -> asyncpg.Pool[asyncpg.Record]: ...

    async def add_enrollment_group(self, group: EnrollmentGroup) -> None:
        try:
            await self._db().execute(
                "INSERT INTO enrollment_groups (id, body, enabled, created, modified) "
                "VALUES ($1, $2, $3, $4, $5)",
                group.id,
                group.body,
                group.enabled,
                group.created,
                group.modified,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(f"an enrollment group {group.id!r} exists already") from None

    async def enrollment_group(self, group_id: str) -> EnrollmentGroup | None:
        row = await self._db().fetchrow(_SELECT_GROUP + " WHERE id = $1", group_id)
        return None if row is None else _group(row)

    async def enrollment_groups(self) -> list[EnrollmentGroup]:
        return [_group(row) for row in await self._db().fetch(_SELECT_GROUP + " ORDER BY id")]

    async def update_enrollment_group(
        self, group_id: str, change: Callable[[EnrollmentGroup], EnrollmentGroup]
    ) -> EnrollmentGroup:
        async with self._db().acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_SELECT_GROUP + " WHERE id = $1 FOR UPDATE", group_id)
            if row is None:
                raise NotFound(f"no enrollment group {group_id!r}")
            updated = change(_group(row))
            await conn.execute(
                "UPDATE enrollment_groups SET body = $1, enabled = $2, modified = $3 WHERE id = $4",
                updated.body,
                updated.enabled,
                updated.modified,
                group_id,
            )
            return updated

    async def delete_enrollment_group(self, group_id: str) -> bool:
        async with self._db().acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM enrollment_blocks WHERE group_id = $1", group_id)
            status = await conn.execute("DELETE FROM enrollment_groups WHERE id = $1", group_id)
        return status != "DELETE 0"

    async def block_device(self, group_id: str, device_id: str, created: str) -> bool:
        async with self._db().acquire() as conn, conn.transaction():
            added = await conn.fetchval(
                "INSERT INTO enrollment_blocks (group_id, device_id, created) "
                "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true",
                group_id,
                device_id,
                created,
            )
            await conn.execute(
                "UPDATE credentials SET state = 'disabled', modified = $1 "
                "WHERE thing_id = $2 AND group_id = $3 AND state = 'active'",
                created,
                device_id,
                group_id,
            )
        return bool(added)

    async def unblock_device(self, group_id: str, device_id: str, modified: str) -> bool:
        async with self._db().acquire() as conn, conn.transaction():
            status = await conn.execute(
                "DELETE FROM enrollment_blocks WHERE group_id = $1 AND device_id = $2",
                group_id,
                device_id,
            )
            if status == "DELETE 0":
                return False
            await conn.execute(
                "UPDATE credentials SET state = 'active', modified = $1 "
                "WHERE thing_id = $2 AND group_id = $3 AND state = 'disabled'",
                modified,
                device_id,
                group_id,
            )
        return True

    async def blocked_devices(self, group_id: str) -> list[str]:
        rows = await self._db().fetch(
            "SELECT device_id FROM enrollment_blocks WHERE group_id = $1 ORDER BY device_id",
            group_id,
        )
        return [row[0] for row in rows]

    async def is_blocked(self, group_id: str, device_id: str) -> bool:
        found = await self._db().fetchval(
            "SELECT true FROM enrollment_blocks WHERE group_id = $1 AND device_id = $2",
            group_id,
            device_id,
        )
        return bool(found)
