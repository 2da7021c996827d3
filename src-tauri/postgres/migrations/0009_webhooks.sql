-- Schema version 9: webhooks (SQLite's schema 14). The endpoints owners configure, and the outbox: one row per
-- message and endpoint, written in the transaction of the change it reports, so none is lost
-- and none is sent for a change that rolled back. An endpoint's secret is derived from the
-- authority's secret and `salt` (as signing keys are); it is never stored.
CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    events      TEXT NOT NULL,            -- space-separated event types
    enabled     BIGINT NOT NULL DEFAULT 1,
    salt        BYTEA NOT NULL,
    old_salt    BYTEA,                     -- the secret before the last roll…
    old_until   BIGINT,                  -- …also signs until then
    rolled_at   BIGINT,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users(id)
);
CREATE TABLE webhook_deliveries (
    message_id  TEXT NOT NULL,            -- webhook-id: the same on every attempt
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event       TEXT NOT NULL,
    token_id    TEXT NOT NULL,
    token_name  TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    status      TEXT NOT NULL,            -- pending, delivered, failed
    attempts    BIGINT NOT NULL DEFAULT 0,
    next_at     BIGINT,                  -- the next attempt; NULL once delivered or failed
    lease_until BIGINT,                  -- a server is sending it until then
    last_at     BIGINT,
    last_status BIGINT,
    last_error  TEXT,
    PRIMARY KEY (message_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_at) WHERE next_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, created_at);
-- The expiry events raised so far, so the server's sweep raises each once per threshold.
CREATE TABLE webhook_token_events (
    token_id TEXT NOT NULL,
    event    TEXT NOT NULL,
    days     BIGINT NOT NULL,            -- the threshold; 0 for token.expired
    at       BIGINT NOT NULL,
    PRIMARY KEY (token_id, event, days)
);
