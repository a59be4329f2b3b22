-- HTTPS of the built-in proxy: certificates from an ACME CA (obtained only
-- when acme_enabled and a domain is set), its contact and directory, the
-- redirect of HTTP to HTTPS and HSTS, and the name the UI is served at.

ALTER TABLE settings ADD COLUMN acme_enabled       INTEGER NOT NULL DEFAULT 1;
ALTER TABLE settings ADD COLUMN acme_email         TEXT    NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN acme_directory_url TEXT    NOT NULL DEFAULT 'https://acme-v02.api.letsencrypt.org/directory';
ALTER TABLE settings ADD COLUMN https_redirect     INTEGER NOT NULL DEFAULT 1;
ALTER TABLE settings ADD COLUMN hsts               INTEGER NOT NULL DEFAULT 0;
ALTER TABLE settings ADD COLUMN ui_domain          TEXT    NOT NULL DEFAULT '';
