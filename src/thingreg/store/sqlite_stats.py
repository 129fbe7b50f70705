"""The overview's aggregate figures on SQLite, each from an index or the narrow columns."""

from __future__ import annotations

import sqlite3

from thingreg.store.base import Stats

_TYPES = "SELECT type, count(*) FROM thing_types GROUP BY type ORDER BY count(*) DESC, type LIMIT ?"
# A thing's canonical own id is in `things.scheme` (indexed), its other identifiers in `aliases`.
_SCHEMES = (
    "SELECT scheme, count(*) FROM (SELECT scheme, id FROM things WHERE scheme IS NOT NULL "
    "UNION SELECT scheme, thing_id FROM aliases) GROUP BY scheme ORDER BY 2 DESC, scheme LIMIT ?"
)
# No index on `created`: one pass over the table, reading the column, not the TDs.
_CREATED = (
    "SELECT substr(created, 1, 10) AS day, count(*) FROM things WHERE created >= ? "
    "GROUP BY day ORDER BY day"
)
# The partial index on `expires` covers this query.
_EXPIRING = (
    "SELECT substr(expires, 1, 10) AS day, count(*) FROM things "
    "WHERE expires IS NOT NULL AND expires >= ? AND expires < ? GROUP BY day ORDER BY day"
)


def read_stats(
    conn: sqlite3.Connection, things: int, *, since: str, now: str, until: str, top: int
) -> Stats:
    def pairs(sql: str, *params: object) -> tuple[tuple[str, int], ...]:
        return tuple((str(key), int(n)) for key, n in conn.execute(sql, params))

    return Stats(
        things=things,
        types=pairs(_TYPES, top),
        schemes=pairs(_SCHEMES, top),
        created=pairs(_CREATED, since),
        expiring=pairs(_EXPIRING, now, until),
    )
