-- Access control: each thing's owner and visibility, the owners (tenants) and their API keys.
-- Things stored before this migration stay public (they were readable by anyone), owned by
-- nobody: only an administrator can change them. New things are written with their access.
ALTER TABLE things
    ADD COLUMN owner text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN visibility text NOT NULL DEFAULT 'public',
    ADD COLUMN shared text[] COLLATE "C" NOT NULL DEFAULT '{}',
    ADD COLUMN hidden text[] NOT NULL DEFAULT '{}';
CREATE INDEX things_owner ON things (owner, id);
CREATE INDEX things_public ON things (id) WHERE visibility = 'public';
CREATE INDEX things_shared ON things USING gin (shared) WHERE visibility = 'shared';

-- The access of the thing as of each event, so that streams show an event only to those who
-- could see the thing (a deletion carries the access the thing had).
ALTER TABLE events ADD COLUMN access text;

CREATE TABLE owners (
    name text COLLATE "C" PRIMARY KEY,
    created text NOT NULL,
    note text NOT NULL DEFAULT ''
);

CREATE TABLE api_keys (
    id text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL REFERENCES owners (name),
    secret_sha256 bytea NOT NULL,
    scopes text NOT NULL,
    label text NOT NULL DEFAULT '',
    created text NOT NULL,
    revoked text
);
CREATE INDEX api_keys_owner ON api_keys (owner);
