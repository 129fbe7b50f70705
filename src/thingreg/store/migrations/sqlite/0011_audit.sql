-- The tamper-evident audit log (core/audit.py): entries hash-chained in sequence order, and
-- the head (last sequence number and hash) in a row of its own, updated in the same
-- transaction as every append, so that removing the newest entries is detected too.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    owner TEXT NOT NULL,
    digest TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_owner ON audit (owner, seq);

CREATE TABLE audit_head (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (only_row, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
