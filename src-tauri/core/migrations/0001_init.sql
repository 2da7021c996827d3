-- Tokendesk schema, version 1. Times are milliseconds since the Unix epoch (UTC).
-- The plain token is never stored: only its HMAC-SHA256 under the authority's keyring key.

CREATE TABLE authority (
    id            TEXT PRIMARY KEY,
    singleton     INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (singleton = 1),
    display_name  TEXT NOT NULL,
    token_prefix  TEXT NOT NULL,
    expiry_policy TEXT NOT NULL,            -- JSON ExpiryPolicy
    created_at    INTEGER NOT NULL
);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    email        TEXT UNIQUE COLLATE NOCASE,
    kind         TEXT NOT NULL CHECK (kind IN ('human', 'service')),
    role         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at   INTEGER NOT NULL
);

CREATE TABLE tokens (
    seq           INTEGER PRIMARY KEY,      -- stable rowid for the search index
    id            TEXT NOT NULL UNIQUE,     -- UUIDv7, the public id
    owner_id      TEXT NOT NULL REFERENCES users(id),
    created_by    TEXT NOT NULL REFERENCES users(id),
    kind          TEXT NOT NULL CHECK (kind IN ('personal', 'impersonation', 'service')),
    name          TEXT NOT NULL COLLATE NOCASE,
    description   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,                  -- NULL: never expires
    revoked_at    INTEGER,
    revoked_by    TEXT REFERENCES users(id),
    revoke_reason TEXT,
    last_used_at  INTEGER,
    use_count     INTEGER NOT NULL DEFAULT 0,
    token_hash    BLOB NOT NULL CHECK (length(token_hash) = 32),
    display_hint  TEXT NOT NULL,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

CREATE UNIQUE INDEX tokens_by_hash ON tokens(token_hash);
-- A name is unique per owner among tokens that are not revoked.
CREATE UNIQUE INDEX tokens_live_name ON tokens(owner_id, name) WHERE revoked_at IS NULL;
-- One index per sort key, in the exact expression the list query orders by (keyset pagination).
CREATE INDEX tokens_by_created ON tokens(owner_id, created_at, id);
CREATE INDEX tokens_by_name    ON tokens(owner_id, name, id);
CREATE INDEX tokens_by_expires ON tokens(owner_id, coalesce(expires_at, 9223372036854775807), id);
CREATE INDEX tokens_by_used    ON tokens(owner_id, coalesce(last_used_at, 0), id);
CREATE INDEX tokens_by_status  ON tokens(owner_id, revoked_at IS NOT NULL,
                                         -coalesce(expires_at, 9223372036854775807), id);

-- Substring search over name and description: a trigram index answers `%text%` without a scan.
CREATE VIRTUAL TABLE tokens_search USING fts5(
    name, description, content = 'tokens', content_rowid = 'seq', tokenize = 'trigram'
);
CREATE TRIGGER tokens_search_insert AFTER INSERT ON tokens BEGIN
    INSERT INTO tokens_search (rowid, name, description) VALUES (new.seq, new.name, new.description);
END;
CREATE TRIGGER tokens_search_delete AFTER DELETE ON tokens BEGIN
    INSERT INTO tokens_search (tokens_search, rowid, name, description)
    VALUES ('delete', old.seq, old.name, old.description);
END;
CREATE TRIGGER tokens_search_update AFTER UPDATE OF name, description ON tokens BEGIN
    INSERT INTO tokens_search (tokens_search, rowid, name, description)
    VALUES ('delete', old.seq, old.name, old.description);
    INSERT INTO tokens_search (rowid, name, description) VALUES (new.seq, new.name, new.description);
END;

CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    at         INTEGER NOT NULL,
    actor_id   TEXT NOT NULL,               -- no foreign key: history outlives removed users
    subject_id TEXT NOT NULL,
    action     TEXT NOT NULL,
    target_id  TEXT,
    details    TEXT NOT NULL DEFAULT '{}'   -- JSON, never a secret
);
CREATE INDEX audit_by_target ON audit_events(target_id);
