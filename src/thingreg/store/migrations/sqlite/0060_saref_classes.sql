-- The SAREF core classes each thing is annotated with (local names, both SAREF namespaces
-- folded into one), for class queries: a query expands its class to its subclasses and reads
-- this index by class. Things stored before this migration are indexed when next written.
CREATE TABLE thing_classes (
    class TEXT NOT NULL,
    thing_id TEXT NOT NULL,
    PRIMARY KEY (class, thing_id)
) WITHOUT ROWID;
CREATE INDEX thing_classes_thing ON thing_classes (thing_id);
