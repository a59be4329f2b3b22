-- The digest whose deploy failed last, so that the registry watcher does
-- not try a broken image again at every poll.
ALTER TABLE instances ADD COLUMN failed_digest TEXT NOT NULL DEFAULT '';
