-- Docker Watcher's first schema. Times are UTC DATETIME text.

CREATE TABLE settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    installation_id      TEXT    NOT NULL,
    domain               TEXT    NOT NULL DEFAULT '',
    public_ipv4          TEXT    NOT NULL DEFAULT '',
    public_ipv6          TEXT    NOT NULL DEFAULT '',
    wildcard_dns         INTEGER NOT NULL DEFAULT 1,
    dns_provider         TEXT    NOT NULL DEFAULT '',
    cloudflare_api_token TEXT    NOT NULL DEFAULT '',
    cloudflare_zone_id   TEXT    NOT NULL DEFAULT '',
    cloudflare_zone_name TEXT    NOT NULL DEFAULT '',
    dns_ttl              INTEGER NOT NULL DEFAULT 1,
    cloudflare_proxied   INTEGER NOT NULL DEFAULT 0,
    updated_at           DATETIME NOT NULL
);

-- The installation id marks DNS records as ours; it never changes.
INSERT INTO settings (id, installation_id, updated_at)
VALUES (1, lower(hex(randomblob(8))), strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'));

CREATE TABLE apps (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT    NOT NULL UNIQUE,
    image                 TEXT    NOT NULL,
    tag_pattern           TEXT    NOT NULL,
    container_port        INTEGER NOT NULL CHECK (container_port BETWEEN 1 AND 65535),
    env                   TEXT    NOT NULL DEFAULT '{}', -- JSON object of strings
    auto_deploy           INTEGER NOT NULL DEFAULT 0,
    poll_interval_seconds INTEGER NOT NULL DEFAULT 300,
    registry_username     TEXT    NOT NULL DEFAULT '',
    registry_password     TEXT    NOT NULL DEFAULT '',
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);

CREATE TABLE instances (
    id             INTEGER PRIMARY KEY,
    app_id         INTEGER NOT NULL REFERENCES apps (id) ON DELETE RESTRICT,
    tag            TEXT    NOT NULL,
    digest         TEXT    NOT NULL DEFAULT '',
    subdomain      TEXT    NOT NULL UNIQUE,
    container_id   TEXT    NOT NULL DEFAULT '',
    host_port      INTEGER NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL CHECK (status IN ('deploying', 'running', 'stopped', 'failed')),
    proxy_route_id INTEGER NOT NULL DEFAULT 0, -- the seed's npm_proxy_id; 0 = no route
    last_error     TEXT    NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE INDEX instances_app_id ON instances (app_id);

CREATE TABLE standalone_proxies (
    id             INTEGER PRIMARY KEY,
    domain         TEXT    NOT NULL UNIQUE,
    forward_scheme TEXT    NOT NULL CHECK (forward_scheme IN ('http', 'https')),
    forward_host   TEXT    NOT NULL,
    forward_port   INTEGER NOT NULL CHECK (forward_port BETWEEN 1 AND 65535),
    proxy_route_id INTEGER NOT NULL DEFAULT 0,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);

-- The records Docker Watcher owns at a DNS provider: a record is ours only
-- when a row here tracks it.
CREATE TABLE dns_records (
    id                 INTEGER PRIMARY KEY,
    provider           TEXT    NOT NULL,
    zone_id            TEXT    NOT NULL,
    fqdn               TEXT    NOT NULL,
    type               TEXT    NOT NULL,
    content            TEXT    NOT NULL DEFAULT '',
    provider_record_id TEXT    NOT NULL DEFAULT '',
    consumer_kind      TEXT    NOT NULL DEFAULT '' CHECK (consumer_kind IN ('', 'instance', 'proxy')),
    consumer_id        INTEGER NOT NULL DEFAULT 0,
    state              TEXT    NOT NULL CHECK (state IN ('pending', 'synced', 'error', 'deleting')),
    last_error         TEXT    NOT NULL DEFAULT '',
    last_synced_at     DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    UNIQUE (provider, zone_id, fqdn, type)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE, -- SHA-256 of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE, -- SHA-256 of the token
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME
);
