-- Names that look alike are the same name where names are unique (validate::name_key: case
-- folded, UTS #39 skeleton). Computed in Rust, so the migration's fixup fills existing rows;
-- uniqueness is checked in the writing transaction, as live names that already collide would
-- make a unique index fail the upgrade.
ALTER TABLE tokens ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX tokens_live_name_key ON tokens(owner_id, name_key) WHERE revoked_at IS NULL;
CREATE INDEX tenants_by_name_key ON tenants(name_key);
