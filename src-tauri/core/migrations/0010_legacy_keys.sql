-- Schema version 10: legacy API keys imported from the system an organisation moves from.
-- A legacy key is a token row (usage, status, revocation and the change feed apply as to any
-- token) marked `legacy`, kept as the HMAC of "legacy:" + the key, never the key. `kind` keeps
-- the owner's natural kind so its CHECK stays as it is. Lists of tokens leave these rows out;
-- the Migration screen lists only them.
ALTER TABLE tokens ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_legacy_by_created ON tokens(created_at, id) WHERE legacy = 1;
-- JSON LegacySettings; NULL: never set (off, X-Api-Key).
ALTER TABLE authority ADD COLUMN legacy_settings TEXT;
-- A legacy key's label never takes a name from its owner's tokens.
DROP INDEX tokens_live_name;
CREATE UNIQUE INDEX tokens_live_name ON tokens(owner_id, name) WHERE revoked_at IS NULL AND legacy = 0;
