"""Rows of the SQLite ``things`` table: the columns read and the record they make."""

from __future__ import annotations

from typing import Any

import orjson

from thingreg.store.base import Access, Alias, ThingRecord

THING_COLUMNS = (
    "id, body, title, types, created, modified, expires, ttl, anonymous, aliases, owner, "
    "visibility, shared, hidden"
)
SELECT_THINGS = f"SELECT {THING_COLUMNS} FROM things"  # noqa: S608 (constant)


def thing_record(row: tuple[Any, ...]) -> ThingRecord:
    return ThingRecord(
        id=row[0],
        body=row[1],
        title=row[2],
        types=tuple(orjson.loads(row[3])),
        created=row[4],
        modified=row[5],
        expires=row[6],
        ttl=row[7],
        anonymous=bool(row[8]),
        aliases=tuple(Alias(value, scheme) for value, scheme in orjson.loads(row[9])),
        access=Access(row[10], row[11], tuple(orjson.loads(row[12])), tuple(orjson.loads(row[13]))),
    )
