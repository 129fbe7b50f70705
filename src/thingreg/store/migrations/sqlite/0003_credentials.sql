-- Device credentials bound to things, proof-of-possession challenges, and the registry's own
-- token signing keys. A key (its RFC 7638 thumbprint, jkt) is bound to at most one thing.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    thing_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    alg TEXT NOT NULL,
    jkt TEXT NOT NULL UNIQUE,
    spki_sha256 TEXT NOT NULL,
    public_key BLOB NOT NULL,
    certificate BLOB,
    subject TEXT,
    state TEXT NOT NULL,
    not_before TEXT,
    not_after TEXT,
    label TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX credentials_thing ON credentials (thing_id);

CREATE TABLE challenges (
    nonce TEXT PRIMARY KEY,
    thing TEXT NOT NULL,
    audience TEXT NOT NULL,
    expires REAL NOT NULL,
    used REAL
) WITHOUT ROWID;
CREATE INDEX challenges_expires ON challenges (expires);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_key BLOB NOT NULL,
    public_jwk TEXT NOT NULL,
    created TEXT NOT NULL,
    retired TEXT
);
