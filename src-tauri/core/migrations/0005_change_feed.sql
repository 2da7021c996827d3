-- The change feed: every transaction that can change a verification answer, or anything a
-- process caches, appends one row here in the same transaction. Followers (the verification
-- cache of every process on this database) read the rows after the last sequence number they
-- applied and drop exactly what each change affects. AUTOINCREMENT: a sequence number is never
-- reused, even after old rows are pruned, so "seq > last seen" never misses a change.
CREATE TABLE changes (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('token.created', 'token', 'user', 'role', 'tenant', 'authority')),
  token_id  TEXT,
  user_id   TEXT,
  tenant_id TEXT,
  role_id   TEXT
);

-- A first run in progress: the authority id whose hash key may already be in the keyring. It
-- is committed before the key is written, so a first run killed after writing the key finds
-- and reuses that entry; the row goes in the transaction that creates the authority.
CREATE TABLE first_run (
  only_row     INTEGER PRIMARY KEY CHECK (only_row = 1),
  authority_id TEXT NOT NULL
);
