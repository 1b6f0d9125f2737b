-- Bulk decisions: each batch's progress, and what became of each of its subjects.

CREATE TABLE batches (
    batch_id            TEXT PRIMARY KEY,
    domain              TEXT NOT NULL,
    policy_key          TEXT NOT NULL,
    outcome             TEXT NOT NULL,
    actions             TEXT NOT NULL,
    rationale           TEXT NOT NULL,
    status              TEXT NOT NULL,
    total               INTEGER NOT NULL,
    decided             INTEGER NOT NULL,
    skipped             INTEGER NOT NULL,
    failed              INTEGER NOT NULL,
    reversed            INTEGER NOT NULL,
    kept                INTEGER NOT NULL,
    started_at          TIMESTAMPTZ NOT NULL,
    started_by          TEXT NOT NULL,
    completed_at        TIMESTAMPTZ,
    reversal_rationale  TEXT,
    reversal_started_at TIMESTAMPTZ,
    reversed_by         TEXT,
    reversed_at         TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL,
    position            BIGINT NOT NULL
);
CREATE INDEX batches_status ON batches (status, updated_at);

CREATE TABLE batch_subjects (
    batch_id      TEXT NOT NULL,
    idx           INTEGER NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    status        TEXT NOT NULL,
    decision_id   TEXT,
    reason        TEXT,
    position      BIGINT NOT NULL,
    PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_subjects_status ON batch_subjects (batch_id, status, idx);
