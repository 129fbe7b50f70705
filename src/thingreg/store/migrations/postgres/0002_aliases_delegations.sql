-- Identifiers: every canonical identifier of a thing (its own id included) is unique across
-- the registry; delegations map identifier prefixes to the peer registry authoritative for them.
-- `things.aliases` keeps the record's [value, scheme] pairs in order (JSON text).
ALTER TABLE things ADD COLUMN aliases text NOT NULL DEFAULT '[]';

CREATE TABLE aliases (
    alias text COLLATE "C" PRIMARY KEY,
    thing_id text COLLATE "C" NOT NULL,
    scheme text COLLATE "C" NOT NULL
);
CREATE INDEX aliases_thing ON aliases (thing_id);
CREATE INDEX aliases_scheme ON aliases (scheme, thing_id);

CREATE TABLE delegations (
    prefix text COLLATE "C" PRIMARY KEY,
    peer text NOT NULL,
    note text NOT NULL DEFAULT '',
    created text NOT NULL
);
