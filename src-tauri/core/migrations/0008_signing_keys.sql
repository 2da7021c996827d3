-- Schema version 8: the keys that sign JWT access tokens (token exchange). Only public parts:
-- each private key is derived from the authority's secret (keyring or key file) and `salt`,
-- so every server with that secret signs with the same key and none is ever stored here.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,         -- RFC 7638 thumbprint of the public key
    salt       BLOB NOT NULL,            -- 16 random bytes, input of the derivation
    public_key BLOB NOT NULL,            -- Ed25519, 32 bytes
    created_at INTEGER NOT NULL,
    retired_at INTEGER                   -- no longer signs from then on; NULL: the current key
);
CREATE INDEX signing_keys_by_created ON signing_keys(created_at);
