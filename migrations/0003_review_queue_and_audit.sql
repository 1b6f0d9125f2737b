-- Read models for reviewers, analysts and auditors: the review queue, decision counts per
-- policy and day, and an index of every ledger event by domain, account, subject, actor and time.
-- Portable SQL, like 0001: the same file runs on SQLite and PostgreSQL.

-- The review queue (projection review_queue): one entry per case and policy with detections
-- awaiting a decision, ordered by severity, then confidence, then how long it has waited.
CREATE TABLE review_policies (
    policy_id        TEXT NOT NULL UNIQUE,
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    severity         TEXT NOT NULL,
    severity_rank    INTEGER NOT NULL,
    retired          BOOLEAN NOT NULL,
    PRIMARY KEY (domain, policy_key)
);

CREATE TABLE review_decided (
    case_id            TEXT NOT NULL,
    policy_key         TEXT NOT NULL,
    live_decision_id   TEXT,
    PRIMARY KEY (case_id, policy_key)
);

CREATE TABLE review_queue (
    case_id              TEXT NOT NULL,
    policy_key           TEXT NOT NULL,
    domain               TEXT NOT NULL,
    subject_kind         TEXT NOT NULL,
    subject_id           TEXT NOT NULL,
    account_id           TEXT,
    severity             TEXT NOT NULL,
    severity_rank        INTEGER NOT NULL,
    policy_retired       BOOLEAN NOT NULL,
    max_confidence       DOUBLE PRECISION NOT NULL,
    detections           INTEGER NOT NULL,
    oldest_detected_at   TIMESTAMPTZ NOT NULL,
    enqueued_at          TIMESTAMPTZ NOT NULL,
    position             BIGINT NOT NULL,
    PRIMARY KEY (case_id, policy_key)
);
CREATE INDEX review_queue_order ON review_queue
    (policy_retired, severity_rank DESC, max_confidence DESC, oldest_detected_at, case_id, policy_key);
CREATE INDEX review_queue_domain ON review_queue
    (domain, policy_retired, severity_rank DESC, max_confidence DESC, oldest_detected_at, case_id, policy_key);
CREATE INDEX review_queue_policy ON review_queue
    (domain, policy_key, policy_retired, severity_rank DESC, max_confidence DESC, oldest_detected_at, case_id);

-- Decisions per domain, policy, UTC day, outcome and automation (projection decisions_by_policy).
CREATE TABLE decision_counts (
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    day              TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    automation       TEXT NOT NULL,
    decisions        INTEGER NOT NULL,
    superseded       INTEGER NOT NULL,
    reversed         INTEGER NOT NULL,
    PRIMARY KEY (domain, policy_key, day, outcome, automation)
);
CREATE INDEX decision_counts_day ON decision_counts (domain, day);

CREATE TABLE decision_count_cases (
    case_id          TEXT PRIMARY KEY,
    domain           TEXT NOT NULL
);

CREATE TABLE decision_count_decisions (
    decision_id      TEXT PRIMARY KEY,
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    day              TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    automation       TEXT NOT NULL
);

-- Every ledger event with what it touches (projection audit_trail): filtered `events` and
-- `auditTrail` read positions here, in ledger order.
CREATE TABLE event_index (
    position         BIGINT PRIMARY KEY,
    type             TEXT NOT NULL,
    stream_id        TEXT NOT NULL,
    domain           TEXT,
    account_id       TEXT,
    subject_key      TEXT,
    actor            TEXT NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL,
    summary          TEXT NOT NULL
);
CREATE INDEX event_index_domain ON event_index (domain, position);
CREATE INDEX event_index_account ON event_index (account_id, position);
CREATE INDEX event_index_subject ON event_index (subject_key, position);
CREATE INDEX event_index_actor ON event_index (actor, position);
CREATE INDEX event_index_type ON event_index (type, position);
CREATE INDEX event_index_time ON event_index (occurred_at, position);

-- What a stream, strike or penalty id touches, for the events that name only the id.
CREATE TABLE event_index_refs (
    ref_id           TEXT PRIMARY KEY,
    domain           TEXT,
    account_id       TEXT,
    subject_key      TEXT
);
