-- ACME DNS-01 challenge TXT records: a row is written before the record is
-- created at the provider and deleted after the record is, so a crash never
-- leaves a record of ours untracked (the next start deletes what is left).
-- Two challenges (for *.domain and domain) share a name with different
-- values, so the key is the name with the value.

CREATE TABLE acme_challenges (
    id                 INTEGER PRIMARY KEY,
    provider           TEXT     NOT NULL,
    zone_id            TEXT     NOT NULL,
    fqdn               TEXT     NOT NULL,
    content            TEXT     NOT NULL,
    provider_record_id TEXT     NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    UNIQUE (provider, zone_id, fqdn, content)
);
