"""Device credentials, authentication challenges and token signing keys in PostgreSQL.

The part of :class:`thingreg.store.postgres.PostgresStore` that serves ``core/auth``. Each change
is one statement or one short transaction on a pooled connection; where a check must hold until
the change is committed, the rows it depends on are locked (``FOR UPDATE``), or, for signing keys,
a transaction-level advisory lock makes rotations of several processes take turns.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from thingreg.core.errors import Conflict, NotFound
from thingreg.store.base import Challenge, Credential, SigningKey, ThingRecord
from thingreg.store.postgres_rows import (
    CREDENTIAL_FIELDS,
    SELECT_CREDENTIAL,
    SELECT_CREDENTIAL_WITH_THING,
    credential_record,
    credential_with_thing,
)

_INSERT_CREDENTIAL = (
    f"INSERT INTO credentials ({', '.join(CREDENTIAL_FIELDS)}) "  # noqa: S608 (constant)
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(CREDENTIAL_FIELDS) + 1))})"
)
_SELECT_CHALLENGE = "SELECT nonce, thing, audience, expires, used FROM challenges"


def _count(status: str) -> int:
    """The row count of a command status such as ``DELETE 3``."""
    return int(status.rsplit(" ", 1)[-1])


class CredentialTables:
    """Credentials, challenges and signing keys over the store's pool."""

    def __init__(self) -> None:
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None

    def _db(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    async def add_credential(self, credential: Credential, max_per_thing: int) -> None:
        async with self._db().acquire() as conn, conn.transaction():
            # Locking the thing row keeps it from being deleted, and other credentials from
            # being added to it, until this one is committed (the count stays true).
            thing = await conn.fetchval(
                "SELECT 1 FROM things WHERE id = $1 FOR UPDATE", credential.thing_id
            )
            if thing is None:
                raise NotFound(f"no thing with id {credential.thing_id!r}")
            count = await conn.fetchval(
                "SELECT count(*) FROM credentials WHERE thing_id = $1", credential.thing_id
            )
            if count >= max_per_thing:
                raise Conflict(f"a thing may have at most {max_per_thing} credentials")
            try:
                await conn.execute(
                    _INSERT_CREDENTIAL, *(getattr(credential, name) for name in CREDENTIAL_FIELDS)
                )
            except asyncpg.UniqueViolationError:
                raise Conflict("this key is already bound to a thing") from None

    async def credentials(self, thing_id: str) -> list[Credential]:
        rows = await self._db().fetch(
            SELECT_CREDENTIAL + " WHERE thing_id = $1 ORDER BY created, id", thing_id
        )
        return [credential_record(row) for row in rows]

    async def credential(self, thing_id: str, credential_id: str) -> Credential | None:
        row = await self._db().fetchrow(
            SELECT_CREDENTIAL + " WHERE id = $1 AND thing_id = $2", credential_id, thing_id
        )
        return None if row is None else credential_record(row)

    async def credential_by_jkt(self, jkt: str) -> Credential | None:
        row = await self._db().fetchrow(SELECT_CREDENTIAL + " WHERE jkt = $1", jkt)
        return None if row is None else credential_record(row)

    async def credential_with_thing(self, jkt: str) -> tuple[Credential, ThingRecord] | None:
        row = await self._db().fetchrow(SELECT_CREDENTIAL_WITH_THING, jkt)
        return None if row is None else credential_with_thing(row)

    async def update_credential(
        self, thing_id: str, credential_id: str, change: Callable[[Credential], Credential]
    ) -> Credential:
        async with self._db().acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                SELECT_CREDENTIAL + " WHERE id = $1 AND thing_id = $2 FOR UPDATE",
                credential_id,
                thing_id,
            )
            if row is None:
                raise NotFound(f"thing {thing_id!r} has no credential {credential_id!r}")
            updated = change(credential_record(row))
            await conn.execute(
                "UPDATE credentials SET state = $1, not_before = $2, not_after = $3, label = $4, "
                "modified = $5 WHERE id = $6",
                updated.state,
                updated.not_before,
                updated.not_after,
                updated.label,
                updated.modified,
                credential_id,
            )
            return updated

    async def delete_credential(self, thing_id: str, credential_id: str) -> bool:
        status = await self._db().execute(
            "DELETE FROM credentials WHERE id = $1 AND thing_id = $2", credential_id, thing_id
        )
        return _count(status) > 0

    async def put_challenge(self, challenge: Challenge) -> None:
        await self._db().execute(
            "INSERT INTO challenges (nonce, thing, audience, expires) VALUES ($1, $2, $3, $4)",
            challenge.nonce,
            challenge.thing,
            challenge.audience,
            challenge.expires,
        )

    async def take_challenge(self, nonce: str, now: float) -> Challenge | None:
        row = await self._db().fetchrow(
            "UPDATE challenges SET used = $1 WHERE nonce = $2 AND used IS NULL "
            "RETURNING nonce, thing, audience, expires",
            now,
            nonce,
        )
        return None if row is None else Challenge(*row)

    async def challenge(self, nonce: str) -> Challenge | None:
        row = await self._db().fetchrow(_SELECT_CHALLENGE + " WHERE nonce = $1", nonce)
        return None if row is None else Challenge(*row)

    async def purge_challenges(self, now: float) -> int:
        return _count(await self._db().execute("DELETE FROM challenges WHERE expires < $1", now))

    async def signing_keys(self) -> list[SigningKey]:
        rows = await self._db().fetch(
            "SELECT kid, alg, private_key, public_jwk, created, retired FROM signing_keys "
            "ORDER BY created DESC, kid"
        )
        return [SigningKey(*row) for row in rows]

    async def rotate_signing_key(self, key: SigningKey, current: str | None) -> bool:
        async with self._db().acquire() as conn, conn.transaction():
            # Processes sharing the database rotate one at a time: the second one to get here
            # finds the newest key changed and gives up.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('thingreg signing keys', 0))"
            )
            newest = await conn.fetchval(
                "SELECT kid FROM signing_keys WHERE retired IS NULL ORDER BY created DESC, kid "
                "LIMIT 1"
            )
            if newest != current:
                return False
            await conn.execute(
                "UPDATE signing_keys SET retired = $1 WHERE retired IS NULL", key.created
            )
            await conn.execute(
                "INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created) "
                "VALUES ($1, $2, $3, $4, $5)",
                key.kid,
                key.alg,
                key.private_key,
                key.public_jwk,
                key.created,
            )
            return True

    async def delete_signing_keys(self, retired_before: str) -> int:
        status = await self._db().execute(
            "DELETE FROM signing_keys WHERE retired IS NOT NULL AND retired < $1", retired_before
        )
        return _count(status)
