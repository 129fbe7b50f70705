-- Device credentials bound to things, proof-of-possession challenges, and the registry's own
-- token signing keys. A key (its RFC 7638 thumbprint, jkt) is bound to at most one thing.
CREATE TABLE credentials (
    id text COLLATE "C" PRIMARY KEY,
    thing_id text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    alg text NOT NULL,
    jkt text COLLATE "C" NOT NULL UNIQUE,
    spki_sha256 text NOT NULL,
    public_key bytea NOT NULL,
    certificate bytea,
    subject text,
    state text NOT NULL,
    not_before text,
    not_after text,
    label text NOT NULL DEFAULT '',
    created text COLLATE "C" NOT NULL,
    modified text NOT NULL
);
CREATE INDEX credentials_thing ON credentials (thing_id);

CREATE TABLE challenges (
    nonce text COLLATE "C" PRIMARY KEY,
    thing text NOT NULL,
    audience text NOT NULL,
    expires double precision NOT NULL,
    used double precision
);
CREATE INDEX challenges_expires ON challenges (expires);

CREATE TABLE signing_keys (
    kid text COLLATE "C" PRIMARY KEY,
    alg text NOT NULL,
    private_key bytea NOT NULL,
    public_jwk text NOT NULL,
    created text COLLATE "C" NOT NULL,
    retired text COLLATE "C"
);
