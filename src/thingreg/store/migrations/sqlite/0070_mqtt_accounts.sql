-- MQTT broker accounts of things (the password is derived from salt and the registry's secret,
-- never stored) and the positions of event-log followers such as the broker synchroniser.
CREATE TABLE mqtt_accounts (
    thing_id TEXT PRIMARY KEY,
    salt TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    event_id INTEGER NOT NULL
) WITHOUT ROWID;
