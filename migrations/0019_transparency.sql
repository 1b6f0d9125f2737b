-- Transparency reports (DSA Art. 15 and 24, Implementing Regulation (EU) 2024/2835): each fact with the time it
-- happened, so that a report adds up a period at query time and a closed period always adds up the same.

CREATE TABLE transparency_policies (
    policy_id   TEXT PRIMARY KEY,
    domain      TEXT NOT NULL,
    policy_key  TEXT NOT NULL,
    category    TEXT NOT NULL
);

CREATE TABLE transparency_cases (
    case_id  TEXT PRIMARY KEY,
    domain   TEXT NOT NULL
);

CREATE TABLE transparency_decisions (
    decision_id          TEXT PRIMARY KEY,
    domain               TEXT NOT NULL,
    policy_key           TEXT NOT NULL,
    category             TEXT NOT NULL,
    source_type          TEXT NOT NULL,
    automated_detection  BOOLEAN NOT NULL,
    automation           TEXT NOT NULL,
    decided_at           TIMESTAMPTZ NOT NULL,
    position             BIGINT NOT NULL
);
CREATE INDEX transparency_decisions_decided ON transparency_decisions (decided_at);

CREATE TABLE transparency_restrictions (
    decision_id  TEXT NOT NULL,
    restriction  TEXT NOT NULL,
    PRIMARY KEY (decision_id, restriction)
);

CREATE TABLE transparency_notices (
    report_id        TEXT PRIMARY KEY,
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    category         TEXT NOT NULL,
    reporter_kind    TEXT NOT NULL,
    submitted_at     TIMESTAMPTZ NOT NULL,
    closed_at        TIMESTAMPTZ,
    outcome          TEXT,
    seconds_to_close DOUBLE PRECISION,
    position         BIGINT NOT NULL
);
CREATE INDEX transparency_notices_submitted ON transparency_notices (submitted_at);

CREATE TABLE transparency_appeals (
    appeal_id            TEXT PRIMARY KEY,
    decision_id          TEXT NOT NULL,
    domain               TEXT NOT NULL,
    category             TEXT NOT NULL,
    automation           TEXT NOT NULL,
    filed_at             TIMESTAMPTZ NOT NULL,
    resolved_at          TIMESTAMPTZ,
    outcome              TEXT,
    seconds_to_resolve   DOUBLE PRECISION,
    position             BIGINT NOT NULL
);
CREATE INDEX transparency_appeals_filed ON transparency_appeals (filed_at);

CREATE TABLE transparency_suspensions (
    position      BIGINT PRIMARY KEY,
    domain        TEXT,
    basis         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    suspended_at  TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ
);

CREATE TABLE transparency_strikes (
    strike_id    TEXT PRIMARY KEY,
    decision_id  TEXT NOT NULL
);

CREATE TABLE transparency_rules (
    rule_id     TEXT PRIMARY KEY,
    domain      TEXT NOT NULL,
    policy_key  TEXT NOT NULL,
    model       TEXT NOT NULL
);

CREATE TABLE transparency_evaluations (
    position        BIGINT PRIMARY KEY,
    rule_id         TEXT NOT NULL,
    evaluated_at    TIMESTAMPTZ NOT NULL,
    samples         INTEGER NOT NULL,
    precision_rate  DOUBLE PRECISION NOT NULL,
    recall_rate     DOUBLE PRECISION NOT NULL,
    kappa           DOUBLE PRECISION NOT NULL
);
CREATE INDEX transparency_evaluations_rule ON transparency_evaluations (rule_id, evaluated_at);
