-- Schema version 2: roles and permissions, passwords, user removal, credential epochs (tokens
-- obtained by credential exchange stop working when the password changes), settings, and the
-- hash chain of the audit log (filled in for existing events by the migration code in Rust).

CREATE TABLE roles (
    id                       TEXT PRIMARY KEY,
    name                     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    builtin                  INTEGER NOT NULL DEFAULT 0,
    api_access               INTEGER NOT NULL,
    create_tokens_for_others INTEGER NOT NULL,
    impersonate              INTEGER NOT NULL,
    manage_users             INTEGER NOT NULL,
    manage_settings          INTEGER NOT NULL,
    view_audit               INTEGER NOT NULL
);

INSERT INTO roles VALUES ('owner',  'Owner',         1, 1, 1, 1, 1, 1, 1);
INSERT INTO roles VALUES ('admin',  'Admin',         1, 1, 1, 1, 1, 0, 1);
INSERT INTO roles VALUES ('member', 'Member',        1, 1, 0, 0, 0, 0, 0);
INSERT INTO roles VALUES ('no_api', 'No API access', 1, 0, 0, 0, 0, 0, 0);

ALTER TABLE users ADD COLUMN password_hash TEXT;                        -- Argon2id, PHC string
ALTER TABLE users ADD COLUMN credential_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN removed_at INTEGER;                        -- kept for history
CREATE INDEX users_by_role ON users(role);

-- Set only on tokens from credential exchange: valid while equal to the owner's epoch.
ALTER TABLE tokens ADD COLUMN credential_epoch INTEGER;

ALTER TABLE authority ADD COLUMN only_owners_create_tokens INTEGER NOT NULL DEFAULT 0;
-- HMAC (authority hash key) over the newest audit hash and the event count: a rewrite of the
-- whole chain by someone without the keyring is detected too.
ALTER TABLE authority ADD COLUMN audit_head_mac BLOB;

ALTER TABLE audit_events ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_events ADD COLUMN hash BLOB;
CREATE INDEX audit_by_actor ON audit_events(actor_id, seq);
CREATE INDEX audit_by_subject ON audit_events(subject_id, seq);
CREATE INDEX audit_by_at ON audit_events(at);

-- "All authorizations" across owners: the same sort keys as the per-owner indexes, without it.
CREATE INDEX tokens_all_by_created ON tokens(created_at, id);
CREATE INDEX tokens_all_by_name    ON tokens(name, id);
CREATE INDEX tokens_all_by_expires ON tokens(coalesce(expires_at, 9223372036854775807), id);
CREATE INDEX tokens_all_by_used    ON tokens(coalesce(last_used_at, 0), id);
CREATE INDEX tokens_all_by_status  ON tokens(revoked_at IS NOT NULL,
                                            -coalesce(expires_at, 9223372036854775807), id);
