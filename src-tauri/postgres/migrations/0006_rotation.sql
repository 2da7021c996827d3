-- Schema version 6: rotation with a grace period (SQLite's schema 11).
ALTER TABLE tokens ADD COLUMN rotated_from TEXT;
ALTER TABLE tokens ADD COLUMN rotated_to TEXT;
DROP INDEX tokens_live_name;
CREATE UNIQUE INDEX tokens_live_name ON tokens (owner_id, lower(name))
    WHERE revoked_at IS NULL AND legacy = 0 AND rotated_to IS NULL;
