-- Schema version 3: the keys that sign JWT access tokens (SQLite's schema 8). Only public
-- parts: each private key is derived from the authority's secret (the key file) and `salt`.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    salt       BYTEA NOT NULL,
    public_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX signing_keys_by_created ON signing_keys (created_at);
