-- Schema version 7: failed sign-ins per account and per client address, in the database, so
-- every process (and every team server) on it shares one rate limit.
CREATE TABLE sign_in_failures (
    key          TEXT PRIMARY KEY,      -- account:<email> or address:<ip or /64>
    count        INTEGER NOT NULL,
    next_allowed INTEGER NOT NULL,      -- ms since the epoch; 0: no wait
    updated_at   INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_updated ON sign_in_failures(updated_at);
