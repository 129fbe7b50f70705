"""Device credentials, challenges and registry signing keys in the SQLite store.

A mixin of :class:`thingreg.store.sqlite.SQLiteStore`, kept apart because it is a separate
concern with its own write path: credential and key changes are rare, each its own small
transaction; challenges are written twice per authentication, so they are grouped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from thingreg.core.errors import Conflict, NotFound
from thingreg.store.base import Challenge, Credential, SigningKey, ThingRecord
from thingreg.store.sqlite_rows import SELECT_THINGS, thing_record

_T = TypeVar("_T")


@dataclass(slots=True)
class GroupedWrite(Generic[_T]):
    change: Callable[[sqlite3.Connection], _T]
    future: asyncio.Future[_T]


class SQLiteCredentials:
    """Credential, challenge and signing-key methods of the SQLite store."""

    if TYPE_CHECKING:
        path: Path
        _write_conn: sqlite3.Connection | None
        _writer_thread: ThreadPoolExecutor
        _grouped: list[GroupedWrite[Any]]
        _grouped_task: asyncio.Task[None] | None

        def _loop_conn(self) -> sqlite3.Connection: ...

        async def _write_now(self, change: Callable[[sqlite3.Connection], _T]) -> _T: ...

    # Credential and key changes are rare: each is its own small transaction (_write_now).
    # Challenges are written twice per authentication (issued, then taken), so they go through
    # _write_grouped: every change queued while a transaction runs is committed by the next one.

    async def add_credential(self, credential: Credential, max_per_thing: int) -> None:
        def add(conn: sqlite3.Connection) -> None:
            thing = conn.execute("SELECT 1 FROM things WHERE id = ?", (credential.thing_id,))
            if thing.fetchone() is None:
                raise NotFound(f"no thing with id {credential.thing_id!r}")
            count = conn.execute(
                "SELECT count(*) FROM credentials WHERE thing_id = ?", (credential.thing_id,)
            ).fetchone()[0]
            if count >= max_per_thing:
                raise Conflict(f"a thing may have at most {max_per_thing} credentials")
            insert_credential(conn, credential)

        await self._write_now(add)

    async def credentials(self, thing_id: str) -> list[Credential]:
        rows = self._loop_conn().execute(
            _SELECT_CREDENTIAL + " WHERE thing_id = ? ORDER BY created, id", (thing_id,)
        )
        return [_credential(row) for row in rows]

    async def credential(self, thing_id: str, credential_id: str) -> Credential | None:
        row = (
            self._loop_conn()
            .execute(
                _SELECT_CREDENTIAL + " WHERE id = ? AND thing_id = ?", (credential_id, thing_id)
            )
            .fetchone()
        )
        return None if row is None else _credential(row)

    async def credential_by_jkt(self, jkt: str) -> Credential | None:
        row = self._loop_conn().execute(_SELECT_CREDENTIAL + " WHERE jkt = ?", (jkt,)).fetchone()
        return None if row is None else _credential(row)

    async def credential_with_thing(self, jkt: str) -> tuple[Credential, ThingRecord] | None:
        row = self._loop_conn().execute(_SELECT_CREDENTIAL_WITH_THING, (jkt,)).fetchone()
        if row is None:
            return None
        return _credential(row[:_CREDENTIAL_COLUMN_COUNT]), thing_record(
            row[_CREDENTIAL_COLUMN_COUNT:]
        )

    async def update_credential(
        self, thing_id: str, credential_id: str, change: Callable[[Credential], Credential]
    ) -> Credential:
        def update(conn: sqlite3.Connection) -> Credential:
            row = conn.execute(
                _SELECT_CREDENTIAL + " WHERE id = ? AND thing_id = ?", (credential_id, thing_id)
            ).fetchone()
            if row is None:
                raise NotFound(f"thing {thing_id!r} has no credential {credential_id!r}")
            updated = change(_credential(row))
            conn.execute(
                "UPDATE credentials SET state = ?, not_before = ?, not_after = ?, label = ?, "
                "modified = ? WHERE id = ?",
                (
                    updated.state,
                    updated.not_before,
                    updated.not_after,
                    updated.label,
                    updated.modified,
                    credential_id,
                ),
            )
            return updated

        return await self._write_now(update)

    async def delete_credential(self, thing_id: str, credential_id: str) -> bool:
        def delete(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "DELETE FROM credentials WHERE id = ? AND thing_id = ?", (credential_id, thing_id)
            )
            return cursor.rowcount > 0

        return await self._write_now(delete)

    async def put_challenge(self, challenge: Challenge) -> None:
        def put(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO challenges (nonce, thing, audience, expires) VALUES (?, ?, ?, ?)",
                (challenge.nonce, challenge.thing, challenge.audience, challenge.expires),
            )

        await self._write_grouped(put)

    async def take_challenge(self, nonce: str, now: float) -> Challenge | None:
        def take(conn: sqlite3.Connection) -> Challenge | None:
            row = conn.execute(
                "UPDATE challenges SET used = ? WHERE nonce = ? AND used IS NULL "
                "RETURNING nonce, thing, audience, expires",
                (now, nonce),
            ).fetchone()
            return None if row is None else Challenge(*row)

        return await self._write_grouped(take)

    async def challenge(self, nonce: str) -> Challenge | None:
        row = (
            self._loop_conn()
            .execute(
                "SELECT nonce, thing, audience, expires, used FROM challenges WHERE nonce = ?",
                (nonce,),
            )
            .fetchone()
        )
        return None if row is None else Challenge(*row)

    async def purge_challenges(self, now: float) -> int:
        def purge(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM challenges WHERE expires < ?", (now,)).rowcount

        return await self._write_now(purge)

    async def signing_keys(self) -> list[SigningKey]:
        rows = self._loop_conn().execute(
            "SELECT kid, alg, private_key, public_jwk, created, retired FROM signing_keys "
            "ORDER BY created DESC, kid"
        )
        return [SigningKey(*row) for row in rows]

    async def rotate_signing_key(self, key: SigningKey, current: str | None) -> bool:
        def rotate(conn: sqlite3.Connection) -> bool:
            newest = conn.execute(
                "SELECT kid FROM signing_keys WHERE retired IS NULL ORDER BY created DESC, kid "
                "LIMIT 1"
            ).fetchone()
            if (None if newest is None else newest[0]) != current:
                return False
            conn.execute(
                "UPDATE signing_keys SET retired = ? WHERE retired IS NULL", (key.created,)
            )
            conn.execute(
                "INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (key.kid, key.alg, key.private_key, key.public_jwk, key.created),
            )
            return True

        rotated = await self._write_now(rotate)
        self._restrict_to_owner()
        return rotated

    def _restrict_to_owner(self) -> None:
        """The database now holds private keys: make its files readable by their owner only.

        SQLite creates the -wal and -shm files with the database file's mode, so later ones
        inherit it; the existing ones are changed too.
        """
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(f"{self.path}{suffix}", 0o600)

    async def delete_signing_keys(self, retired_before: str) -> int:
        def delete(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "DELETE FROM signing_keys WHERE retired IS NOT NULL AND retired < ?",
                (retired_before,),
            )
            return cursor.rowcount

        return await self._write_now(delete)

    async def _write_grouped(self, change: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``change`` in a transaction shared with the changes queued alongside it.

        Each change has its own savepoint, so one that raises fails alone.
        """
        if self._write_conn is None:
            raise RuntimeError("store is not open")
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._grouped.append(GroupedWrite(change, future))
        if self._grouped_task is None or self._grouped_task.done():
            self._grouped_task = asyncio.create_task(self._flush_grouped(), name="sqlite-grouped")
        return await future

    async def _flush_grouped(self) -> None:
        loop = asyncio.get_running_loop()
        while self._grouped:
            # One turn of the event loop first: requests that arrived together get their
            # changes into the same transaction (one thread handoff and commit for all).
            await asyncio.sleep(0)
            batch, self._grouped = self._grouped, []
            try:
                outcomes = await loop.run_in_executor(
                    self._writer_thread, self._commit_grouped, batch
                )
            except BaseException as exc:  # the transaction failed: every change in it did
                failure = exc if isinstance(exc, Exception) else RuntimeError(str(exc))
                outcomes = [_Failed(failure)] * len(batch)
                if not isinstance(exc, Exception):
                    for item in batch:
                        item.future.cancel()
                    raise
            for item, outcome in zip(batch, outcomes, strict=True):
                if item.future.done():
                    continue
                if isinstance(outcome, _Failed):
                    item.future.set_exception(outcome.error)
                else:
                    item.future.set_result(outcome)

    def _commit_grouped(self, batch: list[GroupedWrite[Any]]) -> list[Any]:
        conn = self._write_conn
        assert conn is not None
        try:  # optimistically without savepoints: changes rarely fail
            conn.execute("BEGIN IMMEDIATE")
            outcomes = [item.change(conn) for item in batch]
            conn.execute("COMMIT")
            return outcomes
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        # One failed: again, each change in its own savepoint, so that it fails alone.
        outcomes = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for item in batch:
                conn.execute("SAVEPOINT g")
                try:
                    outcomes.append(item.change(conn))
                    conn.execute("RELEASE g")
                except Exception as exc:
                    conn.execute("ROLLBACK TO g")
                    conn.execute("RELEASE g")
                    outcomes.append(_Failed(exc))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes


@dataclass(frozen=True, slots=True)
class _Failed:
    """A grouped change that raised (told apart from a change that returns an exception)."""

    error: Exception


_CREDENTIAL_FIELDS = tuple(f.name for f in fields(Credential))
_CREDENTIAL_COLUMNS = ", ".join(_CREDENTIAL_FIELDS)
_CREDENTIAL_COLUMN_COUNT = len(_CREDENTIAL_FIELDS)
_SELECT_CREDENTIAL = f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials"  # noqa: S608 (constant)
_THING_COLUMNS = SELECT_THINGS.removeprefix("SELECT ").split(" FROM ")[0].split(", ")
"""The columns :func:`_record` reads, taken from its query so that the two stay in step."""
_SELECT_CREDENTIAL_WITH_THING = (
    "SELECT "  # noqa: S608 (constant column names only)
    + ", ".join(f"credentials.{name}" for name in _CREDENTIAL_FIELDS)
    + ", "
    + ", ".join(f"things.{name}" for name in _THING_COLUMNS)
    + " FROM credentials JOIN things ON things.id = credentials.thing_id"
    + " WHERE credentials.jkt = ?"
)


def insert_credential(conn: sqlite3.Connection, credential: Credential) -> None:
    """Insert one credential; :class:`Conflict` when its key is bound already."""
    try:
        conn.execute(_INSERT_CREDENTIAL, _credential_row(credential))
    except sqlite3.IntegrityError:
        raise Conflict("this key is already bound to a thing") from None


_INSERT_CREDENTIAL = (
    f"INSERT INTO credentials ({_CREDENTIAL_COLUMNS}) "  # noqa: S608 (constant)
    f"VALUES ({','.join('?' * _CREDENTIAL_COLUMN_COUNT)})"
)


def _credential_row(credential: Credential) -> tuple[Any, ...]:
    return tuple(getattr(credential, name) for name in _CREDENTIAL_FIELDS)


def _credential(row: tuple[Any, ...]) -> Credential:
    return Credential(**dict(zip(_CREDENTIAL_FIELDS, row, strict=True)))
