"""A database of generated SAREF-annotated things, written straight into the tables.

Creating a million things through the API takes the better part of an hour on a small machine;
a class query does not care how its rows arrived. The store is opened once (so its migrations
make the schema), then the rows the store would write -- the thing, its ``@type`` and SAREF
class index rows, its alias, the counters -- are inserted in bulk. Each thing's classes come
from :func:`thingreg.core.semantic.saref.classes_of`, the function the write path uses.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from thingreg.core.semantic.saref import classes_of, with_superclasses
from thingreg.core.td.registration import types_of
from thingreg.store import open_store

TD_CONTEXT = "https://www.w3.org/2022/wot/td/v1.1"
NAMESPACES = ("https://saref.etsi.org/core/", "https://w3id.org/saref#")
STAMP = "2026-01-01T00:00:00.000Z"
FORM = [{"href": "https://device.example/p", "op": "readproperty"}]

# (weight, thing @type, function declared with saref:hasFunction, property affordance @type)
PROFILES: list[tuple[float, tuple[str, ...], str | None, str | None]] = [
    (40.0, (), None, None),
    (10.0, ("TemperatureSensor",), "SensingFunction", "Temperature"),
    (5.0, ("SmokeSensor",), "SensingFunction", "Smoke"),
    (3.0, ("Sensor",), "SensingFunction", "Humidity"),
    (8.0, ("Meter",), "MeteringFunction", "Energy"),
    (2.0, ("Meter", "Sensor"), "MeteringFunction", "Power"),
    (10.0, ("LightSwitch",), "OnOffFunction", "OnOffState"),
    (5.0, ("Switch",), "OnOffFunction", "OnOffState"),
    (5.0, ("Actuator",), "LevelControlFunction", "MultiLevelState"),
    (6.99, ("Appliance",), "StartStopFunction", "StartStopState"),
    (5.0, ("HVAC",), "LevelControlFunction", "Temperature"),
    (0.01, ("DoorSwitch",), "OpenCloseFunction", "OpenCloseState"),
]


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    body: bytes
    title: str
    types: tuple[str, ...]
    classes: tuple[str, ...]


def things(count: int, seed: int) -> Iterator[Row]:
    """``count`` generated things: both namespaces, compact and full IRIs, by the profiles."""
    rng = random.Random(seed)
    weights = [p[0] for p in PROFILES]
    for index in range(count):
        _, kinds, function, prop = rng.choices(PROFILES, weights)[0]
        namespace = NAMESPACES[index % 2]
        # A third of the TDs use full IRIs, the others saref:Name.
        prefix = namespace if index % 3 == 0 else "saref:"
        thing_id = f"urn:bench:saref:{index:07d}"
        td: dict[str, Any] = {
            "@context": [TD_CONTEXT, {"saref": namespace}],
            "id": thing_id,
            "title": f"thing {index:07d}",
            "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
            "security": "nosec_sc",
        }
        if kinds:
            td["@type"] = [prefix + kind for kind in kinds]
        if function is not None:
            td["saref:hasFunction"] = {"@type": prefix + function}
        affordance: dict[str, Any] = {"type": "number", "forms": FORM}
        if prop is not None:
            affordance["@type"] = prefix + prop
        td["properties"] = {"value": affordance}
        classes = with_superclasses(classes_of(td))
        yield Row(thing_id, orjson.dumps(td), td["title"], types_of(td), classes)


async def make_schema(url: str) -> None:
    """Create the store's tables at ``url`` (its migrations run on open)."""
    store = open_store(url)
    await store.open()
    await store.close()


def fill_sqlite(path: Path, rows: Iterator[Row], batch: int = 20_000) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    total = 0
    conn.execute("BEGIN")
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            total += _sqlite_chunk(conn, chunk)
            chunk = []
    total += _sqlite_chunk(conn, chunk)
    conn.execute("UPDATE counters SET value = ? WHERE name IN ('things', 'version')", (total,))
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return total


def _sqlite_chunk(conn: sqlite3.Connection, chunk: list[Row]) -> int:
    conn.executemany(
        "INSERT INTO things (id, body, title, types, created, modified, aliases) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (r.id, r.body, r.title, orjson.dumps(r.types).decode(), STAMP, STAMP, _aliases(r))
            for r in chunk
        ],
    )
    conn.executemany(
        "INSERT INTO thing_types (type, thing_id) VALUES (?, ?)",
        [(t, r.id) for r in chunk for t in r.types],
    )
    conn.executemany(
        "INSERT INTO thing_classes (class, thing_id) VALUES (?, ?)",
        [(c, r.id) for r in chunk for c in r.classes],
    )
    conn.executemany(
        "INSERT INTO aliases (alias, thing_id, scheme) VALUES (?, ?, 'uri')",
        [(r.id, r.id) for r in chunk],
    )
    return len(chunk)


async def fill_postgres(url: str, rows: Iterator[Row], batch: int = 20_000) -> int:
    conn = await asyncpg.connect(url)
    total = 0
    try:
        chunk: list[Row] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                total += await _postgres_chunk(conn, chunk)
                chunk = []
        total += await _postgres_chunk(conn, chunk)
        await conn.execute("UPDATE counters SET things = $1, version = $1", total)
        for table in ("things", "thing_classes", "aliases"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return total


_PG_COLUMNS = ("id", "body", "doc", "title", "types", "created", "modified", "aliases")


async def _postgres_chunk(conn: asyncpg.Connection[Any], chunk: list[Row]) -> int:
    await conn.copy_records_to_table(
        "things",
        columns=[*_PG_COLUMNS],
        records=[
            (
                r.id,
                r.body,
                r.body.decode(),
                r.title,
                list(r.types),
                STAMP,
                STAMP,
                _aliases(r),
            )
            for r in chunk
        ],
    )
    await conn.copy_records_to_table(
        "thing_classes",
        columns=["class", "thing_id"],
        records=[(c, r.id) for r in chunk for c in r.classes],
    )
    await conn.copy_records_to_table(
        "aliases",
        columns=["alias", "thing_id", "scheme"],
        records=[(r.id, r.id, "uri") for r in chunk],
    )
    return len(chunk)


def _aliases(row: Row) -> str:
    return orjson.dumps([(row.id, "uri")]).decode()
