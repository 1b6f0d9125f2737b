-- Penalties imposed by strike ladders, reversed decisions, and appeals.

CREATE TABLE penalties (
    penalty_id       TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    domain           TEXT NOT NULL,
    kind             TEXT NOT NULL,
    threshold        INTEGER NOT NULL,
    starts_at        TIMESTAMPTZ NOT NULL,
    ends_at          TIMESTAMPTZ,
    points_bound     BOOLEAN NOT NULL,
    cause_strike_id  TEXT NOT NULL,
    features         TEXT NOT NULL,
    lifted_at        TIMESTAMPTZ,
    lift_reason      TEXT
);
CREATE INDEX penalties_account ON penalties (account_id, starts_at);

ALTER TABLE decisions ADD COLUMN reversed_at TIMESTAMPTZ;
ALTER TABLE decisions ADD COLUMN reversal_reason TEXT;

CREATE TABLE appeals (
    appeal_id        TEXT PRIMARY KEY,
    decision_id      TEXT NOT NULL UNIQUE,
    case_id          TEXT NOT NULL,
    domain           TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    account_id       TEXT,
    policy_key       TEXT NOT NULL,
    statement        TEXT NOT NULL,
    status           TEXT NOT NULL,
    filed_at         TIMESTAMPTZ NOT NULL,
    filed_by         TEXT NOT NULL,
    window_ends_at   TIMESTAMPTZ NOT NULL,
    decided_by       TEXT NOT NULL,
    resolved_at      TIMESTAMPTZ,
    resolved_by      TEXT,
    rationale        TEXT,
    filed_position   BIGINT NOT NULL,
    position         BIGINT NOT NULL
);
CREATE INDEX appeals_queue ON appeals (status, domain, filed_position);
CREATE INDEX appeals_account ON appeals (account_id, filed_position);
