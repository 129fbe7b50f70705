"""The rows of the PostgreSQL store and the records they become: columns and conversions."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeAlias

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from thingreg.store.base import Access, Alias, Credential, ThingRecord

Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
Row: TypeAlias = "asyncpg.Record | tuple[Any, ...]"

THING_FIELDS = (
    "id",
    "body",
    "title",
    "types",
    "created",
    "modified",
    "expires",
    "ttl",
    "anonymous",
    "aliases",
    "owner",
    "visibility",
    "shared",
    "hidden",
)
SELECT_THING = f"SELECT {', '.join(THING_FIELDS)} FROM things"  # noqa: S608 (constant)

CREDENTIAL_FIELDS = tuple(f.name for f in fields(Credential))
SELECT_CREDENTIAL = f"SELECT {', '.join(CREDENTIAL_FIELDS)} FROM credentials"  # noqa: S608 (constant)
SELECT_CREDENTIAL_WITH_THING = (
    "SELECT "  # noqa: S608 (constant column names only)
    + ", ".join(f"credentials.{name}" for name in CREDENTIAL_FIELDS)
    + ", "
    + ", ".join(f"things.{name}" for name in THING_FIELDS)
    + " FROM credentials JOIN things ON things.id = credentials.thing_id"
    + " WHERE credentials.jkt = $1"
)


def thing_record(row: Row) -> ThingRecord:
    return ThingRecord(
        id=row[0],
        body=row[1],
        title=row[2],
        types=tuple(row[3]),
        created=row[4],
        modified=row[5],
        expires=row[6],
        ttl=row[7],
        anonymous=row[8],
        aliases=tuple(Alias(value, scheme) for value, scheme in orjson.loads(row[9])),
        access=Access(row[10], row[11], tuple(row[12]), tuple(row[13])),
    )


def credential_record(row: Row) -> Credential:
    return Credential(**dict(zip(CREDENTIAL_FIELDS, row, strict=True)))


def credential_with_thing(row: Row) -> tuple[Credential, ThingRecord]:
    values = tuple(row)
    split = len(CREDENTIAL_FIELDS)
    return credential_record(values[:split]), thing_record(values[split:])
