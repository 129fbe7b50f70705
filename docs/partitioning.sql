-- Hash partitioning of a thingreg PostgreSQL schema (see docs/scaling.md).
--
-- Converts, in place and in one transaction, the tables that grow with the number of things
-- into hash-partitioned tables, each by the key its uniqueness is enforced on:
--   things       by id     (the thing id)
--   aliases      by alias  (unique registry-wide; the index by thing_id stays)
--   credentials  by jkt    (a key is bound to one thing registry-wide)
-- PostgreSQL enforces a unique index of a partitioned table only when it includes the
-- partition key, so each table is partitioned by the one key it must keep unique. The other
-- tables (events, counters, delegations, challenges, signing_keys, schema_migrations) stay as
-- they are. thingreg needs no change to run on the result: tests/store/test_contract.py runs
-- its whole suite on a schema converted by this script.
--
-- Run it against a schema thingreg has already created, with no thingreg process writing:
--     psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -c 'SET search_path = thingreg' -f partitioning.sql
-- or with search_path in the connection options. Copying the rows takes about as long as an
-- export and import of the same data; the old tables are dropped at the end. Change
-- `partitions` below for another count (it cannot be changed later without a new copy).

BEGIN;

DO $$
DECLARE
    partitions constant integer := 8;
    plan constant text[][] := ARRAY[
        -- table, partition key
        ARRAY['things', 'id'],
        ARRAY['aliases', 'alias'],
        ARRAY['credentials', 'jkt']
    ];
    t text;
    k text;
    i integer;
BEGIN
    FOR n IN 1 .. array_length(plan, 1) LOOP
        t := plan[n][1];
        k := plan[n][2];
        -- Move the table aside, its indexes and constraints too, so the names are free.
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t, t || '_unpartitioned');
        EXECUTE format('ALTER INDEX %I RENAME TO %I', t || '_pkey', t || '_unpartitioned_pkey');
        -- Same columns, defaults, checks, storage and compression; keys and indexes below.
        EXECUTE format(
            'CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
            'INCLUDING STORAGE INCLUDING COMPRESSION) PARTITION BY HASH (%I)',
            t, t || '_unpartitioned', k
        );
        EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (%I)', t, k);
        FOR i IN 0 .. partitions - 1 LOOP
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                t || '_p' || i, t, partitions, i
            );
        END LOOP;
    END LOOP;
END
$$;

-- The secondary indexes of migrations 0001-0003, on the partitioned tables (one per partition).
ALTER INDEX things_title RENAME TO things_unpartitioned_title;
ALTER INDEX things_types RENAME TO things_unpartitioned_types;
ALTER INDEX things_expires RENAME TO things_unpartitioned_expires;
CREATE INDEX things_title ON things (title);
CREATE INDEX things_types ON things USING gin (types);
CREATE INDEX things_expires ON things (expires) WHERE expires IS NOT NULL;

ALTER INDEX aliases_thing RENAME TO aliases_unpartitioned_thing;
ALTER INDEX aliases_scheme RENAME TO aliases_unpartitioned_scheme;
CREATE INDEX aliases_thing ON aliases (thing_id);
CREATE INDEX aliases_scheme ON aliases (scheme, thing_id);

-- A credential is found by its thing (listing) or by its key's thumbprint (the key).
ALTER INDEX credentials_thing RENAME TO credentials_unpartitioned_thing;
CREATE INDEX credentials_thing ON credentials (thing_id);
CREATE INDEX credentials_id ON credentials (id);

INSERT INTO things SELECT * FROM things_unpartitioned;
INSERT INTO aliases SELECT * FROM aliases_unpartitioned;
INSERT INTO credentials SELECT * FROM credentials_unpartitioned;
DROP TABLE things_unpartitioned, aliases_unpartitioned, credentials_unpartitioned;

COMMIT;
