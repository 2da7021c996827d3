-- Schema version 3: usage tracking. Successful verifications are counted in memory and written
-- in batches (see usage.rs): totals and the last client on the token, and a count per day.

ALTER TABLE tokens ADD COLUMN last_client TEXT;       -- client address of the last use
ALTER TABLE tokens ADD COLUMN last_user_agent TEXT;

CREATE TABLE token_usage_daily (
    token_id TEXT NOT NULL REFERENCES tokens(id),
    day      INTEGER NOT NULL,                         -- days since the Unix epoch (UTC)
    count    INTEGER NOT NULL,
    PRIMARY KEY (token_id, day)
) WITHOUT ROWID;
