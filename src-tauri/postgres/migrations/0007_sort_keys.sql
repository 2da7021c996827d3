-- Schema version 7: names sort the way people read them (SQLite's schema 12). COLLATE "C"
-- compares bytes, as SQLite does, whatever the database's locale; opening an authority fills
-- the rows written before (store::tokens::fill_sort_keys).
ALTER TABLE tokens ADD COLUMN sort_key TEXT COLLATE "C" NOT NULL DEFAULT '';
DROP INDEX tokens_by_name;
DROP INDEX tokens_all_by_name;
CREATE INDEX tokens_by_sort_key ON tokens (owner_id, sort_key, id);
CREATE INDEX tokens_all_by_sort_key ON tokens (sort_key, id);
