-- The first read models: the policy catalog, case status and account standing.
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids are text, JSON is text,
-- timestamps are UTC.

CREATE TABLE projection_positions (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE policies (
    policy_id        TEXT NOT NULL UNIQUE,
    domain           TEXT NOT NULL,
    key              TEXT NOT NULL,
    version          INTEGER NOT NULL,
    title            TEXT NOT NULL,
    text             TEXT NOT NULL,
    severity         TEXT NOT NULL,
    strike_points    INTEGER NOT NULL,
    allowed_actions  TEXT NOT NULL,
    dsa_category     TEXT NOT NULL,
    dsa_ground       TEXT NOT NULL,
    zero_tolerance   BOOLEAN NOT NULL,
    retired          BOOLEAN NOT NULL,
    published_at     TIMESTAMPTZ NOT NULL,
    published_by     TEXT NOT NULL,
    PRIMARY KEY (domain, key)
);

CREATE TABLE cases (
    case_id          TEXT PRIMARY KEY,
    domain           TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    account_id       TEXT,
    status           TEXT NOT NULL,
    opened_at        TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    last_position    BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_subject ON cases (domain, subject_kind, subject_id);
CREATE INDEX cases_account ON cases (account_id);
CREATE INDEX cases_status ON cases (domain, status);

CREATE TABLE case_policies (
    case_id             TEXT NOT NULL,
    policy_key          TEXT NOT NULL,
    detections          INTEGER NOT NULL,
    live_decision_id    TEXT,
    live_outcome        TEXT,
    PRIMARY KEY (case_id, policy_key)
);

CREATE TABLE detections (
    detection_id     TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL,
    domain           TEXT NOT NULL,
    account_id       TEXT,
    policy_key       TEXT NOT NULL,
    policy_version   INTEGER NOT NULL,
    source           TEXT NOT NULL,
    external_id      TEXT NOT NULL,
    confidence       DOUBLE PRECISION NOT NULL,
    model            TEXT,
    content_type     TEXT NOT NULL,
    content_uri      TEXT,
    content_hash     TEXT,
    content_version  TEXT,
    automated        BOOLEAN NOT NULL,
    detected_at      TIMESTAMPTZ NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    position         BIGINT NOT NULL
);
CREATE INDEX detections_case ON detections (case_id, position);

CREATE TABLE decisions (
    decision_id      TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL,
    domain           TEXT NOT NULL,
    account_id       TEXT,
    policy_key       TEXT NOT NULL,
    policy_version   INTEGER NOT NULL,
    outcome          TEXT NOT NULL,
    actions          TEXT NOT NULL,
    detection_ids    TEXT NOT NULL,
    content_uri      TEXT,
    content_hash     TEXT,
    content_version  TEXT,
    rationale        TEXT NOT NULL,
    automation       TEXT NOT NULL,
    dsa_category     TEXT NOT NULL,
    dsa_ground       TEXT NOT NULL,
    live             BOOLEAN NOT NULL,
    superseded_by    TEXT,
    strike_id        TEXT,
    decided_at       TIMESTAMPTZ NOT NULL,
    decided_by       TEXT NOT NULL,
    position         BIGINT NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, position);
CREATE INDEX decisions_policy ON decisions (domain, policy_key, decided_at);

CREATE TABLE accounts (
    account_id       TEXT PRIMARY KEY,
    stream_id        TEXT NOT NULL UNIQUE,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE strikes (
    strike_id        TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    policy_version   INTEGER NOT NULL,
    points           INTEGER NOT NULL,
    decision_id      TEXT NOT NULL,
    case_id          TEXT NOT NULL,
    issued_at        TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    removed_at       TIMESTAMPTZ,
    removal_reason   TEXT
);
CREATE INDEX strikes_account ON strikes (account_id, issued_at);
