-- Schema version 5: legacy API keys (SQLite's schema 10).
ALTER TABLE tokens ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_legacy_by_created ON tokens(created_at, id) WHERE legacy = 1;
ALTER TABLE authority ADD COLUMN legacy_settings TEXT;
DROP INDEX tokens_live_name;
CREATE UNIQUE INDEX tokens_live_name ON tokens (owner_id, lower(name)) WHERE revoked_at IS NULL AND legacy = 0;
