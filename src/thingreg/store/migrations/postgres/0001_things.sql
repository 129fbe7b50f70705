-- Things, the event log and the collection counters.
--
-- Every string that is compared, ordered or range-scanned uses the "C" collation: code-point
-- order and byte equality, exactly as SQLite compares (ids are listed in that order).
-- `body` keeps the exact compact JSON bytes a TD is rendered from; `doc` holds the same TD as
-- jsonb for queries run in the database (NULL for the rare TD with a \u0000 escape, which jsonb
-- cannot hold).
CREATE TABLE things (
    id text COLLATE "C" PRIMARY KEY,
    body bytea NOT NULL,
    doc jsonb,
    title text COLLATE "C" NOT NULL,
    types text[] COLLATE "C" NOT NULL,
    created text COLLATE "C" NOT NULL,
    modified text COLLATE "C" NOT NULL,
    expires text COLLATE "C",
    ttl double precision,
    anonymous boolean NOT NULL DEFAULT false
);
-- lz4 compresses a 2-3 KB TD in a fraction of the time of the default pglz (fall back to that
-- on a server built without lz4).
DO $$
BEGIN
    ALTER TABLE things ALTER COLUMN body SET COMPRESSION lz4,
        ALTER COLUMN doc SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available: TDs are compressed with pglz';
END
$$;
CREATE INDEX things_title ON things (title);
CREATE INDEX things_types ON things USING gin (types);
CREATE INDEX things_expires ON things (expires) WHERE expires IS NOT NULL;

-- Event ids are handed out from counters.events in the writing transaction (see postgres.py):
-- the row lock makes them increase in commit order, which replay after Last-Event-ID relies on.
CREATE TABLE events (
    id bigint PRIMARY KEY,
    type text NOT NULL,
    thing_id text COLLATE "C" NOT NULL,
    diff bytea
);

-- One row: how many things, a version bumped on every addition or removal, the last event id.
CREATE TABLE counters (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    things bigint NOT NULL,
    version bigint NOT NULL,
    events bigint NOT NULL
);
INSERT INTO counters (things, version, events) VALUES (0, 0, 0);
