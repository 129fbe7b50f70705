"""The overview's aggregate figures on PostgreSQL, each from an index or the narrow columns."""

from __future__ import annotations

import asyncpg

from thingreg.store.base import Stats

_TYPES = "SELECT t, count(*) FROM things, unnest(types) AS t GROUP BY t ORDER BY 2 DESC, t LIMIT $1"
_SCHEMES = (
    "SELECT scheme, count(DISTINCT thing_id) FROM aliases GROUP BY scheme "
    "ORDER BY 2 DESC, scheme LIMIT $1"
)
_CREATED = (
    "SELECT left(created, 10) AS day, count(*) FROM things WHERE created >= $1 "
    "GROUP BY day ORDER BY day"
)
_EXPIRING = (
    "SELECT left(expires, 10) AS day, count(*) FROM things "
    "WHERE expires IS NOT NULL AND expires >= $1 AND expires < $2 GROUP BY day ORDER BY day"
)


async def read_stats(
    pool: asyncpg.Pool[asyncpg.Record], *, since: str, now: str, until: str, top: int
) -> Stats:
    async def pairs(sql: str, *params: object) -> tuple[tuple[str, int], ...]:
        return tuple((str(row[0]), int(row[1])) for row in await pool.fetch(sql, *params))

    return Stats(
        things=int(await pool.fetchval("SELECT things FROM counters")),
        types=await pairs(_TYPES, top),
        schemes=await pairs(_SCHEMES, top),
        created=await pairs(_CREATED, since),
        expiring=await pairs(_EXPIRING, now, until),
    )
