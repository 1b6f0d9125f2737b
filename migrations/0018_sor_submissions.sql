-- What the DSA Transparency Database was sent of each statement of reasons and what it answered (docket submit-sor).

CREATE TABLE sor_submissions (
    submission_id  TEXT PRIMARY KEY,
    puid           TEXT NOT NULL UNIQUE,
    decision_id    TEXT NOT NULL,
    domain         TEXT NOT NULL,
    status         TEXT NOT NULL,
    requests       INTEGER NOT NULL,
    database_uuid  TEXT,
    reason         TEXT,
    sent_at        TIMESTAMPTZ NOT NULL,
    submitted_at   TIMESTAMPTZ,
    position       BIGINT NOT NULL
);
CREATE INDEX sor_submissions_status ON sor_submissions (status);
