-- DNS ownership: a row that awaits its record's id remembers when the
-- create was sent; earlier configurations keep their credentials until
-- their records are removed; the sync keeps what it saw at the provider.

ALTER TABLE dns_records ADD COLUMN pending_since DATETIME;

CREATE TABLE dns_cleanups (
    provider    TEXT     NOT NULL,
    zone_id     TEXT     NOT NULL,
    zone_name   TEXT     NOT NULL DEFAULT '',
    credentials TEXT     NOT NULL DEFAULT '{}', -- JSON; secret
    last_error  TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (provider, zone_id)
);

-- The records at the names that matter, as the last sync left them (JSON),
-- so the records page classifies with the same plan as the sync.
ALTER TABLE dns_sync_reports ADD COLUMN observed TEXT NOT NULL DEFAULT '[]';
