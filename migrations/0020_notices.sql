-- Notices to people: one per restrictive decision to the affected account, one per closed report to its
-- reporter, and whether the notification service delivered it.

CREATE TABLE notices (
    notice_id        TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    recipient_kind   TEXT NOT NULL,
    recipient_id     TEXT NOT NULL,
    domain           TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    decision_id      TEXT NOT NULL,
    report_id        TEXT,
    policy_key       TEXT NOT NULL,
    policy_version   INTEGER NOT NULL,
    outcome          TEXT NOT NULL,
    automation       TEXT NOT NULL,
    territories      TEXT NOT NULL,
    appeal_deadline  TIMESTAMPTZ,
    language         TEXT NOT NULL,
    text             TEXT NOT NULL,
    issued_at        TIMESTAMPTZ NOT NULL,
    status           TEXT NOT NULL,
    channel          TEXT,
    delivered_at     TIMESTAMPTZ,
    position         BIGINT NOT NULL
);
CREATE INDEX notices_order ON notices (position);
CREATE INDEX notices_recipient ON notices (recipient_id, position);
CREATE INDEX notices_decision ON notices (decision_id);
