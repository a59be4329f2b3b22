-- Authentication hardening. A user's session epoch goes up with every
-- password change and "sign out everywhere"; a session is valid only while
-- its epoch is the user's, so no session opened before survives.

ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_user_id ON sessions (user_id);

-- API tokens: an optional expiry (NULL: never), and a scope: 'full', or
-- 'read' (GET and HEAD only).
ALTER TABLE api_tokens ADD COLUMN expires_at DATETIME;
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'read'));
