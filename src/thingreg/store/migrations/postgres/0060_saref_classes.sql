-- The SAREF core classes each thing is annotated with (local names, both SAREF namespaces
-- folded into one), for class queries: a query expands its class to its subclasses and finds
-- the things through the GIN index (`classes && $1`), as for @type. Things stored before this
-- migration are indexed when next written.
ALTER TABLE things ADD COLUMN classes text[] COLLATE "C" NOT NULL DEFAULT '{}';
CREATE INDEX things_classes ON things USING gin (classes);
