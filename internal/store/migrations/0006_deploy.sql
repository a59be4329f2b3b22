-- Deploying: where ports are published, how long a deploy and a drain may
-- take, the push webhook's secret; an app's health check, limits, volumes,
-- restart policy and vanished-tag policy, and the watcher's last error; an
-- instance's image and the one before it (for rollback).

ALTER TABLE settings ADD COLUMN docker_publish_address  TEXT    NOT NULL DEFAULT '127.0.0.1';
ALTER TABLE settings ADD COLUMN deploy_timeout_seconds  INTEGER NOT NULL DEFAULT 60;
ALTER TABLE settings ADD COLUMN drain_timeout_seconds   INTEGER NOT NULL DEFAULT 30;
ALTER TABLE settings ADD COLUMN registry_webhook_secret TEXT    NOT NULL DEFAULT ''; -- secret

ALTER TABLE apps ADD COLUMN health_path     TEXT    NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN health_host     TEXT    NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN memory_mb       INTEGER NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN cpus            REAL    NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN volumes         TEXT    NOT NULL DEFAULT '{}'; -- JSON: volume name → container path
ALTER TABLE apps ADD COLUMN restart_policy  TEXT    NOT NULL DEFAULT 'unless-stopped';
ALTER TABLE apps ADD COLUMN vanished_tag    TEXT    NOT NULL DEFAULT 'keep';
ALTER TABLE apps ADD COLUMN last_error      TEXT    NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN last_checked_at DATETIME;

ALTER TABLE instances ADD COLUMN image_id          TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN previous_digest   TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN previous_image_id TEXT NOT NULL DEFAULT '';
