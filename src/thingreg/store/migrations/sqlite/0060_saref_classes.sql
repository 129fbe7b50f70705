-- The SAREF core classes each thing is annotated with, and all their superclasses (local
-- names, both SAREF namespaces folded into one): a class query reads one range of the primary
-- key, already in thing id order. Things stored before this migration are indexed when next
-- written.
CREATE TABLE thing_classes (
    class TEXT NOT NULL,
    thing_id TEXT NOT NULL,
    PRIMARY KEY (class, thing_id)
) WITHOUT ROWID;
CREATE INDEX thing_classes_thing ON thing_classes (thing_id);

-- How many things each class has, kept by triggers in the writing transaction: the total of
-- a one-class listing (format=collection) is then one lookup, not a count of the index range.
CREATE TABLE class_counts (
    class TEXT PRIMARY KEY,
    things INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER thing_classes_added AFTER INSERT ON thing_classes BEGIN
    INSERT INTO class_counts (class, things) VALUES (new.class, 1)
        ON CONFLICT (class) DO UPDATE SET things = things + 1;
END;
CREATE TRIGGER thing_classes_removed AFTER DELETE ON thing_classes BEGIN
    UPDATE class_counts SET things = things - 1 WHERE class = old.class;
END
