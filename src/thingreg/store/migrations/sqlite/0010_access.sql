-- Access control: each thing's owner and visibility, the owners (tenants) and their API keys.
-- Things stored before this migration stay public (they were readable by anyone), owned by
-- nobody: only an administrator can change them. New things are written with their access.
ALTER TABLE things ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE things ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE things ADD COLUMN shared TEXT NOT NULL DEFAULT '[]';
ALTER TABLE things ADD COLUMN hidden TEXT NOT NULL DEFAULT '[]';
CREATE INDEX things_owner ON things (owner, id);
CREATE INDEX things_public ON things (id) WHERE visibility = 'public';

-- Who a shared thing is shared with, for indexed listing by reader.
CREATE TABLE thing_shares (
    owner TEXT NOT NULL,
    thing_id TEXT NOT NULL,
    PRIMARY KEY (owner, thing_id)
) WITHOUT ROWID;

-- The access of the thing as of each event, so that streams show an event only to those who
-- could see the thing (a deletion carries the access the thing had).
ALTER TABLE events ADD COLUMN access TEXT;

CREATE TABLE owners (
    name TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES owners (name),
    secret_sha256 BLOB NOT NULL,
    scopes TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    revoked TEXT
) WITHOUT ROWID;
CREATE INDEX api_keys_owner ON api_keys (owner);
