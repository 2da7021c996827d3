-- Schema version 2: failed sign-ins per account and per client address, shared by every server
-- on the database (SQLite's schema 7).
CREATE TABLE sign_in_failures (
    key          TEXT PRIMARY KEY,
    count        BIGINT NOT NULL,
    next_allowed BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_updated ON sign_in_failures (updated_at);
