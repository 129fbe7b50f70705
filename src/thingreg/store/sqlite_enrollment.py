"""Enrollment groups and their block lists in the SQLite store (a mixin of ``SQLiteStore``).

Group changes are rare: each is its own small transaction on the writer thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from thingreg.core.errors import Conflict, NotFound
from thingreg.store.base import EnrollmentGroup

_T = TypeVar("_T")
_SELECT_GROUP = "SELECT id, body, enabled, created, modified FROM enrollment_groups"


def _group(row: tuple[Any, ...]) -> EnrollmentGroup:
    return EnrollmentGroup(row[0], bytes(row[1]), bool(row[2]), row[3], row[4])


class SQLiteEnrollment:
    """Enrollment group and block list methods of the SQLite store."""

    if TYPE_CHECKING:

        def _loop_conn(self) -> sqlite3.Connection: ...

        async def _write_now(self, change: Callable[[sqlite3.Connection], _T]) -> _T: ...

    async def add_enrollment_group(self, group: EnrollmentGroup) -> None:
        def add(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO enrollment_groups (id, body, enabled, created, modified) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (group.id, group.body, int(group.enabled), group.created, group.modified),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"an enrollment group {group.id!r} exists already") from None

        await self._write_now(add)

    async def enrollment_group(self, group_id: str) -> EnrollmentGroup | None:
        row = self._loop_conn().execute(_SELECT_GROUP + " WHERE id = ?", (group_id,)).fetchone()
        return None if row is None else _group(row)

    async def enrollment_groups(self) -> list[EnrollmentGroup]:
        rows = self._loop_conn().execute(_SELECT_GROUP + " ORDER BY id")
        return [_group(row) for row in rows]

    async def update_enrollment_group(
        self, group_id: str, change: Callable[[EnrollmentGroup], EnrollmentGroup]
    ) -> EnrollmentGroup:
        def update(conn: sqlite3.Connection) -> EnrollmentGroup:
            row = conn.execute(_SELECT_GROUP + " WHERE id = ?", (group_id,)).fetchone()
            if row is None:
                raise NotFound(f"no enrollment group {group_id!r}")
            updated = change(_group(row))
            conn.execute(
                "UPDATE enrollment_groups SET body = ?, enabled = ?, modified = ? WHERE id = ?",
                (updated.body, int(updated.enabled), updated.modified, group_id),
            )
            return updated

        return await self._write_now(update)

    async def delete_enrollment_group(self, group_id: str) -> bool:
        def delete(conn: sqlite3.Connection) -> bool:
            conn.execute("DELETE FROM enrollment_blocks WHERE group_id = ?", (group_id,))
            cursor = conn.execute("DELETE FROM enrollment_groups WHERE id = ?", (group_id,))
            return cursor.rowcount > 0

        return await self._write_now(delete)

    async def block_device(self, group_id: str, device_id: str, created: str) -> bool:
        def block(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO enrollment_blocks (group_id, device_id, created) "
                "VALUES (?, ?, ?)",
                (group_id, device_id, created),
            )
            conn.execute(
                "UPDATE credentials SET state = 'disabled', modified = ? "
                "WHERE thing_id = ? AND group_id = ? AND state = 'active'",
                (created, device_id, group_id),
            )
            return cursor.rowcount > 0

        return await self._write_now(block)

    async def unblock_device(self, group_id: str, device_id: str, modified: str) -> bool:
        def unblock(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "DELETE FROM enrollment_blocks WHERE group_id = ? AND device_id = ?",
                (group_id, device_id),
            )
            if cursor.rowcount == 0:
                return False
            conn.execute(
                "UPDATE credentials SET state = 'active', modified = ? "
                "WHERE thing_id = ? AND group_id = ? AND state = 'disabled'",
                (modified, device_id, group_id),
            )
            return True

        return await self._write_now(unblock)

    async def blocked_devices(self, group_id: str) -> list[str]:
        rows = self._loop_conn().execute(
            "SELECT device_id FROM enrollment_blocks WHERE group_id = ? ORDER BY device_id",
            (group_id,),
        )
        return [row[0] for row in rows]

    async def is_blocked(self, group_id: str, device_id: str) -> bool:
        row = (
            self._loop_conn()
            .execute(
                "SELECT 1 FROM enrollment_blocks WHERE group_id = ? AND device_id = ?",
                (group_id, device_id),
            )
            .fetchone()
        )
        return row is not None
