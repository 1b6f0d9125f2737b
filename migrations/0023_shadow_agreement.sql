-- Shadow agreement: every verdict an automation rule recorded, beside the human decision later made on its case.

CREATE TABLE rule_verdicts (
    rule_id          TEXT NOT NULL,
    detection_id     TEXT NOT NULL,
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    policy_version   INTEGER NOT NULL,
    case_id          TEXT NOT NULL,
    subject_kind     TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    account_id       TEXT,
    predicted        INTEGER NOT NULL,
    confidence       DOUBLE PRECISION,
    failed           BOOLEAN NOT NULL,
    outcome          TEXT NOT NULL,
    capped           TEXT,
    verdict_at       TIMESTAMPTZ NOT NULL,
    human            INTEGER,
    decision_id      TEXT,
    decided_at       TIMESTAMPTZ,
    position         BIGINT NOT NULL,
    PRIMARY KEY (rule_id, detection_id)
);
CREATE INDEX rule_verdicts_case ON rule_verdicts (case_id, policy_key);
CREATE INDEX rule_verdicts_period ON rule_verdicts (rule_id, verdict_at);
