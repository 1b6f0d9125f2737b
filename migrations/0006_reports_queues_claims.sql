-- Human review: reports (notices) and their reporters, named queues with a routing table, claims
-- with leases, case notes, and a log of queue work for the operations figures.
-- Portable SQL, like 0001: the same file runs on SQLite and PostgreSQL.

-- Cases (projection case_status) remember the position that opened them, the order case search lists them in;
-- cases projected before this migration list first until `docket rebuild` fills it in.
ALTER TABLE cases ADD COLUMN opened_position BIGINT NOT NULL DEFAULT 0;
CREATE INDEX cases_opened ON cases (opened_position, case_id);

-- The review queue's entries (projection review_queue) also wait on reports now, and carry what
-- routing and the in-queue order look at.
ALTER TABLE review_queue ADD COLUMN reports INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_queue ADD COLUMN reporter_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_queue ADD COLUMN reporter_kinds TEXT NOT NULL DEFAULT '';
ALTER TABLE review_queue ADD COLUMN sources TEXT NOT NULL DEFAULT '';
ALTER TABLE review_queue ADD COLUMN queue TEXT;
ALTER TABLE review_queue ADD COLUMN escalated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE review_queue ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
CREATE INDEX review_queue_in_queue ON review_queue
    (queue, policy_retired, priority DESC, severity_rank DESC, reporter_rank DESC, max_confidence DESC);

CREATE TABLE review_queues (
    name             TEXT PRIMARY KEY,
    domain           TEXT NOT NULL,
    description      TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       TEXT NOT NULL,
    position         BIGINT NOT NULL
);

CREATE TABLE review_routing (
    id               INTEGER PRIMARY KEY,
    rules            TEXT NOT NULL,
    default_queue    TEXT NOT NULL,
    changed_at       TIMESTAMPTZ NOT NULL,
    changed_by       TEXT NOT NULL
);

CREATE TABLE review_claims (
    case_id          TEXT PRIMARY KEY,
    queue            TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    holder           TEXT NOT NULL,
    claimed_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_claims_holder ON review_claims (holder);

CREATE TABLE review_skips (
    case_id          TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    reviewer         TEXT NOT NULL,
    PRIMARY KEY (case_id, policy_key, reviewer)
);

CREATE TABLE review_notes (
    position         BIGINT PRIMARY KEY,
    case_id          TEXT NOT NULL,
    policy_key       TEXT,
    kind             TEXT NOT NULL,
    note             TEXT NOT NULL,
    queue            TEXT,
    priority         INTEGER,
    actor            TEXT NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_notes_case ON review_notes (case_id, position);

CREATE TABLE review_log (
    position         BIGINT NOT NULL,
    kind             TEXT NOT NULL,
    case_id          TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    queue            TEXT NOT NULL,
    reviewer         TEXT,
    occurred_at      TIMESTAMPTZ NOT NULL,
    handling_seconds DOUBLE PRECISION,
    PRIMARY KEY (position, kind, case_id, policy_key)
);
CREATE INDEX review_log_queue ON review_log (queue, kind, occurred_at);
CREATE INDEX review_log_reviewer ON review_log (reviewer, kind, occurred_at);

-- Reports and reporters (projection reports).
CREATE TABLE reports (
    report_id        TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL,
    domain           TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    account_id       TEXT,
    policy_key       TEXT NOT NULL,
    reporter_id      TEXT NOT NULL,
    reporter_kind    TEXT NOT NULL,
    text             TEXT NOT NULL,
    content_uri      TEXT,
    content_hash     TEXT,
    content_version  TEXT,
    status           TEXT NOT NULL,
    outcome          TEXT,
    decision_id      TEXT,
    told             TEXT,
    submitted_at     TIMESTAMPTZ NOT NULL,
    submitted_by     TEXT NOT NULL,
    closed_at        TIMESTAMPTZ,
    position         BIGINT NOT NULL
);
CREATE INDEX reports_case ON reports (case_id, position);
CREATE INDEX reports_reporter ON reports (reporter_id, position);

CREATE TABLE reporters (
    reporter_id      TEXT PRIMARY KEY,
    stream_id        TEXT NOT NULL UNIQUE,
    kind             TEXT,
    reports          INTEGER NOT NULL,
    closed           INTEGER NOT NULL,
    upheld           INTEGER NOT NULL,
    warnings         INTEGER NOT NULL,
    last_warned_at   TIMESTAMPTZ,
    last_warning     TEXT,
    suspended_at     TIMESTAMPTZ,
    suspended_until  TIMESTAMPTZ,
    suspension       TEXT
);
