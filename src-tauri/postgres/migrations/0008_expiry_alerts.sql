-- Schema version 8: expiry alerts (SQLite's schema 13).
ALTER TABLE authority ADD COLUMN alert_first_days BIGINT NOT NULL DEFAULT 7;
ALTER TABLE authority ADD COLUMN alert_last_days BIGINT NOT NULL DEFAULT 1;
CREATE TABLE expiry_notices (
    user_id  TEXT NOT NULL REFERENCES users(id),
    token_id TEXT NOT NULL REFERENCES tokens(id),
    days     BIGINT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, token_id, days)
);
