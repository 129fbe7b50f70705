-- Ownership transfers: the signed record of each hand-over (a compact JWS by the registry's
-- token signing key, with that key's public JWK kept beside it so that the record can still be
-- verified after the key is retired and pruned).
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    from_owner TEXT NOT NULL,
    to_owner TEXT NOT NULL,
    things TEXT NOT NULL,
    record TEXT NOT NULL,
    key_jwk TEXT NOT NULL
);
CREATE INDEX transfers_from ON transfers (from_owner);
CREATE INDEX transfers_to ON transfers (to_owner);
