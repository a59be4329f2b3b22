-- The UI's own name (settings.ui_domain) is a consumer like an instance or
-- a standalone proxy: its DNS record is tracked with consumer_kind 'ui'.
-- SQLite cannot change a CHECK constraint in place, so the table is made
-- anew with the same columns and rows.

CREATE TABLE dns_records_new (
    id                 INTEGER PRIMARY KEY,
    provider           TEXT    NOT NULL,
    zone_id            TEXT    NOT NULL,
    fqdn               TEXT    NOT NULL,
    type               TEXT    NOT NULL,
    content            TEXT    NOT NULL DEFAULT '',
    provider_record_id TEXT    NOT NULL DEFAULT '',
    consumer_kind      TEXT    NOT NULL DEFAULT '' CHECK (consumer_kind IN ('', 'instance', 'proxy', 'ui')),
    consumer_id        INTEGER NOT NULL DEFAULT 0,
    state              TEXT    NOT NULL CHECK (state IN ('pending', 'synced', 'error', 'deleting')),
    last_error         TEXT    NOT NULL DEFAULT '',
    last_synced_at     DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    pending_since      DATETIME,
    UNIQUE (provider, zone_id, fqdn, type)
);
INSERT INTO dns_records_new (id, provider, zone_id, fqdn, type, content, provider_record_id, consumer_kind,
    consumer_id, state, last_error, last_synced_at, created_at, updated_at, pending_since)
SELECT id, provider, zone_id, fqdn, type, content, provider_record_id, consumer_kind,
    consumer_id, state, last_error, last_synced_at, created_at, updated_at, pending_since FROM dns_records;
DROP TABLE dns_records;
ALTER TABLE dns_records_new RENAME TO dns_records;
