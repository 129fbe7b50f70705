-- MQTT broker accounts of things (the password is derived from salt and the registry's secret,
-- never stored) and the positions of event-log followers such as the broker synchroniser.
CREATE TABLE mqtt_accounts (
    thing_id text COLLATE "C" PRIMARY KEY,
    salt text NOT NULL,
    state text NOT NULL,
    created text NOT NULL,
    modified text NOT NULL
);

CREATE TABLE cursors (
    name text COLLATE "C" PRIMARY KEY,
    event_id bigint NOT NULL
);
