-- The tamper-evident audit log (core/audit.py): entries hash-chained in sequence order, and
-- the head (last sequence number and hash) in a row of its own. Every append locks the head
-- row (UPDATE) in the transaction of the change it records, so concurrent writers, in this
-- process or another, append one after the other and the chain has no forks or gaps.
CREATE TABLE audit (
    seq bigint PRIMARY KEY,
    at text NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    subject text COLLATE "C" NOT NULL,
    owner text COLLATE "C" NOT NULL,
    digest text NOT NULL,
    prev text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX audit_owner ON audit (owner, seq);

CREATE TABLE audit_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (seq, hash)
VALUES (0, '0000000000000000000000000000000000000000000000000000000000000000');
