-- Schema version 12: names sort the way people read them (validate::sort_key: case folded,
-- numbers by value), compared byte by byte. The key is computed in Rust, so opening an
-- authority fills the rows written before (store::tokens::fill_sort_keys).
ALTER TABLE tokens ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
DROP INDEX tokens_by_name;
DROP INDEX tokens_all_by_name;
CREATE INDEX tokens_by_sort_key ON tokens(owner_id, sort_key, id);
CREATE INDEX tokens_all_by_sort_key ON tokens(sort_key, id);
