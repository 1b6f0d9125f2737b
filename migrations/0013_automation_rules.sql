-- Automation rules: each rule's settings, mode, latest evaluation and live figures.

CREATE TABLE automation_rules (
    rule_id          TEXT PRIMARY KEY,
    domain           TEXT NOT NULL,
    policy_key       TEXT NOT NULL,
    model            TEXT NOT NULL,
    settings         TEXT NOT NULL,
    policy_version   INTEGER NOT NULL,
    mode             TEXT NOT NULL,
    mode_reason      TEXT NOT NULL,
    mode_changed_at  TIMESTAMPTZ NOT NULL,
    mode_changed_by  TEXT NOT NULL,
    evaluation       TEXT,
    evaluated_at     TIMESTAMPTZ,
    verdicts         INTEGER NOT NULL,
    violations       INTEGER NOT NULL,
    failures         INTEGER NOT NULL,
    queued           INTEGER NOT NULL,
    decided          INTEGER NOT NULL,
    configured_at    TIMESTAMPTZ NOT NULL,
    configured_by    TEXT NOT NULL,
    position         BIGINT NOT NULL
);
CREATE INDEX automation_rules_policy ON automation_rules (domain, policy_key);
