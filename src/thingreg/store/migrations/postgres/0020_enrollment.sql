-- Enrollment groups (fleet onboarding): each group's definition is one JSON document; the
-- block list names devices a group must not register or authenticate. A credential remembers
-- the group that registered its device.
CREATE TABLE enrollment_groups (
    id text COLLATE "C" PRIMARY KEY,
    body bytea NOT NULL,
    enabled boolean NOT NULL,
    created text NOT NULL,
    modified text NOT NULL
);

CREATE TABLE enrollment_blocks (
    group_id text COLLATE "C" NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    created text NOT NULL,
    PRIMARY KEY (group_id, device_id)
);

ALTER TABLE credentials ADD COLUMN group_id text COLLATE "C";
