-- Alias rows are deleted by their keys (each thing record lists its aliases), so the index by
-- thing only slowed every create down.
DROP INDEX aliases_thing;
