-- Tokendesk on PostgreSQL, schema version 1: the same tables and columns as SQLite's schema 6
-- (src-tauri/core/migrations), so every query in core runs on both. Times are milliseconds
-- since the Unix epoch (UTC); flags are 0 / 1 integers, as in SQLite. The plain token is never
-- stored: only its HMAC-SHA256 under the authority's hash key, which is never stored here.

CREATE TABLE authority (
    id                        TEXT PRIMARY KEY,
    singleton                 BIGINT NOT NULL DEFAULT 1 UNIQUE CHECK (singleton = 1),
    display_name              TEXT NOT NULL,
    token_prefix              TEXT NOT NULL,
    expiry_policy             TEXT NOT NULL,            -- JSON ExpiryPolicy
    created_at                BIGINT NOT NULL,
    only_owners_create_tokens BIGINT NOT NULL DEFAULT 0,
    audit_head_mac            BYTEA,
    service_enabled           BIGINT NOT NULL DEFAULT 0,
    service_bind              TEXT NOT NULL DEFAULT '127.0.0.1:7878',
    service_extra_schemes     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE first_run (
    only_row     BIGINT PRIMARY KEY CHECK (only_row = 1),
    authority_id TEXT NOT NULL
);

CREATE TABLE roles (
    id                       TEXT PRIMARY KEY,
    name                     TEXT NOT NULL,
    builtin                  BIGINT NOT NULL DEFAULT 0,
    api_access               BIGINT NOT NULL,
    create_tokens_for_others BIGINT NOT NULL,
    impersonate              BIGINT NOT NULL,
    manage_users             BIGINT NOT NULL,
    manage_settings          BIGINT NOT NULL,
    view_audit               BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_by_name ON roles (lower(name));

INSERT INTO roles VALUES ('owner',  'Owner',         1, 1, 1, 1, 1, 1, 1);
INSERT INTO roles VALUES ('admin',  'Admin',         1, 1, 1, 1, 1, 0, 1);
INSERT INTO roles VALUES ('member', 'Member',        1, 1, 0, 0, 0, 0, 0);
INSERT INTO roles VALUES ('no_api', 'No API access', 1, 0, 0, 0, 0, 0, 0);

CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    name_key   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX tenants_by_name ON tenants (lower(name));
CREATE INDEX tenants_by_name_key ON tenants (name_key);

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    display_name     TEXT NOT NULL,
    email            TEXT,                      -- stored in lower case (validate::email)
    kind             TEXT NOT NULL CHECK (kind IN ('human', 'service')),
    role             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at       BIGINT NOT NULL,
    password_hash    TEXT,                      -- Argon2id, PHC string
    credential_epoch BIGINT NOT NULL DEFAULT 0,
    removed_at       BIGINT,
    active_tenant_id TEXT REFERENCES tenants (id)
);
CREATE UNIQUE INDEX users_by_email ON users (lower(email));
CREATE INDEX users_by_role ON users (role);

CREATE TABLE tenant_members (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX tenant_members_by_user ON tenant_members (user_id, tenant_id);

CREATE TABLE tokens (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id               TEXT NOT NULL UNIQUE,      -- UUIDv7, the public id
    owner_id         TEXT NOT NULL REFERENCES users (id),
    created_by       TEXT NOT NULL REFERENCES users (id),
    kind             TEXT NOT NULL CHECK (kind IN ('personal', 'impersonation', 'service')),
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT,                    -- NULL: never expires
    revoked_at       BIGINT,
    revoked_by       TEXT REFERENCES users (id),
    revoke_reason    TEXT,
    last_used_at     BIGINT,
    use_count        BIGINT NOT NULL DEFAULT 0,
    token_hash       BYTEA NOT NULL CHECK (length(token_hash) = 32),
    display_hint     TEXT NOT NULL,
    credential_epoch BIGINT,
    last_client      TEXT,
    last_user_agent  TEXT,
    scopes           TEXT,
    name_key         TEXT NOT NULL DEFAULT '',
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX tokens_by_hash ON tokens (token_hash);
CREATE UNIQUE INDEX tokens_live_name ON tokens (owner_id, lower(name)) WHERE revoked_at IS NULL;
CREATE INDEX tokens_live_name_key ON tokens (owner_id, name_key) WHERE revoked_at IS NULL;
-- One index per sort key, in the exact expression the list orders by (store/tokens.rs).
CREATE INDEX tokens_by_created ON tokens (owner_id, created_at, id);
CREATE INDEX tokens_by_name    ON tokens (owner_id, lower(name), id);
CREATE INDEX tokens_by_expires ON tokens (owner_id, coalesce(expires_at, 9223372036854775807), id);
CREATE INDEX tokens_by_used    ON tokens (owner_id, coalesce(last_used_at, 0), id);
CREATE INDEX tokens_by_status  ON tokens (owner_id, ((revoked_at IS NOT NULL)::int),
                                          (-coalesce(expires_at, 9223372036854775807)), id);
CREATE INDEX tokens_all_by_created ON tokens (created_at, id);
CREATE INDEX tokens_all_by_name    ON tokens (lower(name), id);
CREATE INDEX tokens_all_by_expires ON tokens (coalesce(expires_at, 9223372036854775807), id);
CREATE INDEX tokens_all_by_used    ON tokens (coalesce(last_used_at, 0), id);
CREATE INDEX tokens_all_by_status  ON tokens (((revoked_at IS NOT NULL)::int),
                                              (-coalesce(expires_at, 9223372036854775807)), id);

CREATE TABLE token_tenants (
    token_id  TEXT NOT NULL REFERENCES tokens (id),
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (token_id, tenant_id)
);

CREATE TABLE token_usage_daily (
    token_id TEXT NOT NULL REFERENCES tokens (id),
    day      BIGINT NOT NULL,                   -- days since the Unix epoch (UTC)
    count    BIGINT NOT NULL,
    PRIMARY KEY (token_id, day)
);

CREATE TABLE audit_events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    at         BIGINT NOT NULL,
    actor_id   TEXT NOT NULL,                   -- no foreign key: history outlives removed users
    subject_id TEXT NOT NULL,
    action     TEXT NOT NULL,
    target_id  TEXT,
    details    TEXT NOT NULL DEFAULT '{}',      -- JSON, never a secret
    prev_hash  BYTEA,
    hash       BYTEA
);
CREATE INDEX audit_by_target ON audit_events (target_id);
CREATE INDEX audit_by_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_by_subject ON audit_events (subject_id, seq);
CREATE INDEX audit_by_at ON audit_events (at);

-- The change feed. Writers hold the authority's write lock (engine.rs), so sequence numbers are
-- taken in commit order and a follower reading "seq > last seen" never skips a change.
CREATE TABLE changes (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('token.created', 'token', 'user', 'role', 'tenant', 'authority')),
    token_id  TEXT,
    user_id   TEXT,
    tenant_id TEXT,
    role_id   TEXT
);

-- The wake-up for the servers following the feed: delivered when the appending transaction
-- commits. It carries nothing; followers read the rows after the last one they applied.
CREATE FUNCTION tokendesk_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tokendesk_changes', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION tokendesk_notify_change();
