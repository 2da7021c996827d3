-- Schema version 11: rotation with a grace period. A rotated token names its successor
-- (`rotated_to`) and works until its grace ends (its `expires_at`); the successor names it
-- (`rotated_from`). The two share a name while both live, so a rotated token leaves the
-- one-live-name rule.
ALTER TABLE tokens ADD COLUMN rotated_from TEXT;
ALTER TABLE tokens ADD COLUMN rotated_to TEXT;
DROP INDEX tokens_live_name;
CREATE UNIQUE INDEX tokens_live_name ON tokens(owner_id, name)
    WHERE revoked_at IS NULL AND legacy = 0 AND rotated_to IS NULL;
