-- Signed webhooks: the endpoints (a read model of the ledger's Webhook events), their signing secrets (kept here,
-- never in the ledger), and what `docket deliver` has to send, has sent and where it stands in the ledger.

CREATE TABLE webhooks (
    webhook_id         TEXT PRIMARY KEY,
    url                TEXT NOT NULL,
    domains            TEXT NOT NULL,
    event_types        TEXT NOT NULL,
    description        TEXT NOT NULL,
    enabled            BOOLEAN NOT NULL,
    disabled_reason    TEXT,
    secret_version     INTEGER NOT NULL,
    secret_fingerprint TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    created_by         TEXT NOT NULL,
    created_position   BIGINT NOT NULL,
    position           BIGINT NOT NULL
);

CREATE TABLE webhook_secrets (
    webhook_id  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    PRIMARY KEY (webhook_id, version)
);

CREATE TABLE webhook_feed (
    name      TEXT PRIMARY KEY,
    position  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    webhook_id       TEXT NOT NULL,
    position         BIGINT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    subject_key      TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    failures         INTEGER NOT NULL,
    next_attempt_at  TIMESTAMPTZ,
    enqueued_at      TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error       TEXT,
    PRIMARY KEY (webhook_id, position)
);
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (status, webhook_id, subject_key, position);

CREATE TABLE webhook_attempts (
    webhook_id       TEXT NOT NULL,
    position         BIGINT NOT NULL,
    attempt          INTEGER NOT NULL,
    attempted_at     TIMESTAMPTZ NOT NULL,
    status_code      INTEGER,
    latency_ms       DOUBLE PRECISION NOT NULL,
    response_excerpt TEXT,
    error            TEXT,
    next_attempt_at  TIMESTAMPTZ,
    PRIMARY KEY (webhook_id, position, attempt)
);

CREATE TABLE webhook_health (
    webhook_id      TEXT PRIMARY KEY,
    failing_since   TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ
);
