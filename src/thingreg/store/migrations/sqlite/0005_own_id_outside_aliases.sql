-- A thing's own id, when it is already canonical, is no longer repeated in `aliases`: the
-- `things` id index already makes it unique, and the writer (the only one) checks the two
-- tables against each other. Creates write one random-keyed row fewer. The scheme the id was
-- read as moves to `things.scheme` for the listing filter by scheme.
ALTER TABLE things ADD COLUMN scheme TEXT;
UPDATE things SET scheme = (SELECT scheme FROM aliases WHERE alias = things.id);
DELETE FROM aliases WHERE alias IN (SELECT id FROM things);
CREATE INDEX things_scheme ON things (scheme, id) WHERE scheme IS NOT NULL;
