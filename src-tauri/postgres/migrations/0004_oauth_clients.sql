-- Schema version 4: OAuth client credentials of service users (SQLite's schema 9).
CREATE TABLE oauth_clients (
    client_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL UNIQUE REFERENCES users(id),
    secret_hash BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    rotated_at  BIGINT NOT NULL
);
