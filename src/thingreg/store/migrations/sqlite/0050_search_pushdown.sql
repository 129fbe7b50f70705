-- Search pushdown: SQLite's JSON functions cut a string at an escaped U+0000, so rows whose body
-- may hold one are always kept by a pushed-down search (the query is still judged in Python).
-- A virtual column costs nothing to store; its partial index lists the rare such rows.
ALTER TABLE things ADD COLUMN nul INTEGER GENERATED ALWAYS AS (instr(body, X'5c7530303030') > 0) VIRTUAL;
CREATE INDEX things_nul ON things (nul) WHERE nul = 1
