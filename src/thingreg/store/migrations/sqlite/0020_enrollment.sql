-- Enrollment groups (fleet onboarding): each group's definition is one JSON document; the
-- block list names devices a group must not register or authenticate. A credential remembers
-- the group that registered its device.
CREATE TABLE enrollment_groups (
    id TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    enabled INTEGER NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);

CREATE TABLE enrollment_blocks (
    group_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (group_id, device_id)
) WITHOUT ROWID;

ALTER TABLE credentials ADD COLUMN group_id TEXT;
