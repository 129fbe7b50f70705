-- The SAREF core classes each thing is annotated with, and all their superclasses (local
-- names, both SAREF namespaces folded into one): a class query reads one range of the primary
-- key, already in thing id order. Things stored before this migration are indexed when next
-- written.
CREATE TABLE thing_classes (
    class text COLLATE "C" NOT NULL,
    thing_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (class, thing_id)
);
CREATE INDEX thing_classes_thing ON thing_classes (thing_id);
