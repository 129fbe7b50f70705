-- Things, their @type values, the event log, and collection counters.
CREATE TABLE things (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    body BLOB NOT NULL,
    title TEXT NOT NULL,
    types TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    expires TEXT,
    ttl REAL,
    anonymous INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX things_title ON things (title);
CREATE INDEX things_expires ON things (expires) WHERE expires IS NOT NULL;

CREATE TABLE thing_types (
    type TEXT NOT NULL,
    thing_id TEXT NOT NULL,
    PRIMARY KEY (type, thing_id)
) WITHOUT ROWID;
CREATE INDEX thing_types_thing ON thing_types (thing_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    thing_id TEXT NOT NULL,
    diff BLOB
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('things', 0), ('version', 0);
