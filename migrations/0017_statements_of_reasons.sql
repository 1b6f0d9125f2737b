-- DSA statements of reasons: one per decision that restricts something in the EEA, as the Transparency
-- Database takes it, and what the read model needs to make them.

CREATE TABLE statements_of_reasons (
    decision_id   TEXT PRIMARY KEY,
    puid          TEXT NOT NULL UNIQUE,
    domain        TEXT NOT NULL,
    policy_key    TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    account_id    TEXT,
    decided_at    TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL,
    corrected_at  TIMESTAMPTZ,
    statement     TEXT NOT NULL,
    position      BIGINT NOT NULL
);
CREATE INDEX statements_of_reasons_order ON statements_of_reasons (position);
CREATE INDEX statements_of_reasons_decided ON statements_of_reasons (decided_at);

CREATE TABLE sor_cases (
    case_id       TEXT PRIMARY KEY,
    domain        TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE sor_policies (
    policy_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    title          TEXT NOT NULL,
    text           TEXT NOT NULL,
    dsa_keywords   TEXT NOT NULL,
    legal_ground   TEXT,
    reference_url  TEXT,
    PRIMARY KEY (policy_id, version)
);

CREATE TABLE sor_appeals (
    appeal_id    TEXT PRIMARY KEY,
    decision_id  TEXT NOT NULL
);

CREATE TABLE sor_strikes (
    strike_id    TEXT PRIMARY KEY,
    decision_id  TEXT NOT NULL
);
