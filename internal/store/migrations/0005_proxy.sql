-- Routing: the router (the built-in proxy or Nginx Proxy Manager) and its
-- settings; the proxy hosts Docker Watcher created in an NPM, by that
-- NPM's address, so that only those are ever changed or deleted.

ALTER TABLE settings ADD COLUMN proxy_provider   TEXT    NOT NULL DEFAULT 'builtin';
ALTER TABLE settings ADD COLUMN npm_url          TEXT    NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN npm_email        TEXT    NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN npm_password     TEXT    NOT NULL DEFAULT ''; -- secret
ALTER TABLE settings ADD COLUMN npm_forward_host TEXT    NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN trusted_proxies  TEXT    NOT NULL DEFAULT ''; -- comma-separated CIDRs
ALTER TABLE settings ADD COLUMN proxy_access_log INTEGER NOT NULL DEFAULT 0;

CREATE TABLE npm_hosts (
    npm_url    TEXT     NOT NULL, -- settings.npm_url when it was created
    host       TEXT     NOT NULL, -- the route's host
    npm_id     INTEGER  NOT NULL, -- NPM's proxy-host id
    created_at DATETIME NOT NULL,
    PRIMARY KEY (npm_url, host)
);
