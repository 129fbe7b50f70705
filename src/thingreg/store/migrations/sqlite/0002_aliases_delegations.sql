-- Identifiers: every canonical identifier of a thing (its own id included) is unique across
-- the registry; delegations map identifier prefixes to the peer registry authoritative for them.
ALTER TABLE things ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';

CREATE TABLE aliases (
    alias TEXT PRIMARY KEY,
    thing_id TEXT NOT NULL,
    scheme TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX aliases_thing ON aliases (thing_id);
CREATE INDEX aliases_scheme ON aliases (scheme, thing_id);

CREATE TABLE delegations (
    prefix TEXT PRIMARY KEY,
    peer TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
) WITHOUT ROWID;
