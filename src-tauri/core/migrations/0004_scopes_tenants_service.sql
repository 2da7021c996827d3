-- Schema version 4: scopes and tenants on tokens, and the embedded verification service's settings.

-- NULL: the token has its owner's full rights. Otherwise the space-separated read-only scopes it
-- is limited to (`users:read tokens:read audit:read introspect`), like OAuth's `scope`.
ALTER TABLE tokens ADD COLUMN scopes TEXT;

-- Tenants (clients, companies). A user belongs to any number; one of them is active.
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);
CREATE TABLE tenant_members (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_id   TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (tenant_id, user_id)
) WITHOUT ROWID;
CREATE INDEX tenant_members_by_user ON tenant_members(user_id, tenant_id);
ALTER TABLE users ADD COLUMN active_tenant_id TEXT REFERENCES tenants(id);

-- A token restricted to some of its owner's tenants; no rows means "all of the owner's tenants".
CREATE TABLE token_tenants (
    token_id  TEXT NOT NULL REFERENCES tokens(id),
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    PRIMARY KEY (token_id, tenant_id)
) WITHOUT ROWID;

-- The verification service inside the desktop app (the headless `tokendesk serve` takes flags).
ALTER TABLE authority ADD COLUMN service_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE authority ADD COLUMN service_bind TEXT NOT NULL DEFAULT '127.0.0.1:7878';
ALTER TABLE authority ADD COLUMN service_extra_schemes TEXT NOT NULL DEFAULT '';  -- space-separated
