-- Schema version 9: OAuth client credentials of service users (RFC 6749 §4.4). The secret is
-- kept only as its HMAC, like tokens; one client per service user, its secret replaceable.
CREATE TABLE oauth_clients (
    client_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL UNIQUE REFERENCES users(id),
    secret_hash BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    rotated_at  INTEGER NOT NULL
);
