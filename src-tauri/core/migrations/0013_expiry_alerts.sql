-- Schema version 13: expiry alerts. When they come (days before a token expires), and who
-- has heard about which token at which threshold, so each is announced once — not on every
-- launch, nor by every app a person runs.
ALTER TABLE authority ADD COLUMN alert_first_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE authority ADD COLUMN alert_last_days INTEGER NOT NULL DEFAULT 1;
CREATE TABLE expiry_notices (
    user_id  TEXT NOT NULL REFERENCES users(id),
    token_id TEXT NOT NULL REFERENCES tokens(id),
    days     INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (user_id, token_id, days)
);
