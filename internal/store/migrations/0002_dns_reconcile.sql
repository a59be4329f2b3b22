-- DNS reconciliation: grace period and sync interval, when an instance's
-- status last changed (the grace period counts from there), and the report
-- of the last sync.

ALTER TABLE settings ADD COLUMN dns_delete_grace_seconds INTEGER NOT NULL DEFAULT 600;
ALTER TABLE settings ADD COLUMN dns_sync_interval_seconds INTEGER NOT NULL DEFAULT 600;

ALTER TABLE instances ADD COLUMN status_changed_at DATETIME;
UPDATE instances SET status_changed_at = updated_at;

CREATE TABLE dns_sync_reports (
    id         INTEGER PRIMARY KEY CHECK (id = 1), -- the last one only
    started_at DATETIME NOT NULL,
    report     TEXT     NOT NULL -- JSON
);
