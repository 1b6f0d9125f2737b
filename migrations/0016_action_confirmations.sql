-- Closing the loop: what each system owes each decision's actions (a confirmation that it applied them, and, once
-- the decision is reversed, that it undid them), and the cases' subjects that name them.

CREATE TABLE action_confirmations (
    decision_id       TEXT NOT NULL,
    action            TEXT NOT NULL,
    system            TEXT NOT NULL,
    idx               INTEGER NOT NULL,
    case_id           TEXT NOT NULL,
    domain            TEXT NOT NULL,
    subject_kind      TEXT NOT NULL,
    subject_id        TEXT NOT NULL,
    account_id        TEXT,
    policy_key        TEXT NOT NULL,
    within_minutes    INTEGER NOT NULL,
    apply_by          TIMESTAMPTZ,
    reverse_by        TIMESTAMPTZ,
    applied_at        TIMESTAMPTZ,
    applied_ref       TEXT,
    reversed_at       TIMESTAMPTZ,
    reversal_ref      TEXT,
    due_at            TIMESTAMPTZ,
    position          BIGINT NOT NULL,
    PRIMARY KEY (decision_id, action, system)
);
CREATE INDEX action_confirmations_due ON action_confirmations (due_at, decision_id, action, system)
    WHERE due_at IS NOT NULL;
CREATE INDEX action_confirmations_domain_due ON action_confirmations (domain, due_at, decision_id, action, system)
    WHERE due_at IS NOT NULL;

CREATE TABLE confirmation_cases (
    case_id       TEXT PRIMARY KEY,
    domain        TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    account_id    TEXT
);

-- Each policy's confirmation rules, as JSON: [{"action", "systems", "within_minutes"}].
ALTER TABLE policies ADD COLUMN confirmations TEXT NOT NULL DEFAULT '[]';
